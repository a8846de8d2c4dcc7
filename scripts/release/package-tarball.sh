#!/usr/bin/env bash
# Packs a built `scanlake` binary as a release tarball, with what an admin installs beside it:
#
#   scripts/release/package-tarball.sh BINARY OUT_DIR [VERSION]
#
# writes OUT_DIR/scanlake-VERSION-x86_64-linux.tar.gz (VERSION: scripts/release/version.sh) holding
#   scanlake-VERSION/bin/scanlake
#   scanlake-VERSION/share/man/man1/scanlake.1
#   scanlake-VERSION/share/bash-completion/completions/scanlake
#   scanlake-VERSION/share/zsh/site-functions/_scanlake
#   scanlake-VERSION/share/fish/vendor_completions.d/scanlake.fish
#   scanlake-VERSION/share/scanlake/completions/{scanlake.elv,_scanlake.ps1}
#   scanlake-VERSION/{README.md,LICENSE,CHANGELOG.md}
# so that `tar -xzf … --strip-components=1 -C /usr/local` (or any prefix) installs it. The
# completions and the manual page come from the binary itself, so they match it. Prints the path.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -ge 2 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
binary="$(realpath "$1")"; out="$2"
version="${3:-$("$root/scripts/release/version.sh" --cargo)}"
name="scanlake-$version"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
tree="$work/$name"
mkdir -p "$tree/bin" "$tree/share/man/man1" "$tree/share/bash-completion/completions" \
  "$tree/share/zsh/site-functions" "$tree/share/fish/vendor_completions.d" "$tree/share/scanlake/completions"
install -m 755 "$binary" "$tree/bin/scanlake"
# The release profile keeps line tables for backtraces during development; a package drops them
# (hundreds of MB), keeping the symbol names.
strip --strip-debug "$tree/bin/scanlake"
"$tree/bin/scanlake" man >"$tree/share/man/man1/scanlake.1"
"$tree/bin/scanlake" completions bash >"$tree/share/bash-completion/completions/scanlake"
"$tree/bin/scanlake" completions zsh >"$tree/share/zsh/site-functions/_scanlake"
"$tree/bin/scanlake" completions fish >"$tree/share/fish/vendor_completions.d/scanlake.fish"
"$tree/bin/scanlake" completions elvish >"$tree/share/scanlake/completions/scanlake.elv"
"$tree/bin/scanlake" completions powershell >"$tree/share/scanlake/completions/_scanlake.ps1"
cp "$root/README.md" "$root/LICENSE" "$root/CHANGELOG.md" "$tree/"
mkdir -p "$out"
tarball="$(realpath "$out")/$name-x86_64-linux.tar.gz"
# Reproducible: fixed order, owner and times (the commit's date when SOURCE_DATE_EPOCH is set).
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${SOURCE_DATE_EPOCH:-0}" \
  -C "$work" -cf - "$name" | gzip -n >"$tarball.part"
mv "$tarball.part" "$tarball"
echo "$tarball"
