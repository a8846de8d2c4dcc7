#!/usr/bin/env bash
# Installs the policy scripts under PREFIX (default /opt/scanlake-policy), owned by root:
#   PREFIX/bin/{run-scan,submit-scan,staff-scan}, PREFIX/policies/*.pol, PREFIX/VERSION,
#   PREFIX/etc/{staff-scan.conf.example,sudoers.example}
# The sudo wrapper's configuration, PREFIX/etc/staff-scan.conf, is yours to write (from the example).
#
#   ./install.sh [PREFIX]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:-/opt/scanlake-policy}"
install -d -m 755 "$prefix/bin" "$prefix/policies" "$prefix/etc"
install -m 755 "$here"/bin/run-scan "$here"/bin/submit-scan "$here"/bin/staff-scan "$prefix/bin/"
install -m 644 "$here"/policies/*.pol "$prefix/policies/"
install -m 644 "$here/VERSION" "$prefix/VERSION"
install -m 644 "$here"/etc/*.example "$prefix/etc/"
echo "installed scanlake policy scripts $(cat "$here/VERSION") in $prefix" >&2
