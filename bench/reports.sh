#!/usr/bin/env bash
# Every report (and `query` for a GROUP BY uid) against the obvious DuckDB query, in-process (the
# Python module against DuckDB's Python API) and whole process (the scanlake CLI against DuckDB's
# CLI), at 1 thread and all cores, medians; writes a Markdown table. --cold (root) adds runs with
# the page cache dropped.
# Usage: bench/reports.sh [--rows-per-scan N] [--threads T]... [--only REPORT]... [--cold] [--whole-process-only] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
# The wheel, installed with DuckDB into a fresh environment (what the Python tests use).
python="$(scripts/python-package.sh)"
duckdb="$(bench/duckdb-cli.sh)"
exec "$python" bench/reports_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --python "$python" \
  --duckdb "$duckdb" "$@"
