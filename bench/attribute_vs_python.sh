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
cmake --build build/bench --target jurisdiction_lookup_bench jurisdiction_attribute_bench
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

echo "== liaison attribute (the same library calls, bench/jurisdiction_attribute_bench.cpp)"
build/bench/bench/jurisdiction_attribute_bench "$data" "$feed" 2
gzip -6 -c "$feed" >"$feed.gz"
echo "gzip: $(($(stat -c %s "$feed.gz") / 1000000)) MB (MB/s below are of the compressed file)"
build/bench/bench/jurisdiction_attribute_bench "$data" "$feed.gz" 2
build/bench/bench/jurisdiction_attribute_bench "$data" "$feed" 2 "$work/out"
du -sh "$work/out"
echo "== python3-maxminddb"
/usr/bin/time -f "%e s wall, %U s user, %S s system" \
  /usr/bin/python3 bench/attribute_maxminddb.py "$feed" "$mmdb" >"$work/python.out"
head -1 "$work/python.out"  # The second line is the counts per country, as JSON.
