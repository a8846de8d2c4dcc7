"""Fixtures for the policy scripts' tests: a stand-in mmapplypolicy and a directory tree with every
kind of object and the names that break naive tools.

Tests that need something beyond bash and Python (the `scanlake` command, a Slurm cluster) skip
when it is missing, so the sub-project can be tested alone; POLICY_TESTS_REQUIRE=scanlake,slurm
(the main test suite sets it) turns those skips into failures."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

POLICY = Path(__file__).resolve().parent.parent
STAND_IN = POLICY / "tests" / "stand-in" / "mmapplypolicy"


def require(what, reason):
    """Skips the test for lack of `what`, or fails it when the environment says `what` is there."""
    if what in os.environ.get("POLICY_TESTS_REQUIRE", "").split(","):
        pytest.fail(f"{reason} (POLICY_TESTS_REQUIRE names {what})")
    pytest.skip(reason)


@pytest.fixture
def scanlake_cmd():
    path = os.environ.get("SCANLAKE") or shutil.which("scanlake")
    if not path:
        require("scanlake", "no scanlake command (set SCANLAKE or put it on PATH)")
    return path


@pytest.fixture
def tree(tmp_path):
    """A real tree: files, directories, a symlink, a hard link, names with spaces, a newline, `%`,
    ` -- `, `|`, and bytes that are not UTF-8; two owners."""
    root = tmp_path / "fs1"
    root.mkdir()
    (root / "plain.txt").write_bytes(b"hello")
    (root / "with space").mkdir()
    (root / "with space" / "two  spaces .dat").write_bytes(b"x" * 1000)
    (root / "new\nline").write_bytes(b"1234567")
    (root / "100%done").write_bytes(b"")
    (root / "dir | pipe -- x").mkdir()
    (root / "dir | pipe -- x" / "inner").write_bytes(b"abc")
    (root / "empty").mkdir()
    os.mkdir(os.fsencode(root) + b"/latin1-\xe9t\xe9")
    with open(os.fsencode(root) + b"/latin1-\xe9t\xe9/bad-\xff\xfe.bin", "wb") as f:
        f.write(b"z" * 4096)
    (root / "hard1").write_bytes(b"linked")
    os.link(root / "hard1", root / "hard2")
    os.symlink("plain.txt", root / "link")
    if os.geteuid() == 0:
        os.chown(root / "with space" / "two  spaces .dat", 1234, 5678)
        os.lchown(root / "link", 2345, 6789)
    return root


def walk(root, with_dirs):
    """What a listing of `root` must hold: {path bytes: (kind, size, uid)}."""
    kinds = {0o040000: "dir", 0o120000: "link", 0o100000: "file"}
    found = {}
    paths = [os.fsencode(root)] if with_dirs else []
    for top, dirs, files in os.walk(os.fsencode(root)):
        paths += [os.path.join(top, n) for n in dirs + files]
    for p in paths:
        st = os.lstat(p)
        kind = kinds.get(st.st_mode & 0o170000, "other")
        if with_dirs or kind == "file":
            found[p] = (kind, st.st_size, st.st_uid)
    return found


@pytest.fixture
def stand_in(tmp_path, monkeypatch, tree):
    """Puts the stand-in on PATH, standing for a file system mounted at `tree`; returns a function
    giving the argument lists it was called with."""
    bin_dir = tmp_path / "gpfs-bin"
    bin_dir.mkdir()
    shutil.copy(STAND_IN, bin_dir / "mmapplypolicy")
    log = tmp_path / "mmapplypolicy.calls"
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_MOUNT", str(tree))
    monkeypatch.setenv("STANDIN_LOG", str(log))
    monkeypatch.delenv("MMAPPLYPOLICY", raising=False)

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    calls.path = bin_dir / "mmapplypolicy"
    return calls


def run(*args, env=None, check=True):
    out = subprocess.run([str(a) for a in args], capture_output=True, env=env)
    if check:
        assert out.returncode == 0, f"{args}: {out.stderr.decode(errors='replace')}"
    return out
