#!/usr/bin/env bash
# Convert, every report and a Slurm run at growing sizes (default 10^6 and 10^7 lines; add
# `--lines 100000000` for 10^8: ~15 GB of disk). Starts the local Slurm cluster for the run.
# Usage: bench/scale.sh [--lines N]... [--no-slurm] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
if [[ " $* " != *" --no-slurm "* ]]; then
  trap 'scripts/local-slurm/stop.sh' EXIT
  eval "$(scripts/local-slurm/start.sh)"
fi
python3 bench/scale.py --scanlake "$CARGO_TARGET_DIR/release/scanlake" "$@"
