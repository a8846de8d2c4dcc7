#!/usr/bin/env python3
"""Benchmark: how convert, every report and a Slurm `run` grow with the scan's size.

For each size: a generated scan (zstd-compressed LIST file, 2,000 users, 400 tlds, 1% hard
links), converted with `scanlake convert`; every report run by the CLI over it; and the whole
pipeline as Slurm jobs on the cluster `SLURM_CONF` names (`scanlake run --executor slurm --wait`).
Wall seconds, CPU seconds and peak RSS of each process (wait4()); for the Slurm run the wall time
of the whole run (its jobs' CPU is not this process's). Writes a Markdown table.

    bench/scale.sh [--lines 1000000 --lines 10000000 --lines 100000000] [--out FILE]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

REPORTS = {
    "usage by uid": ["usage", "--by", "uid"],
    "age by uid": ["age", "--by", "uid", "--time", "access"],
    "size": ["size"],
    "top users": ["top", "users"],
    "top groups": ["top", "groups"],
    "top dirs": ["top", "dirs", "--max-depth", "5"],
    "du": ["du", "--max-depth", "6"],
    # Memory flat in result size: every directory, held in memory under the default limit, then
    # within 64 MiB (spilled to sorted runs and merged into the export).
    "du, every depth": ["du", "--max-depth", "30"],
    "du, every depth, --memory-mib 64": ["du", "--max-depth", "30", "--memory-mib", "64"],
    "top dirs --max-depth 8, --memory-mib 64": ["top", "dirs", "--max-depth", "8", "--memory-mib", "64"],
}


def measured(cmd, out=subprocess.DEVNULL, check=True):
    """(wall s, CPU s, peak RSS MiB, error text or None)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    failed = os.waitstatus_to_exitcode(status) != 0
    if failed and check:
        sys.exit(f"failed: {' '.join(cmd)[:300]}\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, err.decode(errors="replace") if failed else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scanlake", required=True)
    ap.add_argument("--lines", type=int, action="append")
    ap.add_argument("--work", default="/tmp/scanlake-bench-scale")
    ap.add_argument("--no-slurm", action="store_true", help="leave out the Slurm run")
    ap.add_argument("--keep", action="store_true", help="keep each size's input and dataset")
    ap.add_argument("--out")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    version = subprocess.run([args.scanlake, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    lines = [f"{os.cpu_count()} cores; {version}. Wall s / CPU s / peak RSS MiB.", "",
             "| lines | step | wall s | CPU s | peak RSS MiB | note |", "|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)

    def row(n, step, m, note=""):
        line = f"| {n:,} | {step} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.0f} | {note} |"
        lines.append(line)
        print(line, flush=True)

    for n in args.lines or [1_000_000, 10_000_000]:
        log = os.path.join(args.work, f"scan-{n}.2026-11-01.list.zst")
        lake = os.path.join(args.work, f"lake-{n}")
        if not os.path.exists(log):
            m = measured([args.scanlake, "gen", "-n", str(n), "--users", "2000", "--top-dirs", "400", "--directories",
                          "--hard-links", "0.01", "-o", log])
            row(n, "gen (zstd)", m, f"{os.path.getsize(log) / 2**20:.0f} MiB compressed")
        shutil.rmtree(lake, ignore_errors=True)
        with open(os.path.join(args.work, "convert.json"), "wb") as out:
            m = measured([args.scanlake, "convert", log, "-o", lake, "--json", "-q"], out)
        summary = json.load(open(os.path.join(args.work, "convert.json")))
        row(n, "convert", m, f"{summary['files']} files, {summary['output_bytes'] / 2**20:.0f} MiB, "
                             f"{summary['lines'] / m[0]:,.0f} lines/s")
        for name, words in REPORTS.items():
            out_csv = os.path.join(args.work, "report.csv")
            m = measured([args.scanlake, "aggregate", lake, *words, "--format", "csv", "-o", out_csv])
            with open(out_csv, "rb") as f:
                rows = sum(1 for _ in f) - 1
            row(n, name, m, f"{rows:,} rows")
        if not args.no_slurm:
            if not os.environ.get("SLURM_CONF"):
                sys.exit("SLURM_CONF is not set: start a cluster (scripts/local-slurm/start.sh) or pass --no-slurm")
            run_lake = lake + "-run"
            shutil.rmtree(run_lake, ignore_errors=True)
            m = measured([args.scanlake, "run", log, "-o", run_lake, "--executor", "slurm", "--wait",
                          "--report", "usage --by uid", "--report", "du --max-depth 6"], check=False)
            # A failed run is a finding, not the end of the table (e.g. split's chunks need the
            # decompressed input's size on disk).
            note = "wall of the whole run; CPU and RSS are the waiter's"
            if m[3]:
                run_dir = next((w for w in m[3].split() if "/_scanlake/runs/" in w), None)
                said = subprocess.run([args.scanlake, "analyze", run_dir], capture_output=True, text=True).stdout if run_dir else m[3]
                reason = next((ln.split(":", 1)[1].strip() for ln in said.splitlines() if ln.strip().startswith("reason:")), "see its analysis")
                note = f"FAILED: {reason}"
            row(n, "run on Slurm (convert, usage, du)", m, note)
            shutil.rmtree(run_lake, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(lake, ignore_errors=True)
            os.remove(log)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")


main()
