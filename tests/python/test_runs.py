"""Batch runs from Python: a Slurm run on the local cluster equals a local one, and the CLI reads
what Python made; Ctrl-C stops a conversion within a second and leaves a consistent dataset."""

import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

import scanlake

REPORTS = [
    {"report": "usage", "by": "uid,tld", "output": "usage.parquet"},
    {"report": "du", "max_depth": 4},
    "churn",
]


def _reports(run_dir, tmp):
    out = {"usage": pq.read_table(tmp / "usage.parquet")}
    for f in sorted((run_dir / "reports").iterdir()):
        out[f.name] = f.read_bytes()
    return out


@pytest.mark.skipif(not os.environ.get("SLURM_CONF"), reason="needs the local Slurm cluster (scripts/test.sh)")
def test_a_slurm_run_from_python_equals_a_local_one_and_the_cli_reads_it(tmp_path, cli):
    inputs = []
    for day, seed in (("2026-11-01", 1), ("2026-11-08", 2)):
        p = tmp_path / f"in/fs1.{day}.list"
        p.parent.mkdir(exist_ok=True)
        scanlake.generate(p, records=4000, seed=seed, acq=day, directories=True)
        inputs.append(p)
    results = {}
    for executor in ("local", "slurm"):
        d = tmp_path / executor
        d.mkdir()
        reports = [dict(r, output=d / r["output"]) if isinstance(r, dict) and "output" in r else r for r in REPORTS]
        run = scanlake.run(inputs, d / "lake", executor=executor, chunks=2, tasks=2, reports=reports,
                           run_dir=d / "run", progress=False)
        assert isinstance(run, scanlake.Run)
        status = run.wait(timeout=300, interval=1)
        assert status["status"] == "succeeded" and status["executor"] == executor
        results[executor] = _reports(d / "run", d)
        said = cli("status", d / "run").stdout
        assert "succeeded" in said and "100%" in said
        again = scanlake.Run.open(d / "run")
        assert again.status()["completed"] == status["tasks"]
        assert again.resume() is None, "nothing to resume"
    assert results["slurm"]["usage"].equals(results["local"]["usage"])
    assert {k: v for k, v in results["slurm"].items() if k != "usage"} == {k: v for k, v in results["local"].items() if k != "usage"}
    assert set(results["local"]) >= {"du-max-depth-4.csv", "churn.csv"}


def test_a_run_the_cli_made_opens_in_python(tmp_path, cli):
    scan = tmp_path / "fs1.2026-11-01.list"
    scanlake.generate(scan, records=1000)
    cli("run", scan, "-o", tmp_path / "lake", "--chunks", "1", "--tasks", "1", "--run-dir", tmp_path / "run")
    run = scanlake.Run.open(tmp_path / "run")
    assert run.status()["status"] == "succeeded"
    assert run.analyze() == []
    # What it cost: the CLI's table as Arrow, one row per stage, every task measured.
    stats = run.stats()
    csv = cli("stats", tmp_path / "run", "--format", "csv").stdout.splitlines()
    assert stats.column_names == csv[0].split(",")
    assert stats.column("stage").to_pylist() == [s["name"] for s in run.status()["stages"]]
    assert stats.num_rows == len(csv) - 1
    assert stats.column("completed").to_pylist() == stats.column("tasks").to_pylist()
    assert sum(stats.column("cpu_s").to_pylist()) > 0
    assert all(r > 0 for r in stats.column("peak_rss").to_pylist())
    with pytest.raises(scanlake.RunError, match="not a scanlake run directory"):
        scanlake.Run.open(tmp_path)
    # Advice is a list of sentences (options as keyword arguments); the dataset lists the run.
    assert isinstance(run.advice(), list) and all("`" not in a.replace("`scanlake", "") for a in run.advice())
    lake = scanlake.Dataset(tmp_path / "lake")
    runs = lake.runs()
    assert runs.column("run").to_pylist() == [run.status()["run"]]
    assert runs.column("status").to_pylist() == ["succeeded"]
    assert runs.column("rows").to_pylist() == [sum(1 for l in scan.read_bytes().splitlines() if not l.startswith(b"#"))]
    assert lake.runs(since="2099-01-01").num_rows == 0
    assert lake.failures() == []
    with pytest.raises(scanlake.OptionError):
        lake.runs(since="yesterday")


CONVERT = """
import sys, scanlake
try:
    scanlake.convert(sys.argv[1], sys.argv[2], threads=2, progress=False)
    print("finished")
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_stops_a_conversion_within_a_second_and_a_rerun_gives_the_same_dataset(tmp_path):
    scan = tmp_path / "fs1.2026-11-01.list"
    scanlake.generate(scan, records=3_000_000, hard_link_fraction=0.0)
    lake = tmp_path / "lake"
    child = subprocess.Popen([sys.executable, "-c", CONVERT, str(scan), str(lake)], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, _ = child.communicate(timeout=30)
    assert out.strip() == "interrupted", out
    assert time.monotonic() - sent < 1.0
    assert not list(lake.glob("acq=*/tld=*/*.parquet")), "nothing of the interrupted input is visible"
    scanlake.convert(scan, lake, progress=False)
    whole = tmp_path / "whole"
    scanlake.convert(scan, whole, progress=False)
    a, b = scanlake.Dataset(lake), scanlake.Dataset(whole)
    assert a.rows == b.rows
    assert a.usage(by="tld", progress=False).equals(b.usage(by="tld", progress=False))
