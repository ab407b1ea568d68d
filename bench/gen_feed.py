#!/usr/bin/env python3
"""Writes a synthetic observation feed for bench/attribute_vs_python.sh: CSV with a header
(timestamp,ip,category), N lines, addresses drawn uniformly from the ranges of the country CSVs of
DATA_DIR (80 % IPv4, 20 % IPv6), seeded so every run writes the same file.
Usage: gen_feed.py DATA_DIR LINES OUT.csv"""
import ipaddress
import random
import sys


def ranges(path):
    out = []
    with open(path) as f:
        for line in f:
            a, b, _ = line.rstrip("\n").split(",")
            out.append((int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b))))
    return out


def main():
    data, lines, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(20261129)
    v4 = ranges(f"{data}/geo-whois-asn-country-ipv4.csv")
    v6 = ranges(f"{data}/geo-whois-asn-country-ipv6.csv")
    categories = ["scanner", "c2", "ddos-reflector", "phishing", "spam", "bruteforce"]
    with open(out, "w") as f:
        f.write("timestamp,ip,category\n")
        for i in range(lines):
            if rng.random() < 0.8:
                a, b = v4[rng.randrange(len(v4))]
                ip = str(ipaddress.IPv4Address(rng.randint(a, b)))
            else:
                a, b = v6[rng.randrange(len(v6))]
                ip = str(ipaddress.IPv6Address(rng.randint(a, b)))
            f.write(f"2026-11-29T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z,{ip},"
                    f"{categories[i % len(categories)]}\n")


if __name__ == "__main__":
    main()
