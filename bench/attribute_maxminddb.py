#!/usr/bin/env python3
"""What an analyst would otherwise write: count a CSV feed's observations per country with
Debian's python3-maxminddb (the C extension over libmaxminddb) on the ip-location-db MMDB.
Prints rows, seconds, rows/s and MB/s, and the per-country counts as JSON on the last line.
Usage: attribute_maxminddb.py FEED.csv COUNTRY.mmdb"""
import collections
import csv
import json
import os
import sys
import time

import maxminddb


def main():
    feed, mmdb = sys.argv[1], sys.argv[2]
    started = time.monotonic()
    counts = collections.Counter()
    rows = 0
    with maxminddb.open_database(mmdb, maxminddb.MODE_MMAP_EXT) as reader, \
            open(feed, newline="") as f:
        for row in csv.DictReader(f):
            rows += 1
            try:
                record = reader.get(row["ip"])
            except ValueError:
                counts["malformed"] += 1
                continue
            counts[record["country_code"] if record else ""] += 1
    seconds = time.monotonic() - started
    size = os.path.getsize(feed)
    print(f"python3-maxminddb: {rows} rows in {seconds:.1f} s: {rows / seconds:,.0f} rows/s, "
          f"{size / seconds / 1e6:.1f} MB/s")
    print(json.dumps(counts, sort_keys=True))


if __name__ == "__main__":
    main()
