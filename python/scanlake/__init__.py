"""scanlake: IBM Storage Scale (GPFS) policy scans as a partitioned Parquet dataset, and the
reports storage admins live by — from Python.

Every stage is the same Rust library the ``scanlake`` command runs; results are Arrow tables
(``pyarrow.Table``) that pandas, Polars, DuckDB and matplotlib take as they are::

    import scanlake
    scanlake.generate("fs1.2026-11-01.list", records=100_000)
    summary = scanlake.convert("fs1.2026-11-01.list", "lake")
    lake = scanlake.Dataset("lake")
    lake.usage(by="uid").to_pandas()
    lake.top("dirs", n=10)
    lake.query("SELECT uid, sum(size) AS bytes FROM files GROUP BY uid")

Long calls release the GIL, draw a progress bar (tqdm, where installed; ``progress=False``
silences it) and stop within a second on Ctrl-C, leaving the dataset as a killed run would.
Errors are :class:`ScanlakeError` subclasses whose message carries the library's hint.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import re as _re
import logging as _logging
import os as _os
from pathlib import Path as _Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import pyarrow as _pa

from scanlake import _native


def _installed_version() -> str:
    # The wheel's own version (PEP 440, e.g. 0.2.0.dev3+g1a2b3c4d), the one pip shows; the native
    # module's Cargo form when scanlake is imported without being installed.
    from importlib import metadata

    try:
        return metadata.version("scanlake")
    except metadata.PackageNotFoundError:
        return _native.__version__


__version__: str = _installed_version()

__all__ = [
    "Chart",
    "ConvertSummary",
    "Dataset",
    "DatasetError",
    "InputError",
    "OptionError",
    "ReportError",
    "Run",
    "RunError",
    "ScanlakeError",
    "convert",
    "generate",
    "run",
    "split",
]

PathLike = Union[str, "_os.PathLike[str]"]
DateLike = Union[str, _dt.date]

logger = _logging.getLogger("scanlake")


class ScanlakeError(Exception):
    """An error of scanlake's library. The message ends with a ``hint:`` line where there is one."""

    def __init__(self, message: str, option: Optional[str] = None):
        super().__init__(message)
        #: The keyword argument the error is about, if any.
        self.option = option


class InputError(ScanlakeError):
    """An input cannot be read or converted (unreadable file, undated name, bad layout)."""


class DatasetError(ScanlakeError):
    """The dataset is missing, not a scanlake dataset, or damaged."""


class ReportError(ScanlakeError):
    """A report or query cannot run on this dataset (a missing column, a bad date, bad SQL)."""


class RunError(ScanlakeError):
    """A batch run cannot be made, found or continued."""


class OptionError(ScanlakeError, ValueError):
    """A keyword argument has a value the library cannot use; ``option`` names it."""


_KINDS = {
    "input": InputError,
    "dataset": DatasetError,
    "report": ReportError,
    "query": ReportError,
    "run": RunError,
    "option": OptionError,
}


# --- calling the library -------------------------------------------------------------------


class _Bar:
    """A tqdm bar (terminal or notebook), shown once work has run half a second."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.label = None
        self.started = _dt.datetime.now()

    def update(self, progress) -> None:
        if not self.enabled:
            return
        label, total, done, unit, status = progress
        if not label or (_dt.datetime.now() - self.started).total_seconds() < 0.5:
            return
        if self.bar is None or label != self.label:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self.enabled = False
                return
            self.close()
            bytes_ = unit == "bytes"
            # Work done before the bar appeared is its starting point, not progress it saw: a
            # bar that starts at its total would otherwise show that jump as a rate ("4 TB/s").
            self.bar = tqdm(
                total=total, initial=done, desc=label, unit="B" if bytes_ else " tasks", unit_scale=bytes_, leave=False
            )
            self.label = label
        if self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        if status:
            self.bar.set_postfix_str(status, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _plain(value: Any) -> Any:
    if isinstance(value, _os.PathLike):
        return _os.fspath(value)
    if isinstance(value, (_dt.date,)):
        return value.isoformat()
    raise TypeError(f"cannot pass {type(value).__name__} to scanlake")


def _call(op: str, progress: bool = True, **args: Any) -> Any:
    """Runs ``op`` in the library on a thread of its own; returns its JSON (parsed) or bytes."""
    job = _native.start(op, _json.dumps(args, default=_plain))
    bar = _Bar(progress)
    try:
        while not job.wait(0.1):
            bar.update(job.progress())
            for notice in job.notices():
                logger.info(notice)
    except KeyboardInterrupt:
        job.cancel()
        while not job.wait(0.1):
            pass
        bar.close()
        raise
    bar.close()
    for notice in job.notices():
        logger.info(notice)
    try:
        result = job.result()
    except _native.NativeError as e:
        kind, message, option = e.args
        if kind == "interrupted":
            raise KeyboardInterrupt from None
        raise _KINDS.get(kind, ScanlakeError)(message, option) from None
    return _json.loads(result) if isinstance(result, str) else result


def _table(ipc: bytes) -> _pa.Table:
    return _pa.ipc.open_stream(_pa.py_buffer(ipc)).read_all()


def _reader(stream: Any) -> _pa.RecordBatchReader:
    """A native stream of IPC batches as a reader; the first batch gives the schema."""

    def take():
        try:
            data = stream.next()
        except _native.NativeError as e:
            kind, message, option = e.args
            raise _KINDS.get(kind, ScanlakeError)(message, option) from None
        return None if data is None else _pa.ipc.open_stream(_pa.py_buffer(data)).read_next_batch()

    first = take()
    if first is None:
        return _pa.RecordBatchReader.from_batches(_pa.schema([]), [])

    def batches():
        batch = first
        while batch is not None:
            if batch.num_rows:
                yield batch
            batch = take()

    return _pa.RecordBatchReader.from_batches(first.schema, batches())


# --- checking keyword arguments ------------------------------------------------------------


def _path(name: str, value: Any) -> str:
    if isinstance(value, (str, _os.PathLike)):
        return _os.fspath(value)
    raise TypeError(f"{name} must be a path (str or os.PathLike), not {type(value).__name__}")


def _paths(name: str, value: Any) -> List[str]:
    if isinstance(value, (str, _os.PathLike)):
        return [_os.fspath(value)]
    if isinstance(value, Iterable):
        return [_path(name, v) for v in value]
    raise TypeError(f"{name} must be a path or a list of paths, not {type(value).__name__}")


def _date(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise OptionError(f"{name}={value!r} is not a date (YYYY-MM-DD)", name) from None
    raise TypeError(f"{name} must be a date or 'YYYY-MM-DD', not {type(value).__name__}")


def _words(name: str, value: Any) -> List[str]:
    """``"uid"``, ``"uid,fileset"`` or ``["uid", "fileset"]``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [w.strip() for w in value.split(",") if w.strip()]
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{name} must be a string or a list of strings")


def _ints(name: str, value: Any) -> List[int]:
    if value is None:
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, Iterable) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return list(value)
    raise TypeError(f"{name} must be an int or a list of ints")


def _edges(name: str, value: Any) -> Optional[List[int]]:
    return None if value is None else _ints(name, value)


def _opt_int(name: str, value: Any) -> Optional[int]:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"{name} must be an int, not {type(value).__name__}")


_FILTER_KEYS = (
    "acq", "prefix", "uid", "gid", "user", "group", "fileset", "pool", "tld", "kind", "older", "newer",
    "size_min", "size_max", "name", "path_regex", "misc_has", "misc_lacks", "rule",
)
_NAME_KEYS = ("names", "passwd", "group_file")


def _raw_list(name: str, value: Any) -> List[List[int]]:
    """Paths and patterns as raw bytes (``str`` is encoded as the file system would)."""
    if value is None:
        return []
    items = [value] if isinstance(value, (str, bytes, _os.PathLike)) else value
    out = []
    for v in items:
        if not isinstance(v, (str, bytes, _os.PathLike)):
            raise TypeError(f"{name} must be a str, bytes or path (or a list of them), not {type(v).__name__}")
        out.append(list(_os.fsencode(v)))
    return out


def _ages(name: str, value: Any) -> List[str]:
    """``{"access": "90d", "create": "90d"}``, ``"access=90d"`` or a list of such strings."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [f"{k}={v}d" if isinstance(v, int) and not isinstance(v, bool) else f"{k}={v}" for k, v in value.items()]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{name} must be a dict like {{'access': '90d'}} or strings like 'access=90d'")


def _size(name: str, value: Any) -> Any:
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"{name} must be a number of bytes or a string like '10G', not {type(value).__name__}")


def _letters(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise TypeError(f"{name} must be a string of letters, not {type(value).__name__}")


def _filter(acq=None, prefix=None, uid=None, gid=None, user=None, group=None, fileset=None, pool=None, tld=None, kind=None,
            older=None, newer=None, size_min=None, size_max=None, name=None, path_regex=None, misc_has=None,
            misc_lacks=None, rule=None) -> Dict[str, Any]:
    """The library's filter from keyword arguments; the library parses and checks the values."""
    dates = [acq] if isinstance(acq, (str, _dt.date)) else (acq or [])
    return {
        "acq": [_date("acq", d) for d in dates],
        "prefix": _raw_list("prefix", prefix),
        "uid": _ints("uid", uid),
        "gid": _ints("gid", gid),
        "user": _words("user", user),
        "group": _words("group", group),
        "fileset": _words("fileset", fileset),
        "pool": _words("pool", pool),
        "tld": _words("tld", tld),
        "kind": _words("kind", kind),
        "older": _ages("older", older),
        "newer": _ages("newer", newer),
        "size_min": _size("size_min", size_min),
        "size_max": _size("size_max", size_max),
        "name": _raw_list("name", name),
        "path_regex": _raw_list("path_regex", path_regex),
        "misc_has": _letters("misc_has", misc_has),
        "misc_lacks": _letters("misc_lacks", misc_lacks),
        "rule": _words("rule", rule),
    }


def _names(names=False, passwd=None, group_file=None) -> Dict[str, Any]:
    if not isinstance(names, bool):
        raise TypeError("names must be True or False")
    return {
        "show": names,
        "passwd": None if passwd is None else _path("passwd", passwd),
        "group_file": None if group_file is None else _path("group_file", group_file),
    }


def _limits(threads=None, memory_mib=None, spill_dir=None) -> Dict[str, Any]:
    return {
        "threads": _opt_int("threads", threads),
        "memory_mib": _opt_int("memory_mib", memory_mib),
        "spill_dir": None if spill_dir is None else _path("spill_dir", spill_dir),
    }


def _layout(fields=None, separator="|", escape="percent", layout_file=None) -> Optional[Dict[str, Any]]:
    if layout_file is not None:
        text = _Path(_path("layout_file", layout_file)).read_text()
        try:
            import tomllib  # Python >= 3.11
        except ImportError:  # pragma: no cover
            raise OptionError("layout_file needs Python >= 3.11; give fields= instead", "layout_file") from None
        section = tomllib.loads(text).get("layout", {})
        fields, separator, escape = section.get("fields"), section.get("separator", "|"), section.get("escape", escape)
    if escape not in ("percent", "none"):
        raise OptionError(f"escape must be 'percent' or 'none', not {escape!r}", "escape")
    if not fields:
        return {"show": "key-value", "escape": escape}
    if isinstance(separator, str) and separator == "\\t":
        separator = "\t"
    if not isinstance(separator, str) or len(separator.encode()) != 1:
        raise OptionError(f"separator must be one byte, not {separator!r}", "separator")
    return {"show": {"positional": {"fields": _words("fields", fields), "separator": ord(separator)}}, "escape": escape}


# --- stages --------------------------------------------------------------------------------


class ConvertSummary:
    """What a conversion did: totals, and one entry per input (``inputs``)."""

    def __init__(self, data: Dict[str, Any]):
        self._data = data
        self.dataset: str = data["dataset"]
        self.lines: int = data["lines"]
        self.rows: int = data["rows"]
        self.rejects: int = data["rejects"]
        self.skipped: int = data["skipped"]
        self.files: int = data["files"]
        self.seconds: float = data["seconds"]
        self.inputs: List[Dict[str, Any]] = data["inputs"]

    def to_dict(self) -> Dict[str, Any]:
        """The summary as plain data (what ``scanlake convert --json`` prints)."""
        return dict(self._data)

    def __repr__(self) -> str:
        failed = sum(1 for i in self.inputs if i["status"] in ("failed", "error"))
        return (
            f"<ConvertSummary {self.dataset}: {len(self.inputs)} input(s), {self.lines} lines → "
            f"{self.rows} rows, {self.rejects} rejects, {self.skipped} skipped; {self.files} files; "
            f"{failed} failed; {self.seconds:.2f} s>"
        )


def convert(
    inputs: Union[PathLike, Sequence[PathLike]],
    dataset: PathLike,
    *,
    acq: Optional[DateLike] = None,
    fields: Optional[Union[str, Sequence[str]]] = None,
    separator: str = "|",
    escape: str = "percent",
    layout_file: Optional[PathLike] = None,
    tld_depth: int = 3,
    threads: Optional[int] = None,
    memory_mib: Optional[int] = None,
    target_file_mib: Optional[int] = None,
    max_reject_fraction: float = 0.01,
    skip_existing: bool = False,
    lock_timeout: Optional[float] = None,
    progress: bool = True,
) -> ConvertSummary:
    """Convert LIST files (plain, .gz or .zst; or directories of them) into the dataset.

    Each input is committed alone: a failed input (too many rejected lines) leaves the others
    in. ``acq`` is the scan date when the file names hold none. ``fields``/``separator``/
    ``escape`` or ``layout_file`` describe a SHOW clause other than scanlake's template.
    Raises :class:`InputError` when an input cannot be converted.
    """
    request: Dict[str, Any] = {
        "acq": _date("acq", acq),
        "layout": _layout(fields, separator, escape, layout_file),
        "tld_depth": _opt_int("tld_depth", tld_depth),
        "threads": _opt_int("threads", threads),
        "max_reject_fraction": float(max_reject_fraction),
        "skip_existing": bool(skip_existing),
        "lock_timeout": lock_timeout,
    }
    if memory_mib is not None:
        request["memory_mib"] = _opt_int("memory_mib", memory_mib)
    if target_file_mib is not None:
        request["target_file_mib"] = _opt_int("target_file_mib", target_file_mib)
    data = _call(
        "convert", progress, inputs=_paths("inputs", inputs), dataset=_path("dataset", dataset), request=request
    )
    summary = ConvertSummary(data)
    failed = [i for i in summary.inputs if i["status"] in ("failed", "error")]
    if failed:
        first = failed[0]
        error = InputError(
            f"{len(failed)} of {len(summary.inputs)} input(s) could not be converted; first: "
            f"{first['input']}: {first.get('message') or first['status']}\n"
            "hint: the other inputs were committed; the rejected lines are in the dataset's _rejects"
        )
        #: What the conversion did, failed inputs included.
        error.summary = summary
        raise error
    return summary


def split(
    input: PathLike,
    output: PathLike,
    *,
    lines: Optional[int] = None,
    chunks: Optional[int] = None,
    compress: str = "none",
    progress: bool = True,
) -> Dict[str, Any]:
    """Cut a LIST file into line-aligned chunks in the directory ``output`` (``lines`` per chunk,
    or ``chunks`` of about equal size); ``compress`` is ``none``, ``gzip`` or ``zstd``."""
    if (lines is None) == (chunks is None):
        raise OptionError("give exactly one of lines= and chunks=", "lines")
    by = {"lines": _opt_int("lines", lines)} if lines is not None else {"chunks": _opt_int("chunks", chunks)}
    if compress not in ("none", "gzip", "zstd"):
        raise OptionError(f"compress must be none, gzip or zstd, not {compress!r}", "compress")
    return _call(
        "split",
        progress,
        input=_path("input", input),
        output=_path("output", output),
        request={"by": by, "compress": compress},
    )


def generate(path: PathLike, *, records: int = 100_000, seed: int = 1, acq: DateLike = "2026-11-01", **options: Any) -> Dict[str, Any]:
    """Write a synthetic LIST file (``.gz``/``.zst`` compresses): ``records`` objects of
    ``users`` users in ``top_dirs`` top-level directories; ``hostile_fraction`` of awkward
    names, ``malformed_fraction`` of bad lines, ``hard_link_fraction``, ``directories``."""
    opts = dict(options, records=_opt_int("records", records), seed=_opt_int("seed", seed), acq=_date("acq", acq))
    return _call("generate", False, path=_path("path", path), options=opts)


# --- datasets and reports ------------------------------------------------------------------


class Dataset:
    """A scanlake dataset, opened for reading. Reports return ``pyarrow.Table``\\ s with the
    types of the Parquet export; every report takes the filters ``acq``, ``prefix``, ``uid``,
    ``gid``, ``fileset``, ``tld`` and ``kind``, and ``engine``, ``threads``, ``memory_mib``,
    ``spill_dir`` and ``progress``.

    For results bigger than memory (``du`` of a whole file system), ``stream=True`` returns a
    ``pyarrow.RecordBatchReader`` instead, and ``output=PATH`` (with ``format``: csv, tsv, json,
    parquet or table; else the extension's) writes the report to a file and returns its path:
    either way the rows go from the library's spilled runs to you batch by batch."""

    def __init__(self, path: PathLike):
        self.path = _Path(_path("path", path))
        self.refresh()

    def refresh(self) -> "Dataset":
        """Read the manifest again (after a conversion into the dataset)."""
        self._info = _call("info", False, dataset=str(self.path))
        return self

    def __repr__(self) -> str:
        return f"<scanlake.Dataset {self.path}: {self.rows} rows, scans {', '.join(map(str, self.scans))}>"

    @property
    def scans(self) -> List[_dt.date]:
        """The scan dates the dataset holds, oldest first."""
        return [_dt.date.fromisoformat(d) for d in self._info["scans"]]

    @property
    def rows(self) -> int:
        """Rows of every converted input."""
        return self._info["rows"]

    @property
    def files(self) -> _pa.Table:
        """The data files: path, acq, tld, bytes."""
        return _pa.Table.from_pylist(self._info["files"])

    @property
    def schema(self) -> _pa.Schema:
        """The columns of the data files (``acq`` and ``tld`` are partition columns besides)."""
        import pyarrow.parquet as pq

        return pq.read_schema(self._info["files"][0]["path"])

    def rejects(self) -> _pa.Table:
        """Every rejected line with its input, line number, reason and raw bytes."""
        import pyarrow.parquet as pq

        tables = [pq.read_table(p) for p in self._info["rejects"]]
        return _pa.concat_tables(tables) if tables else _pa.table({})

    def _report(self, report: Dict[str, Any], options: Dict[str, Any]) -> Any:
        plot = options.pop("_plot", None)
        explain = options.pop("_explain", False)
        stream = options.pop("stream", False)
        output = options.pop("output", None)
        fmt = options.pop("format", None)
        engine = options.pop("engine", None)
        progress = options.pop("progress", True)
        limits = _limits(options.pop("threads", None), options.pop("memory_mib", None), options.pop("spill_dir", None))
        filt = _filter(**{k: options.pop(k) for k in _FILTER_KEYS if k in options})
        names = _names(**{k: options.pop(k) for k in _NAME_KEYS if k in options})
        if options:
            name = sorted(options)[0]
            raise TypeError(f"{report['report']}() got an unexpected keyword argument '{name}'")
        if engine is not None and not isinstance(engine, str):
            raise TypeError("engine must be a string")
        request = {"report": report, "filter": filt, "engine": engine, "names": names}
        if fmt is not None and (output is None or not isinstance(fmt, str)):
            raise OptionError("format needs output (a path) and is a string: csv, tsv, json, parquet or table", "format")
        if stream and output is not None:
            raise OptionError("stream and output exclude each other", "stream")
        if plot is not None:
            return Chart(_call("plot", progress, dataset=str(self.path), request=request, limits=limits, options=plot))
        if explain:
            said = _call("explain", False, dataset=str(self.path), request=request, limits=limits)
            return "\n".join(said["lines"] + [f"note: {n}" for n in said["notes"]])
        if stream:
            # The report runs as a job (progress, Ctrl-C); its rows then stream batch by batch.
            return _reader(_call("report", progress, dataset=str(self.path), request=request, limits=limits, stream=True))
        if output is not None:
            said = _call("report", progress, dataset=str(self.path), request=request, limits=limits, output=_path("output", output), format=fmt)
            return _Path(said["path"])
        return _table(_call("report", progress, dataset=str(self.path), request=request, limits=limits))

    def usage(self, *, by: Union[str, Sequence[str]] = "uid", **options: Any) -> _pa.Table:
        """Objects, files, dirs, bytes, allocated and unique (hard links once) bytes per group
        (``by``: uid, gid, fileset, tld, pool, kind, ext, name, size, dirN)."""
        return self._report({"report": "usage", "by": _words("by", by)}, options)

    def age(self, *, by: Union[str, Sequence[str], None] = None, time: str = "access", edges: Optional[Sequence[int]] = None, size_edges: Optional[Sequence[int]] = None, **options: Any) -> _pa.Table:
        """Usage per age bucket (days; ``edges``) of the access, modify or change ``time``,
        relative to each scan's date; with ``size_edges`` (bytes) an age × size matrix."""
        report = {"report": "age", "by": _words("by", by), "time": time, "edges": _edges("edges", edges), "size_edges": _edges("size_edges", size_edges)}
        return self._report(report, options)

    def size(self, *, by: Union[str, Sequence[str], None] = None, edges: Optional[Sequence[int]] = None, age: Optional[str] = None, age_edges: Optional[Sequence[int]] = None, **options: Any) -> _pa.Table:
        """A histogram of file sizes (bytes; ``edges``), files only unless ``kind`` says
        otherwise; with ``age`` (access, modify, change) a size × age matrix."""
        report = {"report": "size", "by": _words("by", by), "edges": _edges("edges", edges), "age": age, "age_edges": _edges("age_edges", age_edges)}
        return self._report(report, options)

    def top(self, what: str = "dirs", *, by: str = "bytes", n: int = 20, max_depth: Optional[int] = None, **options: Any) -> _pa.Table:
        """The ``n`` largest ``dirs``, ``users`` or ``groups`` per scan date, ranked ``by``
        bytes, allocated, files or objects. Directories: two levels below the prefix or the tlds.
        ``files``: the ``n`` largest files (``by="size"``) or oldest (``by="access"``/``"modify"``)
        per scan date, or per owner with ``per_user=True``."""
        if what == "files":
            by = "size" if by == "bytes" else by
            per_user = bool(options.pop("per_user", False))
            return self._report({"report": "files", "by": by, "n": _opt_int("n", n), "per_user": per_user}, options)
        if what not in ("dirs", "users", "groups"):
            raise OptionError(f"what must be dirs, users, groups or files, not {what!r}", "what")
        report = {"report": "top", "what": what, "metric": by, "n": _opt_int("n", n), "max_depth": _opt_int("max_depth", max_depth)}
        return self._report(report, options)

    def du(self, *, max_depth: Optional[int] = None, **options: Any) -> _pa.Table:
        """Recursive totals per directory from the prefix down to ``max_depth``."""
        return self._report({"report": "du", "max_depth": _opt_int("max_depth", max_depth)}, options)

    def churn(self, *, from_: Optional[DateLike] = None, to: Optional[DateLike] = None, by: str = "tld", **options: Any) -> _pa.Table:
        """Created, deleted, modified and unchanged objects and bytes between two scans (default:
        the two latest), matched by path, per ``tld`` or ``uid``."""
        report = {"report": "churn", "from": _date("from_", from_), "to": _date("to", to), "by": by}
        return self._report(report, options)

    def extensions(self, *, by: Union[str, Sequence[str], None] = None, n: int = 20, **options: Any) -> _pa.Table:
        """Usage by file-name extension (lower-cased; ``.tar.gz`` and other double suffixes
        whole; ``(none)`` and ``(dotfile)`` groups), files only unless ``kind`` says otherwise,
        ``by`` adding groups (e.g. ``"uid"``): the ``n`` largest by bytes per scan date and an
        ``(other)`` row for the rest."""
        report = {"report": "extensions", "by": _words("by", by), "n": _opt_int("n", n)}
        return self._report(report, options)

    def duplicates(self, *, n: int = 20, **options: Any) -> _pa.Table:
        """Candidate duplicates: files with the same base name and the same size (above zero) in
        different places, hard links of one object counted as one copy; per scan date the ``n``
        groups that would save the most bytes if one copy were kept (``bytes_saved``)."""
        return self._report({"report": "duplicates", "n": _opt_int("n", n)}, options)

    def history(self, *, by: str = "uid", since: Optional[DateLike] = None, from_rows: bool = False, **options: Any) -> _pa.Table:
        """Usage per scan date and group (``by``: uid, gid, fileset, tld, pool, kind, dirN) over
        every scan (or the ``acq`` given), with each group's change since the scan before; a group
        that disappeared gets a row of zeros. Answered from the usage summaries where the filter
        allows (``explain("history")`` says); ``from_rows=True`` reads the rows instead."""
        report = {"report": "history", "by": by, "since": _date("since", since), "from_rows": bool(from_rows)}
        return self._report(report, options)

    def growth(self, *, by: str = "uid", from_: Optional[DateLike] = None, to: Optional[DateLike] = None, n: int = 20, from_rows: bool = False, **options: Any) -> _pa.Table:
        """The ``n`` groups whose bytes grew most between two scans (default: the two latest),
        with bytes and objects at both and the change."""
        report = {"report": "growth", "by": by, "from": _date("from_", from_), "to": _date("to", to), "n": _opt_int("n", n), "from_rows": bool(from_rows)}
        return self._report(report, options)

    def quota(
        self,
        source: Union[PathLike, str, bytes],
        *,
        acq: Optional[DateLike] = None,
        over: Optional[float] = None,
        from_rows: bool = False,
        engine: Optional[str] = None,
        progress: bool = True,
        **names: Any,
    ) -> _pa.Table:
        """Each entry of a quota report (``mmrepquota -Y`` or ``mmlsquota -Y`` output: a path, or
        the text itself) beside the scan's usage of the same owner in the same fileset (scan
        ``acq``, default the latest), the difference, and the growth per week and days to the
        limit since the scan before. ``over=90``: only entries at or above 90 % of their quota.
        Lines that are not quotas are logged with their number."""
        unknown = set(names) - set(_NAME_KEYS)
        if unknown:
            raise TypeError(f"quota() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        request = {"acq": _date("acq", acq), "over": over, "names": _names(**names), "engine": engine, "from_rows": bool(from_rows)}
        args: Dict[str, Any] = dict(dataset=str(self.path), request=request, limits=_limits(None, None, None))
        if isinstance(source, bytes):
            args["text"] = source.decode("utf-8", "replace")
        elif isinstance(source, str) and "\n" in source:
            args["text"] = source
        else:
            args["path"] = _path("source", source)
        return _table(_call("quota", progress, **args))

    def summarize(self, *, progress: bool = True) -> Dict[str, int]:
        """Adds usage summaries to inputs converted before summaries existed (resumable; history
        and growth read them): how many were summarized, present already, or unfit."""
        return _call("summarize", progress, dataset=str(self.path))

    def verify(self, *, progress: bool = True) -> Dict[str, Any]:
        """Reads back every file of the dataset (as ``scanlake verify``): data and summaries
        against their checksums, rejects by their Parquet footers. Returns ``checked``,
        ``checked_bytes``, ``opened`` and ``damaged`` (a list of ``{"file", "problem"}``); damage is
        reported, not raised."""
        return _call("verify", progress, dataset=str(self.path))

    def explain(self, report: str = "usage", **options: Any) -> str:
        """Which engine a report would run on and why, its limits, and the columns it leaves empty."""
        method = getattr(self, report, None)
        if report not in ("usage", "age", "size", "top", "du", "churn", "extensions", "duplicates", "history", "growth") or method is None:
            raise OptionError(f"unknown report {report!r}", "report")
        options["_explain"] = True
        return method(**options)

    def scan(
        self,
        *,
        columns: Optional[Sequence[str]] = None,
        threads: Optional[int] = None,
        memory_mib: Optional[int] = None,
        **filters: Any,
    ) -> _pa.RecordBatchReader:
        """The raw rows the filters (``acq``, ``prefix``, ``uid``, ``gid``, ``fileset``, ``tld``,
        ``kind``) select, as a stream of Arrow batches: for data bigger than memory. Iterate it,
        or hand it to Polars, DuckDB or ``pyarrow.dataset``; ``.read_all()`` makes a table."""
        unknown = set(filters) - set(_FILTER_KEYS)
        if unknown:
            raise TypeError(f"scan() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        cols = None if columns is None else _words("columns", columns)
        args = dict(dataset=str(self.path), filter=_filter(**filters), columns=cols, limits=_limits(threads, memory_mib))
        return _reader(_native.scan(_json.dumps(args)))

    def find(
        self,
        *,
        columns: Optional[Sequence[str]] = None,
        per_user: Optional[PathLike] = None,
        null: bool = False,
        count: bool = False,
        output: Optional[PathLike] = None,
        format: Optional[str] = None,
        progress: bool = True,
        **filters: Any,
    ) -> Any:
        """The rows of one scan date (``acq``, default the latest) that the filters select, in
        path order, as a ``pyarrow.RecordBatchReader`` of ``columns`` (default path, size, uid,
        gid, access, modify, create; ``names=True`` adds user and group). Filters are those of
        every report: ``older={"access": "90d", "create": "90d"}``, ``size_min="1G"``,
        ``user="ann"``, ``name="*.tmp"``, ``rule="scratch90"``, ….

        ``per_user=DIR`` writes one list per owner and ``DIR/summary.csv`` (``null=True``:
        NUL-separated raw paths) and returns the summary as a table; ``count=True`` returns the
        matches and bytes per scan date; ``output=`` writes the rows to a file (atomically)."""
        name_opts = _names(**{k: filters.pop(k) for k in _NAME_KEYS if k in filters})
        unknown = set(filters) - set(_FILTER_KEYS)
        if unknown:
            raise TypeError(f"find() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        request = {
            "filter": _filter(**filters),
            "columns": [] if columns is None else _words("columns", columns),
            "names": name_opts,
        }
        args: Dict[str, Any] = dict(dataset=str(self.path), request=request)
        if count:
            return _table(_call("find", progress, count=True, **args))
        if per_user is not None:
            return _table(_call("find", progress, per_user=_path("per_user", per_user), nul=bool(null), **args))
        if null:
            raise OptionError("null (NUL-separated paths) goes with per_user; rows come as Arrow batches", "null")
        if output is not None:
            said = _call("find", progress, output=_path("output", output), format=format, **args)
            return _Path(said["path"])
        return _reader(_call("find", progress, **args))

    def export_tree(self, output: PathLike, *, progress: bool = True, **filters: Any) -> Dict[str, Any]:
        """Writes one scan date (``acq``, default the latest) as the JSON export that
        ``ncdu -f FILE`` browses (atomically): the subtree under ``prefix`` (one), else everything,
        with the filters of ``find``. Returns what was written (directories, files, bytes, …)."""
        name_opts = _names(**{k: filters.pop(k) for k in _NAME_KEYS if k in filters})
        unknown = set(filters) - set(_FILTER_KEYS)
        if unknown:
            raise TypeError(f"export_tree() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        request = {"filter": _filter(**filters), "names": name_opts}
        return _call("export_tree", progress, dataset=str(self.path), request=request, output=_path("output", output))

    def plot(self, report: str = "usage", *, top: int = 20, tree: str = "treemap", title: Optional[str] = None, **options: Any) -> "Chart":
        """One report as a chart that shows inline in Jupyter (no network: everything it needs is
        embedded), with ``.save("x.svg")`` / ``.save("x.png")`` for static images. ``report`` is
        the name of a report method (usage, age, size, top, du, churn, extensions, duplicates,
        history, growth) and ``options`` its keyword arguments and filters, e.g.
        ``plot("usage", by="uid")`` or ``plot("top", what="dirs")``. Reports of one scan draw
        the latest unless ``acq`` says otherwise; ``top`` groups are drawn, the rest is one
        ``(other)`` group; directories draw as a ``treemap`` or ``sunburst``."""
        methods = ("usage", "age", "size", "top", "du", "churn", "extensions", "duplicates", "history", "growth")
        if report not in methods:
            raise OptionError(f"report must be one of {', '.join(methods)}, not {report!r}", "report")
        if tree not in ("treemap", "sunburst"):
            raise OptionError(f"tree must be treemap or sunburst, not {tree!r}", "tree")
        for conflicting in ("stream", "output", "format"):
            if conflicting in options:
                raise OptionError(f"plot draws a chart; {conflicting} belongs to the report methods (save the chart with .save(path))", conflicting)
        what = options.pop("what", None)
        method = getattr(self, report)
        options["_plot"] = {"top": _opt_int("top", top), "tree": tree, "title": title}
        return method(what, **options) if report == "top" and what is not None else method(**options)

    def report(
        self,
        output: PathLike,
        *,
        acq: Optional[DateLike] = None,
        compare: Optional[DateLike] = None,
        top: int = 20,
        quota: Optional[PathLike] = None,
        per_user: Optional[PathLike] = None,
        with_data: bool = False,
        engine: Optional[str] = None,
        threads: Optional[int] = None,
        memory_mib: Optional[int] = None,
        progress: bool = True,
        **filters: Any,
    ) -> Dict[str, Any]:
        """Writes the HTML report of one scan (``acq``, default the latest) compared with another
        (``compare``, default the one before) to ``output``: one self-contained file, as
        ``scanlake report`` writes it. ``rule`` names purge rules, each shown as its candidates
        per owner; the other filters scope the whole report. ``per_user`` also writes a page per
        owner and an index into that directory; ``with_data`` the full tables as CSV beside the
        report. Returns what was written."""
        name_opts = _names(**{k: filters.pop(k) for k in _NAME_KEYS if k in filters})
        unknown = set(filters) - set(_FILTER_KEYS)
        if unknown:
            raise TypeError(f"report() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        request = {
            "acq": _date("acq", acq),
            "compare": _date("compare", compare),
            "filter": _filter(**filters),
            "names": name_opts,
            "top": _opt_int("top", top),
            "quota": None if quota is None else _path("quota", quota),
            "per_user": None if per_user is None else _path("per_user", per_user),
            "with_data": bool(with_data),
            "engine": engine,
            "limits": _limits(threads, memory_mib),
        }
        return _call("page", progress, dataset=str(self.path), request=request, output=_path("output", output))

    def query(self, sql: str, *, threads: Optional[int] = None, memory_mib: Optional[int] = None, progress: bool = True) -> _pa.Table:
        """Read-only SQL (DataFusion) over the table ``files``: the dataset's columns plus ``acq``
        and ``tld``. Results keep their types (binary paths stay binary)."""
        if not isinstance(sql, str):
            raise TypeError(f"sql must be a string, not {type(sql).__name__}")
        return _table(_call("query", progress, dataset=str(self.path), sql=sql, limits=_limits(threads, memory_mib)))

    def runs(self, *, since: Optional[DateLike] = None) -> _pa.Table:
        """The dataset's runs, oldest first (as ``scanlake runs``): when each was made, executor,
        status, wall time, inputs, rows published, core-hours, failed attempts."""
        return _table(_call("runs_list", False, dataset=str(self.path), since=_date("since", since)))

    def failures(self, *, since: Optional[DateLike] = None) -> List[Dict[str, Any]]:
        """Every failed attempt of the dataset's runs, grouped by category and stage, most frequent
        first, each with the runs it happened in and its latest example (as ``scanlake analyze --all``)."""
        return _call("runs_failures", False, dataset=str(self.path), since=_date("since", since))


# --- charts -------------------------------------------------------------------------------


class Chart:
    """A chart of one report: shows inline in Jupyter (an iframe with ECharts and the data
    embedded, so nothing is fetched), and saves as SVG or PNG drawn without a browser. The same
    definition draws the HTML report's charts."""

    def __init__(self, definition: Dict[str, Any]):
        self._definition = definition

    @property
    def title(self) -> str:
        return self._definition["title"]

    @property
    def kind(self) -> str:
        """bar, line, heatmap, treemap or sunburst."""
        return self._definition["kind"]

    @property
    def definition(self) -> Dict[str, Any]:
        """The ECharts option (as JSON) and the table of what it shows."""
        return self._definition

    @property
    def table(self) -> _pa.Table:
        """What the chart shows, one row per mark, exact."""
        t = self._definition["table"]
        names = [c["name"] for c in t["columns"]]
        def value(v: Any, unit: str) -> Any:
            if v is None:
                return None
            if unit in ("bytes", "count") and isinstance(v, str):
                return int(v)  # beyond 2^53 integers travel as decimal strings
            return str(v) if unit == "text" else v

        units = [c["unit"] for c in t["columns"]]
        columns = {n: [value(r[i], units[i]) for r in t["rows"]] for i, n in enumerate(names)}
        return _pa.table(columns) if names else _pa.table({})

    def __repr__(self) -> str:
        return f"<scanlake.Chart {self.kind}: {self.title!r}, {len(self._definition['table']['rows'])} marks>"

    def _repr_html_(self) -> str:
        import html as _html

        page = _call("chart_page", False, chart=self._definition)["html"]
        height = int(self._definition.get("height", 400)) + 90
        return (
            f'<iframe title="{_html.escape(self.title)}" srcdoc="{_html.escape(page)}" '
            f'style="width:100%;height:{height}px;border:0" sandbox="allow-scripts"></iframe>'
        )

    def svg(self, width: int = 900, height: int = 0) -> str:
        """The chart as an SVG document (``height`` 0: the chart's own)."""
        return _call("chart_image", False, chart=self._definition, width=width, height=height, format="svg").decode()

    def png(self, width: int = 900, height: int = 0) -> bytes:
        """The chart as PNG bytes, drawn at twice the size with a bundled font."""
        return _call("chart_image", False, chart=self._definition, width=width, height=height, format="png")

    def save(self, path: PathLike, width: int = 900, height: int = 0) -> _Path:
        """Writes the chart as SVG or PNG (by the extension), whole or not at all."""
        said = _call("chart_image", False, chart=self._definition, width=width, height=height, output=_path("path", path))
        return _Path(said["path"])


# --- batch runs ----------------------------------------------------------------------------


class Run:
    """A batch run (split → convert → publish → reports), here or as Slurm jobs. Runs made by
    the ``scanlake`` command open here, and the other way round."""

    def __init__(self, path: PathLike):
        self.path = _Path(_path("path", path))

    @classmethod
    def open(cls, path: PathLike) -> "Run":
        """The run in directory ``path`` (refused if another scanlake version made it)."""
        run = cls(path)
        run.status()
        return run

    def __repr__(self) -> str:
        return f"<scanlake.Run {self.path}>"

    def status(self) -> Dict[str, Any]:
        """Tasks per state and stage, percent done, and every task (as ``scanlake status --json``)."""
        return _call("run_status", False, run=str(self.path))

    def wait(self, timeout: Optional[float] = None, interval: float = 2.0) -> Dict[str, Any]:
        """Wait until the run ends; its status. Raises :class:`RunError` unless it succeeded."""
        summary = _call("run_wait", False, run=str(self.path), timeout=timeout, interval=interval)
        if summary["status"] != "succeeded":
            raise RunError(f"run {summary['run']} {summary['status']}\nhint: Run.analyze() shows why; Run.resume() goes on")
        return summary

    def resume(self) -> Optional[Dict[str, List[int]]]:
        """Run again what failed, was cancelled or never ran; the tasks resumed (None: nothing to do)."""
        return _call("run_resume", True, run=str(self.path))["resumed"]

    def cancel(self) -> List[str]:
        """Cancel the run's Slurm jobs still waiting or working; their ids."""
        return _call("run_cancel", False, run=str(self.path))

    def analyze(self) -> List[Dict[str, Any]]:
        """Why tasks failed: category, reason, hint, log tails, and how to rerun each."""
        return _call("run_analyze", False, run=str(self.path))

    def stats(self) -> _pa.Table:
        """What the run cost, one row per stage (as ``scanlake stats``): tasks, attempts, retries,
        wall time, queue wait, CPU efficiency, peak memory against the request, bytes read and
        written."""
        return _table(_call("run_stats", False, run=str(self.path)))

    def report(self, output: PathLike) -> Dict[str, Any]:
        """Writes one self-contained HTML page about the run (as ``scanlake report RUN -o FILE``):
        its figures, a timeline of every attempt, efficiency and memory per stage, the advice and
        the statistics tables. Returns what was written."""
        return _call("run_report", False, run=str(self.path), output=_path("output", output))

    def advice(self) -> List[str]:
        """What the run's figures suggest (as ``scanlake stats`` prints under them): memory asked
        for and not used, a stage that took most of the wall time, CPU-bound or idle tasks,
        retries, long queue waits. Rules: ``advice.toml`` beside the configuration file, then
        the built-in ones."""
        return _call("run_advice", False, run=str(self.path))


def _run_report(spec: Any, index: int) -> Dict[str, Any]:
    if isinstance(spec, str):
        spec = {"report": spec}
    if not isinstance(spec, dict) or "report" not in spec:
        raise TypeError(f"reports[{index}] must be a report name or a dict with 'report'")
    spec = dict(spec)
    name = spec.pop("report")
    output = spec.pop("output", None)
    fmt = spec.pop("format", None)
    words = [name] + [f"{k}-{v}" for k, v in sorted(spec.items())]
    slug = _re.sub(r"[^A-Za-z0-9.=]+", "-", "-".join(str(w) for w in words)).strip("-")
    report: Dict[str, Any] = {"report": name}
    filters = {k: spec.pop(k) for k in _FILTER_KEYS if k in spec}
    names = _names(**{k: spec.pop(k) for k in _NAME_KEYS if k in spec})
    engine = spec.pop("engine", None)
    for key, value in spec.items():
        report["metric" if (name == "top" and key == "by") else key] = value
    if name in ("usage", "age", "size") and "by" in report:
        report["by"] = _words("by", report["by"])
    if name == "usage" and "by" not in report:
        report["by"] = ["uid"]
    if name == "top":
        report.setdefault("what", "dirs")
        report.setdefault("n", 20)
    if name == "age":
        report.setdefault("time", "access")
    if name == "churn":
        report.setdefault("by", "tld")
    return {
        "request": {"report": report, "filter": _filter(**filters), "engine": engine, "names": names},
        # A path the user gives is theirs (absolute now); the default is inside the run.
        "output": _os.path.abspath(_path("output", output)) if output is not None else f"reports/{slug}.csv",
        "format": fmt,
    }


def _own_program() -> Optional[str]:
    """The ``scanlake`` command installed with this package (beside the interpreter)."""
    import shutil
    import sys

    here = _os.path.dirname(sys.executable)
    return shutil.which("scanlake", path=here) or shutil.which("scanlake")


def run(
    inputs: Union[PathLike, Sequence[PathLike]],
    dataset: PathLike,
    *,
    executor: str = "local",
    chunks: int = 4,
    tasks: int = 4,
    reports: Optional[Sequence[Union[str, Dict[str, Any]]]] = None,
    acq: Optional[DateLike] = None,
    run_dir: Optional[PathLike] = None,
    notify: Optional[str] = None,
    program: Optional[PathLike] = None,
    partition: Optional[str] = None,
    account: Optional[str] = None,
    qos: Optional[str] = None,
    time_limit: Optional[str] = None,
    cpus_per_task: Optional[int] = None,
    mem: Optional[str] = None,
    array_limit: Optional[int] = None,
    progress: bool = True,
) -> Run:
    """The whole pipeline as one tracked run: split each input into ``chunks``, convert them in
    parallel, publish, and make ``reports`` (default: usage and age by uid, as CSV under
    ``RUN/reports``) with ``tasks`` aggregation tasks. ``executor="slurm"`` submits Slurm jobs
    that run the ``scanlake`` command installed with this package; ``"local"`` runs here.

    A report is a name (``"usage"``) or a dict of a report's keyword arguments with ``report``,
    and optionally ``output`` (a file; its extension picks the format) and ``format``.
    """
    if executor not in ("local", "slurm"):
        raise OptionError(f"executor must be 'local' or 'slurm', not {executor!r}", "executor")
    specs = reports if reports is not None else [{"report": "usage", "by": "uid"}, {"report": "age", "by": "uid"}]
    slurm = {
        "partition": partition, "account": account, "qos": qos, "time": time_limit,
        "cpus_per_task": _opt_int("cpus_per_task", cpus_per_task), "memory": mem,
        "array_limit": _opt_int("array_limit", array_limit),
    }
    data = _call(
        "run",
        progress,
        inputs=_paths("inputs", inputs),
        dataset=_path("dataset", dataset),
        request={"acq": _date("acq", acq)},
        chunks=_opt_int("chunks", chunks),
        tasks=_opt_int("tasks", tasks),
        reports=[_run_report(r, i) for i, r in enumerate(specs)],
        executor=executor,
        run_dir=None if run_dir is None else _path("run_dir", run_dir),
        notify=notify,
        program=None if program is None else _path("program", program),
        own_program=_own_program(),
        slurm=slurm,
    )
    return Run(data["run"])
