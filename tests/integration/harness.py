"""Test harness: runs a real liaison node (the built binary, a fresh database, a real SMTP server
and a real webhook receiver on loopback) and talks HTTP to it. The database is a SQLite file, or,
when LIAISON_TEST_POSTGRES_URL (or the file LIAISON_TEST_POSTGRES_URL_FILE names) points to a
PostgreSQL server, a fresh database on it per node (psycopg2, Debian's python3-psycopg2, reads
it). Otherwise stdlib only."""
import email
import email.policy
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

BIN = os.environ.get("LIAISON_BIN", "")
SOURCE = pathlib.Path(os.environ.get("LIAISON_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
PYTHON = "/usr/bin/python3"


def postgres_server_url():
    """The PostgreSQL test server's maintenance-database URL, or None to use SQLite."""
    url = os.environ.get("LIAISON_TEST_POSTGRES_URL", "")
    path = os.environ.get("LIAISON_TEST_POSTGRES_URL_FILE", "")
    if not url and path:
        url = pathlib.Path(path).read_text().strip()
    return url or None


POSTGRES = postgres_server_url()


def postgres_url(server_url, database):
    """`server_url` naming `database` instead."""
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def postgres_admin(server_url, *statements):
    """Runs statements (CREATE/DROP DATABASE) outside a transaction on the server."""
    import psycopg2
    conn = psycopg2.connect(server_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def create_postgres_database(server_url=None):
    """A fresh database on the test server; returns (name, url)."""
    server_url = server_url or POSTGRES
    name = "it_" + os.urandom(8).hex()
    postgres_admin(server_url, f"CREATE DATABASE {name}")
    return name, postgres_url(server_url, name)


def drop_postgres_database(name, server_url=None):
    postgres_admin(server_url or POSTGRES, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def wait_for(predicate, timeout=30.0, what="condition"):
    """Polls `predicate` until it returns a truthy value; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def post_burst_then_kill(node, path, token, body_for, what, writers=4, min_answered=8):
    """POSTs to `path` from `writers` keep-alive connections (body_for(writer, i) gives each
    body) until at least `min_answered` 201 answers and ~1.5 s have passed, then kills the server
    with SIGKILL mid-stream. Returns (answered, other_answers): the ids answered 201, in order,
    and the (status, payload) of any other answer received before the kill."""
    answered, other_answers = [], []
    lock, stop, killed = threading.Lock(), threading.Event(), threading.Event()

    def writer(n):
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
        i = 0
        while not stop.is_set():
            body = json.dumps(body_for(n, i)).encode()
            i += 1
            try:
                conn.request("POST", path, body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                resp = conn.getresponse()
                payload = resp.read()
            except (OSError, http.client.HTTPException):
                if killed.is_set():
                    return
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
                continue
            with lock:
                if resp.status == 201:
                    answered.append(json.loads(payload)["id"])
                else:
                    other_answers.append((resp.status, payload[:200]))
        conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    # Let the writers run ~1.5 s (polling the observable count, not sleeping blindly).
    started = time.monotonic()
    wait_for(lambda: time.monotonic() - started > 1.5 and len(answered) >= min_answered, 60,
             what)
    killed.set()
    node.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return answered, other_answers


def merge_toml(base, extra):
    """Appends `extra` to the TOML text `base`, moving keys of a [section] that `base` already
    has under that section (TOML forbids defining a table twice). A key repeated in `extra`
    replaces the base one."""
    def parse(text):
        order, sections, current = [], {}, ""
        sections[""] = []
        order.append("")
        for line in text.splitlines():
            m = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
            if m:
                current = m.group(1).strip()
                if current not in sections:
                    sections[current] = []
                    order.append(current)
                continue
            if line.strip():
                sections[current].append(line)
        return order, sections
    order, sections = parse(base)
    extra_order, extra_sections = parse(extra or "")
    for name in extra_order:
        if name not in sections:
            sections[name] = []
            order.append(name)
        for line in extra_sections[name]:
            key = line.split("=", 1)[0].strip()
            sections[name] = [l for l in sections[name] if l.split("=", 1)[0].strip() != key]
            sections[name].append(line)
    out = []
    for name in order:
        if name:
            out.append(f"[{name}]")
        out.extend(sections[name])
    return "\n".join(out) + "\n"


def header_map(headers):
    """Lower-cased header name -> value from a dict or a list of pairs (webhook sink files)."""
    if isinstance(headers, dict):
        items = headers.items()
    else:
        items = [tuple(h) for h in headers]
    out = {}
    for k, v in items:
        if isinstance(v, list):
            v = v[0] if v else ""
        out.setdefault(str(k).lower(), v)
    return out


class Sink:
    """A child process (smtp_sink.py or webhook_sink.py) storing what it receives in a folder."""

    def __init__(self, script, folder):
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [PYTHON, str(SOURCE / "tests/support" / script), "--port", "0", "--dir", str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"port: (\d+)", line)
        if not match:
            raise RuntimeError(f"{script} did not start: {line!r}")
        self.port = int(match.group(1))

    def files(self, suffix):
        return sorted((p for p in self.folder.glob(f"*{suffix}")),
                      key=lambda p: int(p.stem) if p.stem.isdigit() else 0)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Node:
    """One liaison server with its database, SMTP sink and webhook receiver."""

    def __init__(self, extra_config="", init_args=(), postgres_server=None):
        """`postgres_server`: a PostgreSQL server URL to use instead of the test run's (a test
        that restarts its own server)."""
        if not BIN:
            raise RuntimeError("LIAISON_BIN is not set")
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="liaison-it-"))
        self.smtp = self.webhooks = self.process = self.log = None
        self.pg_database = None
        self.pg_server = postgres_server or POSTGRES
        try:
            self._set_up(extra_config, init_args)
        except BaseException:
            self.close()  # Stop the sinks started so far.
            raise

    def _set_up(self, extra_config, init_args=()):
        self.smtp = Sink("smtp_sink.py", self.dir / "mail")
        self.webhooks = Sink("webhook_sink.py", self.dir / "webhooks")
        self.config = self.dir / "liaison.toml"
        self.db_path = self.dir / "liaison.db"
        self.db_kind = "postgresql" if self.pg_server else "sqlite"
        if self.pg_server:
            self.pg_database, self.db_url = create_postgres_database(self.pg_server)
        else:
            self.db_url = f"sqlite://{self.db_path}"
        self.config.write_text(merge_toml(f"""
[server]
host = "127.0.0.1"
port = 0
public_url = "http://127.0.0.1:1"
worker_threads = 4
[database]
url = "{self.db_url}"
[mail]
smtp_url = "smtp://127.0.0.1:{self.smtp.port}"
from = "liaison@node.test"
starttls = "none"
[notify]
poll_interval_milliseconds = 50
initial_backoff_seconds = 1
[security]
secret_key = "{os.urandom(32).hex()}"
[log]
format = "json"
""", extra_config))
        self.port = None
        out = self.cli("init", "--config", str(self.config), *init_args)
        self.init_output = out
        self.operator_token = re.search(r"^token: (\S+)$", out, re.M).group(1)

    def cli(self, *args, check=True, input_text=None):
        result = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300,
                                input=input_text)
        if check and result.returncode != 0:
            raise AssertionError(f"liaison {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result.stdout if check else result

    def start(self):
        ready = self.dir / "ready"
        if ready.exists():
            ready.unlink()
        self.log = open(self.dir / "server.log", "ab")
        self.process = subprocess.Popen(
            [BIN, "serve", "--config", str(self.config), "--ready-file", str(ready)],
            stdout=self.log, stderr=self.log)
        def is_ready():
            if self.process.poll() is not None:
                raise AssertionError("liaison serve exited: " + self.server_log()[-2000:])
            return ready.exists() and ready.read_text().strip()
        self.port = int(wait_for(is_ready, 60, "the server to listen"))
        return self

    def server_log(self):
        return (self.dir / "server.log").read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)
        if self.log:
            self.log.close()
            self.log = None
        return self.process.returncode if self.process else None

    def close(self):
        try:
            self.stop()
        finally:
            for sink in (self.smtp, self.webhooks):
                if sink:
                    sink.stop()
            if self.pg_database:
                drop_postgres_database(self.pg_database, self.pg_server)
                self.pg_database = None
        if os.environ.get("LIAISON_KEEP_TEST_DIRS") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    # HTTP ---------------------------------------------------------------------------------
    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                connection=None):
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        conn = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=all_headers)
            resp = conn.getresponse()
            payload = resp.read().decode("utf-8", errors="replace")
            return Response(resp.status, resp.getheaders(), payload)
        finally:
            if connection is None:
                conn.close()

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token=token, **kw)

    def post(self, path, body, token=None, **kw):
        return self.request("POST", path, body=body, token=token, **kw)

    # Mail ---------------------------------------------------------------------------------
    def mails(self):
        out = []
        for path in self.smtp.files(".eml"):
            out.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return out

    def wait_for_mails(self, count, timeout=30):
        return wait_for(lambda: (m := self.mails()) and len(m) >= count and m, timeout,
                        f"{count} e-mails")

    # Accounts -----------------------------------------------------------------------------
    def create_org(self, name, state, kind="foreign_ministry", category="state"):
        body = {"name": name, "category": category, "kind": kind}
        if state:
            body["state"] = state
        r = self.post("/api/v1/organizations", body, token=self.operator_token)
        assert r.status == 201, r
        return r.json()

    def create_account(self, org_id, email_address, roles, password="correct horse battery"):
        r = self.post("/api/v1/accounts", {
            "organization_id": org_id, "email": email_address, "display_name": email_address,
            "roles": roles, "password": password}, token=self.operator_token)
        assert r.status == 201, r
        return r.json()

    def login(self, email_address, password="correct horse battery"):
        """Returns (cookie header value, csrf token)."""
        r = self.post("/api/v1/session", {"email": email_address, "password": password})
        assert r.status == 201, r
        cookie = r.header("Set-Cookie").split(";")[0]
        return cookie, r.json()["csrf_token"]

    def account_token(self, email_address, password="correct horse battery"):
        cookie, csrf = self.login(email_address, password)
        r = self.post("/api/v1/tokens", {"name": "tests"},
                      headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        assert r.status == 201, r
        return r.json()["token"]

    def db_connect(self):
        """A DB-API connection to the node's database (read and write: tests that tamper use
        it too). SQLite opens with a busy timeout; PostgreSQL in autocommit mode."""
        if self.db_kind == "postgresql":
            import psycopg2
            conn = psycopg2.connect(self.db_url)
            conn.autocommit = True
            return conn
        import sqlite3
        return sqlite3.connect(self.db_path, timeout=30)

    def _sql(self, sql):
        """`sql` with `?` placeholders in the connection's parameter style."""
        if self.db_kind == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    @staticmethod
    def _plain(value):
        return bytes(value) if isinstance(value, memoryview) else value

    def db_tables(self):
        conn = self.db_connect()
        try:
            cur = conn.cursor()
            if self.db_kind == "postgresql":
                cur.execute("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = 'public' ORDER BY table_name")
            else:
                cur.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            return [r[0] for r in cur.fetchall()]
        finally:
            conn.close()

    def db_snapshot(self, tables=None, keys_only=()):
        """Every row of every table (or of `tables`) except the migration log, for 'nothing
        changed' checks. Tables in `keys_only` are compared by their first column only (rows
        whose other columns legitimately change on reads, e.g. a token's last use)."""
        all_tables = self.db_tables()
        conn = self.db_connect()
        try:
            snapshot = {}
            for t in all_tables:
                if t in ("schema_migrations",) or t.startswith("sqlite_"):
                    continue
                if tables is not None and t not in tables:
                    continue
                cur = conn.cursor()
                cur.execute(f'SELECT * FROM "{t}"')
                rows = [tuple(self._plain(v) for v in r) for r in cur.fetchall()]
                if t in keys_only:
                    snapshot[t] = sorted(repr(r[0]) for r in rows)
                else:
                    snapshot[t] = sorted(map(repr, rows))
            return snapshot
        finally:
            conn.close()

    def stable_snapshot(self):
        """db_snapshot() of every table, comparing tables of credentials (sessions, tokens,
        login throttling) by key only, since using a credential may touch its row."""
        volatile = tuple(t for t in self.db_tables()
                         if re.search(r"session|token|throttle|login", t))
        return self.db_snapshot(keys_only=volatile)

    def db_query(self, sql, params=()):
        """Rows of a read-only query (`?` placeholders) as dicts."""
        conn = self.db_connect()
        try:
            cur = conn.cursor()
            cur.execute(self._sql(sql), tuple(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, (self._plain(v) for v in r))) for r in cur.fetchall()]
        finally:
            conn.close()

    def db_execute(self, sql, params=()):
        """Runs one changing statement (`?` placeholders) behind the server's back; returns the
        number of rows changed. For tests that tamper with the database."""
        conn = self.db_connect()
        try:
            cur = conn.cursor()
            cur.execute(self._sql(sql), tuple(params))
            changed = cur.rowcount
            conn.commit()
            return changed
        finally:
            conn.close()

    # Webhooks -----------------------------------------------------------------------------
    def webhook_url(self, path="/hook"):
        return f"http://127.0.0.1:{self.webhooks.port}{path}"

    def webhook_deliveries(self):
        """What the webhook sink received, oldest first: dicts with `headers` (lower-cased
        names), `body` (text), `status` (what the sink answered), `path` and `file`."""
        out = []
        for path in self.webhooks.files(".json"):
            try:
                data = json.loads(path.read_text())
            except (ValueError, OSError):
                continue  # Being written.
            body = data.get("body")
            if not isinstance(body, str):
                body = json.dumps(body)
            out.append({"headers": header_map(data.get("headers") or {}), "body": body,
                        "status": data.get("status"), "path": data.get("path"),
                        "file": path.name})
        return out

    def clear_webhook_status(self):
        """Drops a status set with set_webhook_status that no request has used yet."""
        try:
            (self.webhooks.folder / "next_status").unlink()
        except FileNotFoundError:
            pass

    def set_webhook_status(self, status):
        """The status the webhook sink answers to the next request (one request only)."""
        target = self.webhooks.folder / "next_status"
        temp = self.webhooks.folder / "next_status.tmp"
        temp.write_text(str(status))
        os.replace(temp, target)

    def request_raw(self, data, timeout=60):
        """Sends raw bytes (a whole HTTP request) on a fresh connection while reading the
        answer, so that a server that answers early (413) and closes is still heard. Returns a
        Response, or raises ConnectionError when the server closed without answering."""
        import socket
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        def send():
            try:
                view = memoryview(data)
                while view:
                    sent = sock.send(view[:65536])
                    view = view[sent:]
            except OSError:
                pass  # The server stopped reading: expected after it answered.
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                raw = b"".join(chunks)
                head, sep, rest = raw.partition(b"\r\n\r\n")
                if sep:
                    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                    if m and len(rest) >= int(m.group(1)):
                        break
        except ConnectionResetError:
            if not chunks:
                raise
        finally:
            sock.close()
            sender.join(timeout=10)
        raw = b"".join(chunks)
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if not lines or not lines[0].startswith("HTTP/"):
            raise ConnectionError(f"no HTTP answer: {raw[:200]!r}")
        status = int(lines[0].split()[1])
        headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:] if ":" in l]
        return Response(status, headers, rest.decode("utf-8", errors="replace"))


class NodeTestCase(unittest.TestCase):
    """A test case with one running node per class."""
    extra_config = ""

    @classmethod
    def setUpClass(cls):
        # A class cleanup runs even when a subclass's setUpClass fails after this.
        cls.node = Node(cls.extra_config)
        cls.addClassCleanup(cls.node.close)
        cls.node.start()

    def assertProblem(self, response, status, code=None, field=None):
        self.assertEqual(response.status, status, response)
        self.assertTrue((response.header("Content-Type") or "").startswith(
            "application/problem+json"), response.headers)
        problem = response.json()
        if code:
            self.assertEqual(problem.get("code"), code, problem)
        if field is not None:
            self.assertEqual(problem.get("field"), field, problem)
        return problem


# Shared helpers for the test modules ------------------------------------------------------------
def rfc3339(seconds_from_now):
    """An RFC 3339 UTC time `seconds_from_now` seconds from now (negative: in the past)."""
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def contact_body(org_id, name, **fields):
    """A valid POST /contacts body for organisation `org_id`; `fields` override or add."""
    body = {
        "organization_id": org_id,
        "level": "technical",
        "name": name,
        "title": "Duty officer",
        "emails": [re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") + "@example.test"],
        "phones": ["+33123456789"],
        "languages": ["en"],
        "time_zone": "Europe/Paris",
        "working_hours": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"]},
        "available_24_7": False,
        "preferred_channels": ["email"],
        "notes": "",
    }
    body.update(fields)
    return body


def list_all(node, path, token=None, headers=None, limit=None, max_pages=100):
    """Follows `next` cursors from `path` and returns every item (asserting 200 answers)."""
    items = []
    cursor = None
    for _ in range(max_pages):
        query = {}
        if limit:
            query["limit"] = str(limit)
        if cursor:
            query["cursor"] = cursor
        sep = "&" if "?" in path else "?"
        url = path + (sep + urllib.parse.urlencode(query) if query else "")
        r = node.get(url, token=token, headers=headers)
        if r.status != 200:
            raise AssertionError(f"GET {url}: {r}")
        page = r.json()
        items.extend(page["items"])
        cursor = page.get("next")
        if not cursor:
            return items
    raise AssertionError(f"GET {path}: more than {max_pages} pages")


def find_table(node, *candidates):
    """The first of `candidates` that exists in the database (table names may differ by module);
    fails naming what exists otherwise."""
    tables = node.db_tables()
    for c in candidates:
        if c in tables:
            return c
    raise AssertionError(f"none of the tables {candidates} exists; tables: {tables}")
