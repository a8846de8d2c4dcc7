#!/usr/bin/env bash
# Runs the whole test suite. Installs and starts what the tests need first: a Python environment
# with pyarrow and DuckDB (the independent readers) and a one-node Slurm cluster (Debian's munge
# and slurm packages, for the batch tests; stopped again on exit). Then builds and runs every test
# in the release profile, the one the binary is built with, so dependencies compile once.
# Extra arguments go to `cargo test` (e.g. a test name).
set -euo pipefail
cd "$(dirname "$0")/.."
SCANLAKE_PYTHON="$(scripts/python-env.sh)"
export SCANLAKE_PYTHON
eval "$(scripts/local-slurm/start.sh)"
trap 'scripts/local-slurm/stop.sh' EXIT
cargo test --release --workspace --locked "$@"
