#!/usr/bin/env bash
# `scanlake convert` against DuckDB's regexp conversion of the same log; with `--tlds N` also the
# rate over N partitions against 40. Writes a table.
# Usage: bench/convert.sh [--lines N]... [--tlds N]... [--out FILE] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
python="$(scripts/python-env.sh)"
exec "$python" bench/convert_vs_duckdb.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" --python "$python" "$@"
