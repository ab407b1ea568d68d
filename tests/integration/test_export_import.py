"""Moving a whole node: a node with the demo data, cooperation requests (submitted and
acknowledged, with receipts), a reachability campaign and its e-mails, and the audit chain of all
that is exported with `liaison export` and imported with `liaison import` into a new, freshly
migrated SQLite database. When the node runs on PostgreSQL (the integration_pg run) that is a move
from PostgreSQL to SQLite, and the new SQLite node is then exported again and imported into a
fresh PostgreSQL database, so both directions are covered. Afterwards `liaison audit verify` passes on the new database with as
many entries as the old one, every table holds the same rows (compared value by value), and a
server started on the new database answers the same request, timeline, receipts and campaign as
the old one, to the same bearer token. Importing a second time, or into the original (non-empty)
database, is refused and changes nothing.
"""
import copy
import re
import subprocess
import unittest

from harness import (BIN, Node, contact_body, create_postgres_database, drop_postgres_database,
                     rfc3339, wait_for)
from request_bodies import mitigation


def table_rows(node, kind=None, where=None):
    """Every row of every table but the migration log, sorted, per table: of `node`'s database,
    or of the `kind` ("sqlite" or "postgresql") database at `where` (a path or a URL)."""
    view = copy.copy(node)
    if kind == "sqlite":
        view.db_kind, view.db_path = kind, where
    elif kind == "postgresql":
        view.db_kind, view.db_url = kind, where
    return view.db_snapshot()


def with_database(config, url):
    """The text of `config` with its database URL replaced by `url`."""
    return re.sub(r'(?m)^url = "[^"]*"$', f'url = "{url}"', config.read_text())


class ExportImportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.node = Node(init_args=("--demo",))
        cls.addClassCleanup(cls.node.close)
        node = cls.node.start()
        fr = node.create_org("CERT-FR", "FR", kind="national_cert")
        de = node.create_org("CERT-Bund", "DE", kind="national_cert")
        node.create_account(fr["id"], "analyst@cert.fr.test", ["technical"])
        node.create_account(de["id"], "lage@cert-bund.de.test", ["technical"])
        cls.fr = node.account_token("analyst@cert.fr.test")
        cls.de = node.account_token("lage@cert-bund.de.test")
        r = node.post("/api/v1/contacts", contact_body(de["id"], "Lagezentrum",
                                                       emails=["lage@cert-bund.de.test"]),
                      token=node.operator_token)
        assert r.status == 201, r
        cls.requests = []
        for i in range(3):
            r = node.post("/api/v1/requests", mitigation(subject=f"Export {i}"), token=cls.fr)
            assert r.status == 201, r
            cls.requests.append(r.json()["id"])
        r = node.request("POST", f"/api/v1/requests/{cls.requests[0]}/acknowledge", body={},
                         token=cls.de, headers={"If-Match": '"1"'})
        assert r.status == 200, r
        r = node.post("/api/v1/pings", {"scope": "states", "states": ["FR", "DE"],
                                        "level": "both", "deadline": rfc3339(86400)},
                      token=node.operator_token)
        assert r.status == 201, r
        cls.campaign = r.json()["id"]
        # Let the outbox settle, so that the snapshot and the live node agree.
        wait_for(lambda: not node.db_query(
            "SELECT id FROM notifications WHERE status IN ('pending', 'delivering')"), 60,
            "the outbox to drain")
        node.stop()
        cls.export = node.dir / "node.ndjson"
        out = node.cli("export", "--config", str(node.config), "--output", str(cls.export))
        cls.exported = dict(re.findall(r"^(\w+) (\d+)$", out, re.M))
        cls.target_db = node.dir / "imported.db"
        cls.target_config = node.dir / "imported.toml"
        cls.target_config.write_text(with_database(node.config, f"sqlite://{cls.target_db}"))
        node.cli("migrate", "--config", str(cls.target_config))
        out = node.cli("import", "--config", str(cls.target_config), "--input", str(cls.export))
        cls.imported = dict(re.findall(r"^(\w+) (\d+)$", out, re.M))
        cls.back = None
        if node.db_kind == "postgresql":
            # And back: the SQLite node into a fresh PostgreSQL database.
            again = node.dir / "again.ndjson"
            node.cli("export", "--config", str(cls.target_config), "--output", str(again))
            cls.back_name, cls.back = create_postgres_database(node.pg_server)
            cls.back_config = node.dir / "back.toml"
            cls.back_config.write_text(with_database(node.config, cls.back))
            node.cli("migrate", "--config", str(cls.back_config))
            node.cli("import", "--config", str(cls.back_config), "--input", str(again))

    @classmethod
    def tearDownClass(cls):
        if cls.back:
            drop_postgres_database(cls.back_name, cls.node.pg_server)
        super().tearDownClass()

    def test_every_table_holds_the_same_rows(self):
        before = table_rows(self.node)
        after = table_rows(self.node, "sqlite", self.target_db)
        self.assertEqual(sorted(before), sorted(after))
        if self.back:
            self.assertEqual(table_rows(self.node, "postgresql", self.back), before)
        for table in before:
            self.assertEqual(after[table], before[table], table)
            self.assertEqual(int(self.imported[table]), len(before[table]), table)
        self.assertEqual(self.exported, self.imported)
        for table in ("audit_log", "requests", "request_receipts", "ping_campaigns",
                      "notifications", "contacts", "accounts", "signing_keys"):
            self.assertGreater(len(before[table]), 0, table)

    def test_audit_chain_verifies_with_every_entry(self):
        source = self.node.cli("audit", "verify", "--config", str(self.node.config))
        target = self.node.cli("audit", "verify", "--config", str(self.target_config))
        self.assertRegex(target, r"audit chain intact: \d+ entries verified")
        self.assertEqual(target, source)
        if self.back:
            self.assertEqual(self.node.cli("audit", "verify", "--config", str(self.back_config)),
                             source)
        head = self.node.cli("audit", "head", "--config", str(self.node.config))
        self.node.cli("audit", "verify", "--config", str(self.target_config),
                      "--expected-head", head.strip())

    def test_export_file_is_readable_by_its_owner_only(self):
        self.assertEqual(self.export.stat().st_mode & 0o777, 0o600)

    def test_second_import_and_import_into_a_used_database_are_refused(self):
        before = table_rows(self.node, "sqlite", self.target_db)
        for config in (self.target_config, self.node.config):
            result = self.node.cli("import", "--config", str(config), "--input",
                                   str(self.export), check=False)
            self.assertEqual(result.returncode, 1, result)
            self.assertIn("is not empty", result.stderr)
        self.assertEqual(table_rows(self.node, "sqlite", self.target_db), before)

    def test_imported_node_serves_the_same_records(self):
        node = self.node
        paths = [f"/api/v1/requests/{self.requests[0]}",
                 f"/api/v1/requests/{self.requests[0]}/timeline",
                 f"/api/v1/requests/{self.requests[0]}/receipts",
                 f"/api/v1/requests/{self.requests[2]}"]
        node.start()
        try:
            old = [node.get(p, token=self.fr) for p in paths]
            old_campaign = node.get(f"/api/v1/pings/{self.campaign}", token=node.operator_token)
        finally:
            node.stop()
        for r in old + [old_campaign]:
            self.assertEqual(r.status, 200, r)
        ready = node.dir / "imported.ready"
        with open(node.dir / "imported.log", "ab") as log:
            process = subprocess.Popen([BIN, "serve", "--config", str(self.target_config),
                                        "--ready-file", str(ready)], stdout=log, stderr=log)
            try:
                def is_ready():
                    self.assertIsNone(process.poll(), "the imported node's server exited")
                    return ready.exists() and ready.read_text().strip()
                saved_port, node.port = node.port, int(wait_for(is_ready, 60, "the server"))
                try:
                    new = [node.get(p, token=self.fr) for p in paths]
                    new_campaign = node.get(f"/api/v1/pings/{self.campaign}",
                                            token=node.operator_token)
                finally:
                    node.port = saved_port
            finally:
                process.terminate()
                process.wait(timeout=60)
        for before, after in zip(old + [old_campaign], new + [new_campaign]):
            self.assertEqual(after.status, 200, after)
            self.assertEqual(after.json(), before.json())


if __name__ == "__main__":
    unittest.main()
