"""History, growth and summarize from Python: the same library calls as the CLI, checked against
pyarrow computing the same numbers from the data files."""

import datetime as dt
import shutil

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

import scanlake


def _usage_by(lake, group):
    """objects and bytes per (acq, group), computed by pyarrow from the data files."""
    files = [f["path"] for f in lake.files.to_pylist()]
    table = ds.dataset(files, format="parquet", partitioning="hive").to_table(columns=["acq", group, "size"])
    table = table.append_column("n", pc.cast(pc.fill_null(table["size"], 0), "int64"))
    out = table.group_by(["acq", group]).aggregate([("n", "count"), ("n", "sum")])
    return {(str(r["acq"]), r[group]): (r["n_count"], r["n_sum"]) for r in out.to_pylist()}


def test_history_matches_pyarrow_and_says_where_it_reads(lake):
    table = lake.history(by="fileset", progress=False)
    got = {(str(r["acq"]), r["fileset"]): (r["objects"], r["bytes"]) for r in table.to_pylist()}
    want = _usage_by(lake, "fileset")
    assert {k: v for k, v in got.items() if v != (0, 0)} == want
    first = [r for r in table.to_pylist() if r["acq"] == dt.date(2026, 11, 1)]
    assert first and all(r["bytes_change"] is None for r in first)
    later = {r["fileset"]: r for r in table.to_pylist() if r["acq"] == dt.date(2026, 11, 8)}
    for (acq, fileset), (_, size) in want.items():
        if acq == "2026-11-08" and ("2026-11-01", fileset) in want:
            assert later[fileset]["bytes_change"] == size - want[("2026-11-01", fileset)][1]
    assert "answered from the usage summaries" in lake.explain("history", by="fileset")
    said = lake.explain("history", by="fileset", name="*.dat")
    assert "reads rows, not usage summaries: summaries cannot decide a name glob" in said
    assert lake.history(by="fileset", from_rows=True, progress=False).equals(table)


def test_growth_ranks_by_the_change_in_bytes(lake):
    table = lake.growth(by="uid", n=5, progress=False)
    rows = table.to_pylist()
    assert len(rows) == 5
    changes = [r["bytes_change"] for r in rows]
    assert changes == sorted(changes, reverse=True)
    want = _usage_by(lake, "uid")
    for r in rows:
        before = want.get(("2026-11-01", r["uid"]), (0, 0))[1]
        after = want.get(("2026-11-08", r["uid"]), (0, 0))[1]
        assert (r["bytes_from"], r["bytes_to"], r["bytes_change"]) == (before, after, after - before)
    with pytest.raises(scanlake.OptionError) as e:
        lake.growth(from_="2026-11-08", to="2026-11-01")
    assert e.value.option == "from"


def test_summarize_gives_older_datasets_their_summaries(lake, tmp_path):
    copy = tmp_path / "lake"
    shutil.copytree(lake.path, copy)
    assert scanlake.Dataset(copy).summarize(progress=False) == {"summarized": 0, "present": 2, "unfit": 0}


def test_quota_puts_each_entry_beside_the_scans_usage(lake):
    files = [f["path"] for f in lake.files.to_pylist()]
    t = ds.dataset(files, format="parquet", partitioning="hive").to_table(columns=["acq", "fileset", "uid", "kballoc"])
    latest = t.filter(pc.equal(pc.cast(t["acq"], "string"), "2026-11-08"))
    fileset = latest["fileset"][0].as_py()
    uid = latest["uid"][0].as_py()
    def allocated(mask):
        return pc.sum(pc.fill_null(pc.cast(latest.filter(mask)["kballoc"], "int64"), 0)).as_py() * 1024
    header = "mmrepquota::HEADER:version:reserved:reserved:filesystemName:quotaType:id:name:blockUsage:blockQuota:blockLimit:blockInDoubt:blockGrace:filesUsage:filesQuota:filesLimit:filesInDoubt:filesGrace:remarks:quota:defQuota:fid:filesetname:"
    text = "\n".join([
        header,
        f"mmrepquota::0:1:::fs1:FILESET:7:{fileset}:100:50:200:0:none:1:0:0:0:none:i:on:off:::",
        f"mmrepquota::0:1:::fs1:USR:{uid}::100:0:1000:0:none:1:0:0:0:none:i:on:off::{fileset}:",
        "mmrepquota::0:1:::fs1:USR:oops",
        "",
    ])
    table = lake.quota(text, progress=False)
    rows = {r["type"]: r for r in table.to_pylist()}
    assert rows["fileset"]["scan_allocated"] == allocated(pc.equal(latest["fileset"], fileset))
    both = pc.and_(pc.equal(latest["fileset"], fileset), pc.equal(latest["uid"], uid))
    assert rows["user"]["scan_allocated"] == allocated(both)
    assert rows["fileset"]["bytes_pct"] == 200.0  # 100 KiB of a 50 KiB quota
    assert rows["fileset"]["growth_per_week"] is not None
    assert len(lake.quota(text, over=150, progress=False)) == 1


def _rows(lake, acq, columns):
    files = [f["path"] for f in lake.files.to_pylist()]
    table = ds.dataset(files, format="parquet", partitioning="hive").to_table(columns=["acq", *columns])
    return [r for r in table.to_pylist() if str(r["acq"]) == acq]


def test_top_files_and_duplicates_match_pyarrow(lake):
    rows = _rows(lake, "2026-11-08", ["path", "kind", "size", "nlink", "inode", "gen", "snapshot"])
    files = [r for r in rows if r["kind"] == "file" and r["size"] is not None]
    top = lake.top("files", by="size", n=5, acq="2026-11-08", progress=False).to_pylist()
    want = sorted(files, key=lambda r: (-r["size"], r["path"].encode()))[:5]
    assert [(r["path"], r["size"]) for r in top] == [(r["path"], r["size"]) for r in want]
    groups = {}
    for i, r in enumerate(files):
        if r["size"] > 0:
            ident = (r["inode"], r["gen"], r["snapshot"]) if r["nlink"] != 1 else i
            groups.setdefault((r["path"].rsplit("/", 1)[-1], r["size"]), set()).add(ident)
    saved = sorted((size * (len(ids) - 1), name) for (name, size), ids in groups.items() if len(ids) > 1)
    got = lake.duplicates(n=1000, acq="2026-11-08", progress=False).to_pylist()
    assert sorted((r["bytes_saved"], r["name"]) for r in got) == saved
    assert [r["bytes_saved"] for r in got] == sorted((r["bytes_saved"] for r in got), reverse=True)


def test_export_tree_holds_every_row_of_the_scan(lake, tmp_path):
    import json

    out = tmp_path / "tree.json"
    said = lake.export_tree(out, acq="2026-11-08", progress=False)
    tree = json.loads(out.read_bytes().decode("utf-8", "surrogateescape"))
    assert tree[:2] == [1, 2] and tree[2]["progname"] == "scanlake"

    def walk(node, counts):
        counts["dirs"] += 1
        for child in node[1:]:
            if isinstance(child, list):
                walk(child, counts)
            else:
                counts["files" if not child.get("notreg") else "others"] += 1
                counts["bytes"] += child.get("asize", 0)
        return counts

    counts = walk(tree[3], {"dirs": 0, "files": 0, "others": 0, "bytes": 0})
    rows = _rows(lake, "2026-11-08", ["kind", "size"])
    assert counts["files"] + counts["others"] == sum(1 for r in rows if r["kind"] != "dir")
    assert counts["bytes"] == sum(r["size"] or 0 for r in rows if r["kind"] != "dir")
    assert (said["files"] + said["others"], said["directories"]) == (counts["files"] + counts["others"], counts["dirs"])
