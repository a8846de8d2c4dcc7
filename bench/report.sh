#!/usr/bin/env bash
# The HTML report against the single reports it contains, whole process against whole process on
# the same dataset (default: the trends benchmark's two scans of 10^7 rows, made by
# bench/trends.sh): the report's time, each report's time alone, the slowest of them and the sum,
# and the file's size. Also `plot` of one chart as SVG and PNG. Medians of --repeat runs.
# The peer, in the same run: DuckDB's CLI (PyPI's duckdb-cli) computing the same data with the SQL
# a skilled user would type (bench/report_duckdb.py), whole process against whole process; and in
# process, the Python module's Dataset.report against DuckDB's Python API in one interpreter.
# Usage: bench/report.sh [LAKE] [--repeat R]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/scanlake-target}"
cargo build --release --locked --quiet -p scanlake-cli
lake="${SCANLAKE_CACHE:-$HOME/.cache}/scanlake-bench-trends/lake-10000000"
repeat=3
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift 2 ;;
    *) lake="$1"; shift ;;
  esac
done
bin="$CARGO_TARGET_DIR/release/scanlake"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
acq="$("$bin" query "$lake" "SELECT max(acq) AS d FROM files" --format csv | tail -1)"
previous="$("$bin" query "$lake" "SELECT max(acq) AS d FROM files WHERE acq < DATE '$acq'" --format csv | tail -1)"
duckdb="$(bench/duckdb-cli.sh)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # name, command…: prints "name seconds peak-KiB"
  local name="$1"; shift
  local times=() rss=0
  for _ in $(seq "$repeat"); do
    /usr/bin/time -f "%e %M" -o "$out/t" "$@" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
    read -r t m <"$out/t"; times+=("$t"); rss="$m"
  done
  echo "$name $(printf '%s\n' "${times[@]}" | median) $rss"
}
{
  timed report "$bin" report "$lake" -o "$out/report.html" -q
  timed "age --by uid,gid,fileset" "$bin" aggregate "$lake" age --by uid,gid,fileset --acq "$acq" -o "$out/a.csv"
  timed "age --time modify" "$bin" aggregate "$lake" age --time modify --acq "$acq" -o "$out/b.csv"
  timed "age --size-edges default" "$bin" aggregate "$lake" age --size-edges default --acq "$acq" -o "$out/c.csv"
  timed "du" "$bin" aggregate "$lake" du --max-depth 5 --acq "$acq" -o "$out/d.csv"
  timed "churn --by uid" "$bin" aggregate "$lake" churn --by uid -o "$out/e.csv"
  timed "extensions" "$bin" aggregate "$lake" extensions --acq "$acq" -o "$out/f.csv"
  timed "history --by fileset" "$bin" aggregate "$lake" history --by fileset -o "$out/g.csv"
  timed "history --by uid" "$bin" aggregate "$lake" history --by uid -o "$out/h.csv"
  timed "top growth" "$bin" aggregate "$lake" top growth -o "$out/i.csv"
  mkdir -p "$out/duckdb"
  python3 bench/report_duckdb.py --sql "$lake" "$acq" "$previous" "$out/duckdb" >"$out/report.sql"
  timed "duckdb -f (the same data)" "$duckdb" -f "$out/report.sql"
  timed "plot usage → svg" "$bin" plot "$lake" usage --by uid -o "$out/u.svg"
  timed "plot usage → png" "$bin" plot "$lake" usage --by uid -o "$out/u.png"
} | tee "$out/times"
echo "report: $(stat -c %s "$out/report.html") bytes"
awk 'NR > 1 && !/plot|duckdb/ { s += $(NF-1); if ($(NF-1) > m) m = $(NF-1) } NR == 1 { r = $(NF-1) }
  /duckdb/ { d = $(NF-1) }
  END { printf "report %.2f s; slowest single report %.2f s (ratio %.2f); sum of single reports %.2f s\n", r, m, r / m, s
        printf "DuckDB CLI, the same data: %.2f s (report / DuckDB %.2f)\n", d, r / d }' "$out/times"
# In process: the module's call against DuckDB's Python API, in one interpreter.
python="$(scripts/python-package.sh)"
"$python" bench/report_duckdb.py --in-process "$lake" "$acq" "$previous" "$repeat"
