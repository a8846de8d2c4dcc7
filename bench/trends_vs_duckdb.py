#!/usr/bin/env python3
"""Benchmark: the reports over every scan and the breakdowns, whole process against whole process,
each measured with wait4() (wall, CPU, peak RSS) and /proc/PID/io (bytes the process read through
system calls, and from the disk), median of `--repeat` runs, the contenders alternating after a
warm-up run each.

- history: `aggregate history --by fileset` over `--weeks` weekly scans, from the usage summaries
  and recomputed from the rows (`--from-rows`), the two results compared; against DuckDB's
  `SELECT acq, fileset, count(*), sum(size) … GROUP BY ALL` over the same files; also with the page
  cache dropped before each run (`--cold`, needs root).
- extensions, duplicates, top files: over a two-scan dataset of `--rows-per-scan` rows each,
  against the DuckDB query a user would write (the N largest per scan date with QUALIFY).
- export-tree of the latest scan, and Debian's ncdu loading it (`ncdu -0 -f T -o /dev/null`).

    bench/trends.sh [--rows-per-scan 10000000] [--weeks 52] [--rows-per-week 200000] [--repeat 5]
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time

OLD, NEW = "2026-11-01", "2026-11-08"


def measure(argv, stdout=None, cold=False):
    """(wall s, CPU s, peak RSS MiB, rchar MiB, read_bytes MiB) of one run."""
    if cold:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    # Wait without reaping, so that the process's I/O counters can still be read.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - start
    io = dict(line.split(": ") for line in open(f"/proc/{proc.pid}/io").read().splitlines())
    _, status, usage = os.wait4(proc.pid, 0)
    if stdout:
        sink.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[:4]} failed: {err}")
    mib = 1 << 20
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, int(io["rchar"]) / mib, int(io["read_bytes"]) / mib


def compare(contenders, repeat, cold=False):
    """Median of each measure per contender; contenders are (argv, stdout file or None)."""
    results = [[] for _ in contenders]
    for argv, out in contenders:
        measure(argv, out)
    for _ in range(repeat):
        for i, (argv, out) in enumerate(contenders):
            results[i].append(measure(argv, out, cold))
    return [tuple(statistics.median(r[k] for r in res) for k in range(5)) for res in results]


def run(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def weekly_lake(a):
    lake = os.path.join(a.work, f"weekly-{a.weeks}x{a.rows_per_week}")
    if os.path.exists(os.path.join(lake, "_scanlake")):
        return lake
    first = datetime.date(2025, 11, 2)
    for w in range(a.weeks):
        acq = (first + datetime.timedelta(weeks=w)).isoformat()
        scan = os.path.join(a.work, f"fs1.{acq}.list.zst")
        # The same seed every week with a growing count: the file system grows week by week.
        n = a.rows_per_week + w * a.rows_per_week // 100
        run([a.scanlake, "gen", "-n", str(n), "--seed", "7", "--acq", acq, "--directories", "-o", scan], stdout=subprocess.DEVNULL)
        run([a.scanlake, "convert", scan, "-o", lake, "-q"])
        os.remove(scan)
    return lake


def two_scan_lake(a):
    lake = os.path.join(a.work, f"lake-{a.rows_per_scan}")
    if os.path.exists(os.path.join(lake, "_scanlake")):
        return lake
    for acq, seed in [(OLD, "1"), (NEW, "2")]:
        scan = os.path.join(a.work, f"fs1.{acq}.list.zst")
        run([a.scanlake, "gen", "-n", str(a.rows_per_scan), "--seed", seed, "--acq", acq, "--hostile", "0.001",
             "--directories", "-o", scan], stdout=subprocess.DEVNULL)
        run([a.scanlake, "convert", scan, "-o", lake, "-q"])
        os.remove(scan)
    return lake


def row(name, s, d):
    ratio = f"{s[0] / d[0]:.2f}×" if d else "—"
    duck = f"{d[0]:.2f} s" if d else "—"
    duck_rss = f"{d[2]:.0f} MiB" if d else "—"
    return f"| {name} | {s[0]:.2f} s | {duck} | {ratio} | {s[2]:.0f} MiB | {duck_rss} | {s[3]:.0f} MiB |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scanlake", required=True)
    ap.add_argument("--duckdb", required=True)
    ap.add_argument("--ncdu", required=True)
    ap.add_argument("--rows-per-scan", type=int, default=10_000_000)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--rows-per-week", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="also drop the page cache before each history run (root)")
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/scanlake-bench-trends"))
    ap.add_argument("--out")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    out = os.path.join(a.work, "out")
    lines = [f"Whole process, median of {a.repeat}; {os.cpu_count()} cores. Read: bytes read through system calls (rchar).", ""]

    # History over every scan: summaries, rows, DuckDB.
    weekly = weekly_lake(a)
    history = [a.scanlake, "aggregate", weekly, "history", "--by", "fileset", "--format", "csv"]
    from_summaries = run(history, capture_output=True).stdout
    from_rows = run(history + ["--from-rows"], capture_output=True).stdout
    equal = from_summaries == from_rows and from_summaries.count(b"\n") > a.weeks
    src = f"read_parquet('{weekly}/acq=*/*/*.parquet', hive_partitioning = true)"
    duck = f"SELECT acq, fileset, count(*) AS objects, sum(size) AS bytes FROM {src} GROUP BY ALL ORDER BY ALL;"
    contenders = [(history, out + "-h1.csv"), (history + ["--from-rows"], out + "-h2.csv"),
                  ([a.duckdb, "-csv", "-c", duck], out + "-h3.csv")]
    rows = run([a.duckdb, "-noheader", "-list", "-c", f"SELECT count(*) FROM {src}"], capture_output=True).stdout.decode().strip()
    lines += [f"`history --by fileset` over {a.weeks} weekly scans ({int(rows):,} rows); the two scanlake results are "
              f"{'byte-for-byte equal' if equal else 'DIFFERENT'}.", "",
              "| cache | summaries | rows (`--from-rows`) | DuckDB CLI | read: summaries / rows / DuckDB | peak RSS: summaries / rows / DuckDB |",
              "|---|---|---|---|---|---|"]
    for cold in ([False, True] if a.cold else [False]):
        s, r, d = compare(contenders, a.repeat, cold)
        label = "cold" if cold else "warm"
        disk = f"; from disk {s[4]:.1f} / {r[4]:.1f} / {d[4]:.1f} MiB" if cold else ""
        lines.append(f"| {label} | {s[0]:.3f} s | {r[0]:.3f} s | {d[0]:.3f} s | {s[3]:.1f} / {r[3]:.0f} / {d[3]:.0f} MiB{disk} | "
                     f"{s[2]:.0f} / {r[2]:.0f} / {d[2]:.0f} MiB |")
    if not equal:
        sys.exit("history from summaries differs from history from rows")

    # Breakdowns over the two-scan dataset.
    lake = two_scan_lake(a)
    run([a.scanlake, "summarize", lake], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    src = f"read_parquet('{lake}/acq=*/*/*.parquet', hive_partitioning = true)"
    name = "regexp_extract(path, '[^/]*$')"
    ext = f"lower(regexp_extract({name}, '\\.[^.]*$'))"
    top = "QUALIFY row_number() OVER (PARTITION BY acq ORDER BY {} DESC) <= 20 ORDER BY acq, {} DESC"
    reports = {
        "extensions -n 20": (["extensions", "-n", "20"],
                             f"SELECT * FROM (SELECT acq, {ext} AS ext, count(*) AS objects, sum(size) AS bytes FROM {src} "
                             f"WHERE kind = 'file' GROUP BY ALL) {top.format('bytes', 'bytes')};"),
        "duplicates -n 20": (["duplicates", "-n", "20"],
                             f"SELECT * FROM (SELECT acq, {name} AS name, size, count(*) AS copies, (count(*) - 1) * size AS bytes_saved "
                             f"FROM {src} WHERE kind = 'file' AND size > 0 GROUP BY acq, name, size HAVING count(*) > 1) "
                             f"{top.format('bytes_saved', 'bytes_saved')};"),
        "top files --by size -n 20": (["top", "files", "--by", "size", "-n", "20"],
                                      f"SELECT acq, path, uid, size FROM {src} WHERE kind = 'file' {top.format('size', 'size')};"),
        "usage --by ext": (["usage", "--by", "ext"],
                           f"SELECT acq, {ext} AS ext, count(*), sum(size) FROM {src} GROUP BY ALL ORDER BY ALL;"),
    }
    lines += ["", f"Breakdowns over {2 * a.rows_per_scan:,} rows (two scans).", "",
              "| report | scanlake | DuckDB CLI | ratio | peak RSS scanlake | peak RSS DuckDB | read scanlake |",
              "|---|---|---|---|---|---|---|"]
    for label, (args, sql) in reports.items():
        s, d = compare([([a.scanlake, "aggregate", lake, *args, "--format", "csv"], out + "-s.csv"),
                        ([a.duckdb, "-csv", "-c", sql], out + "-d.csv")], a.repeat)
        lines.append(row(label, s, d))
    small = ([a.scanlake, "aggregate", lake, "duplicates", "-n", "20", "--memory-mib", "64", "--format", "csv"], out + "-s.csv")
    (s,) = compare([small], a.repeat)
    lines.append(row("duplicates -n 20 --memory-mib 64", s, None))

    # The ncdu tree of the latest scan, and ncdu loading it.
    tree = os.path.join(a.work, "tree.json")
    (t,) = compare([([a.scanlake, "export-tree", lake, "--acq", NEW, "-o", tree, "-q"], None)], a.repeat)
    (n,) = compare([([a.ncdu, "-0", "-f", tree, "-o", "/dev/null"], None)], a.repeat)
    size = os.path.getsize(tree) / (1 << 20)
    lines += ["", "| export-tree of the latest scan | wall | peak RSS |", "|---|---|---|",
              f"| scanlake export-tree ({size:.0f} MiB of JSON) | {t[0]:.2f} s | {t[2]:.0f} MiB |",
              f"| ncdu -f (load, export to /dev/null) | {n[0]:.2f} s | {n[2]:.0f} MiB |"]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


main()
