"""bin/run-scan: the arguments mmapplypolicy gets, the list file's name and content, and that the
list converts with scanlake into exactly the tree's objects."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from conftest import POLICY, run, walk, require  # noqa: F401

RUN_SCAN = POLICY / "bin" / "run-scan"


def today():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")


def test_it_runs_the_template_deferred_and_names_the_list_after_device_and_date(stand_in, tmp_path):
    out = run(RUN_SCAN, "-N", "scanners", "-g", "/gpfs/fs1/.tmp", "fs1", tmp_path / "scans")
    prefix = tmp_path / "scans" / f"fs1.{today()}"
    assert out.stdout.decode().strip() == f"{prefix}.list.files"
    assert stand_in() == [
        ["fs1", "-P", str(POLICY / "policies" / "list-files.pol"), "-I", "defer", "-f", str(prefix),
         "-N", "scanners", "-g", "/gpfs/fs1/.tmp"]
    ]


def test_a_rerun_the_same_day_replaces_the_list_instead_of_appending(stand_in, tmp_path):
    first = Path(run(RUN_SCAN, "fs1", tmp_path).stdout.decode().strip()).read_bytes()
    second = Path(run(RUN_SCAN, "fs1", tmp_path).stdout.decode().strip()).read_bytes()
    assert first and first.count(b"\n") == second.count(b"\n")


def test_each_line_is_one_object_escaped_as_the_template_says(stand_in, tree, tmp_path):
    listing = Path(run(RUN_SCAN, "-p", "objects", "fs1", tmp_path).stdout.decode().strip())
    assert listing.name == f"fs1.{today()}.list.objects"
    lines = listing.read_bytes().split(b"\n")[:-1]
    # A newline, spaces, `|` and ` -- ` in names never split or confuse a line.
    assert len(lines) == len(walk(tree, with_dirs=True))
    assert all(line.count(b" -- ") == 1 and b"|" not in line for line in lines)
    assert any(line.endswith(b"/new%0Aline") for line in lines)
    assert any(line.endswith(b"/latin1-%E9t%E9/bad-%FF%FE.bin") for line in lines)


@pytest.mark.parametrize(
    "args, message",
    [
        (["-p", "../../etc/passwd", "fs1", "OUT"], "unknown policy"),
        (["fs1"], "run-scan"),
        (["-x", "fs1", "OUT"], "run-scan"),
    ],
)
def test_wrong_arguments_are_refused_before_mmapplypolicy_runs(stand_in, tmp_path, args, message):
    out = run(RUN_SCAN, *[str(tmp_path) if a == "OUT" else a for a in args], check=False)
    assert out.returncode != 0 and message in out.stderr.decode()
    assert stand_in() == []


def test_without_mmapplypolicy_it_says_where_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("MMAPPLYPOLICY", raising=False)
    out = run(RUN_SCAN, "fs1", tmp_path, check=False)
    assert out.returncode == 1
    assert "mmapplypolicy not found (run this on a GPFS node" in out.stderr.decode()


@pytest.mark.parametrize("policy, with_dirs", [("files", False), ("objects", True)])
def test_the_list_converts_into_exactly_the_trees_objects(
    stand_in, tree, tmp_path, scanlake_cmd, policy, with_dirs
):
    pq = pytest.importorskip("pyarrow.parquet")
    listing = run(RUN_SCAN, "-p", policy, "fs1", tmp_path / "scans").stdout.decode().strip()
    lake = tmp_path / "lake"
    summary = json.loads(run(scanlake_cmd, "convert", listing, "-o", lake, "--json").stdout)
    # Every line is a row: no reject, nothing skipped.
    assert summary["lines"] == summary["rows"] == len(walk(tree, with_dirs))
    files = sorted(lake.glob("acq=*/tld=*/*.parquet"))
    assert files, "scanlake wrote data files"
    rows = {}
    for f in files:
        t = pq.read_table(f, columns=["path", "path_bytes", "kind", "size", "uid"]).to_pylist()
        for r in t:
            path = r["path_bytes"] if r["path_bytes"] is not None else r["path"].encode()
            assert path not in rows, f"{path!r} listed twice"
            rows[path] = (r["kind"], r["size"], r["uid"])
    assert rows == walk(tree, with_dirs)
    # The hard link is both of its names; the symlink is listed as a link, not followed.
    assert {b"hard1", b"hard2"} <= {os.path.basename(p) for p in rows}
    if with_dirs:
        assert rows[os.fsencode(tree / "link")][0] == "link"
