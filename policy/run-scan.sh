#!/usr/bin/env bash
# Runs a scanlake LIST policy scan of one GPFS file system, writing the list file without running any
# external program (-I defer). Needs root on a GPFS node; scanlake itself needs neither.
#
#   policy/run-scan.sh [-d] [-N NODES] [-g GLOBAL_WORK_DIR] [-s LOCAL_WORK_DIR] DEVICE OUTPUT_DIR
#
#   -d    list directories, symlinks and other objects too (list-objects.pol)
#   -N    nodes that run the scan (mmapplypolicy -N), e.g. a node class; default: this node
#   -g/-s global and local work directories for mmapplypolicy's sorting (-g should be on GPFS)
#
# Writes OUTPUT_DIR/DEVICE.YYYY-MM-DD.list.files (or .list.objects) and prints its path; the date in
# the name is the scan date `scanlake convert` reads when no --acq is given.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
policy="$here/list-files.pol"; list=files; extra=()
while getopts "dN:g:s:" opt; do
  case "$opt" in
    d) policy="$here/list-objects.pol"; list=objects ;;
    N) extra+=(-N "$OPTARG") ;;
    g) extra+=(-g "$OPTARG") ;;
    s) extra+=(-s "$OPTARG") ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '2,14p' "$0"; exit 2; }
device="$1"; out="$2"
command -v mmapplypolicy >/dev/null || { echo "error: mmapplypolicy not found (run this on a GPFS node)" >&2; exit 1; }
mkdir -p "$out"
prefix="$out/$device.$(date -u +%F)"
mmapplypolicy "$device" -P "$policy" -I defer -f "$prefix" "${extra[@]}" >&2
echo "$prefix.list.$list"
