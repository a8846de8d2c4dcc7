"""The publish path end to end, on loopback: wheels built from tagged and untagged clones, the
pipeline's own publish jobs (gitlab-ci-local, shell executor) uploading them to a PyPI-compatible
registry (pypiserver) and the tarball to a generic registry, then scanlake installed from that
registry alone into a fresh environment, and run."""

import http.server
import os
import re
import shutil
import tarfile
import threading
import venv
from pathlib import Path

import pytest

from conftest import git, set_declared_version, sh, tool

GITLAB_CI_LOCAL = os.environ.get("GITLAB_CI_LOCAL", "gitlab-ci-local")
TOKEN = "job-token-for-tests"


# The interpreter scripts/python-package.sh builds for: pyo3's build script tracks it.
INTERPRETER = ("--interpreter", shutil.which("python3"))


def maturin(*args, cwd):
    # The environment stays as the rest of the test suite's builds have it: cc-based build scripts
    # track variables such as SOURCE_DATE_EPOCH, and a change would rebuild half the dependencies.
    return sh(tool("maturin"), *args, cwd=cwd)


TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "scanlake-target"))
RELEASE = TARGET / "release"
# A fixed place, so that each run's builds replace the last ones'.
BUILD_ROOT = TARGET / "release-test"
# A cdylib's file name carries no metadata hash: every version of the Python crate links to this
# same path, so a version whose fingerprint still looks fresh would ship another version's link.
CDYLIB = [RELEASE / "deps" / "lib_native.so", RELEASE / "lib_native.so"]


def artifacts():
    return {p for d in ("deps", "build", ".fingerprint") if (RELEASE / d).is_dir() for p in (RELEASE / d).iterdir()}


def unlink_cdylib():
    for path in CDYLIB:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def builds():
    """Builds, like the pipeline's build job, from a clone: release 9.8.7 (tagged; its wheel built
    from the sdist, outside git) and the dev build of the commit after it.

    They share the suite's target directory, so that every compiled dependency is reused; what
    they add is deleted afterwards (a dev version, and so the crates' metadata hash, differs with
    each commit, and cargo never collects old artifacts), and so is the shared cdylib, so that the
    next build of this checkout links its own."""
    shutil.rmtree(BUILD_ROOT, ignore_errors=True)
    BUILD_ROOT.mkdir(parents=True)
    before = artifacts()
    try:
        yield make_builds(BUILD_ROOT)
    finally:
        for path in artifacts() - before:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        unlink_cdylib()


def make_builds(root):
    repo = root / "repo"
    sh("git", "clone", "--quiet", "--no-hardlinks", Path(__file__).resolve().parents[2], repo)
    git(repo, "checkout", "--quiet", "-B", "main")
    set_declared_version(repo, "9.8.7")
    git(repo, "tag", "v9.8.7")
    release = root / "dist-release"
    assert sh(repo / "scripts/release/set-version.sh").strip() == "9.8.7"
    maturin("sdist", "--out", release, cwd=repo)
    (sdist,) = release.glob("scanlake-9.8.7.tar.gz")
    with tarfile.open(sdist) as t:
        t.extractall(root / "unpacked", filter="data")
    unlink_cdylib()
    maturin("build", "--release", "--locked", "--out", release, *INTERPRETER, cwd=root / "unpacked" / "scanlake-9.8.7")
    git(repo, "checkout", "--quiet", "--", "Cargo.toml", "Cargo.lock")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "a commit after the release")
    dev_version = sh(repo / "scripts/release/set-version.sh").strip()
    dev = root / "dist-dev"
    unlink_cdylib()
    maturin("build", "--release", "--locked", "--out", dev, *INTERPRETER, cwd=repo)
    sha = git(repo, "rev-parse", "--short=8", "HEAD")
    return dict(repo=repo, release=release, dev=dev, dev_version=dev_version, sha=sha)


def run_job(repo, job, *variables, check=True):
    """Runs one job of the repository's .gitlab-ci.yml in the shell, as GitLab would run its script."""
    args = [a for v in (f"CI_JOB_TOKEN={TOKEN}", *variables) for a in ("--variable", v)]
    names = ",".join(v.split("=")[0] for v in variables if v.startswith("CI_"))
    extra = ["--ignore-predefined-vars", names] if names else []
    return sh(GITLAB_CI_LOCAL, "--force-shell-executor", "--job", job, *extra, *args, cwd=repo, check=check)


def fresh_install(tmp_path, index, *requirement):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    sh(python, "-m", "pip", "install", "--isolated", "--quiet", "--disable-pip-version-check",
       "--index-url", index, *requirement)
    return python


def test_the_dev_wheel_is_published_installed_from_the_registry_alone_and_runs(builds, registry, tmp_path):
    index, upload, packages = registry
    version = builds["dev_version"]
    py_version = version.replace("-dev.", ".dev")
    assert re.fullmatch(rf"9\.8\.8\.dev1\+g{builds['sha']}", py_version)
    (wheel,) = builds["dev"].glob("*.whl")
    assert wheel.name.startswith(f"scanlake-{py_version}-cp39-abi3-")

    out = run_job(builds["repo"], "publish:pypi", f"SCANLAKE_PYPI_URL={upload}", f"DIST_DIR={builds['dev']}")
    assert wheel.name in out
    assert (packages / wheel.name).read_bytes() == wheel.read_bytes()

    # A dev version is a pre-release: pip takes it when asked for pre-releases.
    python = fresh_install(tmp_path, index, "--pre", "scanlake")
    scanlake = python.parent / "scanlake"
    assert sh(scanlake, "--version").startswith(f"scanlake {version} ({builds['sha']} ")
    assert sh(python, "-c", "import scanlake; print(scanlake.__version__)").strip() == py_version
    assert "uid" in sh(scanlake, "demo", "--records", "2000", cwd=tmp_path)
    usage = sh(python, "-c", """if True:
        import scanlake
        scanlake.generate("fs1.2026-11-01.list", records=3000)
        scanlake.convert("fs1.2026-11-01.list", "lake", progress=False)
        print(scanlake.Dataset("lake").usage(by="uid").num_rows > 0)
    """, cwd=tmp_path)
    assert usage.strip() == "True"


def test_publishing_a_version_again_fails_the_job_with_a_clear_message(builds, registry):
    _, upload, packages = registry
    variables = (f"SCANLAKE_PYPI_URL={upload}", f"DIST_DIR={builds['dev']}")
    run_job(builds["repo"], "publish:pypi", *variables, check=False)  # whether or not it is there yet
    again = run_job(builds["repo"], "publish:pypi", *variables, check=False)
    assert again.returncode != 0
    text = again.stdout + again.stderr
    assert "is already there" in text and "a published version is never replaced" in text


def test_a_release_tag_publishes_wheel_and_sdist_and_a_plain_install_takes_the_release(builds, registry, tmp_path):
    index, upload, packages = registry
    (wheel,) = builds["release"].glob("*.whl")
    assert wheel.name.startswith("scanlake-9.8.7-cp39-abi3-manylinux")
    run_job(builds["repo"], "publish:pypi", f"SCANLAKE_PYPI_URL={upload}", f"DIST_DIR={builds['release']}",
            "CI_COMMIT_TAG=v9.8.7", "CI_COMMIT_BRANCH=")
    assert (packages / wheel.name).exists() and (packages / "scanlake-9.8.7.tar.gz").exists()
    # The dev build of a later commit is in the registry too; without --pre, pip takes the release.
    for dev_wheel in builds["dev"].glob("*.whl"):
        if not (packages / dev_wheel.name).exists():
            (packages / dev_wheel.name).write_bytes(dev_wheel.read_bytes())
    python = fresh_install(tmp_path, index, "scanlake")
    # Built from the sdist, outside any git checkout: it says so instead of naming a commit.
    assert sh(python.parent / "scanlake", "--version").startswith(
        "scanlake 9.8.7 (no git metadata: built from a source archive)"
    )
    assert sh(python, "-c", "import scanlake; print(scanlake.__version__)").strip() == "9.8.7"


class Recorder(http.server.BaseHTTPRequestHandler):
    """A generic package registry stand-in: records each PUT (path, token, body) and answers 201."""

    uploads = []

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.uploads.append((self.path, self.headers.get("JOB-TOKEN"), body))
        self.send_response(201)
        self.end_headers()
        self.wfile.write(b'{"message":"201 Created"}')

    def log_message(self, *args):
        pass


def test_a_release_tag_uploads_the_tarball_to_the_generic_registry(builds, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    tarball = dist / "scanlake-9.8.7-x86_64-linux.tar.gz"
    tarball.write_bytes(b"not really a tarball, but the bytes must arrive unchanged")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v4/projects/7/packages/generic/scanlake"
        run_job(builds["repo"], "publish:generic", f"SCANLAKE_GENERIC_URL={url}", f"DIST_DIR={dist}",
                "CI_COMMIT_TAG=v9.8.7", "CI_COMMIT_BRANCH=")
    finally:
        server.shutdown()
    assert Recorder.uploads == [
        ("/api/v4/projects/7/packages/generic/scanlake/9.8.7/scanlake-9.8.7-x86_64-linux.tar.gz", TOKEN,
         tarball.read_bytes())
    ]


@pytest.mark.parametrize(
    "what, tag, dist, message",
    [
        ("pypi", "v9.8.7", "dev", "not the tag's 9.8.7"),
        ("pypi", "", "release", "a release version, outside a release tag"),
        ("pypi", "v9.8", "release", "is not a release tag"),
        ("generic", "", "release", "release tarballs only"),
    ],
)
def test_publish_refuses_packages_that_do_not_fit_the_pipeline(builds, what, tag, dist, message):
    env = {**os.environ, "CI_COMMIT_TAG": tag, "DIST_DIR": str(builds[dist]), "CI_JOB_TOKEN": TOKEN,
           "SCANLAKE_PYPI_URL": "http://127.0.0.1:9/", "SCANLAKE_GENERIC_URL": "http://127.0.0.1:9/"}
    out = sh(builds["repo"] / "scripts/release/publish.sh", what, env=env, check=False)
    assert out.returncode == 1 and message in out.stderr
