#!/usr/bin/env python3
"""The DuckDB peer of `scanlake report`: what a skilled user would type to get the data the report
draws (usage by owner × access age × size, modify age, directories to depth 5, churn by owner
since the scan before, extensions, history by fileset and by user), over the same Parquet files.

- `--sql LAKE ACQ PREVIOUS OUTDIR` prints the script for DuckDB's CLI (`duckdb -f`), each result
  written as CSV into OUTDIR.
- `--in-process LAKE ACQ PREVIOUS --scanlake-python --repeat R` times, in one interpreter, the
  Python module's `Dataset.report` against DuckDB's Python API running the same script
  (start-up excluded), and prints medians.
"""
import sys
import tempfile
import time

AGE = [30, 90, 180, 365, 730, 1095, 1460, 1825, 2555]
SIZE = [1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 100 << 20, 1 << 30, 10 << 30, 100 << 30]


def bucket(expr, edges):
    return f"CASE WHEN {expr} IS NULL THEN NULL " + " ".join(
        f"WHEN {expr} < {x} THEN {i}" for i, x in enumerate(edges)) + f" ELSE {len(edges)} END"


COUNTERS = ("count(*) AS objects, count(*) FILTER (kind = 'file') AS files, count(*) FILTER (kind = 'dir') AS dirs, "
            "sum(size) AS bytes, sum(kballoc) * 1024 AS allocated")


def script(lake, acq, previous, out):
    src = f"read_parquet('{lake}/acq=*/*/*.parquet', hive_partitioning = true, union_by_name = true)"
    age = lambda col: bucket(f"date_diff('day', {col}::DATE, acq)", AGE)
    dirs = ("unnest(list_transform(range(0, least(len(string_split(path, '/')) - 2, 5) + 1), "
            "lambda i: array_to_string(string_split(path, '/')[1:i+1], '/'))) AS dir")
    ext = "lower(regexp_extract(regexp_extract(path, '[^/]*$'), '\\.[^.]*$'))"
    now = f"acq = DATE '{acq}'"
    queries = {
        "owners": f"SELECT uid, gid, fileset, {age('access')} AS age, {bucket('size', SIZE)} AS size_class, {COUNTERS} "
                  f"FROM f WHERE {now} GROUP BY ALL",
        "modify": f"SELECT {age('modify')} AS age, {COUNTERS} FROM f WHERE {now} GROUP BY ALL",
        "du": f"SELECT dir, count(*) AS objects, sum(size) AS bytes, sum(kballoc) * 1024 AS allocated, "
              f"max(access) AS newest_access FROM (SELECT size, kballoc, access, {dirs} FROM f WHERE {now}) GROUP BY ALL",
        "churn": f"""WITH a AS (SELECT path, size, modify, uid FROM f WHERE acq = DATE '{previous}'),
                          b AS (SELECT path, size, modify, uid FROM f WHERE {now})
                     SELECT coalesce(b.uid, a.uid) AS uid,
                       count(*) FILTER (a.path IS NULL) AS created, sum(b.size) FILTER (a.path IS NULL) AS created_bytes,
                       count(*) FILTER (b.path IS NULL) AS deleted, sum(a.size) FILTER (b.path IS NULL) AS deleted_bytes,
                       count(*) FILTER (a.path IS NOT NULL AND b.path IS NOT NULL
                                        AND (a.modify IS DISTINCT FROM b.modify OR a.size IS DISTINCT FROM b.size)) AS modified
                     FROM a FULL OUTER JOIN b ON a.path = b.path GROUP BY ALL""",
        "extensions": f"SELECT {ext} AS ext, count(*) AS objects, sum(size) AS bytes FROM f WHERE {now} AND kind = 'file' "
                      f"GROUP BY ALL ORDER BY bytes DESC LIMIT 20",
        "history_fileset": f"SELECT acq, fileset, {COUNTERS} FROM f GROUP BY ALL",
        "history_uid": f"SELECT acq, uid, {COUNTERS} FROM f GROUP BY ALL",
    }
    lines = ["SET TimeZone = 'UTC';", f"CREATE VIEW f AS SELECT * FROM {src};"]
    lines += [f"COPY ({q}) TO '{out}/{name}.csv' (HEADER, DELIMITER ',');" for name, q in queries.items()]
    return "\n".join(lines) + "\n"


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def in_process(lake, acq, previous, repeat):
    import duckdb
    import scanlake
    ds = scanlake.Dataset(lake)
    with tempfile.TemporaryDirectory() as out:
        sql = script(lake, acq, previous, out)
        s, d = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            ds.report(f"{out}/report.html", progress=False)
            s.append(time.perf_counter() - t)
            t = time.perf_counter()
            duckdb.connect().execute(sql)
            d.append(time.perf_counter() - t)
    print(f"in process: scanlake Dataset.report {median(s):.2f} s; DuckDB Python, the same data {median(d):.2f} s "
          f"(ratio {median(s) / median(d):.2f}); medians of {repeat}")


if __name__ == "__main__":
    if sys.argv[1] == "--sql":
        sys.stdout.write(script(*sys.argv[2:6]))
    else:
        in_process(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
