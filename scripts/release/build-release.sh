#!/usr/bin/env bash
# Builds the release artifacts for old cluster nodes into OUT_DIR (default dist/), the way the
# GitLab pipeline's build stage does:
#   - the wheel, abi3 and manylinux2014 (glibc 2.17), linked with zig (maturin --zig);
#   - the sdist;
#   - the `scanlake` binary for glibc 2.17 (cargo-zigbuild), packed by package-tarball.sh.
# Each artifact is checked: no symbol newer than GLIBC_2.17. Both zig builds are another target
# configuration than the native one, so every dependency compiles again the first time (tens of
# minutes on 2 cores); the target directory keeps them for the next run. Versions come from
# Cargo.toml as it stands: CI runs scripts/release/set-version.sh first.
#
#   scripts/release/build-release.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$(realpath -m "${1:-dist}")"
cache="${SCANLAKE_CACHE:-$HOME/.cache}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/scanlake-target}"
tools="$cache/scanlake-release-venv"
requirements="scripts/release/tools-requirements.txt"
if ! cmp -s "$requirements" "$tools/.requirements" 2>/dev/null; then
  python3 -m venv "$tools" >&2
  "$tools/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$tools/.requirements"
fi
export PATH="$tools/bin:$PATH"
# Reproducible artifacts: every timestamp is the commit's.
SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
export SOURCE_DATE_EPOCH
version="$(sed -n '/^\[workspace\.package\]/,/^\[/ s/^version = "\(.*\)"$/\1/p' Cargo.toml)"
mkdir -p "$out"
# The newest GLIBC_x.y a file's dynamic symbols need; fails the build above 2.17.
check_glibc() {
  local newest
  newest="$(objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)"
  echo "$(basename "$1"): newest glibc symbol $newest" >&2
  if [ "$(printf '%s\n' "$newest" GLIBC_2.17 | sort -V | tail -n1)" != GLIBC_2.17 ]; then
    echo "error: $1 needs $newest, newer than the glibc 2.17 of old cluster nodes" >&2
    exit 1
  fi
}
start=$SECONDS
maturin build --release --locked --zig --compatibility manylinux2014 --out "$out" >&2
wheels=("$out"/scanlake-"${version/-dev./.dev}"-*manylinux*.whl)
unpacked="$(mktemp -d)"; trap 'rm -rf "$unpacked"' EXIT
python3 -m zipfile -e "${wheels[0]}" "$unpacked"
natives=("$unpacked"/scanlake/_native*.so)
check_glibc "${natives[0]}"
echo "wheel: $((SECONDS - start)) s" >&2
maturin sdist --out "$out" >&2
start=$SECONDS
cargo zigbuild --release --locked -p scanlake-cli --bin scanlake --target x86_64-unknown-linux-gnu.2.17 >&2
binary="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/scanlake"
check_glibc "$binary"
echo "binary: $((SECONDS - start)) s" >&2
scripts/release/package-tarball.sh "$binary" "$out" "$version" >&2
ls -1 "$out"
