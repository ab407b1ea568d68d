#!/usr/bin/python3
"""A throwaway PostgreSQL cluster for tests: initdb and pg_ctl from /usr/lib/postgresql/*/bin,
on a free loopback port, under a temporary directory, with fsync off (test data only).

PostgreSQL refuses to run as root, so when run as root the cluster belongs to the unprivileged
system user `liaison-test` (created when missing) and every server command runs through
`runuser -u`.

  pg_cluster.py start STATE_DIR [--durable]
                                  starts a cluster; writes STATE_DIR/url (the maintenance
                                  database, postgresql://liaison@127.0.0.1:PORT/postgres) and
                                  STATE_DIR/data_dir. --durable keeps fsync and synchronous
                                  commits on (for benchmarks)
  pg_cluster.py stop STATE_DIR    stops it and removes its files

Tests that need a cluster of their own (to stop and restart it) import Cluster.
"""
import glob
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

USER = "liaison-test"
SUPERUSER = "liaison"


def bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        raise RuntimeError("PostgreSQL is not installed (scripts/deps test installs it)")
    return pathlib.Path(found[-1]).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_user():
    """The user the server runs as: ourselves, or `liaison-test` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        USER], check=True, capture_output=True)
    return USER


class Cluster:
    """One PostgreSQL server under `data_dir` listening on 127.0.0.1:`port`."""

    def __init__(self, data_dir=None, port=None, durable=False):
        self.durable = durable
        self.user = ensure_user()
        self.bin = bin_dir()
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="liaison-pg-")
        self.root = pathlib.Path(data_dir)
        self.data = self.root / "data"
        self.port = port

    def _run(self, *args, check=True):
        command = [str(a) for a in args]
        if self.user:
            command = ["runuser", "-u", self.user, "--"] + command
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def url(self, database="postgres"):
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def init(self):
        if self.user:
            shutil.chown(self.root, self.user)
        self._run(self.bin / "initdb", "-D", self.data, "-U", SUPERUSER, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        return self

    def start(self):
        """Starts the server, on a new free port unless one was set; retries when the port was
        taken in between."""
        last = None
        for _ in range(5):
            port = self.port or free_port()
            options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            result = self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "server.log",
                               "-o", options, "-w", "-t", "60", "start", check=False)
            if result.returncode == 0:
                self.port = port
                return self
            last = result.stderr + result.stdout + self.log()[-2000:]
            if self.port:
                break
        raise RuntimeError("PostgreSQL did not start: " + (last or ""))

    def stop(self, mode="fast"):
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        """Stops the server and starts it again on the same port."""
        self.stop(mode)
        return self.start()

    def log(self):
        try:
            return (self.root / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def remove(self):
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv):
    durable = "--durable" in argv
    argv = [a for a in argv if a != "--durable"]
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    state = pathlib.Path(argv[2])
    if argv[1] == "start":
        if (state / "data_dir").exists():  # A cluster left by an interrupted run.
            Cluster(data_dir=(state / "data_dir").read_text().strip()).remove()
        state.mkdir(parents=True, exist_ok=True)
        cluster = Cluster(durable=durable).init().start()
        (state / "data_dir").write_text(str(cluster.root))
        (state / "url").write_text(cluster.url() + "\n")
        print(f"PostgreSQL test server at {cluster.url()} ({cluster.root})")
        return 0
    data_dir = state / "data_dir"
    if data_dir.exists():
        Cluster(data_dir=data_dir.read_text().strip()).remove()
    shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
