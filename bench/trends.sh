#!/usr/bin/env bash
# The reports over every scan and the breakdowns against DuckDB's CLI doing what a skilled user would
# type, whole process against whole process: history from usage summaries against from the rows
# (52 weekly scans), extensions, duplicates, top files, and export-tree with ncdu loading the tree.
# Writes a Markdown table.
# Usage: bench/trends.sh [--rows-per-scan N] [--weeks W] [--rows-per-week N] [--repeat R] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
duckdb="$(bench/duckdb-cli.sh)"
exec python3 bench/trends_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --duckdb "$duckdb" \
  --ncdu "$(scripts/ncdu.sh)" "$@"
