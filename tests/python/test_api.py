"""The Python module against the installed wheel: the same numbers as the CLI, typed Arrow
results, the capsule protocol, errors as ScanlakeError subclasses."""

import datetime as dt

import duckdb
import polars
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scanlake

REPORTS = [
    ("usage", {"by": ["uid", "fileset"]}, ["usage", "--by", "uid,fileset"]),
    ("usage", {"by": "tld", "kind": ["file", "dir"]}, ["usage", "--by", "tld", "--kind", "file,dir"]),
    ("age", {"by": "uid", "time": "modify"}, ["age", "--by", "uid", "--time", "modify"]),
    ("age", {"edges": [30, 365], "size_edges": [1024, 1048576]}, ["age", "--edges", "30,365", "--size-edges", "1K,1M"]),
    ("size", {"by": "gid", "age": "access"}, ["size", "--by", "gid", "--age", "access"]),
    ("top", {"what": "dirs", "n": 7}, ["top", "dirs", "-n", "7"]),
    ("top", {"what": "users", "by": "files", "n": 5}, ["top", "users", "--by", "files", "-n", "5"]),
    ("du", {"max_depth": 5, "acq": "2026-11-08"}, ["du", "--max-depth", "5", "--acq", "2026-11-08"]),
    ("churn", {"by": "uid"}, ["churn", "--by", "uid"]),
    ("churn", {"from_": "2026-11-01", "to": "2026-11-08"}, ["churn", "--from", "2026-11-01", "--to", "2026-11-08"]),
]


@pytest.mark.parametrize("name,kwargs,argv", REPORTS, ids=[" ".join(r[2]) for r in REPORTS])
@pytest.mark.parametrize("engine", ["streaming", "datafusion"])
def test_every_report_equals_the_cli_export(lake, cli, tmp_path, name, kwargs, argv, engine):
    kwargs = dict(kwargs)
    what = kwargs.pop("what", None)
    method = getattr(lake, name)
    result = method(what, engine=engine, progress=False, **kwargs) if what else method(engine=engine, progress=False, **kwargs)
    assert isinstance(result, pa.Table)
    out = tmp_path / "cli.parquet"
    cli("aggregate", lake.path, *argv, "--engine", engine, "-o", out)
    expected = pq.read_table(out)
    assert result.schema == expected.schema
    assert result.equals(expected)
    assert result.num_rows > 0


def test_dataset_properties(lake):
    assert lake.scans == [dt.date(2026, 11, 1), dt.date(2026, 11, 8)]
    assert lake.rows == sum(lake.usage(progress=False).column("objects").to_pylist())
    files = lake.files
    assert set(files.column_names) == {"path", "acq", "tld", "bytes"} and files.num_rows > 0
    assert "path" in lake.schema.names and "size" in lake.schema.names
    assert "Dataset" in repr(lake) and "2026-11-08" in repr(lake)
    assert isinstance(lake.rejects(), pa.Table)
    said = lake.explain("du", max_depth=4)
    assert said.startswith("engine: ") and "limits:" in said
    assert "below the tlds" in lake.explain("top", what="dirs")


def test_query_keeps_types(lake):
    t = lake.query("SELECT path_bytes, size / 3.0 AS third, uid FROM files WHERE size > 0 LIMIT 5", progress=False)
    assert t.schema.field("path_bytes").type == pa.binary()
    assert pa.types.is_floating(t.schema.field("third").type)
    assert pa.types.is_integer(t.schema.field("uid").type)
    grouped = lake.query("SELECT uid, count(*) AS n FROM files GROUP BY uid ORDER BY uid")
    usage = lake.usage(by="uid").group_by("uid").aggregate([("objects", "sum")]).sort_by("uid")
    assert grouped.column("n").to_pylist() == usage.column("objects_sum").to_pylist()


def test_results_go_to_polars_duckdb_and_pandas_through_arrow(lake):
    t = lake.usage(by="uid", progress=False)
    assert hasattr(t, "__arrow_c_stream__")
    assert polars.from_arrow(t).shape == (t.num_rows, t.num_columns)
    assert duckdb.sql("SELECT sum(objects) FROM t").fetchone()[0] == lake.rows
    df = t.to_pandas()
    assert len(df) == t.num_rows and str(df["bytes"].dtype) == "int64"


def test_convert_summary_and_split(tmp_path):
    scan = tmp_path / "fs9.2026-10-01.list"
    scanlake.generate(scan, records=3000, malformed_fraction=0.001)
    chunks = scanlake.split(scan, tmp_path / "chunks", chunks=3, progress=False)
    assert len(chunks["chunks"]) == 3
    s = scanlake.convert(tmp_path / "chunks", tmp_path / "lake", acq=dt.date(2026, 10, 1), progress=False)
    assert s.lines == s.rows + s.rejects + s.skipped and len(s.inputs) == 3
    assert "ConvertSummary" in repr(s) and "3 input(s)" in repr(s)
    assert s.to_dict()["rows"] == s.rows
    # A scrub from Python: every data file and summary checked, the rejects opened; damage reported.
    lake = scanlake.Dataset(tmp_path / "lake")
    data = sorted((tmp_path / "lake").glob("acq=*/tld=*/*.parquet"))
    summaries = list((tmp_path / "lake" / "_summaries").glob("*.parquet"))
    found = lake.verify(progress=False)
    assert found["checked"] == len(data) + len(summaries) and found["damaged"] == []
    assert found["opened"] == len(list((tmp_path / "lake" / "_rejects").glob("*.parquet"))) > 0
    body = bytearray(data[0].read_bytes())
    body[len(body) // 2] ^= 0xFF
    data[0].write_bytes(bytes(body))
    damaged = lake.verify(progress=False)["damaged"]
    assert [d["file"] for d in damaged] == [str(data[0].relative_to(tmp_path / "lake"))]


def test_errors_are_scanlake_errors_with_hints(lake, tmp_path):
    with pytest.raises(scanlake.DatasetError, match="hint: convert a scan into it first"):
        scanlake.Dataset(tmp_path / "missing")
    with pytest.raises(scanlake.OptionError) as e:
        lake.du(max_depth=0)
    assert "max_depth=" in str(e.value) and e.value.option == "max_depth" and isinstance(e.value, ValueError)
    with pytest.raises(scanlake.OptionError, match="unknown group 'owner'"):
        lake.usage(by="owner")
    with pytest.raises(scanlake.OptionError, match="separator must be one byte"):
        scanlake.convert(tmp_path / "x.list", tmp_path / "l", fields=["uid", "size"], separator="::")
    with pytest.raises(scanlake.InputError, match="reserved"):
        scanlake.convert(tmp_path / "x.list", tmp_path / "l", fields=["path", "size"])
    unreadable = tmp_path / "fs1.2026-01-01.list.gz"
    unreadable.write_bytes(b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10)
    with pytest.raises(scanlake.InputError, match="could not be converted") as e:
        scanlake.convert(unreadable, tmp_path / "l2", progress=False)
    assert e.value.summary.inputs[0]["status"] == "error"
    with pytest.raises(scanlake.OptionError, match="acq="):
        undated = tmp_path / "scan.list"
        undated.write_text("1 1 0  |size=1| -- /a\n")
        scanlake.convert(undated, tmp_path / "l3")
    with pytest.raises(scanlake.ReportError, match="read-only"):
        lake.query("COPY (SELECT 1) TO 'x.csv'")
    with pytest.raises(TypeError, match="uid"):
        lake.usage(uid="x")
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        lake.usage(colour="blue")
    with pytest.raises(TypeError):
        scanlake.Dataset(42)
    assert issubclass(scanlake.ReportError, scanlake.ScanlakeError)


def test_scan_streams_the_rows_a_filter_selects(lake):
    reader = lake.scan(acq="2026-11-08", kind="file", columns=["path_bytes", "size", "uid"])
    assert isinstance(reader, pa.RecordBatchReader)
    batches = list(reader)
    assert len(batches) > 1, "batch by batch"
    rows = sum(b.num_rows for b in batches)
    files = lake.usage(by="uid", acq="2026-11-08", kind="file", progress=False)
    assert rows == sum(files.column("objects").to_pylist())
    assert batches[0].schema.names == ["path_bytes", "size", "uid"]
    assert batches[0].schema.field("path_bytes").type == pa.binary()
    whole = lake.scan(uid=[1000]).read_all()
    assert set(whole.column("uid").to_pylist()) <= {1000}
    with pytest.raises(scanlake.ReportError):
        lake.scan(columns=["no_such_column"])


@pytest.mark.parametrize("name,kwargs,argv", REPORTS[5:8], ids=[" ".join(r[2]) for r in REPORTS[5:8]])
def test_reports_stream_as_batches_or_straight_to_a_file(lake, cli, tmp_path, name, kwargs, argv):
    kwargs = dict(kwargs)
    what = kwargs.pop("what", None)
    method = getattr(lake, name)
    call = (lambda **kw: method(what, progress=False, **kwargs, **kw)) if what else (lambda **kw: method(progress=False, **kwargs, **kw))
    whole = call()
    reader = call(stream=True)
    assert isinstance(reader, pa.RecordBatchReader)
    assert reader.schema == whole.schema
    assert reader.read_all().equals(whole)
    for fmt in ["csv", "json", "table", "parquet"]:
        out = call(output=tmp_path / f"py.{fmt}", format=fmt)
        assert out == tmp_path / f"py.{fmt}"
        expected = tmp_path / f"cli.{fmt}"
        cli("aggregate", lake.path, *argv, "--format", fmt, "-o", expected)
        assert out.read_bytes() == expected.read_bytes(), fmt
    assert pq.read_table(call(output=tmp_path / "by-extension.parquet")).equals(whole)
    with pytest.raises(scanlake.OptionError):
        call(stream=True, output=tmp_path / "x.csv")
    with pytest.raises(scanlake.OptionError):
        call(format="csv")
    with pytest.raises(scanlake.OptionError, match="max_depth"):
        lake.du(max_depth=0, stream=True)
