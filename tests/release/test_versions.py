"""Versions from the one place they are kept (the workspace Cargo.toml) and git: releases from
tags, dev versions for every other commit, and what CI writes into the files before a build."""

import json
import re
import subprocess

from conftest import REPO, git, set_declared_version, sh

VERSION_SH = "scripts/release/version.sh"


def version(repo, form="--cargo", check=True, **env):
    out = subprocess.run(
        [repo / VERSION_SH, form], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(repo), **env},
    )
    if check:
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    return out


def test_a_tagged_commit_is_the_release_and_later_commits_are_dev_versions_of_the_next(clone):
    repo = clone()
    set_declared_version(repo, "9.8.7")
    git(repo, "tag", "v9.8.7")
    assert version(repo) == version(repo, "--python") == "9.8.7"
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "after the release")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "and another")
    sha = git(repo, "rev-parse", "--short=8", "HEAD")
    # Dev builds after 9.8.7 sort after it and before 9.8.8 (PEP 440 and semver alike).
    assert version(repo) == f"9.8.8-dev.2+g{sha}"
    assert version(repo, "--python") == f"9.8.8.dev2+g{sha}"
    # Declaring the next version moves the dev builds to it.
    set_declared_version(repo, "9.9.0")
    sha = git(repo, "rev-parse", "--short=8", "HEAD")
    assert version(repo, "--python") == f"9.9.0.dev3+g{sha}"


def test_before_any_tag_dev_versions_count_every_commit(clone):
    repo = clone()
    count = git(repo, "rev-list", "--count", "HEAD")
    sha = git(repo, "rev-parse", "--short=8", "HEAD")
    declared = sh(repo / VERSION_SH, "--declared").strip()
    if not git(repo, "tag", "--list", "v*"):
        assert version(repo, "--python") == f"{declared}.dev{count}+g{sha}"
    # Two commits never share a dev version.
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "one more")
    assert version(repo, "--python") != f"{declared}.dev{count}+g{sha}"


def test_a_tag_that_does_not_match_cargo_toml_is_refused_with_a_hint(clone):
    repo = clone()
    set_declared_version(repo, "9.8.7")
    git(repo, "tag", "v9.9.0")
    out = version(repo, check=False)
    assert out.returncode == 1
    assert "tag v9.9.0 does not match the version in Cargo.toml (9.8.7)" in out.stderr
    assert 'hint: set [workspace.package] version = "9.9.0"' in out.stderr
    # CI says which tag it builds, whatever else points at the commit.
    assert "does not match" in version(repo, check=False, CI_COMMIT_TAG="v1.0.0").stderr


def test_a_shallow_clone_is_refused_rather_than_miscounted(clone, tmp_path):
    repo = clone()
    shallow = tmp_path / "shallow"
    sh("git", "clone", "--quiet", "--depth", "1", f"file://{repo}", shallow)
    out = version(shallow, check=False)
    assert out.returncode == 1 and "shallow clone" in out.stderr and "GIT_DEPTH: 0" in out.stderr


def test_set_version_stamps_cargo_toml_and_the_lock_consistently(clone):
    repo = clone()
    set_declared_version(repo, "9.8.7")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "dev")
    stamped = sh(repo / "scripts/release/set-version.sh").strip()
    assert re.fullmatch(r"9\.8\.7-dev\.\d+\+g[0-9a-f]{8}", stamped)
    # Cargo agrees: every workspace package has the version, and the lock file is up to date.
    meta = sh("cargo", "metadata", "--locked", "--offline", "--no-deps", "--format-version", "1", cwd=repo)
    packages = json.loads(meta)["packages"]
    assert {p["name"]: p["version"] for p in packages} == {p["name"]: stamped for p in packages}
    assert len(packages) >= 6
    # Registry packages' entries are untouched.
    diff = git(repo, "diff", "--stat", "Cargo.lock")
    assert "Cargo.lock" in diff and sh("git", "-C", repo, "diff", "Cargo.lock").count("\n+version") == len(packages)


def test_release_notes_are_the_changelog_section_and_a_missing_one_stops_the_release(clone):
    repo = clone()
    changelog = repo / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## Unreleased\n\n## 9.8.7\n\n- a fix\n- a feature\n\n## 9.8.6\n\n- old\n")
    assert sh(repo / "scripts/release/release-notes.sh", "9.8.7") == "- a fix\n- a feature\n"
    out = sh(repo / "scripts/release/release-notes.sh", "9.9.0", check=False)
    assert out.returncode == 1 and "no section '## 9.9.0'" in out.stderr
    assert sh(repo / "scripts/release/release-notes.sh", "9.8.6", "-", check=False).returncode != 0


def test_the_changelog_of_the_declared_version_exists():
    declared = sh(REPO / VERSION_SH, "--declared").strip()
    assert sh(REPO / "scripts/release/release-notes.sh", declared.split("-")[0]).strip()
