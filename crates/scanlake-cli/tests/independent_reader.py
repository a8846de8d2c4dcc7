"""Independent check of a scanlake dataset (used by independent_reader.rs).

Parses the raw LIST file with its own, separately written parser (default key=value layout,
ESCAPE '%/'), reads the dataset with pyarrow and with DuckDB, and prints what each saw as JSON.
"""

import datetime
import gzip
import hashlib
import json
import re
import sys

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds

LINE = re.compile(rb"^(\d+) (\d+) (\d+) {1,2}(.*?) -- (.*)$", re.S)
ESCAPED = re.compile(rb"(?:[^%]|%[0-9A-Fa-f]{2})*")
INTS = {"size", "kballoc", "nlink", "uid", "gid"}
TIMES = {"access", "create", "modify", "change"}


def unescape(b):
    if not ESCAPED.fullmatch(b):
        raise ValueError("bad escape")
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), b)


def parse_show(show):
    if not show:
        return {}
    if not show.endswith(b"|"):
        raise ValueError("truncated")
    out = {}
    for piece in show.strip(b"|").split(b"|"):
        key, value = piece.decode().split("=", 1)
        if value and key in INTS and not value.isdigit():
            raise ValueError("bad number")
        if value and key in TIMES:
            datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f")
        out[key] = value
    return out


def tld(path, depth=3):
    parent = path[: path.rfind(b"/")] if b"/" in path else b""
    parts = parent.split(b"/")
    cut = b"/".join(parts[: depth + 1])
    return cut if cut else b"/"


def digest(paths):
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p + b"\0")
    return h.hexdigest()


def from_log(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    rows = skipped = size = kb = 0
    rejects, paths, tlds = [], [], {}
    for number, line in enumerate(lines, 1):
        if line.startswith(b"#") or not line.strip():
            skipped += 1
            continue
        m = LINE.match(line)
        try:
            if not m:
                raise ValueError("no separator")
            fields = parse_show(unescape(m[4]))
            p = unescape(m[5])
        except (ValueError, UnicodeDecodeError):
            rejects.append(number)
            continue
        rows += 1
        size += int(fields.get("size") or 0)
        kb += int(fields.get("kballoc") or 0)
        paths.append(p)
        t = tld(p).decode("utf-8", "replace")
        tlds[t] = tlds.get(t, 0) + 1
    not_utf8 = sum(1 for p in paths if not is_utf8(p))
    return {"lines": len(lines), "rows": rows, "skipped": skipped, "rejects": rejects, "size": size,
            "kballoc": kb, "paths": digest(paths), "not_utf8": not_utf8, "tlds": tlds}


def is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def from_pyarrow(dataset):
    t = ds.dataset(dataset, format="parquet", partitioning="hive").to_table()
    raw = [b if b is not None else s.encode() for s, b in zip(t["path"].to_pylist(), t["path_bytes"].to_pylist())]
    tlds = {}
    for value, p in zip(t["tld"].to_pylist(), raw):
        if value.encode("utf-8", "surrogateescape") != tld(p) and value != tld(p).decode("utf-8", "replace"):
            raise SystemExit(f"row {p!r} is in partition {value!r}, not {tld(p)!r}")
        tlds[value] = tlds.get(value, 0) + 1
    rejected = ds.dataset(f"{dataset}/_rejects", format="parquet").to_table()
    return {"rows": t.num_rows, "size": pc.sum(t["size"]).as_py(), "kballoc": pc.sum(t["kballoc"]).as_py(),
            "paths": digest(raw), "not_utf8": t["path_bytes"].null_count and t.num_rows - t["path_bytes"].null_count,
            "tlds": tlds, "rejects": sorted(rejected["line"].to_pylist()),
            "acq": sorted({str(a) for a in t["acq"].to_pylist()})}


def from_duckdb(dataset):
    con = duckdb.connect()
    rel = f"read_parquet('{dataset}/acq=*/tld=*/*.parquet', hive_partitioning = true)"
    rows, size, kb, not_utf8 = con.execute(
        f"SELECT count(*), sum(size)::BIGINT, sum(kballoc)::BIGINT, count(path_bytes) FROM {rel}").fetchone()
    tlds = dict(con.execute(f"SELECT tld, count(*) FROM {rel} GROUP BY tld").fetchall())
    return {"rows": rows, "size": size, "kballoc": kb, "not_utf8": not_utf8, "tlds": tlds}


if __name__ == "__main__":
    log, dataset = sys.argv[1], sys.argv[2]
    print(json.dumps({"log": from_log(log), "pyarrow": from_pyarrow(dataset), "duckdb": from_duckdb(dataset)}))
