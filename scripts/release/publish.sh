#!/usr/bin/env bash
# Uploads built packages from $DIST_DIR (default dist/) to the project's package registries; the
# pipeline's publish jobs run it.
#
#   scripts/release/publish.sh pypi      wheels to the PyPI registry $SCANLAKE_PYPI_URL: the dev
#                                        wheel on the default branch; on a tag (CI_COMMIT_TAG=vX.Y.Z)
#                                        the release wheel and the sdist
#   scripts/release/publish.sh generic   on a tag, the release tarball to the generic registry
#                                        $SCANLAKE_GENERIC_URL/X.Y.Z/
#
# Credentials: the job's CI_JOB_TOKEN, or TWINE_USERNAME/TWINE_PASSWORD (and JOB-TOKEN for curl).
# What is uploaded is checked first: on a tag every package must carry the tag's version, elsewhere
# a dev version, so a stale dist/ can never publish a release by mistake. A version the registry
# already has fails the job: published versions are never replaced.
set -euo pipefail
what="${1:-}"
dist="${DIST_DIR:-dist}"
tag="${CI_COMMIT_TAG:-}"
release="${tag#v}"
fail() { echo "publish: error: $*" >&2; exit 1; }
hint() { echo "hint: $*" >&2; }
[ -d "$dist" ] || fail "no $dist directory (the build job's artifacts)"
if [ -n "$tag" ] && ! [[ "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  fail "tag $tag is not a release tag (vX.Y.Z)"
fi

# Checks that a package's version suits this pipeline: the release's on a tag, a dev one elsewhere.
check_version() { # FILE VERSION
  if [ -n "$tag" ]; then
    [ "$2" = "$release" ] || fail "$(basename "$1") is version $2, not the tag's $release"
  else
    [[ "$2" == *.dev* || "$2" == *-dev.* ]] \
      || fail "$(basename "$1") is version $2, a release version, outside a release tag"
  fi
}

publish_pypi() {
  local url="${SCANLAKE_PYPI_URL:?set SCANLAKE_PYPI_URL to the upload URL of the PyPI registry}"
  local files=() f version
  for f in "$dist"/scanlake-*.whl; do
    [ -e "$f" ] || continue
    version="$(basename "$f" | cut -d- -f2)"
    check_version "$f" "$version"
    files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || fail "no wheel in $dist"
  if [ -n "$tag" ]; then
    f="$dist/scanlake-$release.tar.gz"
    [ -e "$f" ] || fail "no sdist $f in $dist"
    files+=("$f")
  fi
  local twine="${TWINE:-}"
  if [ -z "$twine" ]; then
    if command -v twine >/dev/null; then
      twine=twine
    else
      local venv; venv="$(mktemp -d)/twine"
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check twine==7.0.0
      twine="$venv/bin/twine"
    fi
  fi
  export TWINE_USERNAME="${TWINE_USERNAME:-gitlab-ci-token}"
  export TWINE_PASSWORD="${TWINE_PASSWORD:-${CI_JOB_TOKEN:?no CI_JOB_TOKEN or TWINE_PASSWORD for the registry}}"
  local log; log="$(mktemp)"
  echo "publish: uploading ${files[*]##*/} to $url" >&2
  if "$twine" upload --non-interactive --disable-progress-bar --repository-url "$url" "${files[@]}" 2>&1 | tee "$log"; then
    return
  fi
  if grep -qiE '\b(400|409)\b|already exist|has already been taken' "$log"; then
    echo "publish: error: the registry refused the upload: $(basename "${files[0]}") (version $version) is already there." >&2
    hint "a published version is never replaced; commit again for a new dev version, or tag a new release"
  fi
  exit 1
}

publish_generic() {
  [ -n "$tag" ] || fail "the generic registry takes release tarballs only: run on a vX.Y.Z tag"
  local url="${SCANLAKE_GENERIC_URL:?set SCANLAKE_GENERIC_URL to the package URL of the generic registry}"
  local f="$dist/scanlake-$release-x86_64-linux.tar.gz"
  [ -e "$f" ] || fail "no release tarball $f in $dist"
  echo "publish: uploading $(basename "$f") to $url/$release/" >&2
  curl --silent --show-error --fail-with-body --header "JOB-TOKEN: ${CI_JOB_TOKEN:?no CI_JOB_TOKEN}" \
    --upload-file "$f" "$url/$release/$(basename "$f")"
  echo >&2
}

case "$what" in
  pypi) publish_pypi ;;
  generic) publish_generic ;;
  *) echo "usage: $0 pypi|generic" >&2; exit 2 ;;
esac
