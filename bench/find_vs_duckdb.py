#!/usr/bin/env python3
"""Benchmark: `scanlake find` with the scratch rule (access and creation both 90 days old or more,
files only) over the latest scan of a two-scan dataset, against DuckDB's CLI doing what a skilled
user would type for the same rows and columns, whole process against whole process, each measured
with wait4() (wall, CPU, peak RSS), median of `--repeat` runs, the contenders alternating after a
warm-up run each.

- paths: `scanlake find LAKE --rule scratch90 > F` (one escaped path per line) against
  `COPY (SELECT path FROM … WHERE …) TO 'F' (HEADER false)`; also with `-o F`, which writes a
  temporary file, syncs it to disk and renames it (DuckDB's COPY does not sync);
- CSV: `--format csv --columns path,size,uid,access,create` against the same COPY with those columns;
- both of those also against DuckDB with `ORDER BY` the raw path (find's rows come in path order);
- memory as matches grow: find's peak RSS with 90d, then a rule that matches ~10x as many rows.

    bench/find.sh [--rows-per-scan 10000000] [--repeat 5] [--out docs/bench/find.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

OLD, NEW = "2026-11-01", "2026-11-08"


def measure(argv, env=None, stdout=None):
    """Wall, CPU and peak RSS of one run; `stdout`: a file the output is redirected to."""
    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if stdout:
        sink.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[:3]} failed: {err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def where(days):
    access = f"date_diff('day', CAST(access AS DATE), DATE '{NEW}')"
    create = f"date_diff('day', CAST(\"create\" AS DATE), DATE '{NEW}')"
    return f"{access} >= {days} AND {create} >= {days} AND kind = 'file'"


def duck_sql(lake, cols, days, out, ordered):
    src = f"read_parquet('{lake}/acq={NEW}/*/*.parquet')"
    order = " ORDER BY coalesce(path_bytes, encode(path))" if ordered else ""
    header = "true" if cols != "path" else "false"
    return (f"SET TimeZone = 'UTC'; COPY (SELECT {cols} FROM {src} WHERE {where(days)}{order}) "
            f"TO '{out}' (FORMAT csv, HEADER {header});")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scanlake", required=True)
    ap.add_argument("--duckdb", required=True)
    ap.add_argument("--rows-per-scan", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/scanlake-bench-find"))
    ap.add_argument("--out")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    lake = os.path.join(a.work, f"lake-{a.rows_per_scan}")
    if not os.path.exists(os.path.join(lake, "_scanlake")):
        for acq, seed in [(OLD, "1"), (NEW, "2")]:
            scan = os.path.join(a.work, f"fs1.{acq}.list.zst")
            subprocess.run([a.scanlake, "gen", "-n", str(a.rows_per_scan), "--seed", seed, "--acq", acq,
                            "--hostile", "0.001", "-o", scan], check=True, stdout=subprocess.DEVNULL)
            subprocess.run([a.scanlake, "convert", scan, "-o", lake, "-q"], check=True)
            os.remove(scan)
    config = os.path.join(a.work, "config.toml")
    with open(config, "w") as f:
        f.write('[rules.scratch90]\nolder = ["access=90d", "create=90d"]\nkind = "file"\n')
        # The same rule for large files only: about a tenth of the matches.
        f.write('[rules.scratch90big]\nolder = ["access=90d", "create=90d"]\nkind = "file"\nsize_min = "4M"\n')
    env = dict(os.environ, SCANLAKE_CONFIG=config)
    out = os.path.join(a.work, "out")
    cols = "path,size,uid,access,create"
    duck_cols = 'path, size, uid, access, "create"'
    # (argv, file stdout goes to) per contender: scanlake > F, scanlake -o F, DuckDB, DuckDB sorted.
    contenders = {
        "paths": (
            ([a.scanlake, "find", lake, "--rule", "scratch90"], out + "-stdout.txt"),
            [a.scanlake, "find", lake, "--rule", "scratch90", "-o", out + ".txt"],
            [a.duckdb, "-c", duck_sql(lake, "path", 90, out + "-duck.txt", False)],
            [a.duckdb, "-c", duck_sql(lake, "path", 90, out + "-duck-sorted.txt", True)],
        ),
        "csv: path,size,uid,access,create": (
            ([a.scanlake, "find", lake, "--rule", "scratch90", "--format", "csv", "--columns", cols], out + "-stdout.csv"),
            [a.scanlake, "find", lake, "--rule", "scratch90", "--format", "csv", "--columns", cols, "-o", out + ".csv"],
            [a.duckdb, "-c", duck_sql(lake, duck_cols, 90, out + "-duck.csv", False)],
            [a.duckdb, "-c", duck_sql(lake, duck_cols, 90, out + "-duck-sorted.csv", True)],
        ),
    }
    count = lambda rule: json.loads(subprocess.run(
        [a.scanlake, "find", lake, "--rule", rule, "--count", "--acq", NEW, "--format", "json"],
        env=env, check=True, capture_output=True).stdout)[0]["files"]
    rules = ("scratch90big", "scratch90")
    matches = {r: count(r) for r in rules}
    rows = []
    for name, argvs in contenders.items():
        results = [[] for _ in argvs]
        run = lambda c: measure(c[0], env, c[1]) if isinstance(c, tuple) else measure(c, env)
        for c in argvs:
            run(c)  # warm-up: page cache, and the file's first write
        for _ in range(a.repeat):
            for i, c in enumerate(argvs):
                results[i].append(run(c))
        med = [tuple(statistics.median(r[k] for r in res) for k in range(3)) for res in results]
        rows.append((name, med))
    mem = {}
    for r in rules:
        runs = [measure([a.scanlake, "find", lake, "--rule", r], env, out + "-mem.txt") for _ in range(3)]
        mem[r] = statistics.median(x[2] for x in runs), statistics.median(x[0] for x in runs)
    lines = [
        f"`find --rule scratch90` over {2 * a.rows_per_scan:,} rows ({matches['scratch90']:,} matches in the latest scan); "
        f"median of {a.repeat}, whole process; {os.cpu_count()} cores.",
        "",
        "| output | scanlake `> F` | scanlake `-o F` (synced) | DuckDB CLI | DuckDB CLI, ORDER BY path | `> F` ÷ DuckDB | "
        "peak RSS scanlake / DuckDB / sorted |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, ((sw, _, sm), (xw, _, _), (dw, _, dm), (ow, _, om)) in rows:
        lines.append(f"| {name} | {sw:.2f} s | {xw:.2f} s | {dw:.2f} s | {ow:.2f} s | {sw / dw:.2f}× | "
                     f"{sm:.0f} / {dm:.0f} / {om:.0f} MiB |")
    lines += [
        "",
        "| rule | matches | find wall | find peak RSS |",
        "|---|---|---|---|",
    ]
    for r, text in zip(rules, ("scratch90, files of 4 MiB or more", "scratch90")):
        lines.append(f"| {text} | {matches[r]:,} | {mem[r][1]:.2f} s | {mem[r][0]:.0f} MiB |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


main()
