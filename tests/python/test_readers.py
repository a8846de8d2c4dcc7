"""Reading a dataset without scanlake, as docs/python.md shows it: pyarrow, Polars and DuckDB (the
readers the test environment has; Dask is documented, not installed) over the shared two-scan
dataset with hostile names. Each sees every row with the documented types, decodes `tld`, and the
`coalesce(path_bytes, path)` rule gives every raw path byte for byte: the three agree with each other
and with scanlake's own `scan`."""

import datetime as dt

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds


def _expected(lake):
    """Objects per scan date and the raw paths of the newer scan, as scanlake itself reads them."""
    usage = lake.usage(by="kind", progress=False)
    per_acq = {}
    for acq, objects in zip(usage.column("acq").to_pylist(), usage.column("objects").to_pylist()):
        per_acq[acq] = per_acq.get(acq, 0) + objects
    raw = []
    for batch in lake.scan(acq="2026-11-08", columns=["path", "path_bytes"]):
        for text, exact in zip(batch.column("path").to_pylist(), batch.column("path_bytes").to_pylist()):
            raw.append(exact if exact is not None else text.encode())
    return per_acq, sorted(raw)


def test_pyarrow_polars_and_duckdb_read_every_row_and_every_raw_path(lake):
    per_acq, raw = _expected(lake)
    root = str(lake.path)

    # pyarrow: the directory, hive partitioning with its types (names starting with "_" are skipped).
    partitioning = ds.partitioning(pa.schema([("acq", pa.date32()), ("tld", pa.string())]), flavor="hive")
    t = ds.dataset(root, format="parquet", partitioning=partitioning).to_table()
    assert t.schema.field("acq").type == pa.date32()
    assert t.schema.field("path_bytes").type == pa.binary() and t.schema.field("size").type == pa.int64()
    assert t.schema.field("uid").type == pa.uint32() and t.schema.field("access").type == pa.timestamp("us", tz="UTC")
    counts = t.group_by("acq").aggregate([([], "count_all")])
    assert {str(a): n for a, n in zip(counts.column("acq").to_pylist(), counts.column("count_all").to_pylist())} == {
        str(k): v for k, v in per_acq.items()
    }
    newer = t.filter(pc.equal(t.column("acq"), pa.scalar(dt.date(2026, 11, 8), pa.date32())))
    exact = pc.coalesce(newer.column("path_bytes"), pc.cast(newer.column("path"), pa.binary()))
    assert sorted(exact.to_pylist()) == raw
    assert all(tld.startswith("/") for tld in pc.unique(t.column("tld")).to_pylist()), "tld decoded"

    # Polars: the glob of data files, hive partitioning (acq becomes a Date).
    frame = pl.scan_parquet(f"{root}/acq=*/tld=*/*.parquet", hive_partitioning=True)
    got = frame.group_by("acq").agg(pl.len().alias("n")).collect()
    assert got.schema["acq"] == pl.Date
    assert {str(a): n for a, n in got.iter_rows()} == {str(k): v for k, v in per_acq.items()}
    paths = (
        frame.filter(pl.col("acq") == dt.date(2026, 11, 8))
        .select(pl.coalesce(pl.col("path_bytes"), pl.col("path").cast(pl.Binary)).alias("raw"))
        .collect()
    )
    assert sorted(paths["raw"].to_list()) == raw
    assert frame.select(pl.col("tld").str.starts_with("/").all()).collect().item(), "tld decoded"

    # DuckDB: the same glob; acq is a DATE.
    con = duckdb.connect()
    glob = f"{root}/acq=*/tld=*/*.parquet"
    rows = con.execute(
        "SELECT acq, count(*) FROM read_parquet(?, hive_partitioning = true) GROUP BY acq", [glob]
    ).fetchall()
    assert all(isinstance(a, dt.date) for a, _ in rows)
    assert {str(a): n for a, n in rows} == {str(k): v for k, v in per_acq.items()}
    exact = con.execute(
        "SELECT coalesce(path_bytes, encode(path)) FROM read_parquet(?, hive_partitioning = true) "
        "WHERE acq = DATE '2026-11-08'",
        [glob],
    ).fetchall()
    assert sorted(bytes(r[0]) for r in exact) == raw
    assert con.execute(
        "SELECT bool_and(starts_with(tld, '/')) FROM read_parquet(?, hive_partitioning = true)", [glob]
    ).fetchone()[0]


def test_the_hostile_names_need_the_raw_path_rule(lake):
    t = ds.dataset(str(lake.path), format="parquet", partitioning="hive").to_table(columns=["path", "path_bytes"])
    inexact = pc.sum(pc.is_valid(t.column("path_bytes"))).as_py()
    assert inexact > 0, "the generated scans hold names that are not UTF-8"
    # `path` alone loses them: its UTF-8 differs from the raw bytes exactly where path_bytes is set.
    for text, exact in zip(t.column("path").to_pylist(), t.column("path_bytes").to_pylist()):
        if exact is not None:
            assert text.encode() != exact
