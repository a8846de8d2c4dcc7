#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need first (a Python environment with pyarrow
# and DuckDB, the independent readers), then builds and runs every test in the release profile, the
# one the binary is built with, so dependencies compile once.
# Extra arguments go to `cargo test` (e.g. a test name).
set -euo pipefail
cd "$(dirname "$0")/.."
SCANLAKE_PYTHON="$(scripts/python-env.sh)"
export SCANLAKE_PYTHON
cargo test --release --workspace --locked "$@"
