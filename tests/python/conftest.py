"""Shared fixtures: a generated two-scan dataset with hostile names, hard links and directories,
made once per test session through the Python API."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scanlake


@pytest.fixture(scope="session")
def cli():
    """The ``scanlake`` command installed with the wheel (the same Rust code as the binary)."""
    path = shutil.which("scanlake", path=str(Path(sys.executable).parent))
    assert path, "the wheel installs a scanlake command beside the interpreter"

    def run(*args, cwd=None, check=True):
        out = subprocess.run([path, *map(str, args)], cwd=cwd, capture_output=True, text=True)
        if check:
            assert out.returncode == 0, f"scanlake {args}: {out.stderr}"
        return out

    run.path = path
    return run


@pytest.fixture(scope="session")
def lake(tmp_path_factory):
    d = tmp_path_factory.mktemp("lake")
    old, new = d / "fs1.2026-11-01.list", d / "fs1.2026-11-08.list"
    common = dict(records=6000, hostile_fraction=0.05, hard_link_fraction=0.05, directories=True)
    scanlake.generate(old, seed=1, acq="2026-11-01", **common)
    scanlake.generate(new, seed=1, acq="2026-11-08", **common)
    # The second scan: the first with some files changed, dropped and added (same seed, then edits).
    lines = new.read_bytes().split(b"\n")
    new.write_bytes(b"\n".join(lines[: len(lines) // 2] + lines[len(lines) // 2 + 200 :]))
    summary = scanlake.convert([old, new], d / "lake", progress=False)
    assert summary.rows > 0
    return scanlake.Dataset(d / "lake")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("SCANLAKE_ENGINE", raising=False)
    monkeypatch.delenv("SCANLAKE_THREADS", raising=False)
    monkeypatch.setenv("SCANLAKE_CONFIG", str(tmp_path / "no-config.toml"))
    os.environ.setdefault("COLUMNS", "100")
