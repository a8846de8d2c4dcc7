#!/usr/bin/env bash
# Builds scanlake (release) and runs every report on every engine against DuckDB.
# Usage: bench/aggregate.sh [--rows-per-scan N] [--memory-mib M] [--work DIR] [--only REPORT]...
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet -p scanlake-cli
python="$(scripts/python-env.sh)"
exec "$python" bench/aggregate_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --python "$python" "$@"
