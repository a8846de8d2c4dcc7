#!/bin/sh
# Prints CHANGELOG.md's section for VERSION (the lines under its `## VERSION` heading, up to the next
# `## `), the release notes of tag vVERSION. Fails when the section is missing or empty, so that no
# release goes out undescribed. POSIX sh and awk: the release job's image has no bash.
#
#   scripts/release/release-notes.sh VERSION [CHANGELOG]
set -eu
version="${1:?usage: release-notes.sh VERSION [CHANGELOG]}"
changelog="${2:-$(cd "$(dirname "$0")/../.." && pwd)/CHANGELOG.md}"
notes="$(awk -v v="$version" '
  /^## / { inside = ($2 == v); next }
  inside { print }
' "$changelog" | sed -e '/./,$!d')"
if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
  echo "error: $changelog has no section '## $version' (or it is empty)" >&2
  echo "hint: rename '## Unreleased' to '## $version' and describe the release before tagging v$version" >&2
  exit 1
fi
printf '%s\n' "$notes"
