#!/usr/bin/env bash
# Writes the version of the commit being built (scripts/release/version.sh) into the workspace
# Cargo.toml and the workspace's entries in Cargo.lock, so that the binary, the crates and the wheel
# (maturin takes its version from Cargo) all carry it. Run by CI in its own checkout before a
# package build; a developer's checkout keeps the declared version. Prints the version.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$("$root/scripts/release/version.sh" --cargo)"
sed -i '/^\[workspace\.package\]/,/^\[/ s/^version = ".*"$/version = "'"$version"'"/' "$root/Cargo.toml"
# Only the workspace's own packages (all named scanlake*) change in the lock.
awk -v v="$version" '
  /^\[\[package\]\]$/ { ours = 0 }
  /^name = "scanlake(-[a-z]+)?"$/ { ours = 1 }
  ours && /^version = / { $0 = "version = \"" v "\"" }
  { print }
' "$root/Cargo.lock" >"$root/Cargo.lock.new"
mv "$root/Cargo.lock.new" "$root/Cargo.lock"
echo "$version"
