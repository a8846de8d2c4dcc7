#!/usr/bin/env bash
# Builds scanlake (release) and runs the convert benchmark against DuckDB.
# Usage: bench/run.sh [--lines N]... [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet -p scanlake-cli
python="$(scripts/python-env.sh)"
exec "$python" bench/convert_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --python "$python" "$@"
