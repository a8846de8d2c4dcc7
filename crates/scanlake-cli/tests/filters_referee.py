"""An independent referee for scanlake's filter language (used by filters.rs).

Builds a dataset with the scanlake command (two generated scans with hostile names, hard links and
directories, plus hand-written records: names that are not UTF-8 or hold a newline, missing times,
missing `misc`, uid 0), reads every row back with DuckDB from the data files the manifest lists,
and evaluates each filter in Python, written from docs/find.md and not from scanlake's code.
For every filter and both engines it compares:
- `aggregate usage --by uid` (objects and bytes per scan date and uid),
- `find -0` on the latest scan (byte for byte: the raw paths in byte order, NUL-terminated),
- `find --count` (matches and bytes per scan date),
and for the scratch rule the `--per-user` lists and their summary against the same usage.
Prints a JSON summary; exits non-zero at the first difference.

usage: filters_referee.py SCANLAKE WORKDIR
"""

import csv
import datetime as dt
import fnmatch
import json
import os
import re
import subprocess
import sys

import duckdb

DAY_US = 86_400_000_000
OLD, NEW = "2026-11-01", "2026-11-08"


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def run(scanlake, args, cwd, env=None, check=True):
    out = subprocess.run([scanlake, *args], cwd=cwd, capture_output=True, env=env)
    if check and out.returncode != 0:
        fail(f"scanlake {args!r} failed: {out.stderr.decode(errors='replace')}")
    return out


def extra_records(acq):
    """Records the generator does not make: not-UTF-8 and newline names, missing times and misc, root."""
    t = f"{acq} 00:00:00.000000"
    old = "2024-01-02 03:04:05.000000"
    recs = [
        ("/gpfs/fs1/home/caf%E9/old.dat", f"|size=5000|kballoc=5|access={old}|create={old}|modify={old}|change={old}|uid=0|gid=0|pool=data|mode=-rw-r--r--|misc=FAu|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/caf%C3%A9/old.dat", f"|size=6000|kballoc=6|access={old}|create={old}|modify={old}|change={old}|uid=0|gid=0|pool=data|mode=-rw-r--r--|misc=FAuM|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/caf%E9/line%0Abreak.tmp", f"|size=70|kballoc=1|access={old}|modify={old}|change={old}|uid=1001|gid=101|pool=system|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/nomisc/no-times.dat", f"|size=2048|kballoc=2|uid=1001|gid=101|pool=system|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/nomisc/fresh%FF.dat", f"|size=1048576|kballoc=1024|access={t}|create={t}|modify={t}|change={t}|uid=1002|gid=102|pool=system|mode=-rw-r--r--|misc=FAuV|nlink=1|fileset=root|"),
    ]
    lines = []
    for i, (path, show) in enumerate(recs):
        show = show.replace("|", "%7C").replace("=", "%3D").replace(" ", "%20").replace(":", "%3A")
        lines.append(f"{9_000_000 + i} 1 0  {show} -- {path}\n")
    return "".join(lines).encode()


def build(scanlake, work):
    for acq, seed in [(OLD, "3"), (NEW, "4")]:
        log = f"fs1.{acq}.list"
        run(scanlake, ["gen", "-n", "30000", "--seed", seed, "--acq", acq, "--hostile", "0.05", "--hard-links", "0.03",
                       "--directories", "--users", "40", "-o", log], work)
        with open(os.path.join(work, log), "ab") as f:
            f.write(extra_records(acq))
        # Three chunks converted as three inputs: several files per partition, whose paths
        # interleave, for find to merge.
        chunks = os.path.join(work, f"chunks-{acq}")
        run(scanlake, ["split", log, "-o", chunks, "--chunks", "3"], work)
        parts = sorted(os.path.join(chunks, n) for n in os.listdir(chunks) if ".part-" in n)
        run(scanlake, ["convert", *parts, "-o", "lake", "--json"], work)


def rows_of(work):
    lake = os.path.join(work, "lake")
    manifest = json.load(open(os.path.join(lake, "_scanlake", "manifest.json")))
    files = sorted(os.path.join(lake, f) for e in manifest["inputs"].values() for f in e["files"])
    partitions = {os.path.dirname(f) for f in files}
    if len(files) < 2 * len(partitions):
        fail(f"{len(files)} files in {len(partitions)} partitions: find's merge would not be tested")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    return con.execute(
        "SELECT CAST(regexp_extract(filename, 'acq=([0-9-]+)', 1) AS VARCHAR) AS acq, uid, gid, size, kind, pool, "
        "fileset, misc, epoch_us(access), epoch_us(modify), epoch_us(change), epoch_us(\"create\"), "
        "coalesce(path_bytes, encode(path)) "
        f"FROM read_parquet({listed}, filename = true, union_by_name = true)"
    ).fetchall()


class Row:
    __slots__ = ("acq", "uid", "gid", "size", "kind", "pool", "fileset", "misc", "times", "path")

    def __init__(self, r):
        (self.acq, self.uid, self.gid, self.size, self.kind, self.pool, self.fileset, self.misc,
         a, m, c, cr, p) = r
        self.times = {"access": a, "modify": m, "change": c, "create": cr}
        self.path = bytes(p)


def age(row, time):
    """Whole days from the time's UTC date to the scan date; None without the time."""
    us = row.times[time]
    if us is None:
        return None
    day = us // DAY_US
    acq_day = (dt.date.fromisoformat(row.acq) - dt.date(1970, 1, 1)).days
    return acq_day - day


def older(time, days):
    return lambda r: age(r, time) is not None and age(r, time) >= days


def newer(time, days):
    return lambda r: age(r, time) is not None and age(r, time) < days


def under(prefix):
    p = prefix.rstrip(b"/")
    return lambda r: r.path == p or r.path.startswith(p + b"/")


def glob(pattern):
    return lambda r: fnmatch.fnmatchcase(r.path.rsplit(b"/", 1)[-1], pattern)


def regex(pattern):
    rx = re.compile(pattern, re.S)
    return lambda r: rx.search(r.path) is not None


def misc_has(letters):
    return lambda r: r.misc is not None and all(l in r.misc for l in letters)


def misc_lacks(letters):
    return lambda r: r.misc is None or not any(l in r.misc for l in letters)


def every(*preds):
    return lambda r: all(p(r) for p in preds)


def cases(sample_tlds):
    a, b = sample_tlds
    return [
        ("scratch rule", ["--rule", "scratch"],
         every(older("access", 90), older("create", 90), lambda r: r.kind == "file", misc_lacks("MV"))),
        ("rule and a prefix", ["--rule", "scratch", "--prefix", a],
         every(older("access", 90), older("create", 90), lambda r: r.kind == "file", misc_lacks("MV"), under(a.encode()))),
        ("two ages", ["--older", "access=12w", "--newer", "modify=2y"], every(older("access", 84), newer("modify", 730))),
        ("create newer", ["--newer", "create=1y"], newer("create", 365)),
        ("sizes", ["--size-min", "1M", "--size-max", "1G"],
         lambda r: r.size is not None and (1 << 20) <= r.size <= (1 << 30)),
        ("two prefixes", ["--prefix", a, "--prefix", b], lambda r: under(a.encode())(r) or under(b.encode())(r)),
        ("ids", ["--uid", "1001,1002", "--gid", "101"], lambda r: r.uid in (1001, 1002) and r.gid == 101),
        ("pool and kind", ["--pool", "data", "--kind", "file,dir"], lambda r: r.pool == "data" and r.kind in ("file", "dir")),
        ("name glob", ["--name", "*.dat"], glob(b"*.dat")),
        ("name glob not UTF-8", ["--name", b"[a-z]*\xff*"], glob(b"[a-z]*\xff*")),
        ("path regex", ["--path-regex", "/user00[0-2][0-9]/"], regex(rb"/user00[0-2][0-9]/")),
        ("path regex not UTF-8", ["--path-regex", b"caf\xe9/"], regex(re.escape(b"caf\xe9/"))),
        ("newline in a name", ["--name", "*\n*"], glob(b"*\n*")),
        ("misc has", ["--misc-has", "M"], misc_has("M")),
        ("user by name", ["--user", "root"], lambda r: r.uid == 0),
    ]


def usage_of(rows):
    out = {}
    for r in rows:
        k = (r.acq, r.uid)
        o, b = out.get(k, (0, 0))
        out[k] = (o + 1, b + (r.size or 0))
    return out


def main():
    scanlake, work = sys.argv[1], sys.argv[2]
    build(scanlake, work)
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write('[rules.scratch]\nolder = ["access=90d", "create=90d"]\nkind = "file"\nmisc_lacks = "MV"\n')
    env = dict(os.environ, SCANLAKE_CONFIG=config)
    env.pop("SCANLAKE_ENGINE", None)
    rows = [Row(r) for r in rows_of(work)]
    tlds = sorted({r.path.split(b"/")[3].decode() for r in rows if r.path.count(b"/") > 4 and r.acq == NEW})
    sample = (f"/gpfs/fs1/{tlds[0]}", f"/gpfs/fs1/{tlds[-1]}")
    checked = []
    for name, args, pred in cases(sample):
        kept = [r for r in rows if pred(r)]
        if not kept:
            fail(f"{name}: the referee selects no row; a case that cannot fail")
        want_usage = usage_of(kept)
        for engine in ("streaming", "datafusion"):
            out = run(scanlake, ["aggregate", "lake", "usage", "--by", "uid", "--engine", engine, "--format", "json", *args], work, env)
            got = {(u["acq"], u["uid"]): (u["objects"], u["bytes"]) for u in json.loads(out.stdout)}
            if got != want_usage:
                diff = sorted(set(got.items()) ^ set(want_usage.items()))[:6]
                fail(f"{name} on {engine}: usage differs from the referee; first differences {diff}")
        latest = sorted(r.path for r in kept if r.acq == NEW)
        out = run(scanlake, ["find", "lake", "-0", *args], work, env)
        want = b"".join(p + b"\0" for p in latest)
        if out.stdout != want:
            got = out.stdout.split(b"\0")
            first = next((i for i, (x, y) in enumerate(zip(got, latest)) if x != y), min(len(got), len(latest)))
            fail(f"{name}: find -0 differs at entry {first} ({len(got) - 1} listed, {len(latest)} expected): "
                 f"{got[first:first + 2]!r} vs {latest[first:first + 2]!r}")
        out = run(scanlake, ["find", "lake", "--count", "--format", "json", *args], work, env)
        counts = {c["acq"]: (c["files"], c["bytes"]) for c in json.loads(out.stdout)}
        for acq in (OLD, NEW):
            mine = [r for r in kept if r.acq == acq]
            if counts.get(acq) != (len(mine), sum(r.size or 0 for r in mine)):
                fail(f"{name}: find --count {counts.get(acq)} for {acq}, the referee {len(mine)}")
        checked.append({"case": name, "rows": len(kept), "latest": len(latest)})
    # Per-user lists of the scratch rule: their counts are the usage of the same filter.
    lists = os.path.join(work, "lists")
    for _ in range(2):  # a rerun replaces the directory
        run(scanlake, ["find", "lake", "--rule", "scratch", "--per-user", lists, "--names", "--format", "csv"], work, env)
    usage = json.loads(run(scanlake, ["aggregate", "lake", "usage", "--by", "uid", "--acq", NEW, "--rule", "scratch",
                                      "--format", "json"], work, env).stdout)
    by_uid = {u["uid"]: (u["objects"], u["bytes"]) for u in usage}
    summary = list(csv.DictReader(open(os.path.join(lists, "summary.csv"))))
    got = {int(s["uid"]): (int(s["files"]), int(s["bytes"])) for s in summary}
    if got != by_uid:
        fail(f"per-user summary {sorted(got.items())[:4]} differs from usage {sorted(by_uid.items())[:4]}")
    for s in summary:
        entries = open(os.path.join(lists, s["file"]), "rb").read().count(b"\n")
        if entries != int(s["files"]):
            fail(f"{s['file']} lists {entries} paths, its summary says {s['files']}")
    leftovers = [n for n in os.listdir(work) if n.startswith(".lists.tmp-")]
    if leftovers:
        fail(f"staging directories left behind: {leftovers}")
    print(json.dumps({"cases": checked, "owners": len(summary)}))


main()
