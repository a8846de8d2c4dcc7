#!/usr/bin/env bash
# Installs (once) what the release tests and the old-glibc builds need, and prints shell lines to
# eval that point at them:
#   - Debian packages: rsync (gitlab-ci-local syncs the repository with it), shellcheck (the check
#     stage's lint), sudo (visudo checks the sudoers example), nodejs and npm;
#   - a Python environment with the release tools (tools-requirements.txt: maturin, zig, twine,
#     pypiserver, check-jsonschema, pytest) under ~/.cache/scanlake-release-venv;
#   - gitlab-ci-local 4.65.1 (npm; the newest crashes on Node 20) under ~/.cache/scanlake-node.
#
#   eval "$(scripts/release/tools.sh)"                 # exports RELEASE_PYTHON, GITLAB_CI_LOCAL
#   eval "$(scripts/release/tools.sh --python-only)"   # the Python tools only (the build job)
set -euo pipefail
python_only=false
[ "${1:-}" != --python-only ] || python_only=true
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SCANLAKE_CACHE:-$HOME/.cache}"
log() { echo "release tools: $*" >&2; }

missing=()
$python_only || for pkg_cmd in rsync:rsync shellcheck:shellcheck sudo:visudo nodejs:node npm:npm python3-venv:; do
  pkg="${pkg_cmd%%:*}"; cmd="${pkg_cmd#*:}"
  if [ -n "$cmd" ]; then
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
  elif ! python3 -c 'import ensurepip' 2>/dev/null; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

venv="$cache/scanlake-release-venv"
requirements="$root/scripts/release/tools-requirements.txt"
if ! cmp -s "$requirements" "$venv/.requirements" 2>/dev/null; then
  log "installing the Python release tools into $venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$venv/.requirements"
fi

echo "export RELEASE_PYTHON=$(printf %q "$venv/bin/python")"
$python_only && exit 0
node="$cache/scanlake-node"
if [ ! -x "$node/node_modules/.bin/gitlab-ci-local" ]; then
  log "installing gitlab-ci-local into $node"
  mkdir -p "$node"
  npm install --prefix "$node" --no-audit --no-fund --silent gitlab-ci-local@4.65.1 >&2
fi
echo "export GITLAB_CI_LOCAL=$(printf %q "$node/node_modules/.bin/gitlab-ci-local")"
