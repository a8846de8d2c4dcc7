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
# DuckDB's own command-line program (PyPI's duckdb-cli), in an environment of its own.
venv="${SCANLAKE_CACHE:-$HOME/.cache}/scanlake-bench-venv"
if [ ! -x "$venv/bin/duckdb" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet duckdb-cli >&2
fi
exec python3 bench/trends_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --duckdb "$venv/bin/duckdb" \
  --ncdu "$(scripts/ncdu.sh)" "$@"
