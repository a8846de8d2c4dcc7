#!/usr/bin/env bash
# Creates (once) the Python environment the tests and benchmarks use as independent readers of the
# dataset, and prints its interpreter's path. Kept outside the clone so repeated runs reuse it.
set -euo pipefail
venv="${SCANLAKE_VENV:-$HOME/.cache/scanlake-venv}"
requirements="$(cd "$(dirname "$0")" && pwd)/python-requirements.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$venv/bin/python"
