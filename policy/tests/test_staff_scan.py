"""bin/staff-scan, the sudo wrapper: it runs the shipped policies where the configuration allows,
and refuses every other argument before mmapplypolicy runs."""

import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import POLICY, run

if os.geteuid() != 0:
    pytest.skip("the sudo wrapper's tests install it as root", allow_module_level=True)


@pytest.fixture
def installed(tmp_path, stand_in):
    """The sub-project installed as an admin would (root-owned), with a configuration that allows
    fs1 into `allowed/`; returns (wrapper, allowed directory)."""
    prefix = tmp_path / "opt"
    run(POLICY / "install.sh", prefix)
    assert (prefix / "etc" / "sudoers.example").exists()
    allowed = tmp_path / "allowed"
    (allowed / "team").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", allowed / "escape")
    conf = prefix / "etc" / "staff-scan.conf"
    conf.write_text(
        f"# test configuration\ndevices = fs1 fs2\noutput_dirs = {allowed}\n"
        f"nodes = scanners   # comment\nmmapplypolicy = {stand_in.path}\n"
    )
    conf.chmod(0o644)
    return prefix / "bin" / "staff-scan", allowed


def test_an_allowed_scan_runs_the_shipped_policy_with_the_configured_settings(installed, stand_in):
    wrapper, allowed = installed
    out = run(wrapper, "objects", "fs1", allowed / "team")
    listing = out.stdout.decode().strip()
    assert listing.startswith(f"{allowed}/team/fs1.") and listing.endswith(".list.objects")
    (call,) = stand_in()
    assert call[:3] == ["fs1", "-P", str(wrapper.parent.parent / "policies" / "list-objects.pol")]
    assert call[3:] == ["-I", "defer", "-f", listing.removesuffix(".list.objects"), "-N", "scanners"]


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "expected exactly three arguments"),
        (["files", "fs1"], "expected exactly three arguments"),
        (["files", "fs1", "ALLOWED", "-I", "yes"], "expected exactly three arguments"),
        (["../../../etc/shadow", "fs1", "ALLOWED"], "unknown policy"),
        (["list-files", "fs1", "ALLOWED"], "unknown policy"),
        (["mine.pol", "fs1", "ALLOWED"], "unknown policy"),
        (["-P", "fs1", "ALLOWED"], "options are not allowed"),
        (["files", "-N", "ALLOWED"], "options are not allowed"),
        (["files", "fs1", "--"], "options are not allowed"),
        (["files", "fs9", "ALLOWED"], "file system 'fs9' is not one staff may scan"),
        (["files", "/gpfs/fs1", "ALLOWED"], "is not one staff may scan"),
        (["files", "fs1", "/tmp"], "is not under an allowed directory"),
        (["files", "fs1", "ALLOWED/../elsewhere"], "is not under an allowed directory"),
        (["files", "fs1", "ALLOWED/escape"], "is not under an allowed directory"),
        (["files", "fs1", "ALLOWED/missing"], "does not exist"),
        (["files", "fs1", "ALLOWED-not"], "does not exist"),
        (["files", "fs1\n", "ALLOWED"], "control characters"),
    ],
)
def test_everything_else_is_refused_with_a_reason(installed, stand_in, args, message):
    wrapper, allowed = installed
    out = run(wrapper, *[a.replace("ALLOWED", str(allowed)) for a in args], check=False)
    assert out.returncode == 2, out.stderr
    assert "staff-scan: refused: " in out.stderr.decode() and message in out.stderr.decode()
    assert "usage: sudo staff-scan" in out.stderr.decode()
    assert stand_in() == [], "mmapplypolicy never ran"


def test_a_sibling_directory_sharing_the_allowed_prefix_is_refused(installed, stand_in, tmp_path):
    wrapper, allowed = installed
    sibling = tmp_path / "allowed-but-not"
    sibling.mkdir()
    out = run(wrapper, "files", "fs1", sibling, check=False)
    assert out.returncode == 2 and b"is not under an allowed directory" in out.stderr
    assert stand_in() == []


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda conf: conf.chmod(0o666), "must not be writable by group or others"),
        (lambda conf: os.chown(conf, 1000, 0), "must be owned by root"),
        (lambda conf: conf.write_text("devices = fs1\nextra_options = -L 6\n"), "unknown key 'extra_options'"),
        (lambda conf: conf.unlink(), "no configuration at"),
    ],
)
def test_a_configuration_others_could_have_changed_stops_it(installed, stand_in, spoil, message):
    wrapper, allowed = installed
    spoil(wrapper.parent.parent / "etc" / "staff-scan.conf")
    out = run(wrapper, "files", "fs1", allowed, check=False)
    assert out.returncode == 1 and message in out.stderr.decode()
    assert stand_in() == []


def test_it_only_runs_as_root(installed, stand_in):
    wrapper, allowed = installed
    # Somewhere `nobody` can reach (pytest's own temporary directories are private to root).
    with tempfile.TemporaryDirectory() as public:
        os.chmod(public, 0o755)
        shutil.copytree(wrapper.parent.parent, f"{public}/opt")
        out = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
             f"{public}/opt/bin/staff-scan", "files", "fs1", str(allowed)],
            capture_output=True,
        )
    assert out.returncode == 1 and b"must run as root, through sudo" in out.stderr
    assert stand_in() == []


def test_the_sudoers_example_is_valid_sudoers():
    visudo = shutil.which("visudo") or "/usr/sbin/visudo"
    if not os.path.exists(visudo):
        from conftest import require

        require("sudo", "visudo is not installed")
    out = subprocess.run([visudo, "-c", "-f", str(POLICY / "etc" / "sudoers.example")], capture_output=True)
    assert out.returncode == 0, out.stdout + out.stderr
