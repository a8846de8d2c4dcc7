#!/usr/bin/env bash
# Builds the scanlake wheel (maturin, the release profile and target directory the rest of the
# build uses, so dependencies compile once), installs it into a fresh virtual environment with
# what the Python tests need, and prints that environment's interpreter. The wheel, never an
# in-place install, is what the tests import.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${SCANLAKE_CACHE:-$HOME/.cache}"
target="${CARGO_TARGET_DIR:-$cache/scanlake-target}"
tools="$cache/scanlake-build-venv"
wheelhouse="$cache/scanlake-wheelhouse"
requirements="scripts/python-test-requirements.txt"
if [ ! -x "$tools/bin/maturin" ]; then
  python3 -m venv "$tools" >&2
  "$tools/bin/pip" install --quiet --disable-pip-version-check maturin==1.16.0 >&2
fi
# Third-party wheels are fetched once; every run installs from this folder.
if ! cmp -s "$requirements" "$wheelhouse/.requirements" 2>/dev/null; then
  mkdir -p "$wheelhouse"
  "$tools/bin/pip" download --quiet --disable-pip-version-check -d "$wheelhouse" -r "$requirements" >&2
  cp "$requirements" "$wheelhouse/.requirements"
fi
dist="$target/wheels"
rm -rf "$dist"
CARGO_TARGET_DIR="$target" "$tools/bin/maturin" build --release --locked --out "$dist" \
  --interpreter "$(command -v python3)" >&2
venv="$target/python-test-venv"
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$wheelhouse" \
  "$dist"/scanlake-*.whl -r "$requirements" >&2
echo "$venv/bin/python"
