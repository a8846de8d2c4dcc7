#!/usr/bin/env bash
# Installs (once) Debian's chromium and chromium-driver, the real browser the HTML report's tests
# drive through WebDriver, and prints chromedriver's path.
set -euo pipefail
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  echo "scripts/chromium.sh: installing chromium and chromium-driver" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
fi
command -v chromedriver
