#!/usr/bin/env bash
# Rebuilds echarts.min.js (the custom ECharts bundle scanlake embeds) from the npm packages pinned
# in package.json, and copies ECharts' LICENSE and NOTICE beside it. Needs node and npm and the npm
# registry; the build of scanlake itself never runs this (the bundle is committed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/entry.js" "$work/"
cd "$work"
npm install --no-audit --no-fund --ignore-scripts=false --silent
npx esbuild entry.js --bundle --minify --format=iife --target=es2019 --legal-comments=none \
  --outfile=echarts.min.js
{
  echo "/*! Apache ECharts $(node -p 'require("echarts/package.json").version') (Apache-2.0), custom bundle built by build.sh; see LICENSE and NOTICE */"
  cat echarts.min.js
} >"$here/echarts.min.js"
cp node_modules/echarts/LICENSE "$here/LICENSE"
cp node_modules/echarts/NOTICE "$here/NOTICE"
ls -l "$here/echarts.min.js"
