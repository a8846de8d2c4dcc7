#!/usr/bin/env bash
# Prints the path of DuckDB's own command-line program (PyPI's duckdb-cli, pinned so that figures
# compare across runs), installing it once into an environment of its own.
set -euo pipefail
version=1.5.6
venv="${SCANLAKE_CACHE:-$HOME/.cache}/scanlake-bench-venv"
if [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("duckdb-cli"))' 2>/dev/null)" != "$version" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet "duckdb-cli==$version" >&2
fi
echo "$venv/bin/duckdb"
