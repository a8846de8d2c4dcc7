#!/usr/bin/env python3
"""Benchmark: `scanlake convert` against the same conversion done by DuckDB.

Generates a default-layout log with `scanlake gen`, converts it with scanlake and with DuckDB
(`regexp_extract` on each line, `url_decode` on SHOW and path, zstd Parquet), and prints wall
seconds, CPU seconds, lines/s and peak RSS of each, the ratios, and the Parquet sizes.
Each conversion runs in its own process, measured with wait4().

    bench/convert.sh [--lines 1000000] [--lines 10000000] [--tlds 20000] [--out FILE]

`--tlds N` also converts a scan of 2M lines spread over N top-level directories (N partitions)
and over 40, to compare the rate with many partitions against the rate with few.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

KEYS = {  # SHOW key -> DuckDB type, as scanlake types them
    "size": "BIGINT", "kballoc": "BIGINT", "access": "TIMESTAMPTZ", "create": "TIMESTAMPTZ",
    "modify": "TIMESTAMPTZ", "change": "TIMESTAMPTZ", "uid": "UINTEGER", "gid": "UINTEGER",
    "heat": "DOUBLE", "pool": "VARCHAR", "mode": "VARCHAR", "misc": "VARCHAR", "nlink": "BIGINT",
    "fileset": "VARCHAR",
}

DUCKDB_SCRIPT = r"""
import duckdb, sys
src, dst, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads={threads}")
con.execute("SET TimeZone='UTC'")
fields = ",\n".join(
    f"NULLIF(regexp_extract(show_text, '\\|{k}=([^|]*)', 1), '')::{t} AS \"{k}\"" for k, t in KEYS.items()
)
con.execute(f'''
COPY (
  WITH lines AS (
    SELECT line FROM read_csv('{src}', columns={{'line': 'VARCHAR'}}, header=false, sep='\t',
                              quote='', escape='', auto_detect=false)
    WHERE line NOT LIKE '#%'
  ), parts AS (
    SELECT regexp_extract(line, '^(\d+) (\d+) (\d+)  (.*) -- (.*)$',
                          ['inode', 'gen', 'snapshot', 'show_text', 'path']) AS m
    FROM lines
  ), decoded AS (
    SELECT m.inode::UBIGINT AS inode, m.gen::UINTEGER AS gen, m.snapshot::UBIGINT AS snapshot,
           url_decode(m.path) AS path, url_decode(m.show_text) AS show_text
    FROM parts
  )
  SELECT inode, gen, snapshot, path, {fields} FROM decoded
) TO '{dst}' (FORMAT parquet, COMPRESSION zstd)
''')
"""


def measure(cmd, env=None):
    """Runs cmd; returns (wall s, cpu s, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def dir_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs
               if f.endswith(".parquet") and "_rejects" not in d)


def run(scanlake, python, lines, work, tlds=None):
    name = f"bench-{lines}" + (f"-{tlds}tlds" if tlds else "")
    log = os.path.join(work, f"{name}.2026-11-01.list")
    if not os.path.exists(log):
        extra = ["--top-dirs", str(tlds)] if tlds else []
        subprocess.run([scanlake, "gen", "-n", str(lines), *extra, "-o", log], check=True, stdout=subprocess.DEVNULL)
    dataset = os.path.join(work, f"lake-{name}")
    shutil.rmtree(dataset, ignore_errors=True)
    # Warm the page cache so both tools read the input from memory.
    with open(log, "rb") as f:
        while f.read(1 << 24):
            pass
    s_wall, s_cpu, s_rss, out = measure([scanlake, "convert", log, "-o", dataset, "--json", "-q"])
    summary = json.loads(out)
    duck_out = os.path.join(work, f"duckdb-{name}.parquet")
    script = f"KEYS = {KEYS!r}\n" + DUCKDB_SCRIPT
    d_wall, d_cpu, d_rss, _ = measure([python, "-c", script, log, duck_out, str(os.cpu_count())])
    s_size, d_size = dir_size(dataset), os.path.getsize(duck_out)
    row = {
        "lines": summary["lines"], "tlds": tlds or 40, "rows": summary["rows"], "input_mib": os.path.getsize(log) / 2**20,
        "scanlake": {"wall_s": s_wall, "cpu_s": s_cpu, "lines_per_s": summary["lines"] / s_wall,
                     "peak_rss_mib": s_rss, "parquet_mib": s_size / 2**20, "files": summary["files"]},
        "duckdb": {"wall_s": d_wall, "cpu_s": d_cpu, "lines_per_s": summary["lines"] / d_wall,
                   "peak_rss_mib": d_rss, "parquet_mib": d_size / 2**20},
        "duckdb_wall_over_scanlake": d_wall / s_wall,
        "scanlake_size_over_duckdb": s_size / d_size,
    }
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scanlake", required=True)
    ap.add_argument("--python", default=sys.executable, help="interpreter with duckdb installed")
    ap.add_argument("--lines", type=int, action="append", help="lines to generate (repeatable)")
    ap.add_argument("--work", help="directory for inputs and outputs (default: a temporary one)")
    ap.add_argument("--tlds", type=int, action="append", help="also 2M lines over this many tlds (repeatable)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="also write the table (Markdown) here")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="scanlake-bench-")
    os.makedirs(work, exist_ok=True)
    rows = [run(args.scanlake, args.python, n, work) for n in (args.lines or [1_000_000])]
    for tlds in args.tlds or []:
        rows += [run(args.scanlake, args.python, 2_000_000, work, 40), run(args.scanlake, args.python, 2_000_000, work, tlds)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    version = subprocess.run([args.scanlake, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    duck = subprocess.run([args.python, "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True, text=True,
                          check=True).stdout.strip()
    table = [f"{os.cpu_count()} cores; {version}; DuckDB {duck}.", "",
             "| lines | tlds | tool | wall s | CPU s | lines/s | peak RSS MiB | Parquet MiB | files | DuckDB wall / scanlake wall |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for tool in ("scanlake", "duckdb"):
            t = r[tool]
            ratio = f"{r['duckdb_wall_over_scanlake']:.1f}" if tool == "scanlake" else ""
            table.append(f"| {r['lines']:,} | {r['tlds']:,} | {tool} | {t['wall_s']:.2f} | {t['cpu_s']:.2f} | "
                         f"{t['lines_per_s']:,.0f} | {t['peak_rss_mib']:.0f} | {t['parquet_mib']:.1f} | "
                         f"{t.get('files', 1)} | {ratio} |")
    print("\n".join(table))
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(table) + "\n")
    if work != args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
