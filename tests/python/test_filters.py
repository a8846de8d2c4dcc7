"""Filters, rules, names and find from Python (the installed wheel): keyword arguments mean what
the CLI's flags mean, results are checked against DuckDB over the same Parquet files, rules come
from the configuration file, and bad values raise OptionError naming the keyword."""

import csv
import json

import duckdb
import pyarrow as pa
import pytest

import scanlake

NEW = "2026-11-08"


def duck(lake, where):
    """(acq, uid) → (objects, bytes) over the manifest's data files, by DuckDB."""
    files = [f["path"] for f in lake.files.to_pylist()]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    rows = con.execute(
        "WITH f AS (SELECT *, CAST(regexp_extract(filename, 'acq=([0-9-]+)', 1) AS DATE) AS acq "
        f"FROM read_parquet({listed}, filename = true, union_by_name = true)) "
        f"SELECT CAST(acq AS VARCHAR), uid, count(*), coalesce(sum(size), 0) FROM f WHERE {where} GROUP BY ALL"
    ).fetchall()
    return {(a, u): (n, b) for a, u, n, b in rows}


def as_dict(table):
    return {(str(r["acq"]), r["uid"]): (r["objects"], r["bytes"]) for r in table.to_pylist()}


CASES = [
    (
        {"older": {"access": "90d", "create": "90d"}, "kind": "file"},
        "(acq - CAST(access AS DATE)) >= 90 AND (acq - CAST(\"create\" AS DATE)) >= 90 AND kind = 'file'",
    ),
    ({"newer": "modify=1y", "size_min": "4K"}, "(acq - CAST(modify AS DATE)) < 365 AND size >= 4096"),
    ({"size_max": 1024, "pool": ["data", "archive"]}, "size <= 1024 AND pool IN ('data', 'archive')"),
    ({"name": "*.h5", "misc_lacks": "V"}, "path LIKE '%.h5' AND NOT contains(misc, 'V')"),
]


@pytest.mark.parametrize("kwargs,where", CASES, ids=[json.dumps(c[0], sort_keys=True) for c in CASES])
@pytest.mark.parametrize("engine", ["streaming", "datafusion"])
def test_filters_as_keyword_arguments_match_duckdb(lake, kwargs, where, engine):
    got = as_dict(lake.usage(by="uid", engine=engine, progress=False, **kwargs))
    assert got, "a filter that selects nothing cannot fail"
    assert got == duck(lake, where)


def test_find_streams_the_matching_rows_in_path_order(lake):
    reader = lake.find(older={"access": 90}, kind="file", columns=["path", "size", "uid", "access"], progress=False)
    assert isinstance(reader, pa.RecordBatchReader)
    table = reader.read_all()
    assert table.schema.names == ["path", "size", "uid", "access"]
    assert table.schema.field("access").type == pa.timestamp("us", tz="UTC")
    usage = lake.usage(by="uid", acq=NEW, older="access=90d", kind="file", progress=False)
    assert table.num_rows == sum(usage.column("objects").to_pylist()) > 0, "the latest scan, every match"
    assert table.column("size").to_pylist() and sum(table.column("size").to_pylist()) == sum(usage.column("bytes").to_pylist())
    counts = lake.find(count=True, older="access=90d", kind="file", progress=False)
    assert counts.column("acq").to_pylist()[-1] == NEW or str(counts.column("acq").to_pylist()[-1]) == NEW
    assert counts.column("files").to_pylist()[-1] == table.num_rows


def test_per_user_lists_from_python(lake, tmp_path):
    lists = tmp_path / "lists"
    summary = lake.find(per_user=lists, older={"access": "30d"}, null=True, progress=False)
    assert summary.num_rows > 1
    usage = as_dict(lake.usage(by="uid", acq=NEW, older={"access": "30d"}, progress=False))
    for row in summary.to_pylist():
        assert usage[(NEW, row["uid"])] == (row["files"], row["bytes"])
        raw = (lists / row["file"]).read_bytes()
        assert raw.count(b"\0") == row["files"], "NUL-terminated raw paths"
    on_disk = list(csv.DictReader(open(lists / "summary.csv")))
    assert len(on_disk) == summary.num_rows


def test_a_rule_from_the_configuration_file_and_names_from_files(lake, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[rules.scratch90]\nolder = ["access=90d", "create=90d"]\nkind = "file"\n')
    monkeypatch.setenv("SCANLAKE_CONFIG", str(config))
    by_rule = lake.usage(by="uid", rule="scratch90", progress=False)
    by_kwargs = lake.usage(by="uid", older={"access": "90d", "create": "90d"}, kind="file", progress=False)
    assert by_rule.equals(by_kwargs) and by_rule.num_rows > 0
    narrower = lake.usage(by="uid", rule="scratch90", uid=1001, progress=False)
    assert set(narrower.column("uid").to_pylist()) == {1001}, "a rule and further keywords: both hold"
    passwd = tmp_path / "passwd"
    passwd.write_text("ann:x:1001:1001::/:/bin/sh\n")
    named = lake.usage(by="uid", names=True, passwd=passwd, user="ann", progress=False)
    assert named.schema.names[:3] == ["acq", "uid", "user"]
    assert set(named.column("user").to_pylist()) == {"ann"}
    with pytest.raises(scanlake.OptionError) as e:
        lake.usage(rule="nope", progress=False)
    assert e.value.option == "rule" and "unknown rule 'nope'" in str(e.value)
    with pytest.raises(scanlake.OptionError) as e:
        lake.find(user="nosuchuser-scanlake", passwd=passwd, progress=False)
    assert e.value.option == "user" and "passwd=" in str(e.value), "the hint names the keyword"


def test_bad_filter_values_raise_with_the_keyword(lake):
    with pytest.raises(scanlake.OptionError) as e:
        lake.usage(misc_has="M,", progress=False)
    assert e.value.option == "misc_has"
    with pytest.raises(TypeError):
        lake.usage(older=3, progress=False)
    with pytest.raises(TypeError):
        lake.find(colour="red")


def test_a_bar_that_appears_late_shows_no_rate_for_work_it_did_not_see():
    import datetime as dt

    bar = scanlake._Bar(True)
    bar.started -= dt.timedelta(seconds=1)
    # A small conversion: its first update after half a second already says it is done.
    bar.update(("convert", 1 << 40, 1 << 40, "bytes", ""))
    try:
        assert bar.bar is not None and bar.bar.n == 1 << 40
        assert bar.bar.format_dict["initial"] == 1 << 40, "work done before the bar is its start, not a rate"
        assert "TB/s" not in str(bar.bar) and "TiB/s" not in str(bar.bar)
    finally:
        bar.close()
