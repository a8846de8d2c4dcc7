#!/usr/bin/env bash
# Installs (once) Debian's ncdu, the independent reader of `scanlake export-tree`'s files, and
# prints its path.
set -euo pipefail
if ! command -v ncdu >/dev/null 2>&1; then
  echo "scripts/ncdu.sh: installing ncdu" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ncdu >&2
fi
command -v ncdu
