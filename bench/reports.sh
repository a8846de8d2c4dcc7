#!/usr/bin/env bash
# Every report (and `query` for a GROUP BY uid) against the obvious DuckDB query, in-process (the
# Python module) and whole process (the CLI), at 1 thread and all cores; writes a Markdown table.
# Usage: bench/reports.sh [--rows-per-scan N] [--threads T]... [--only REPORT]... [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
# The wheel, installed with DuckDB into a fresh environment (what the Python tests use).
python="$(scripts/python-package.sh)"
exec "$python" bench/reports_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --python "$python" "$@"
