"""An independent referee for `aggregate history` and `top growth` (used by history.rs).

Builds a dataset of four weekly scans with the scanlake command (generated files with hostile
names, hard links and directories, plus hand-written records: a fileset that disappears, one that
appears, a tld that is not UTF-8, missing sizes, owners and filesets), each scan converted as two
inputs. Reads every row back with DuckDB from the data files the manifest lists and computes the
history and the growth in Python, from docs/aggregate.md and not from scanlake's code. For each
group and filter it compares scanlake's answer from the usage summaries, and from the rows on both
engines, with the referee's; and checks what `--explain` says about summaries.
Prints a JSON summary; exits non-zero at the first difference.

usage: history_referee.py SCANLAKE WORKDIR
"""

import json
import os
import re
import stat
import subprocess
import sys

import duckdb

DATES = ["2026-10-11", "2026-10-18", "2026-10-25", "2026-11-01"]
GROUPS = ["uid", "gid", "fileset", "tld", "pool", "kind"]
COUNTERS = ["objects", "files", "dirs", "bytes", "allocated"]


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def run(scanlake, args, cwd, check=True):
    env = dict(os.environ)
    env.pop("SCANLAKE_ENGINE", None)
    out = subprocess.run([scanlake, *args], cwd=cwd, capture_output=True, env=env)
    if check and out.returncode != 0:
        fail(f"scanlake {args!r} failed: {out.stderr.decode(errors='replace')}")
    return out


def extra_records(acq):
    """Records the generator does not make."""
    t = f"{acq} 00:00:00.000000"
    recs = []
    if acq == DATES[0]:
        recs.append(("/gpfs/fs1/home/gone/a.dat", f"|size=7000|kballoc=7|access={t}|uid=777|gid=77|pool=data|mode=-rw-r--r--|nlink=1|fileset=gone|"))
    if acq == DATES[-1]:
        recs.append(("/gpfs/fs1/home/late/b.dat", f"|size=9000|kballoc=9|access={t}|uid=778|gid=78|pool=data|mode=-rw-r--r--|nlink=1|fileset=late|"))
    recs += [
        ("/gpfs/fs1/t%E9mp/caf%E9.dat", f"|size={len(acq) * 100}|kballoc=3|access={t}|uid=1001|gid=101|pool=system|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/nosize/x", f"|access={t}|uid=1002|gid=102|mode=-rw-r--r--|nlink=1|"),
        ("/gpfs/fs1/home/noowner/y", f"|size=123|kballoc=1|access={t}|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/ext/Data.TAR.GZ", f"|size=4096|kballoc=4|access={t}|uid=1003|gid=103|pool=data|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/ext/.bashrc", f"|size=40|kballoc=1|access={t}|uid=1003|gid=103|pool=data|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/home/ext/r%E9sum%E9.D%FFT", f"|size=77|kballoc=1|access={t}|uid=1003|gid=103|pool=data|mode=-rw-r--r--|nlink=1|fileset=root|"),
        ("/gpfs/fs1/top.dat", f"|size=55|kballoc=1|access={t}|uid=1003|gid=103|pool=data|mode=-rw-r--r--|nlink=1|fileset=root|"),
    ]
    # Duplicates across tlds: two copies, and a third object with two hard links of one name.
    dup = f"|size=1000000|kballoc=977|access={t}|uid=1004|gid=104|pool=data|mode=-rw-r--r--|fileset=root|"
    recs += [
        ("/gpfs/fs1/home/dupa/model.ckpt", dup + "nlink=1|"),
        ("/gpfs/fs1/scratch/dupb/model.ckpt", dup + "nlink=1|"),
        ("/gpfs/fs1/home/dupc/model.ckpt", dup + "nlink=2|", 9_000_001),
        ("/gpfs/fs1/projects/dupd/model.ckpt", dup + "nlink=2|", 9_000_001),
        ("/gpfs/fs1/home/dupa/r%E9sult", f"|size=300000|uid=1004|mode=-rw-r--r--|nlink=1|"),
        ("/gpfs/fs1/home/dupb/r%E9sult", f"|size=300000|uid=1004|mode=-rw-r--r--|nlink=1|"),
        ("/gpfs/fs1/home/dupa/empty", f"|size=0|uid=1004|mode=-rw-r--r--|nlink=1|"),
        ("/gpfs/fs1/home/dupb/empty", f"|size=0|uid=1004|mode=-rw-r--r--|nlink=1|"),
    ]
    lines = []
    for i, (path, show, *inode) in enumerate(recs):
        show = show.replace("|", "%7C").replace("=", "%3D").replace(" ", "%20").replace(":", "%3A")
        lines.append(f"{inode[0] if inode else 8_000_000 + i} 1 0  {show} -- {path}\n")
    return "".join(lines).encode()


def build(scanlake, work):
    for i, acq in enumerate(DATES):
        log = f"fs1.{acq}.list"
        run(scanlake, ["gen", "-n", "6000", "--seed", str(10 + i), "--acq", acq, "--hostile", "0.05",
                       "--hard-links", "0.03", "--directories", "--users", "25", "-o", log], work)
        with open(os.path.join(work, log), "ab") as f:
            f.write(extra_records(acq))
        chunks = os.path.join(work, f"chunks-{acq}")
        run(scanlake, ["split", log, "-o", chunks, "--chunks", "2"], work)
        parts = sorted(os.path.join(chunks, n) for n in os.listdir(chunks) if ".part-" in n)
        run(scanlake, ["convert", *parts, "-o", "lake", "--json"], work)


def display(raw):
    """A path as reports show it: UTF-8 as is, each invalid byte as \\xNN (upper case)."""
    text = raw.decode("utf-8", "backslashreplace")
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: "\\x" + m.group(1).upper(), text)


def tld_of(path, depth=3):
    parent = path[: path.rfind(b"/")] if b"/" in path else b""
    slashes = [i for i, c in enumerate(parent) if c == ord("/")]
    cut = slashes[depth] if len(slashes) > depth else len(parent)
    return b"/" if cut == 0 else parent[:cut]


def rows_of(work):
    lake = os.path.join(work, "lake")
    manifest = json.load(open(os.path.join(lake, "_scanlake", "manifest.json")))
    files = sorted(os.path.join(lake, f) for e in manifest["inputs"].values() for f in e["files"])
    con = duckdb.connect()
    listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    rows = con.execute(
        "SELECT CAST(regexp_extract(filename, 'acq=([0-9-]+)', 1) AS VARCHAR), uid, gid, fileset, pool, kind, "
        "size, kballoc, coalesce(path_bytes, encode(path)), epoch_us(access), epoch_us(modify), inode, nlink, gen, snapshot, mode "
        f"FROM read_parquet({listed}, filename = true, union_by_name = true)"
    ).fetchall()
    out = []
    for acq, uid, gid, fileset, pool, kind, size, kballoc, path, access, modify, inode, nlink, gen, snapshot, mode in rows:
        path = bytes(path)
        out.append({"acq": acq, "uid": uid, "gid": gid, "fileset": fileset, "pool": pool, "kind": kind,
                    "tld": display(tld_of(path)), "size": size, "kballoc": kballoc, "path": path,
                    "access": access, "modify": modify, "identity": (inode or 0, gen or 0, snapshot or 0), "nlink": nlink,
                    "mode": mode})
    return out, manifest


def usage(rows, group):
    """(acq, group value) -> counters."""
    out = {}
    for r in rows:
        c = out.setdefault((r["acq"], r[group]), dict.fromkeys(COUNTERS, 0))
        c["objects"] += 1
        c["files"] += r["kind"] == "file"
        c["dirs"] += r["kind"] == "dir"
        c["bytes"] += r["size"] or 0
        c["allocated"] += (r["kballoc"] or 0) * 1024
    return out


def history(rows, group, dates, since=None):
    per = usage(rows, group)
    out = {}
    before = None
    for d in dates:
        now = {g: c for (a, g), c in per.items() if a == d}
        if since is None or d >= since:
            prev = before or {}
            for g in set(now) | set(prev):
                c = now.get(g, dict.fromkeys(COUNTERS, 0))
                row = dict(c)
                if before is None:
                    row.update(objects_change=None, bytes_change=None, allocated_change=None, bytes_change_pct=None)
                else:
                    b = prev.get(g, dict.fromkeys(COUNTERS, 0))
                    row.update(objects_change=c["objects"] - b["objects"], bytes_change=c["bytes"] - b["bytes"],
                               allocated_change=c["allocated"] - b["allocated"],
                               bytes_change_pct=None if b["bytes"] == 0 else (c["bytes"] - b["bytes"]) / b["bytes"] * 100)
                out[(d, g)] = row
        before = now
    return out


def order_key(v):
    """Groups in report order: missing first, numbers by value, text by its UTF-8 bytes."""
    if v is None:
        return (0, 0, b"")
    if isinstance(v, int):
        return (1, v, b"")
    return (2, 0, v.encode())


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def compare(name, got_rows, want, group):
    got = {}
    for r in got_rows:
        key = (r["acq"], r[group])
        if key in got:
            fail(f"{name}: group {key} appears twice")
        got[key] = r
    if set(got) != set(want):
        fail(f"{name}: groups differ; only scanlake {sorted(set(got) - set(want), key=str)[:5]}, "
             f"only the referee {sorted(set(want) - set(got), key=str)[:5]}")
    for key, w in want.items():
        for col, v in w.items():
            if not same(got[key][col], v):
                fail(f"{name}: {key} {col} is {got[key][col]!r}, the referee {v!r}")
    if group != "tld":
        keys = [(r["acq"], order_key(r[group])) for r in got_rows]
        if keys != sorted(keys):
            fail(f"{name}: rows are not in scan date and group order")


def growth(rows, group, a, b, n):
    per = usage(rows, group)
    groups = {g for (d, g) in per if d in (a, b)}
    zero = dict.fromkeys(COUNTERS, 0)
    out = []
    for g in sorted(groups, key=order_key):
        x, y = per.get((a, g), zero), per.get((b, g), zero)
        out.append({group: g, "from": a, "to": b, "bytes_from": x["bytes"], "bytes_to": y["bytes"],
                    "bytes_change": y["bytes"] - x["bytes"], "objects_from": x["objects"], "objects_to": y["objects"],
                    "objects_change": y["objects"] - x["objects"]})
    # Largest change first; ties keep the group order (a stable sort).
    out.sort(key=lambda r: -r["bytes_change"])
    return out[:n]


DOUBLE = [".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz4", ".tar.lzma", ".tar.z", ".nii.gz", ".fastq.gz",
          ".fq.gz", ".fasta.gz", ".fa.gz", ".fna.gz", ".vcf.gz", ".sam.gz", ".bed.gz", ".gff.gz", ".gtf.gz",
          ".gff3.gz", ".csv.gz", ".tsv.gz", ".txt.gz", ".json.gz", ".warc.gz"]


def extension(path):
    """docs/aggregate.md: the base name's suffix from its last dot, lower-cased; double suffixes
    whole; leading dots belong to the name."""
    name = path.rsplit(b"/", 1)[-1]
    stem = name.lstrip(b".")
    low = bytes(c + 32 if 65 <= c <= 90 else c for c in stem)
    for d in DOUBLE:
        if len(low) > len(d) and low.endswith(d.encode()):
            return d
    i = low.rfind(b".")
    if i >= 0 and i + 1 < len(low):
        return display(low[i:])
    return "(dotfile)" if len(stem) < len(name) else "(none)"


def extensions(rows, n, by=None):
    """Per scan date: the n largest (ext[, by]) groups of files by bytes, then one (other) row."""
    out = []
    for d in DATES:
        groups = {}
        for r in rows:
            if r["acq"] != d or r["kind"] != "file":
                continue
            k = (extension(r["path"]), r[by]) if by else (extension(r["path"]),)
            c = groups.setdefault(k, [0, 0])
            c[0] += 1
            c[1] += r["size"] or 0
        ordered = sorted(groups.items(), key=lambda kv: (kv[0][0].encode(), order_key(kv[0][1]) if by else 0))
        ordered.sort(key=lambda kv: -kv[1][1])
        for k, (objects, size) in ordered[:n]:
            out.append((d, *k, objects, size))
        rest = ordered[n:]
        if rest:
            out.append((d, "(other)", *([None] if by else []), sum(c[0] for _, c in rest), sum(c[1] for _, c in rest)))
    return out


def top_files(rows, metric, n, per_user):
    """Per scan date (and owner): the n files with the largest size or the oldest access or modify
    time; files lacking the value are not ranked; ties go to the smaller path (raw bytes)."""
    groups = {}
    for r in rows:
        if r["kind"] != "file" or r[metric] is None:
            continue
        groups.setdefault((r["acq"], r["uid"]) if per_user else (r["acq"],), []).append(r)
    out = []
    for key in sorted(groups, key=lambda k: (k[0], *(order_key(v) for v in k[1:]))):
        best = sorted(groups[key], key=lambda r: (-r["size"] if metric == "size" else r[metric], r["path"]))[:n]
        out += [(r["acq"], r["uid"], display(r["path"]), r["size"]) for r in best]
    return out


def duplicates(rows, n):
    """docs/aggregate.md: per scan date, files of more than zero bytes with the same base name and
    size; an object that may have other links (nlink not 1) is one copy per identity (inode,
    generation, snapshot). Groups of two or more copies, the n largest savings per date."""
    groups = {}
    for i, r in enumerate(rows):
        if r["kind"] != "file" or not r["size"]:
            continue
        g = groups.setdefault((r["acq"], display(r["path"].rsplit(b"/", 1)[-1]), r["size"]), [set(), 0])
        g[0].add(r["identity"] if r["nlink"] != 1 else ("row", i))
        g[1] += 1
    out = []
    for d in DATES:
        found = [(name, size, len(ids), links) for (acq, name, size), (ids, links) in groups.items() if acq == d and len(ids) > 1]
        found.sort(key=lambda g: (g[0].encode(), g[1]))
        found.sort(key=lambda g: -(g[1] * (g[2] - 1)))
        out += [(d, name, size, copies, links, size * copies, size * (copies - 1)) for name, size, copies, links in found[:n]]
    return out


def ncdu_entries(node, parent=None):
    """(path bytes, info, is a directory) for every entry of an ncdu export's tree."""
    info = node[0] if isinstance(node, list) else node
    name = info["name"].encode("utf-8", "surrogateescape")
    path = name if parent is None else parent + b"/" + name
    yield path, info, isinstance(node, list)
    if isinstance(node, list):
        for child in node[1:]:
            yield from ncdu_entries(child, path)


def tree_case(scanlake, work, rows, acq, prefix):
    """`export-tree`, loaded and exported again by Debian's ncdu, holds every row of the scan."""
    ncdu = os.environ.get("SCANLAKE_NCDU") or fail("SCANLAKE_NCDU names no ncdu (scripts/ncdu.sh installs it)")
    tree, again = os.path.join(work, "tree.json"), os.path.join(work, "tree-ncdu.json")
    args = ["export-tree", "lake", "--acq", acq, "-o", tree, "--json"] + (["--prefix", prefix] if prefix else [])
    said = json.loads(run(scanlake, args, work).stdout)
    out = subprocess.run([ncdu, "-0", "-e", "-f", tree, "-o", again], capture_output=True)
    if out.returncode != 0 or out.stderr:
        fail(f"ncdu could not read the tree: {out.stderr.decode(errors='replace')}")
    with open(again, "rb") as f:
        doc = json.loads(f.read().decode("utf-8", "surrogateescape"))
    if doc[0] != 1 or len(doc) != 4:
        fail(f"ncdu's export has an unexpected shape: {doc[:3]}")
    got = {}
    for path, info, is_dir in ncdu_entries(doc[3]):
        if path in got:
            fail(f"tree: {display(path)} appears twice")
        got[path] = (info, is_dir)
    top = (prefix or "/gpfs/fs1").encode()
    want = {}
    for r in rows:
        if r["acq"] == acq and (r["path"] == top or r["path"].startswith(top + b"/")):
            want.setdefault(r["path"], []).append(r)
    repeated = sum(len(listed) - 1 for listed in want.values())
    dirs_without_row = set()
    for p in want:
        while len(p) > len(top):
            p = p[: p.rfind(b"/")]
            if p not in want:
                dirs_without_row.add(p)
    if set(got) != set(want) | dirs_without_row:
        fail(f"tree under {top}: only in the tree {sorted(set(got) - set(want))[:3]}, "
             f"missing {sorted((set(want) | dirs_without_row) - set(got))[:3]}")

    def expect(r):
        links = r["kind"] != "dir" and (r["nlink"] or 0) > 1
        return (max(r["size"] or 0, 0), (r["kballoc"] or 0) * 1024, r["uid"] or 0, r["kind"] == "dir",
                r["kind"] in ("link", "other"), r["identity"][0] if links else None, (r["mode"] or "")[:10])

    written = []
    for path, listed in want.items():
        info, is_dir = got[path]
        # ncdu writes mode 0 where it has none; Python's stat.filemode spells st_mode as ls does.
        mode = stat.filemode(info["mode"]) if info.get("mode") else ""
        seen = (info.get("asize", 0), info.get("dsize", 0), info.get("uid", 0), is_dir,
                info.get("notreg", False), info.get("ino") if info.get("hlnkc") else None, mode)
        # A path listed more than once is written once, from one of its rows.
        match = [r for r in listed if expect(r) == seen]
        if not match:
            fail(f"tree: {display(path)} is {seen}, the referee {[expect(r) for r in listed]}")
        written.append(match[0])
    for p in dirs_without_row:
        if not got[p][1] or set(got[p][0]) != {"name"}:
            fail(f"tree: {display(p)} has no row, yet is {got[p]}")
    files = sum(r["kind"] not in ("dir", "link", "other") for r in written)
    if (said["files"], said["directories_without_row"], said["repeated_paths"]) != (files, len(dirs_without_row), repeated):
        fail(f"tree: scanlake says {said}, the referee counts {files} files, {len(dirs_without_row)} "
             f"directories without a row and {repeated} repeated paths")
    if not any(not p.isascii() for p in want) or not any(g[0].get("hlnkc") for g in got.values()):
        fail("tree: the data lacks names that are not ASCII or hard links")
    if not any(g[0].get("mode", 0) & 0o170000 == 0o040000 for g in got.values()):
        fail("tree: no directory has its mode, so modes went unchecked")
    return {"case": "export-tree", "prefix": prefix, "entries": len(got), "repeated_paths": repeated}


def report(scanlake, work, args):
    return json.loads(run(scanlake, ["aggregate", "lake", *args, "--format", "json"], work).stdout)


def explain(scanlake, work, args):
    return run(scanlake, ["aggregate", "lake", *args, "--explain", "--format", "json"], work).stderr.decode()


def main():
    scanlake, work = sys.argv[1], sys.argv[2]
    build(scanlake, work)
    rows, manifest = rows_of(work)
    if not all(e.get("summary") for e in manifest["inputs"].values()):
        fail("a converted input has no usage summary")
    uids = sorted({r["uid"] for r in rows if r["uid"] is not None})[:3]
    checked = []
    cases = [
        ("whole dataset", [], lambda r: True, True),
        ("owners and kind", ["--uid", ",".join(map(str, uids)), "--kind", "file"],
         lambda r: r["uid"] in uids and r["kind"] == "file", True),
        ("prefix at a tld", ["--prefix", "/gpfs/fs1/home"],
         lambda r: r["path"] == b"/gpfs/fs1/home" or r["path"].startswith(b"/gpfs/fs1/home/"), True),
        ("prefix below the tlds", ["--prefix", "/gpfs/fs1/home/gone"],
         lambda r: r["path"].startswith(b"/gpfs/fs1/home/gone/") or r["path"] == b"/gpfs/fs1/home/gone", False),
        ("a size bound", ["--size-min", "1K"], lambda r: r["size"] is not None and r["size"] >= 1024, False),
    ]
    for name, args, keep, summarized in cases:
        kept = [r for r in rows if keep(r)]
        if not kept:
            fail(f"{name}: the referee keeps no row; a case that cannot fail")
        said = explain(scanlake, work, ["history", "--by", "fileset", *args])
        if ("answered from the usage summaries" in said) != summarized:
            fail(f"{name}: expected summaries {'to' if summarized else 'not to'} answer; --explain said:\n{said}")
        if not summarized and "reads rows, not usage summaries:" not in said:
            fail(f"{name}: --explain does not say why rows are read:\n{said}")
        for group in GROUPS if name == "whole dataset" else ["fileset", "uid"]:
            want = history(kept, group, DATES)
            for how in ([], ["--from-rows", "--engine", "streaming"], ["--from-rows", "--engine", "datafusion"]):
                got = report(scanlake, work, ["history", "--by", group, *args, *how])
                compare(f"{name}, history by {group} {how}", got, want, group)
            checked.append({"case": name, "by": group, "rows": len(want)})
    # Since: the first date shown still has its change from the scan before.
    want = history(rows, "fileset", DATES, since=DATES[2])
    got = report(scanlake, work, ["history", "--by", "fileset", "--since", DATES[2]])
    compare("since", got, want, "fileset")
    if {r["acq"] for r in got} != set(DATES[2:]):
        fail(f"since: shows {sorted({r['acq'] for r in got})}")
    gone = [r for r in got if r["fileset"] == "gone"]
    if gone:
        fail(f"since: a group gone before the scans shown still appears: {gone}")
    whole = history(rows, "fileset", DATES)
    if whole.get((DATES[1], "gone"), {}).get("objects") != 0 or whole[(DATES[1], "gone")]["objects_change"] != -1:
        fail("the referee's data lacks a group that disappeared")
    # Growth, default dates and chosen ones, on summaries and rows.
    for group, extra, a, b in [("fileset", [], DATES[-2], DATES[-1]), ("uid", ["--from", DATES[0], "--to", DATES[-1]], DATES[0], DATES[-1]),
                               ("dir4", [], DATES[-2], DATES[-1])]:
        if group == "dir4":
            for r in rows:
                r["dir4"] = display(tld_of(r["path"], 4))
        want = growth(rows, group, a, b, 7)
        for how in ([], ["--from-rows", "--engine", "datafusion"]):
            got = report(scanlake, work, ["top", "growth", "--by", group, "-n", "7", *extra, *how])
            got = [{k: v for k, v in r.items() if k != "bytes_change_pct"} for r in got]
            if got != want:
                fail(f"growth by {group} {how}: {got[:3]} differ from the referee {want[:3]}")
        checked.append({"case": "growth", "by": group, "rows": len(want)})
    # Extensions, alone and with owners, on both engines.
    for n, by in [(6, None), (4, "uid")]:
        want = extensions(rows, n, by)
        kinds = {extension(r["path"]) for r in rows if r["kind"] == "file"}
        if not {"(none)", ".tar.gz"} <= kinds or not any("\\x" in k for k in kinds):
            fail(f"the data lacks names without an extension, double suffixes or bytes that are not UTF-8: {sorted(kinds)[:20]}")
        for engine in ("streaming", "datafusion"):
            args = ["extensions", "-n", str(n), "--engine", engine] + (["--by", by] if by else [])
            got = [(r["acq"], r["ext"], *([r[by]] if by else []), r["objects"], r["bytes"]) for r in report(scanlake, work, args)]
            if got != want:
                diff = [(g, w) for g, w in zip(got, want) if g != w][:3]
                fail(f"extensions by {by} on {engine}: {len(got)} rows, the referee {len(want)}; first differences {diff}")
        checked.append({"case": "extensions", "by": by, "rows": len(want)})
    # Top files, overall and per owner, by each metric, on both engines.
    for metric, n, per_user in [("size", 5, False), ("access", 3, True), ("modify", 4, False)]:
        want = top_files(rows, metric, n, per_user)
        for engine in ("streaming", "datafusion"):
            args = ["top", "files", "--by", metric, "-n", str(n), "--engine", engine] + (["--per-user"] if per_user else [])
            got = [(r["acq"], r["uid"], r["path"], r["size"]) for r in report(scanlake, work, args)]
            if got != want:
                diff = [(g, w) for g, w in zip(got, want) if g != w][:3]
                fail(f"top files by {metric} (per user: {per_user}) on {engine}: {len(got)} rows, the referee {len(want)}; first differences {diff}")
        checked.append({"case": "top files", "by": metric, "rows": len(want)})
    # Duplicates on both engines (engines_agree.rs spills them under a tiny memory limit).
    want = duplicates(rows, 9)
    if not any(w[4] > w[3] for w in want) or not any("\\x" in w[1] for w in want):
        fail(f"the data lacks a duplicate group with hard links among its copies, or one whose name is not UTF-8: {want}")
    for how in (["--engine", "streaming"], ["--engine", "datafusion"]):
        got = [tuple(r[c] for c in ("acq", "name", "size", "copies", "links", "bytes", "bytes_saved"))
               for r in report(scanlake, work, ["duplicates", "-n", "9", *how])]
        if got != want:
            diff = [(g, w) for g, w in zip(got, want) if g != w][:3]
            fail(f"duplicates {how}: {len(got)} rows, the referee {len(want)}; first differences {diff}")
    checked.append({"case": "duplicates", "rows": len(want)})
    # The ncdu tree of the latest scan, whole and under a prefix, as ncdu itself reads it back.
    for prefix in (None, "/gpfs/fs1/home"):
        checked.append(tree_case(scanlake, work, rows, DATES[-1], prefix))
    print(json.dumps({"cases": checked, "rows": len(rows)}))


main()
