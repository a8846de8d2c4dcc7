#!/usr/bin/env bash
# Builds the release artifacts for old cluster nodes into OUT_DIR (default dist/), the way the
# GitLab pipeline's build stage does:
#   - the wheel, abi3 and manylinux2014 (glibc 2.17), linked with zig (maturin --zig);
#   - the sdist;
#   - the `scanlake` binary for glibc 2.17 (cargo-zigbuild), packed by package-tarball.sh.
# Each native artifact is checked: no symbol newer than GLIBC_2.17. Versions come from Cargo.toml
# as it stands: CI runs scripts/release/set-version.sh first.
#
# The zig builds are other target configurations than the native one, so every dependency compiles
# again the first time (about 20 minutes each on 2 cores). The wheel has its own target directory
# ($CARGO_TARGET_DIR/zig-wheel): maturin's zig wrappers and cargo-zigbuild's differ (another C
# compiler path for the cc build scripts), so in one directory each build would undo the other's
# and no run would ever be warm. The binary goes where cargo-zigbuild puts it
# ($CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/).
#
#   scripts/release/build-release.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$(realpath -m "${1:-dist}")"
target="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
tools_env="$(scripts/release/tools.sh --python-only)"
eval "$tools_env"
PATH="$(dirname "$RELEASE_PYTHON"):$PATH"
# Reproducible artifacts: one fixed timestamp (1980-01-01, the earliest a zip entry holds) in the
# wheel, the sdist and the tarball. Not the commit's: cc-based build scripts (zstd-sys, psm, ...)
# track SOURCE_DATE_EPOCH, so a value that changed with every commit would rebuild them and every
# crate above them, and no build would ever be warm.
export SOURCE_DATE_EPOCH=315532800
version="$(scripts/release/version.sh --declared)"
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
CARGO_TARGET_DIR="$target/zig-wheel" maturin build --release --locked --zig --compatibility manylinux2014 \
  --out "$out" >&2
wheels=("$out"/scanlake-"${version/-dev./.dev}"-*manylinux*.whl)
unpacked="$(mktemp -d)"; trap 'rm -rf "$unpacked"' EXIT
python3 -m zipfile -e "${wheels[0]}" "$unpacked"
natives=("$unpacked"/scanlake/_native*.so)
check_glibc "${natives[0]}"
echo "wheel: $((SECONDS - start)) s" >&2
maturin sdist --out "$out" >&2
start=$SECONDS
CARGO_TARGET_DIR="$target" cargo zigbuild --release --locked -p scanlake-cli --bin scanlake \
  --target x86_64-unknown-linux-gnu.2.17 >&2
binary="$target/x86_64-unknown-linux-gnu/release/scanlake"
check_glibc "$binary"
echo "binary: $((SECONDS - start)) s" >&2
scripts/release/package-tarball.sh "$binary" "$out" "$version" >&2
ls -1 "$out"
