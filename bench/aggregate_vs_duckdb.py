#!/usr/bin/env python3
"""Benchmark: every `scanlake aggregate` report on every engine, and DuckDB running the
equivalent SQL on the same Parquet files, in the same run.

Builds (once, kept in the work directory) a dataset of two generated scans of N rows each
(same seed, a week apart: the same paths with different times, so churn matches every path),
then runs each report in its own process (wall seconds, CPU seconds, peak RSS from wait4()).

    bench/aggregate.sh [--rows-per-scan 10000000] [--memory-mib 2048] [--work DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import time

AGE = [30, 90, 180, 365, 730, 1095, 1460, 1825, 2555]
SIZE = [1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 100 << 20, 1 << 30, 10 << 30, 100 << 30]

REPORTS = {  # name -> scanlake aggregate arguments
    "usage": ["usage", "--by", "uid"],
    "age": ["age", "--by", "uid", "--time", "access"],
    "size": ["size"],
    "top users": ["top", "users", "-n", "20"],
    "top dirs": ["top", "dirs", "--max-depth", "5", "-n", "20"],
    "du": ["du", "--max-depth", "6"],
    "churn": ["churn", "--by", "tld"],
}


def case(expr, edges):
    return "CASE WHEN {e} IS NULL THEN NULL ".format(e=expr) + " ".join(
        f"WHEN {expr} < {x} THEN {i}" for i, x in enumerate(edges)) + f" ELSE {len(edges)} END"


# DuckDB's versions of the same reports (hard links counted once by grouping on identity).
DUCK = {
    "usage": """
      WITH u AS (SELECT acq, uid, count(*) o, count(*) FILTER (kind='file') f, count(*) FILTER (kind='dir') d,
                        sum(size) b, sum(kballoc)*1024 a FROM f GROUP BY ALL),
           x AS (SELECT acq, uid, sum(s) ub FROM (SELECT acq, uid, inode, gen, snapshot, max(size) s FROM f GROUP BY ALL) GROUP BY ALL)
      SELECT * FROM u JOIN x USING (acq, uid) ORDER BY acq, uid""",
    "age": """
      WITH g AS (SELECT acq, uid, """ + case("(acq - CAST(access AS DATE))", AGE) + """ AS bucket, * EXCLUDE (acq, uid) FROM f),
           u AS (SELECT acq, uid, bucket, count(*) o, count(*) FILTER (kind='file') f, count(*) FILTER (kind='dir') d,
                        sum(size) b, sum(kballoc)*1024 a FROM g GROUP BY ALL),
           x AS (SELECT acq, uid, bucket, sum(s) ub FROM (SELECT acq, uid, bucket, inode, gen, snapshot, max(size) s FROM g GROUP BY ALL) GROUP BY ALL)
      SELECT * FROM u JOIN x USING (acq, uid, bucket) ORDER BY ALL""",
    "size": """
      SELECT acq, """ + case("size", SIZE) + """ AS bucket, count(*), sum(size), sum(kballoc)*1024 FROM f WHERE kind='file' GROUP BY ALL ORDER BY ALL""",
    "top users": """
      SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY acq ORDER BY b DESC, uid) r
                     FROM (SELECT acq, uid, sum(size) b FROM f GROUP BY ALL)) WHERE r <= 20 ORDER BY acq, r""",
    "top dirs": """
      WITH a AS (SELECT acq, size, unnest(list_transform(range(1, least(len(string_split(path, '/')) - 2, 5) + 1),
                   i -> array_to_string(string_split(path, '/')[1:i+1], '/'))) AS dir FROM f)
      SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY acq ORDER BY b DESC, dir) r
                     FROM (SELECT acq, dir, sum(size) b FROM a GROUP BY ALL)) WHERE r <= 20""",
    "du": """
      WITH a AS (SELECT acq, size, kballoc, kind, access, unnest(list_transform(range(0, least(len(string_split(path, '/')) - 2, 6) + 1),
                   i -> array_to_string(string_split(path, '/')[1:i+1], '/'))) AS dir FROM f)
      SELECT acq, dir, count(*), count(*) FILTER (kind='file'), sum(size), sum(kballoc)*1024, max(access) FROM a GROUP BY ALL ORDER BY ALL""",
    "churn": """
      WITH d AS (SELECT DISTINCT acq FROM f ORDER BY acq DESC LIMIT 2),
           a AS (SELECT tld, coalesce(path_bytes, path::BLOB) p, size, modify FROM f WHERE acq = (SELECT min(acq) FROM d)),
           b AS (SELECT tld, coalesce(path_bytes, path::BLOB) p, size, modify FROM f WHERE acq = (SELECT max(acq) FROM d))
      SELECT coalesce(b.tld, a.tld) t,
             count(*) FILTER (a.p IS NULL), sum(b.size) FILTER (a.p IS NULL),
             count(*) FILTER (b.p IS NULL), sum(a.size) FILTER (b.p IS NULL),
             count(*) FILTER (a.p IS NOT NULL AND b.p IS NOT NULL AND (a.modify IS DISTINCT FROM b.modify OR a.size IS DISTINCT FROM b.size)),
             count(*) FILTER (a.p IS NOT NULL AND b.p IS NOT NULL AND NOT (a.modify IS DISTINCT FROM b.modify OR a.size IS DISTINCT FROM b.size))
      FROM a FULL OUTER JOIN b ON a.tld = b.tld AND a.p = b.p GROUP BY ALL ORDER BY ALL""",
}

DUCK_RUNNER = r"""
import duckdb, json, sys
files, sql, memory = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("SET TimeZone='UTC'")
con.execute(f"SET memory_limit='{memory}MiB'")
listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
con.execute("CREATE VIEW f AS SELECT * EXCLUDE (filename), CAST(regexp_extract(filename, 'acq=([0-9-]+)', 1) AS DATE) AS acq, "
            f"url_decode(regexp_extract(filename, 'tld=([^/]+)', 1)) AS tld FROM read_parquet({listed}, filename=true, union_by_name=true)")
con.execute(f"CREATE TEMP TABLE result AS {sql}")  # materialised whole, as scanlake's are
print(con.execute("SELECT count(*) FROM result").fetchone()[0])
"""


def run_measured(cmd):
    """(wall s, cpu s, peak RSS MiB, stdout) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)[:300]}\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scanlake", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--rows-per-scan", type=int, default=10_000_000)
    ap.add_argument("--memory-mib", type=int, default=2048)
    ap.add_argument("--work", default="/tmp/scanlake-bench-aggregate")
    ap.add_argument("--only", action="append", help="run only these reports")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    lake = os.path.join(args.work, f"lake-{args.rows_per_scan}")
    if not os.path.exists(os.path.join(lake, "_scanlake", "manifest.json")):
        for date in ["2026-11-01", "2026-11-08"]:
            log = os.path.join(args.work, f"bench.{date}.list")
            subprocess.run([args.scanlake, "gen", "-n", str(args.rows_per_scan), "--seed", "1", "--acq", date,
                            "--directories", "--hard-links", "0.01", "-o", log], check=True, stdout=subprocess.DEVNULL)
            subprocess.run([args.scanlake, "convert", log, "-o", lake, "-q", "--json"], check=True, stdout=subprocess.DEVNULL)
            os.remove(log)
    manifest = json.load(open(os.path.join(lake, "_scanlake", "manifest.json")))
    files = sorted(os.path.join(lake, f) for e in manifest["inputs"].values() for f in e["files"])
    rows = sum(e["rows"] for e in manifest["inputs"].values())
    size = sum(os.path.getsize(f) for f in files)
    print(f"dataset: {rows:,} rows, {len(files)} files, {size / 2**20:.0f} MiB; memory limit {args.memory_mib} MiB; "
          f"{os.cpu_count()} cores\n")
    for f in files:  # warm the page cache for every contender alike
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass
    print("| report | engine | wall s | CPU s | peak RSS MiB | rows | vs DuckDB |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for name, report in REPORTS.items():
        if args.only and name not in args.only:
            continue
        wall, cpu, rss, out, _ = run_measured([args.python, "-c", DUCK_RUNNER, json.dumps(files), DUCK[name], str(args.memory_mib)])
        duck = wall
        print(f"| {name} | DuckDB | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {int(out)} | 1.00 |", flush=True)
        for engine in ["auto", "streaming", "datafusion"]:
            cmd = [args.scanlake, "aggregate", lake, *report, "--engine", engine, "--memory-mib", str(args.memory_mib),
                   "--format", "csv", "--explain"]
            wall, cpu, rss, out, err = run_measured(cmd)
            chosen = err.decode().splitlines()[0].removeprefix("engine: ")
            label = f"auto ({chosen})" if engine == "auto" else engine
            n = out.count(b"\n") - 1
            results[(name, engine)] = wall
            print(f"| {name} | {label} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {n} | {wall / duck:.2f} |", flush=True)


main()
