#!/usr/bin/env python3
"""Cooperation-request throughput: submits N requests through the HTTP API with C concurrent
clients (keep-alive, one connection each) to a fresh node with a real SMTP sink, and waits until
every routing e-mail has been handed to the SMTP server.

Reports requests per second (submissions answered 201 over the wall time of the submission
phase) and the time from submission (the 201 answer) to hand-off (the sink's file for the e-mail,
whose subject names the request), median and 99th percentile. Uses the integration-test harness
(tests/integration/harness.py), so LIAISON_BIN must name the binary to measure (a release build
for meaningful figures).

Usage: LIAISON_BIN=build/release/src/liaison bench/requests_throughput.py [--count 10000]
       [--clients 32]
"""
import argparse
import http.client
import json
import os
import pathlib
import re
import statistics
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness import Node, contact_body, wait_for  # noqa: E402
from request_bodies import mitigation  # noqa: E402

REQUEST_ID = re.compile(rb"req_[a-z0-9]{26}")


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()

    node = Node("[server]\nworker_threads = 8\n[database]\npool_size = 8\n"
                "[notify]\npoll_interval_milliseconds = 10\n")
    try:
        node.start()
        fr = node.create_org("CERT-FR", "FR", kind="national_cert")
        de = node.create_org("CERT-Bund", "DE", kind="national_cert")
        node.create_account(fr["id"], "analyst@cert.fr.test", ["technical"])
        token = node.account_token("analyst@cert.fr.test")
        r = node.post("/api/v1/contacts", contact_body(de["id"], "Lagezentrum",
                                                       emails=["lage@cert-bund.de.test"]),
                      token=node.operator_token)
        assert r.status == 201, r
        body = json.dumps(mitigation()).encode()
        submitted = {}  # request id -> time of the 201 answer
        failures = []
        lock = threading.Lock()
        per_client = [args.count // args.clients + (1 if i < args.count % args.clients else 0)
                      for i in range(args.clients)]

        def client(n):
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=120)
            for _ in range(per_client[n]):
                conn.request("POST", "/api/v1/requests", body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                resp = conn.getresponse()
                payload = resp.read()
                now = time.time()
                with lock:
                    if resp.status == 201:
                        submitted[json.loads(payload)["id"]] = now
                    else:
                        failures.append((resp.status, payload[:200]))
            conn.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        if failures:
            print(f"{len(failures)} submissions failed, e.g. {failures[:3]}", file=sys.stderr)
            return 1
        folder = node.smtp.folder
        wait_for(lambda: len(list(folder.glob("*.eml"))) >= len(submitted), 3600,
                 "every routing e-mail to reach the SMTP sink")
        latencies = []
        for path in folder.glob("*.eml"):
            head = path.read_bytes()[:4096]
            m = REQUEST_ID.search(head)
            if m and m.group().decode() in submitted:
                latencies.append(path.stat().st_mtime - submitted[m.group().decode()])
        print(f"requests: {len(submitted)} with {args.clients} clients in {elapsed:.1f} s: "
              f"{len(submitted) / elapsed:.0f} requests/s; submission to SMTP hand-off: "
              f"median {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.0f} ms ({len(latencies)} e-mails)")
        return 0
    finally:
        node.close()


if __name__ == "__main__":
    sys.exit(main())
