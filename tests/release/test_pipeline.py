"""The pipeline files: valid for GitLab, and their rules publish and release only where they should."""

import os

import pytest

from conftest import REPO, sh, tool

GITLAB_CI_LOCAL = os.environ.get("GITLAB_CI_LOCAL", "gitlab-ci-local")


def test_every_pipeline_file_passes_gitlabs_schema():
    files = sorted(str(p.relative_to(REPO)) for p in REPO.rglob(".gitlab-ci.yml") if ".gitlab-ci-local" not in p.parts)
    assert files == [".gitlab-ci.yml", "policy/.gitlab-ci.yml"]
    out = sh(tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", *files, cwd=REPO)
    assert "ok -- validation done" in out


def jobs(repo, *variables):
    """{job: when} as gitlab-ci-local evaluates the rules, with the given CI variables."""
    args = [a for v in variables for a in ("--variable", v)]
    names = ",".join(v.split("=")[0] for v in variables)
    out = sh(GITLAB_CI_LOCAL, "--list-all", "--ignore-predefined-vars", names, *args, cwd=repo)
    table = {}
    for line in out.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[1] in ("check", "test", "build", "publish", "release"):
            table[fields[0]] = fields[2]
    return table


@pytest.mark.parametrize(
    "variables, publishes_pypi, releases",
    [
        (["CI_COMMIT_BRANCH=feature/x", "CI_DEFAULT_BRANCH=main"], False, False),
        (["CI_COMMIT_BRANCH=main", "CI_DEFAULT_BRANCH=main"], True, False),
        (["CI_COMMIT_TAG=v1.2.3", "CI_COMMIT_BRANCH="], True, True),
        (["CI_COMMIT_TAG=nightly", "CI_COMMIT_BRANCH="], False, False),
    ],
)
def test_rules_publish_the_default_branch_and_release_tags_only(clone, variables, publishes_pypi, releases):
    table = jobs(clone(), *variables)
    for always in ("fmt", "clippy", "shellcheck", "test", "policy", "build"):
        assert table[always] == "on_success", (always, table)
    assert (table["publish:pypi"] != "never") == publishes_pypi, table
    assert (table["publish:generic"] != "never") == releases, table
    assert (table["release"] != "never") == releases, table


def test_the_check_stages_shellcheck_job_passes(clone):
    """The lint job's own script (from the YAML), run in the shell as GitLab would."""
    out = sh(GITLAB_CI_LOCAL, "--force-shell-executor", "--job", "shellcheck", cwd=clone(), check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "shellcheck" in out.stdout
