#!/usr/bin/env python3
"""Loads a benchmark data set into a running liaison node through its HTTP API.

Creates one organisation (a national CERT) per UN member state and then `--contacts` points of
contact spread as evenly as possible over those states (2,000 over 193 states: 10 or 11 each),
alternating policy and technical level. Uses only the standard library: http.client with one
keep-alive connection per thread.

Usage: load_contacts.py --port P --token T [--host 127.0.0.1] [--contacts 2000] [--threads 4]
Prints a one-line summary; exits non-zero (printing the server's problem+json) on any failure.
"""
import argparse
import csv
import http.client
import json
import pathlib
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIRST_NAMES = ["Camille", "Amina", "Li", "Olga", "Diego", "Sara", "Kwame", "Noor", "Mateo",
               "Yuki", "Ivan", "Fatima", "Lucas", "Aiko", "Omar", "Elena"]
LAST_NAMES = ["Martin", "Haddad", "Wei", "Petrova", "Garcia", "Nielsen", "Mensah", "Khan",
              "Silva", "Tanaka", "Ivanov", "Diallo", "Rossi", "Sato", "Farouk", "Novak"]


def member_states():
    """The 193 UN member states (alpha-2), from data/un_membership.csv."""
    with open(ROOT / "data" / "un_membership.csv", newline="") as f:
        return sorted(r["alpha2"] for r in csv.DictReader(f) if r["un_status"] == "member")


def time_zones():
    """alpha-2 -> the first IANA zone listed for the country in the system's zone.tab."""
    zones = {}
    try:
        with open("/usr/share/zoneinfo/zone.tab") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    zones.setdefault(parts[0], parts[2])
    except OSError:
        pass
    return zones


class Client:
    """One keep-alive connection that reconnects once if the server closed it."""

    def __init__(self, host, port, token):
        self.host, self.port = host, port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def post(self, path, body):
        data = json.dumps(body).encode()
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=data, headers=self.headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return resp.status, payload
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def expect_created(status, payload, what):
    if status != 201:
        sys.exit(f"load_contacts: {what} answered {status}: {payload.decode(errors='replace')}")
    return json.loads(payload)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--contacts", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()

    states = member_states()
    zones = time_zones()
    started = time.monotonic()

    # Work items: first the organisations, then the contacts that need their ids.
    org_ids = {}
    errors = []
    lock = threading.Lock()

    def run(items, fn):
        chunks = [items[i::args.threads] for i in range(args.threads)]

        def worker(chunk):
            client = Client(args.host, args.port, args.token)
            try:
                for item in chunk:
                    if errors:
                        return
                    fn(client, item)
            except SystemExit as e:  # expect_created failed
                with lock:
                    errors.append(str(e))
            except Exception as e:  # noqa: BLE001 - report any failure and stop
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=worker, args=(c,)) for c in chunks if c]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            sys.exit(errors[0])

    def create_org(client, cc):
        status, payload = client.post("/api/v1/organizations", {
            "name": f"Bench national CERT of {cc}", "category": "state",
            "kind": "national_cert", "state": cc, "website": f"https://cert.{cc.lower()}.bench.test"})
        org = expect_created(status, payload, f"POST /api/v1/organizations ({cc})")
        with lock:
            org_ids[cc] = org["id"]

    run(states, create_org)

    contacts = []
    for i in range(args.contacts):
        contacts.append((i, states[i % len(states)]))

    def create_contact(client, item):
        i, cc = item
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        body = {
            "organization_id": org_ids[cc],
            "level": "policy" if i % 2 else "technical",
            "name": f"{first} {last} {i}",
            "title": "Duty officer",
            "emails": [f"poc{i}@{cc.lower()}.bench.test"],
            "phones": [f"+1555{i:07d}"],
            "languages": ["en", "fr"] if i % 3 == 0 else ["en"],
            "time_zone": zones.get(cc, "UTC"),
            "working_hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "available_24_7": i % 5 == 0,
            "preferred_channels": ["email"],
            "notes": "benchmark data",
        }
        status, payload = client.post("/api/v1/contacts", body)
        expect_created(status, payload, f"POST /api/v1/contacts ({cc} #{i})")

    run(contacts, create_contact)
    elapsed = time.monotonic() - started
    per_state = {}
    for _, cc in contacts:
        per_state[cc] = per_state.get(cc, 0) + 1
    print(f"loaded {len(states)} organisations and {len(contacts)} contacts in {elapsed:.1f} s "
          f"({(len(states) + len(contacts)) / elapsed:.0f} writes/s, {args.threads} connections); "
          f"FR has {per_state.get('FR', 0)} contacts")


if __name__ == "__main__":
    main()
