#!/usr/bin/env bash
# Benchmark: `liaison attribute` on a generated 10-million-line CSV feed against a Python script
# using python3-maxminddb on the same file (rows/s, MB/s), and the look-up benchmark against
# libmaxminddb (bench/jurisdiction_lookup_bench.cpp). Results go to bench/README.md by hand.
# Usage: bench/attribute_vs_python.sh [LINES]   (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-10000000}
scripts/deps bench
data=$(scripts/fetch-data bench)
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIAISON_TESTS=OFF \
      -DLIAISON_BENCH=ON >/dev/null
cmake --build build/bench --target liaison jurisdiction_lookup_bench
mmdb="$data/geo-whois-asn-country.mmdb"

echo "== look-ups: liaison vs libmaxminddb (single thread, same process)"
build/bench/bench/jurisdiction_lookup_bench "$data" "$mmdb" 2000000

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed="$work/feed.csv"
echo "== generating a $lines-line feed"
/usr/bin/python3 bench/gen_feed.py "$data" "$lines" "$feed"
size=$(stat -c %s "$feed")
echo "feed: $lines lines, $((size / 1000000)) MB"

run_liaison() {
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  build/bench/src/liaison attribute --data "$data" "$feed" "$@" > "$work/liaison.out"
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$lines" "$size" <<'PY'
import sys
label, start, end, lines, size = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
s = end - start
print(f"liaison attribute ({label}): {lines} rows in {s:.1f} s: {lines / s:,.0f} rows/s, {size / s / 1e6:.1f} MB/s")
PY
}
echo "== liaison attribute (data load included)"
run_liaison "summary only, 2 threads" --summary-only --threads 2
tail -1 "$work/liaison.out"
run_liaison "per-state CSV + STIX files, 2 threads" --output "$work/out" --threads 2
echo "== python3-maxminddb"
/usr/bin/python3 bench/attribute_maxminddb.py "$feed" "$mmdb" | head -1
