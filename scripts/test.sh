#!/usr/bin/env bash
# Runs the whole test suite. Installs and starts what the tests need first: a Python environment
# with pyarrow and DuckDB (the independent readers) and Selenium, Debian's ncdu (which reads
# `export-tree`'s files back), Debian's chromium and chromium-driver (the HTML report's browser
# tests), the release tools (scripts/release/tools.sh: twine, pypiserver, check-jsonschema,
# gitlab-ci-local, shellcheck) and a one-node Slurm cluster
# (Debian's munge and slurm packages, for the batch tests; stopped again on exit). Then builds and
# runs every test in the release profile, the one the binary is built with, so dependencies compile
# once; builds the Python wheel, installs it into a fresh environment and runs the Python tests
# there; runs the policy sub-project's tests (policy/tests/run.sh) with that scanlake and Slurm;
# and the release tests (tests/release/: versions, the pipeline files, the tarball, and publishing
# through the pipeline's own jobs to a registry on loopback).
# Extra arguments go to `cargo test` (e.g. a test name).
set -euo pipefail
cd "$(dirname "$0")/.."
# A failing setup step stops the run here, loudly: `eval "$(cmd)"` alone would hide its exit status.
setup_failed() { echo "scripts/test.sh: setup step failed: $1 (see the messages above)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
SCANLAKE_PYTHON="$(scripts/python-env.sh)" || setup_failed scripts/python-env.sh
export SCANLAKE_PYTHON
SCANLAKE_NCDU="$(scripts/ncdu.sh)" || setup_failed scripts/ncdu.sh
export SCANLAKE_NCDU
SCANLAKE_CHROMEDRIVER="$(scripts/chromium.sh)" || setup_failed scripts/chromium.sh
export SCANLAKE_CHROMEDRIVER
tools_env="$(scripts/release/tools.sh)" || setup_failed scripts/release/tools.sh
eval "$tools_env"
trap 'scripts/local-slurm/stop.sh' EXIT
slurm_env="$(scripts/local-slurm/start.sh)" || setup_failed scripts/local-slurm/start.sh
eval "$slurm_env"
[ -n "${SLURM_CONF:-}" ] || setup_failed "scripts/local-slurm/start.sh printed no SLURM_CONF"
# The Python extension is tested through its wheel, below, not by cargo.
cargo test --release --workspace --locked --exclude scanlake-python "$@"
python="$(scripts/python-package.sh)" || setup_failed scripts/python-package.sh
SCANLAKE_EXAMPLES="$PWD/examples" "$python" -m pytest -q tests/python
POLICY_TESTS_REQUIRE=scanlake,slurm,sudo SCANLAKE="$(dirname "$python")/scanlake" PYTHON="$python" \
  policy/tests/run.sh
SCANLAKE_BINARY="$CARGO_TARGET_DIR/release/scanlake" "$RELEASE_PYTHON" -m pytest -q -p no:cacheprovider tests/release
