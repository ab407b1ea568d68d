#!/usr/bin/python3
"""Runs one end-to-end scenario of the web interface (tests/e2e/scenarios.mjs) against a real
liaison node: the built binary serving the built web UI (web/dist) with a fresh SQLite database
holding the fictional demo data set (`liaison init --demo`) and a real SMTP sink, all on loopback
(tests/integration/harness.py). Debian's Chromium is driven by playwright-core.

Usage: run_e2e.py SCENARIO    (environment: LIAISON_BIN, LIAISON_SOURCE_DIR,
                               LIAISON_E2E_SCREENSHOTS for where screenshots go)
Exit status: the scenario's (0 when it passed)."""
import os
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import harness  # noqa: E402

SOURCE = harness.SOURCE
DIST = SOURCE / "web" / "dist"
NODE_MODULES = HERE / "node_modules"


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
    node = harness.Node(extra_config=f'[server]\nstatic_dir = "{DIST}"\n', init_args=("--demo",))
    try:
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
        node.close()


if __name__ == "__main__":
    sys.exit(main())
