"""DuckDB's answer to scanlake's usage and age reports (used by reports.rs).

Reads exactly the data files the dataset's manifest lists, computes usage per (acq, uid) and age
buckets of access time per (acq, uid) in SQL written independently of scanlake (hard links counted
once by grouping on the object identity, ages as calendar days in UTC), compares each with the
scanlake JSON exports given, row by row, and prints how many rows matched. Exits non-zero on the
first difference.

usage: duckdb_reports.py DATASET USAGE.json AGE.json [USAGE.json AGE.json ...]
"""

import json
import os
import sys

import duckdb

AGE_EDGES = [30, 90, 180, 365, 730, 1095, 1460, 1825, 2555]


def label(bucket):
    if bucket is None:
        return "unknown"
    if bucket == 0:
        return f"<{AGE_EDGES[0]}d"
    if bucket >= len(AGE_EDGES):
        return f">={AGE_EDGES[-1]}d"
    return f"{AGE_EDGES[bucket - 1]}d-{AGE_EDGES[bucket]}d"


def main():
    dataset = sys.argv[1]
    manifest = json.load(open(os.path.join(dataset, "_scanlake", "manifest.json")))
    files = sorted(os.path.join(dataset, f) for e in manifest["inputs"].values() for f in e["files"])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    con.execute(
        "CREATE VIEW f AS SELECT *, CAST(regexp_extract(filename, 'acq=([0-9-]+)', 1) AS DATE) AS acq "
        f"FROM read_parquet({listed}, filename = true, union_by_name = true)"
    )
    bucket = "CASE WHEN access IS NULL THEN NULL " + " ".join(
        f"WHEN (acq - CAST(access AS DATE)) < {e} THEN {i}" for i, e in enumerate(AGE_EDGES)
    ) + f" ELSE {len(AGE_EDGES)} END"

    def report(keys):
        # Plain sums per group, and bytes per distinct object (inode, gen, snapshot) per group.
        k = ", ".join(keys)
        on = " AND ".join(f"u.{c} IS NOT DISTINCT FROM o.{c}" for c in ["acq", "uid", "b"][: len(keys)])
        sql = f"""
        WITH g AS (SELECT acq, uid, {bucket} AS b, * EXCLUDE (acq, uid) FROM f),
        u AS (SELECT {k}, count(*) AS objects,
                     count(*) FILTER (WHERE kind = 'file') AS files,
                     count(*) FILTER (WHERE kind = 'dir') AS dirs,
                     coalesce(sum(size), 0) AS bytes,
                     coalesce(sum(kballoc), 0) * 1024 AS allocated
              FROM g GROUP BY {k}),
        obj AS (SELECT {k}, inode, gen, snapshot, max(coalesce(size, 0)) AS s FROM g GROUP BY {k}, inode, gen, snapshot),
        o AS (SELECT {k}, sum(s) AS unique_bytes FROM obj GROUP BY {k})
        SELECT u.*, o.unique_bytes FROM u JOIN o ON {on}
        ORDER BY {", ".join(f"u.{c} NULLS FIRST" for c in ["acq", "uid", "b"][: len(keys)])}
        """
        return con.execute(sql).fetchall()

    usage = [
        {"acq": str(r[0]), "uid": r[1], "objects": r[2], "files": r[3], "dirs": r[4], "bytes": int(r[5]),
         "allocated": int(r[6]), "unique_bytes": int(r[7])}
        for r in report(["acq", "uid"])
    ]
    age = [
        {"acq": str(r[0]), "uid": r[1], "age": label(r[2]), "objects": r[3], "files": r[4], "dirs": r[5],
         "bytes": int(r[6]), "allocated": int(r[7]), "unique_bytes": int(r[8])}
        for r in report(["acq", "uid", "b"])
    ]
    compared = 0
    for i in range(2, len(sys.argv), 2):
        for path, want in [(sys.argv[i], usage), (sys.argv[i + 1], age)]:
            got = json.load(open(path))
            if got != want:
                diff = next((j, a, b) for j, (a, b) in enumerate(zip(got + [None] * len(want), want + [None] * len(got))) if a != b)
                sys.exit(f"{path}: {len(got)} rows, DuckDB {len(want)}; first difference at row {diff[0]}:\n scanlake {diff[1]}\n duckdb   {diff[2]}")
            compared += len(want)
    print(json.dumps({"rows_compared": compared, "usage_rows": len(usage), "age_rows": len(age)}))


main()
