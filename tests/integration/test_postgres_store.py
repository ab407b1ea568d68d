"""The PostgreSQL store itself, through the real binary (runs as integration_pg only):

- the same migrations give the same logical schema on SQLite and PostgreSQL (tables, columns
  with their storage class, indexes);
- two `liaison migrate` started at once on a fresh database both succeed and apply each
  migration once (the session advisory lock);
- an unreachable database at start: a clear error naming the server (never the password) and a
  non-zero exit, for `migrate` and `serve`;
- the pool exhausted (pool_size 1): requests wait up to pool_timeout_seconds, then 503
  problem+json, and the node recovers once the connection is free;
- the database restarted under load: requests fail with 503 (never 500), the server keeps
  running and heals by itself.
"""
import http.client
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from harness import (BIN, POSTGRES, SOURCE, Node, contact_body, create_postgres_database,
                     drop_postgres_database, wait_for)

sys.path.insert(0, str(SOURCE / "tests" / "support"))
import pg_cluster  # noqa: E402


def write_lock_key():
    """The advisory-lock key every write transaction takes (LockKey("write") in
    src/store/postgres/postgres_database.cpp: FNV-1a 64 of "liaison:write", as a signed int)."""
    h = 0xcbf29ce484222325
    for c in b"liaison:write":
        h ^= c
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h - (1 << 64) if h >= 1 << 63 else h


def config_text(url, extra=""):
    return f"""
[server]
host = "127.0.0.1"
port = 0
[database]
url = "{url}"
[security]
secret_key = "{os.urandom(32).hex()}"
{extra}
"""


def run(*args, timeout=120):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def pg_schema(url):
    import psycopg2
    conn = psycopg2.connect(url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position")
        kinds = {"bigint": "int", "integer": "int", "text": "text", "bytea": "blob",
                 "double precision": "real"}
        columns = [(t, c, kinds.get(d, d)) for t, c, d in cur.fetchall()]
        cur.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
                    "AND indexname NOT LIKE '%%_pkey' AND indexname NOT LIKE '%%_key' "
                    "ORDER BY indexname")
        indexes = [r[0] for r in cur.fetchall()]
        return columns, indexes
    finally:
        conn.close()


def sqlite_schema(path):
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        kinds = {"BIGINT": "int", "INTEGER": "int", "TEXT": "text", "BLOB": "blob",
                 "REAL": "real"}
        columns = []
        for t in tables:
            for row in conn.execute(f'PRAGMA table_info("{t}")'):
                columns.append((t, row[1], kinds.get(row[2].upper(), row[2])))
        indexes = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name")]
        return sorted(columns, key=lambda c: c[0]), indexes
    finally:
        conn.close()


@unittest.skipUnless(POSTGRES, "needs the PostgreSQL test server (integration_pg)")
class PostgresStoreTest(unittest.TestCase):
    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="liaison-pg-it-"))
        self.addCleanup(shutil.rmtree, self.dir, True)

    def fresh_database(self):
        name, url = create_postgres_database()
        self.addCleanup(drop_postgres_database, name)
        return url

    def config(self, url, extra="", name="liaison.toml"):
        path = self.dir / name
        path.write_text(config_text(url, extra))
        return str(path)

    def test_same_logical_schema_on_both_stores(self):
        pg_url = self.fresh_database()
        lite = self.dir / "schema.db"
        for url in (pg_url, f"sqlite://{lite}"):
            result = run("migrate", "--config", self.config(url))
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        pg_columns, pg_indexes = pg_schema(pg_url)
        lite_columns, lite_indexes = sqlite_schema(lite)
        self.assertGreater(len(pg_columns), 50)
        self.assertEqual(sorted(pg_columns), sorted(lite_columns))
        self.assertEqual(pg_indexes, lite_indexes)

    def test_two_migrations_at_once_apply_each_migration_once(self):
        url = self.fresh_database()
        config = self.config(url)
        processes = [subprocess.Popen([BIN, "migrate", "--config", config], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in processes]
        for p, (out, err) in zip(processes, outputs):
            self.assertEqual(p.returncode, 0, out + err)
        applied = [int(out.strip().splitlines()[-1].split()[0]) for out, _ in outputs]
        import psycopg2
        conn = psycopg2.connect(url)
        try:
            cur = conn.cursor()
            cur.execute("SELECT COUNT(*), COUNT(DISTINCT (module, number)) FROM schema_migrations")
            total, distinct = cur.fetchone()
        finally:
            conn.close()
        self.assertEqual(total, distinct)
        self.assertEqual(sum(applied), total, applied)  # One applied them all, the other none.
        self.assertIn(0, applied)

    def test_unreachable_database_at_start_is_a_clear_error(self):
        port = pg_cluster.free_port()  # Nothing listens there.
        config = self.config(f"postgresql://liaison:s3cret-pw@127.0.0.1:{port}/liaison")
        for command in (["migrate", "--config", config],
                        ["serve", "--config", config, "--ready-file", str(self.dir / "ready")]):
            result = run(*command, timeout=60)
            self.assertNotEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn(f"cannot connect to PostgreSQL at 127.0.0.1:{port}/liaison",
                          result.stderr)
            self.assertNotIn("s3cret-pw", result.stdout + result.stderr)
            self.assertFalse((self.dir / "ready").exists())


@unittest.skipUnless(POSTGRES, "needs the PostgreSQL test server (integration_pg)")
class PoolExhaustedTest(unittest.TestCase):
    def setUp(self):
        self.node = Node("[database]\npool_size = 1\npool_timeout_seconds = 1\n")
        self.addCleanup(self.node.close)
        self.node.start()

    def test_requests_wait_for_the_pool_then_get_503(self):
        import psycopg2
        node = self.node
        token = node.operator_token
        self.assertEqual(node.get("/api/v1/organizations", token=token).status, 200)
        # Another session holds the write lock: the node's next write takes its only
        # connection and waits on the lock.
        holder = psycopg2.connect(node.db_url)
        holder.autocommit = True
        cur = holder.cursor()
        cur.execute("SELECT pg_advisory_lock(%s)", (write_lock_key(),))
        writer_result = {}
        writer = threading.Thread(target=lambda: writer_result.setdefault(
            "r", node.post("/api/v1/organizations",
                           {"name": "Held", "state": "FR", "kind": "foreign_ministry",
                            "category": "state"}, token=token)))  # Like Node.create_org.
        writer.start()
        try:
            def writer_waits():
                cur.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE '%%pg_advisory_xact_lock%%'")
                return cur.fetchone()[0] == 1
            wait_for(writer_waits, 30, "the write to wait on the lock")
            started = time.monotonic()
            r = node.get("/api/v1/organizations", token=token)
            waited = time.monotonic() - started
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.header("Content-Type"), "application/problem+json")
            self.assertEqual(r.json()["code"], "unavailable")
            self.assertGreaterEqual(waited, 1.0)  # It waited for the pool before giving up.
            metrics = node.get("/metrics").body
            self.assertRegex(metrics, r'liaison_db_pool_timeouts\{backend="postgresql"\} [1-9]')
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", (write_lock_key(),))
            holder.close()
            writer.join(timeout=60)
        self.assertEqual(writer_result["r"].status, 201, writer_result["r"])
        r = node.get("/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["pool"]["size"], 1, r.json())


@unittest.skipUnless(POSTGRES, "needs the PostgreSQL test server (integration_pg)")
class RestartUnderLoadTest(unittest.TestCase):
    def setUp(self):
        # A server of its own: restarting the shared one would disturb the other tests.
        self.cluster = pg_cluster.Cluster().init().start()
        self.addCleanup(self.cluster.remove)
        self.node = Node(postgres_server=self.cluster.url())
        self.addCleanup(self.node.close)
        self.node.start()

    def test_requests_fail_with_503_and_recover_by_themselves(self):
        node = self.node
        token = node.operator_token
        org = node.create_org("Restart", "FR")
        statuses = []
        stop = threading.Event()
        lock = threading.Lock()

        def load(n):
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if i % 2:
                        r = node.get("/api/v1/organizations", token=token)
                    else:
                        r = node.post("/api/v1/contacts", contact_body(org["id"], f"Load {n} {i}"),
                                      token=token)
                    with lock:
                        statuses.append((r.status, r.body[:200]))
                except (OSError, http.client.HTTPException) as e:
                    with lock:
                        statuses.append((0, repr(e)))

        threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(statuses) >= 20, 60, "load before the restart")
            self.cluster.stop("fast")
            # While the database is down every request that needs it is refused with 503.
            r = node.get("/api/v1/organizations", token=token)
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json()["code"], "unavailable")
            self.assertEqual(node.get("/readyz").status, 503)
            self.cluster.start()
            # Heals by itself: fresh connections replace the dead ones.
            wait_for(lambda: node.get("/api/v1/organizations", token=token).status == 200, 60,
                     "the node to recover")
            count = len(statuses)
            wait_for(lambda: len(statuses) >= count + 20, 60, "load after the restart")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        self.assertIsNone(node.process.poll(), "the server died: " + node.server_log()[-2000:])
        unexpected = [s for s in statuses if s[0] not in (200, 201, 503)]
        self.assertEqual(unexpected, [])
        self.assertEqual(node.get("/readyz").status, 200)
        # Nothing half-written: the audit chain still verifies.
        r = node.get("/api/v1/audit/verify", token=token)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json()["ok"], True, r.json())


if __name__ == "__main__":
    unittest.main()
