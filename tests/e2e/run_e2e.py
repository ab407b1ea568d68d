#!/usr/bin/python3
"""Runs one end-to-end scenario of the web interface (tests/e2e/scenarios.mjs) against a real
liaison node: the built binary serving the built web UI (web/dist) with a fresh SQLite database
holding the fictional demo data set (`liaison init --demo`), a small fixture IP data set for the
jurisdiction screens (loaded by `liaison data update`, as an operator does) and a real SMTP sink,
all on loopback (tests/integration/harness.py). Debian's Chromium is driven by playwright-core.

Usage: run_e2e.py SCENARIO    (environment: LIAISON_BIN, LIAISON_SOURCE_DIR,
                               LIAISON_E2E_SCREENSHOTS for where screenshots go)
Exit status: the scenario's (0 when it passed)."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import harness  # noqa: E402

SOURCE = harness.SOURCE
DIST = SOURCE / "web" / "dist"
NODE_MODULES = HERE / "node_modules"

# Fixture IP data (the ip-location-db CSV layout, docs/jurisdiction.md): private and
# documentation ranges given to demo states so the scenarios know every answer. 10.0.0.0/14
# spans France, Guadeloupe (a French territory), Kenya and Senegal; 81.0.0.128/25 is Taiwan,
# for which no state is named.
FIXTURE_IP_DATA = {
    "geo-whois-asn-country-ipv4.csv": """10.0.0.0,10.0.255.255,FR
10.1.0.0,10.1.255.255,GP
10.2.0.0,10.2.255.255,KE
10.3.0.0,10.3.255.255,SN
81.0.0.128,81.0.0.255,TW
""",
    "geo-whois-asn-country-ipv6.csv": """2001:db8::,2001:db8:7fff:ffff:ffff:ffff:ffff:ffff,FR
2001:db8:8000::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,KE
""",
    "asn-ipv4.csv": """10.0.0.0,10.1.255.255,64500,Demo Telecom France
10.2.0.0,10.2.255.255,64511,Demo Net Kenya
""",
    "asn-ipv6.csv": "2001:db8::,2001:db8:7fff:ffff:ffff:ffff:ffff:ffff,64500,Demo Telecom France\n",
    "VERSION": "e2e-1\n",
}


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    scenario = sys.argv[1]
    for needed, how in ((DIST / "index.html", "cd web && npm ci && npm run build"),
                        (NODE_MODULES / "playwright-core", "cd tests/e2e && npm ci")):
        if not needed.exists():
            print(f"e2e: {needed} is missing; run scripts/test (or: {how})", file=sys.stderr)
            return 1
    data_root = pathlib.Path(tempfile.mkdtemp(prefix="liaison-e2e-ipdata-"))
    data_set = data_root / "e2e-1"
    data_set.mkdir()
    for name, text in FIXTURE_IP_DATA.items():
        (data_set / name).write_text(text)
    node = None
    try:
        node = harness.Node(extra_config=f'[server]\nstatic_dir = "{DIST}"\n'
                                         f'[jurisdiction]\ndata_dir = "{data_root}"\n',
                            init_args=("--demo",))
        node.cli("data", "update", "--config", str(node.config), str(data_set))
        node.start()
        password = re.search(r"demo password for every account below: (\S+)",
                             node.init_output).group(1)
        screenshots = pathlib.Path(os.environ.get("LIAISON_E2E_SCREENSHOTS",
                                                  SOURCE / "build" / "e2e-screenshots"))
        screenshots.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ,
                   LIAISON_URL=f"http://127.0.0.1:{node.port}",
                   LIAISON_MAIL_DIR=str(node.smtp.folder),
                   LIAISON_DEMO_PASSWORD=password,
                   LIAISON_OPERATOR_TOKEN=node.operator_token,
                   LIAISON_E2E_SCREENSHOTS=str(screenshots))
        result = subprocess.run(["node", str(HERE / "scenarios.mjs"), scenario], env=env,
                                timeout=540)
        if result.returncode != 0:
            print("---- server log (last lines) ----", file=sys.stderr)
            print(node.server_log()[-4000:], file=sys.stderr)
        return result.returncode
    finally:
        if node:
            node.close()
        shutil.rmtree(data_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
