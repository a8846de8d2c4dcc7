"""The release tarball: what it holds, that its binary runs here, that its completions load in bash,
and that packing is reproducible. (The release pipeline packs the glibc-2.17 binary the same way;
this test packs the native one the test suite has just built.)"""

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import REPO, sh

PACK = REPO / "scripts" / "release" / "package-tarball.sh"


@pytest.fixture(scope="module")
def binary():
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "scanlake-target"))
    path = Path(os.environ.get("SCANLAKE_BINARY", target / "release" / "scanlake"))
    assert path.exists(), f"cargo builds {path} for the CLI tests before these run"
    return path


@pytest.fixture(scope="module")
def tarball(binary, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return Path(sh(PACK, binary, out, "9.8.7", env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}).strip())


def test_it_holds_the_binary_docs_completions_and_man_page(tarball):
    assert tarball.name == "scanlake-9.8.7-x86_64-linux.tar.gz"
    with tarfile.open(tarball) as t:
        names = set(t.getnames())
        members = {m.name: m for m in t.getmembers()}
    expected = {
        "bin/scanlake", "README.md", "LICENSE", "CHANGELOG.md", "share/man/man1/scanlake.1",
        "share/bash-completion/completions/scanlake", "share/zsh/site-functions/_scanlake",
        "share/fish/vendor_completions.d/scanlake.fish", "share/scanlake/completions/scanlake.elv",
        "share/scanlake/completions/_scanlake.ps1",
    }
    assert {f"scanlake-9.8.7/{n}" for n in expected} <= names
    assert members["scanlake-9.8.7/bin/scanlake"].mode & 0o111
    assert all(m.uid == 0 and m.gid == 0 and m.mtime == 1700000000 for m in members.values())


def test_its_binary_runs_here_and_its_completions_load_in_bash(tarball, tmp_path, binary):
    with tarfile.open(tarball) as t:
        t.extractall(tmp_path, filter="tar")
    prefix = tmp_path / "scanlake-9.8.7"
    version = sh(prefix / "bin" / "scanlake", "--version")
    assert version == sh(binary, "--version") and version.startswith("scanlake ")
    demo = sh(prefix / "bin" / "scanlake", "demo", "--records", "2000", cwd=tmp_path)
    assert "uid" in demo
    # Bash loads the completion script and completes subcommands and their flags.
    script = f"""
        source {prefix}/share/bash-completion/completions/scanlake
        complete -p scanlake
        COMP_WORDS=(scanlake con); COMP_CWORD=1; COMP_LINE='scanlake con'; COMP_POINT=${{#COMP_LINE}}
        _scanlake scanlake con scanlake
        echo "subcommands: ${{COMPREPLY[*]}}"
        COMP_WORDS=(scanlake convert --ski); COMP_CWORD=2; COMP_LINE='scanlake convert --ski'; COMP_POINT=${{#COMP_LINE}}
        _scanlake scanlake --ski convert
        echo "flags: ${{COMPREPLY[*]}}"
    """
    out = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "-F _scanlake scanlake" in out.stdout
    assert "subcommands: convert" in out.stdout
    assert "flags: --skip-existing" in out.stdout
    man = (prefix / "share" / "man" / "man1" / "scanlake.1").read_text()
    assert man.startswith(".ie") or ".TH scanlake 1" in man


def test_packing_is_reproducible(binary, tarball, tmp_path):
    again = sh(PACK, binary, tmp_path, "9.8.7", env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}).strip()
    assert Path(again).read_bytes() == tarball.read_bytes()
