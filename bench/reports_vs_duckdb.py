#!/usr/bin/env python3
"""Benchmark: every report, and `query` for a plain GROUP BY uid, against the query a skilled user
would type into DuckDB for the same numbers, over the same Parquet files, in the same run.

Two ways, each at every thread count asked for:
- in-process: the Python module's call (`scanlake.Dataset(...).usage(...)`, an Arrow table back)
  against DuckDB's Python API (`con.sql(...).arrow()`), both in one interpreter, start-up excluded;
- whole process: the `scanlake` CLI writing CSV against DuckDB's own CLI (`duckdb -c`, PyPI's
  duckdb-cli: no Python start-up) running the query and writing CSV, each measured with wait4()
  (wall, CPU, peak RSS, blocks read).
Medians of `--repeat` runs, the contenders alternating; the page cache is warmed first. With
`--cold`, every whole-process run also runs once more after dropping the page cache (as root:
`/proc/sys/vm/drop_caches`), and the table adds its wall time and MiB read from storage.

The dataset (built once in the work directory): two generated scans a week apart (`--rows-per-scan`
each, `--users` owners, `--tlds` top-level directories, `--hard-links` of the files linked twice), converted with `scanlake convert`.

    bench/reports.sh [--rows-per-scan 10000000] [--threads 2] [--cold] [--out docs/bench/reports.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

AGE = [30, 90, 180, 365, 730, 1095, 1460, 1825, 2555]
SIZE = [1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 100 << 20, 1 << 30, 10 << 30, 100 << 30]


def bucket(expr, edges):
    return f"CASE WHEN {expr} IS NULL THEN NULL " + " ".join(
        f"WHEN {expr} < {x} THEN {i}" for i, x in enumerate(edges)) + f" ELSE {len(edges)} END"


COUNTERS = ("count(*) AS objects, count(*) FILTER (kind = 'file') AS files, count(*) FILTER (kind = 'dir') AS dirs, "
            "sum(size) AS bytes, sum(kballoc) * 1024 AS allocated")


def dirs_upto(depth, first):
    """DuckDB: each row's ancestor directories at depths first..depth, unnested."""
    return (f"unnest(list_transform(range({first}, least(len(string_split(path, '/')) - 2, {depth}) + 1), "
            f"i -> array_to_string(string_split(path, '/')[1:i+1], '/'))) AS dir")


# name -> (scanlake CLI words, Python call (method, kwargs), DuckDB SQL over the view `f`)
REPORTS = {
    "usage by uid": (["aggregate", "{lake}", "usage", "--by", "uid"], ("usage", {"by": "uid"}),
                     f"SELECT acq, uid, {COUNTERS} FROM f GROUP BY acq, uid ORDER BY acq, uid"),
    "age by uid": (["aggregate", "{lake}", "age", "--by", "uid", "--time", "access"], ("age", {"by": "uid"}),
                   f"SELECT acq, uid, {bucket('date_diff(' + chr(39) + 'day' + chr(39) + ', access::DATE, acq)', AGE)} AS age, "
                   f"{COUNTERS} FROM f GROUP BY ALL ORDER BY ALL"),
    "size": (["aggregate", "{lake}", "size"], ("size", {}),
             f"SELECT acq, {bucket('size', SIZE)} AS size_bucket, {COUNTERS} FROM f WHERE kind = 'file' "
             "GROUP BY ALL ORDER BY ALL"),
    "top users": (["aggregate", "{lake}", "top", "users", "-n", "20"], ("top", {"what": "users", "n": 20}),
                  "SELECT acq, uid, sum(size) AS bytes FROM f GROUP BY acq, uid "
                  "QUALIFY row_number() OVER (PARTITION BY acq ORDER BY bytes DESC) <= 20 ORDER BY acq, bytes DESC"),
    "top groups": (["aggregate", "{lake}", "top", "groups", "-n", "20"], ("top", {"what": "groups", "n": 20}),
                   "SELECT acq, gid, sum(size) AS bytes FROM f GROUP BY acq, gid "
                   "QUALIFY row_number() OVER (PARTITION BY acq ORDER BY bytes DESC) <= 20 ORDER BY acq, bytes DESC"),
    "top dirs": (["aggregate", "{lake}", "top", "dirs", "--max-depth", "5", "-n", "20"],
                 ("top", {"what": "dirs", "max_depth": 5, "n": 20}),
                 f"SELECT acq, dir, sum(size) AS bytes FROM (SELECT acq, size, {dirs_upto(5, 3)} FROM f) GROUP BY acq, dir "
                 "QUALIFY row_number() OVER (PARTITION BY acq ORDER BY bytes DESC) <= 20 ORDER BY acq, bytes DESC"),
    "du": (["aggregate", "{lake}", "du", "--max-depth", "6"], ("du", {"max_depth": 6}),
           f"SELECT acq, dir, count(*) AS objects, count(*) FILTER (kind = 'file') AS files, sum(size) AS bytes, "
           f"sum(kballoc) * 1024 AS allocated, max(access) AS newest_access "
           f"FROM (SELECT acq, size, kballoc, kind, access, {dirs_upto(6, 0)} FROM f) GROUP BY ALL ORDER BY ALL"),
    "churn by tld": (["aggregate", "{lake}", "churn", "--by", "tld"], ("churn", {"by": "tld"}),
                     """WITH a AS (SELECT tld, path, size, modify FROM f WHERE acq = DATE '2026-11-01'),
                             b AS (SELECT tld, path, size, modify FROM f WHERE acq = DATE '2026-11-08')
                        SELECT coalesce(b.tld, a.tld) AS tld,
                          count(*) FILTER (a.path IS NULL) AS created, sum(b.size) FILTER (a.path IS NULL) AS created_bytes,
                          count(*) FILTER (b.path IS NULL) AS deleted, sum(a.size) FILTER (b.path IS NULL) AS deleted_bytes,
                          count(*) FILTER (a.path IS NOT NULL AND b.path IS NOT NULL
                                           AND (a.modify IS DISTINCT FROM b.modify OR a.size IS DISTINCT FROM b.size)) AS modified,
                          count(*) FILTER (a.path IS NOT NULL AND b.path IS NOT NULL
                                           AND NOT (a.modify IS DISTINCT FROM b.modify OR a.size IS DISTINCT FROM b.size)) AS unchanged
                        FROM a FULL OUTER JOIN b ON a.tld = b.tld AND a.path = b.path GROUP BY ALL ORDER BY ALL"""),
    "extensions": (["aggregate", "{lake}", "extensions", "-n", "20"], ("extensions", {"n": 20}),
                   "SELECT acq, coalesce(regexp_extract(regexp_extract(path, '[^/]*$'), '[^.](\\.[^.]*)$', 1), '') AS ext, "
                   "count(*) AS objects, sum(size) AS bytes, sum(kballoc) * 1024 AS allocated FROM f WHERE kind = 'file' "
                   "GROUP BY acq, ext QUALIFY row_number() OVER (PARTITION BY acq ORDER BY bytes DESC) <= 20 ORDER BY acq, bytes DESC"),
    "duplicates": (["aggregate", "{lake}", "duplicates", "-n", "20"], ("duplicates", {"n": 20}),
                   "SELECT acq, regexp_extract(path, '[^/]*$') AS name, size, count(*) AS copies, (count(*) - 1) * size AS saved "
                   "FROM f WHERE kind = 'file' AND size > 0 GROUP BY acq, name, size HAVING count(*) > 1 "
                   "QUALIFY row_number() OVER (PARTITION BY acq ORDER BY saved DESC) <= 20 ORDER BY acq, saved DESC"),
    "history by uid": (["aggregate", "{lake}", "history", "--by", "uid"], ("history", {"by": "uid"}),
                       f"SELECT *, bytes - lag(bytes) OVER (PARTITION BY uid ORDER BY acq) AS bytes_change FROM "
                       f"(SELECT acq, uid, {COUNTERS} FROM f GROUP BY acq, uid) ORDER BY uid, acq"),
    "top files": (["aggregate", "{lake}", "top", "files", "-n", "20"], ("top", {"what": "files", "n": 20}),
                  "SELECT acq, path, size, uid, gid, access, modify FROM f WHERE kind = 'file' "
                  "QUALIFY row_number() OVER (PARTITION BY acq ORDER BY size DESC) <= 20 ORDER BY acq, size DESC"),
    "find *.h5 >= 1M": (["find", "{lake}", "--name", "*.h5", "--size-min", "1M"], ("find", {"name": "*.h5", "size_min": "1M"}),
                        "SELECT path, size, uid, gid, access, modify, \"create\" FROM f WHERE acq = DATE '2026-11-08' "
                        "AND path LIKE '%.h5' AND size >= 1048576 ORDER BY path"),
    # The quota report (`quota_file` writes it) beside the latest scan's usage; DuckDB reads the
    # colon-separated file itself and joins it with the scan's usage by uid and by gid.
    "quota": (["quota", "{lake}", "{quota}"], ("quota", {"source": "{quota}"}),
              """WITH q AS (SELECT column07 AS type, column08 AS id, column10::BIGINT * 1024 AS bytes_used,
                                   column12::BIGINT * 1024 AS bytes_limit, column15::BIGINT AS files_used
                            FROM read_csv('{quota}', delim = ':', header = false, all_varchar = true, null_padding = true)
                            WHERE column02 <> 'HEADER' AND column07 IN ('USR', 'GRP')),
                      u AS (SELECT 'USR' AS type, uid::VARCHAR AS id, sum(kballoc) * 1024 AS scan_allocated, count(*) AS scan_objects
                            FROM f WHERE acq = DATE '2026-11-08' GROUP BY uid
                            UNION ALL
                            SELECT 'GRP', gid::VARCHAR, sum(kballoc) * 1024, count(*) FROM f WHERE acq = DATE '2026-11-08' GROUP BY gid)
                 SELECT q.*, u.scan_allocated, u.scan_objects, q.bytes_used - u.scan_allocated AS allocated_difference,
                        round(100 * q.bytes_used / nullif(q.bytes_limit, 0), 2) AS bytes_pct
                 FROM q LEFT JOIN u USING (type, id) ORDER BY bytes_used DESC"""),
    # No DuckDB query writes ncdu's tree; its peer writes the same scan's rows in path order as
    # JSON lines, the least a tree of them needs.
    "export-tree": (["export-tree", "{lake}", "--acq", "2026-11-08", "-q", "-o", "{out}.json"],
                    ("export_tree", {"output": "{out}.json", "acq": "2026-11-08"}),
                    "SELECT path, kind, size, kballoc * 1024 AS dsize, inode, uid, gid, epoch(modify)::BIGINT AS mtime "
                    "FROM f WHERE acq = DATE '2026-11-08' ORDER BY path"),
    "query GROUP BY uid": (["query", "{lake}", "SELECT uid, count(*) AS n, sum(size) AS bytes FROM files GROUP BY uid"],
                           ("query", {"sql": "SELECT uid, count(*) AS n, sum(size) AS bytes FROM files GROUP BY uid"}),
                           "SELECT uid, count(*) AS n, sum(size) AS bytes FROM f GROUP BY uid"),
}

# What a DuckDB user types to see the dataset: every data file, partition columns from the paths.
VIEW = ("CREATE VIEW f AS SELECT * FROM read_parquet('{lake}/acq=*/*/*.parquet', hive_partitioning = true, "
        "union_by_name = true)")

def duck_script(lake, sql, threads, out, json_lines=False):
    """What a DuckDB CLI user types for one report: settings, the view, the query to CSV (or JSON lines)."""
    to = "(FORMAT json)" if json_lines else "(HEADER, DELIMITER ',')"
    return (f"SET threads = {threads}; SET TimeZone = 'UTC'; {VIEW.format(lake=lake)}; "
            f"COPY ({sql}) TO '{out}' {to};")


def quota_file(work, users, groups=300):
    """An `mmrepquota -Y` report: a user quota for each generated owner (and 5% more that own
    nothing) and a group quota for `groups` gids."""
    path = os.path.join(work, "repquota.txt")
    header = ("mmrepquota::HEADER:version:reserved:reserved:filesystemName:quotaType:id:name:blockUsage:blockQuota:"
              "blockLimit:blockInDoubt:blockGrace:filesUsage:filesQuota:filesLimit:filesInDoubt:filesGrace:remarks:"
              "quota:defQuota:fid:filesetname:")
    lines = [header]
    for kind, count, first in (("USR", users * 21 // 20, 1000), ("GRP", groups, 100)):
        lines += [f"mmrepquota::0:1:::fs1:{kind}:{first + i}::{i * 1000}:0:{10 ** 12}:0:none:{i}:0:0:0:none:i:on:off:::"
                  for i in range(count)]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path

IN_PROCESS = r"""
import duckdb, json, sys, time, types, scanlake
lake, reports, threads, repeat, view = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ds = scanlake.Dataset(lake)
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET TimeZone = 'UTC'")
con.execute(view.format(lake=lake))
results = {}
for name, (method, kwargs, sql) in reports.items():
    times = {"scanlake": [], "duckdb": []}
    rows = {}
    for _ in range(repeat):
        t = time.perf_counter()
        if method == "query":
            table = ds.query(kwargs["sql"], threads=threads, progress=False)
        elif method == "find":
            table = ds.find(**kwargs, progress=False).read_all()
        elif method == "quota":
            table = ds.quota(kwargs["source"], progress=False)
        elif method == "export_tree":
            # Written to a file, as the CLI does; so is the peer's JSON below.
            written = ds.export_tree(**kwargs, progress=False)
            table = types.SimpleNamespace(num_rows=sum(written[k] for k in ("directories", "files", "others")))
        else:
            table = getattr(ds, method)(**kwargs, threads=threads, progress=False)
        times["scanlake"].append(time.perf_counter() - t)
        rows["scanlake"] = table.num_rows
        t = time.perf_counter()
        if method == "export_tree":
            # The tree's peer writes its rows as JSON lines to a file, as the CLI's peer does.
            (copied,) = con.execute(f"COPY ({sql}) TO '{kwargs['output']}.duckdb' (FORMAT json)").fetchone()
            table = types.SimpleNamespace(num_rows=copied)
        else:
            table = con.sql(sql).to_arrow_table()
        times["duckdb"].append(time.perf_counter() - t)
        rows["duckdb"] = table.num_rows
    results[name] = {"median": {k: sorted(v)[len(v) // 2] for k, v in times.items()}, "rows": rows}
print(json.dumps(results))
"""


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def measured(cmd, cold=False):
    """(wall s, CPU s, peak RSS MiB, MiB read from storage) of one process; fails loudly."""
    if cold:
        drop_caches()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)[:300]}\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, usage.ru_inblock * 512 / 2**20


def median_of(runs):
    """Each figure's median over runs."""
    return tuple(statistics.median(r[i] for r in runs) for i in range(len(runs[0])))


def build(scanlake, work, rows, users, tlds, links):
    lake = os.path.join(work, f"lake-{rows}-{users}u-{tlds}t-{links}l")
    if not os.path.exists(os.path.join(lake, "_scanlake", "manifest.json")):
        for date in ["2026-11-01", "2026-11-08"]:
            log = os.path.join(work, f"bench.{date}.list.zst")
            subprocess.run([scanlake, "gen", "-n", str(rows), "--seed", "1", "--acq", date, "--users", str(users),
                            "--top-dirs", str(tlds), "--directories", "--hard-links", str(links), "-o", log], check=True, stdout=subprocess.DEVNULL)
            subprocess.run([scanlake, "convert", log, "-o", lake, "-q", "--json"], check=True, stdout=subprocess.DEVNULL)
            os.remove(log)
    return lake


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scanlake", required=True)
    ap.add_argument("--python", required=True, help="an interpreter with scanlake and duckdb installed")
    ap.add_argument("--duckdb", required=True, help="DuckDB's CLI (bench/duckdb-cli.sh prints it)")
    ap.add_argument("--cold", action="store_true", help="also measure each process with the page cache dropped (root)")
    ap.add_argument("--rows-per-scan", type=int, default=10_000_000)
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--tlds", type=int, default=40, help="top-level directories (partitions per scan)")
    ap.add_argument("--hard-links", type=float, default=0.01, help="fraction of files with a second link")
    ap.add_argument("--threads", type=int, action="append", help="thread counts (default: 1 and all cores)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", default="/tmp/scanlake-bench-reports")
    ap.add_argument("--only", action="append", help="run only these reports")
    ap.add_argument("--whole-process-only", action="store_true",
                    help="skip the in-process runs (at 10^8 rows they double a long benchmark)")
    ap.add_argument("--out", help="also write the table (Markdown) here")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    lake = build(args.scanlake, args.work, args.rows_per_scan, args.users, args.tlds, args.hard_links)
    manifest = json.load(open(os.path.join(lake, "_scanlake", "manifest.json")))
    files = [os.path.join(lake, f) for e in manifest["inputs"].values() for f in e["files"]]
    rows = sum(e["rows"] for e in manifest["inputs"].values())
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass
    quota = quota_file(args.work, args.users)
    out_csv = os.path.join(args.work, "out.csv")

    def placed(v):
        """A report's words, call and SQL with the dataset, quota file and output put in."""
        fill = lambda x: x.replace("{lake}", lake).replace("{quota}", quota).replace("{out}", out_csv)
        words, (method, kwargs), sql = v
        return ([fill(w) for w in words], (method, {k: fill(x) if isinstance(x, str) else x for k, x in kwargs.items()}),
                fill(sql))

    reports = {k: placed(v) for k, v in REPORTS.items() if not args.only or k in args.only}
    threads = args.threads or sorted({1, os.cpu_count()})
    duck_version = subprocess.run([args.duckdb, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    version = subprocess.run([args.scanlake, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    lines = [f"Dataset: {rows:,} rows in {len(files)} files ({sum(map(os.path.getsize, files)) / 2**20:.0f} MiB), "
             f"two scans, {args.users} users, {args.tlds} tlds, {args.hard_links:.0%} hard links; {os.cpu_count()} cores; {version}; DuckDB CLI {duck_version}; "
             f"medians of {args.repeat}.", "",
             "| report | threads | in-process scanlake s | DuckDB s | ratio | whole process scanlake s (CPU s, RSS MiB) "
             "| DuckDB CLI s (CPU s, RSS MiB) | ratio |" + (" cold scanlake s (MiB read) | cold DuckDB CLI s (MiB read) | ratio |" if args.cold else ""),
             "|---|---|---|---|---|---|---|---|" + ("---|---|---|" if args.cold else "")]
    print("\n".join(lines), flush=True)
    for t in threads:
        calls = {k: [v[1][0], v[1][1], v[2]] for k, v in reports.items()}
        inproc = None
        if not args.whole_process_only:
            proc = subprocess.run([args.python, "-c", IN_PROCESS, lake, json.dumps(calls), str(t), str(args.repeat),
                                   VIEW], capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"in-process run failed:\n{proc.stderr[-3000:]}")
            inproc = json.loads(proc.stdout.strip().splitlines()[-1])  # the last line: earlier ones are notes
        for name, (words, _, sql) in reports.items():
            warm = {"scanlake": [], "duckdb": []}
            cold = {"scanlake": [], "duckdb": []}
            # `find` and `export-tree` have no --threads: they read with every core (the tables
            # use all cores); export-tree writes its own file.
            tree = words[0] == "export-tree"
            threads_flag = [] if words[0] in ("find", "export-tree") else ["--threads", str(t)]
            output = [] if tree else ["--format", "csv", "-o", out_csv]
            cli = [args.scanlake, *words, *threads_flag, *output]
            duck = [args.duckdb, "-c", duck_script(lake, sql, t, out_csv + (".json" if tree else ""), json_lines=tree)]
            for _ in range(args.repeat):
                for who, cmd in (("scanlake", cli), ("duckdb", duck)):
                    warm[who].append(measured(cmd))
                    if args.cold:
                        cold[who].append(measured(cmd, cold=True))
            s, d = median_of(warm["scanlake"]), median_of(warm["duckdb"])
            if inproc is None:
                in_cells = "– | – | –"
            else:
                ip = inproc[name]["median"]
                in_cells = f"{ip['scanlake']:.3f} | {ip['duckdb']:.3f} | {ip['scanlake'] / ip['duckdb']:.2f}"
            line = (f"| {name} | {t} | {in_cells} "
                    f"| {s[0]:.3f} ({s[1]:.2f}, {s[2]:.0f}) | {d[0]:.3f} ({d[1]:.2f}, {d[2]:.0f}) | {s[0] / d[0]:.2f} |")
            if args.cold:
                cs, cd = median_of(cold["scanlake"]), median_of(cold["duckdb"])
                line += f" {cs[0]:.3f} ({cs[3]:.0f}) | {cd[0]:.3f} ({cd[3]:.0f}) | {cs[0] / cd[0]:.2f} |"
            lines.append(line)
            print(line, flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")


main()
