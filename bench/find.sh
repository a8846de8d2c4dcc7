#!/usr/bin/env bash
# `scanlake find` with UAB's scratch rule against DuckDB's CLI writing the same columns of the same
# rows to a file (`COPY (SELECT … WHERE …) TO …`), whole process against whole process, wall time
# and peak RSS; and find's peak RSS as the number of matches grows tenfold. Writes a Markdown table.
# Usage: bench/find.sh [--rows-per-scan N] [--repeat R] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
duckdb="$(bench/duckdb-cli.sh)"
exec python3 bench/find_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --duckdb "$duckdb" "$@"
