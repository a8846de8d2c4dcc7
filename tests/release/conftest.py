"""Fixtures for the release tests: clones of this repository to tag and build, the release tools
(scripts/release/tools.sh installs them), and a PyPI-compatible registry on loopback."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = Path(sys.executable).parent


def sh(*args, cwd=None, env=None, check=True, timeout=1800):
    """Runs a command; returns stdout (text). Fails the test with stderr when `check`."""
    out = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert out.returncode == 0, f"{args}\n--- stdout\n{out.stdout}\n--- stderr\n{out.stderr}"
    return out if not check else out.stdout


def git(repo, *args):
    return sh("git", "-C", repo, "-c", "user.name=Release Test", "-c", "user.email=release@test", *args).strip()


@pytest.fixture
def clone(tmp_path_factory):
    """A fresh clone of this repository's HEAD (the commit CI tests), on branch main."""

    def make(name="repo"):
        path = tmp_path_factory.mktemp("clone") / name
        sh("git", "clone", "--quiet", "--no-hardlinks", REPO, path)
        git(path, "checkout", "--quiet", "-B", "main")
        return path

    return make


def set_declared_version(repo, version):
    """Sets [workspace.package] version in the clone's Cargo.toml and commits it."""
    cargo = repo / "Cargo.toml"
    text = cargo.read_text()
    start = text.index("[workspace.package]")
    line = text.index('version = "', start)
    end = text.index("\n", line)
    cargo.write_text(text[:line] + f'version = "{version}"' + text[end:])
    git(repo, "commit", "--quiet", "-am", f"version {version}")


def tool(name):
    path = TOOLS_BIN / name
    assert path.exists(), f"{name} is installed by scripts/release/tools.sh"
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """pypiserver on 127.0.0.1, holding pyarrow (scanlake's dependency) so that installs need no
    other index; returns (simple index URL, upload URL, package directory)."""
    packages = tmp_path_factory.mktemp("registry")
    wheelhouse = Path(os.environ.get("SCANLAKE_CACHE", Path.home() / ".cache")) / "scanlake-wheelhouse"
    pyarrow = sorted(wheelhouse.glob("pyarrow-*.whl"))
    assert pyarrow, f"scripts/python-package.sh puts pyarrow's wheel in {wheelhouse}"
    shutil.copy(pyarrow[-1], packages)
    port = free_port()
    server = subprocess.Popen(
        [tool("pypi-server"), "run", "-p", str(port), "-i", "127.0.0.1", "-a", ".", "-P", ".", str(packages)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("pypiserver did not start")
    yield f"http://127.0.0.1:{port}/simple/", f"http://127.0.0.1:{port}/", packages
    server.terminate()
    server.wait(timeout=10)
