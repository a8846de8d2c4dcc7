"""bin/submit-scan on a real (local) Slurm cluster: the scan job, then the chained conversion."""

import os
import shutil
import subprocess
import time

import pytest

from conftest import POLICY, require, run, walk

SUBMIT = POLICY / "bin" / "submit-scan"


@pytest.fixture
def slurm():
    if not (shutil.which("sbatch") and os.environ.get("SLURM_CONF")):
        require("slurm", "no Slurm cluster (sbatch on PATH and SLURM_CONF)")


def wait_for(job, timeout=180):
    """The job's final state (COMPLETED, FAILED, CANCELLED, ...)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["scontrol", "show", "job", "-o", job], capture_output=True, text=True)
        state = next((f.split("=", 1)[1] for f in out.stdout.split() if f.startswith("JobState=")), None)
        if state and state not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING"):
            return state
        time.sleep(0.5)
    pytest.fail(f"job {job} did not end within {timeout} s")


def test_the_scan_and_the_chained_conversion_run_as_jobs(slurm, stand_in, tree, tmp_path, scanlake_cmd, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setenv("SCANLAKE", scanlake_cmd)
    scans, lake = tmp_path / "scans", tmp_path / "lake"
    out = subprocess.run(
        [SUBMIT, "-p", "objects", "-N", "1", "-c", "1", "-t", "10:00", "-C", lake, "fs1", scans,
         "--", "--report", "usage --by uid -o by-uid.csv"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    scan_job, convert_job = out.stdout.split()
    assert wait_for(scan_job) == "COMPLETED", (scans / f"scan-{scan_job}.log").read_text()
    assert wait_for(convert_job) == "COMPLETED", (scans / f"convert-{convert_job}.log").read_text()
    # The scan ran the objects policy through run-scan; the conversion read what it wrote.
    (call,) = stand_in()
    assert call[2].endswith("/policies/list-objects.pol")
    rows = {}
    for f in lake.glob("acq=*/tld=*/*.parquet"):
        for r in pq.read_table(f, columns=["path", "path_bytes", "kind", "size", "uid"]).to_pylist():
            rows[r["path_bytes"] or r["path"].encode()] = (r["kind"], r["size"], r["uid"])
    assert rows == walk(tree, with_dirs=True)
    report = (tmp_path / "by-uid.csv").read_text().splitlines()
    assert report[0].startswith("acq,uid,") and any(",1234,1,1,0,1000," in line for line in report)
    assert not list(scans.glob(".submit-scan.*.path")), "the conversion removes the scan's path file"


def test_a_failed_scan_cancels_the_conversion(slurm, stand_in, tmp_path, monkeypatch):
    monkeypatch.setenv("STANDIN_MOUNT", str(tmp_path / "not-mounted"))
    out = run(SUBMIT, "-t", "10:00", "-C", tmp_path / "lake", "fs1", tmp_path / "scans").stdout.split()
    scan_job, convert_job = [j.decode() for j in out]
    assert wait_for(scan_job) == "FAILED"
    assert wait_for(convert_job) == "CANCELLED"
    assert "no file system 'fs1' here" in (tmp_path / "scans" / f"scan-{scan_job}.log").read_text()


def test_a_dry_run_prints_the_jobs_without_submitting(tmp_path):
    out = run(SUBMIT, "-n", "-P", "batch", "-m", "64G", "-C", tmp_path / "lake", "fs1", tmp_path / "scans",
              "--", "--chunks", "8")
    err = out.stderr.decode()
    assert "--partition=batch" in err and "--mem=64G" in err and "--dependency=afterok:" in err
    assert "run \"$list\" -o " in err and "--chunks 8" in err


def test_arguments_for_the_conversion_need_a_dataset(tmp_path):
    out = run(SUBMIT, "-n", "fs1", tmp_path, "--", "--chunks", "8", check=False)
    assert out.returncode == 1 and b"also give -C LAKE" in out.stderr


def test_versions_are_the_sub_projects(tmp_path):
    version = (POLICY / "VERSION").read_text().strip()
    for script in ("run-scan", "submit-scan"):
        assert run(POLICY / "bin" / script, "-V").stdout.decode().strip() == f"{script} {version}"
