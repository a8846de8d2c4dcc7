#!/usr/bin/env bash
# Prints the version of the commit being built, from the one place it is kept (the workspace
# Cargo.toml's [workspace.package] version, "the next release") and git:
#   - a commit tagged vX.Y.Z (or $CI_COMMIT_TAG) is release X.Y.Z; the tag must match Cargo.toml;
#   - any other commit is a development build of the next release: X.Y.Z-dev.N+g<sha> (Cargo) or
#     X.Y.Z.devN+g<sha> (Python), N commits after the last vX.Y.Z tag (after the root when none).
#     Once vX.Y.Z is tagged, later commits count towards X.Y.(Z+1) until Cargo.toml says otherwise,
#     so a dev build always sorts after the release before it and before the one after it.
#
#   scripts/release/version.sh [--cargo | --python]     (default --cargo)
#   scripts/release/version.sh --declared               Cargo.toml's version as it stands
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
form="${1:---cargo}"
case "$form" in --cargo|--python|--declared) ;; *) echo "usage: $0 [--cargo | --python | --declared]" >&2; exit 2 ;; esac
declared="$(sed -n '/^\[workspace\.package\]/,/^\[/ s/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml")"
[ -n "$declared" ] || { echo "error: no [workspace.package] version in $root/Cargo.toml" >&2; exit 1; }
[ "$form" != --declared ] || { echo "$declared"; exit 0; }
base="${declared%%[-+]*}" # a stamped version's release part
if ! git -C "$root" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  echo "warning: $root is not a git checkout; using Cargo.toml's version $declared as it is" >&2
  echo "$declared"; exit 0
fi
if [ "$(git -C "$root" rev-parse --is-shallow-repository)" = true ]; then
  echo "error: $root is a shallow clone: the commit count of a dev version needs the whole history" >&2
  echo "hint: fetch it with 'git fetch --unshallow --tags' (GitLab CI: GIT_DEPTH: 0)" >&2
  exit 1
fi
tag="${CI_COMMIT_TAG:-$(git -C "$root" tag --points-at HEAD --list 'v[0-9]*' | sort -V | tail -n1)}"
if [ -n "$tag" ]; then
  if [ "$tag" != "v$base" ]; then
    echo "error: tag $tag does not match the version in Cargo.toml ($declared)" >&2
    echo "hint: set [workspace.package] version = \"${tag#v}\" in Cargo.toml, commit, and tag that commit" >&2
    exit 1
  fi
  echo "$base"; exit 0
fi
last="$(git -C "$root" describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null || true)"
if [ -n "$last" ]; then
  count="$(git -C "$root" rev-list --count "$last..HEAD")"
  if [ "$last" = "v$base" ]; then
    IFS=. read -r major minor patch <<<"$base"
    base="$major.$minor.$((patch + 1))"
  fi
else
  count="$(git -C "$root" rev-list --count HEAD)"
fi
sha="$(git -C "$root" rev-parse --short=8 HEAD)"
if [ "$form" = --python ]; then echo "$base.dev$count+g$sha"; else echo "$base-dev.$count+g$sha"; fi
