"""Tampering with the stored audit log is detected offline by `liaison audit verify`.

The attacker has the database file: they may drop any trigger that guards the audit table before
editing it, so the tests do that first (detection must not rely on the triggers).

Readings: `liaison audit verify --config` exits non-zero on a broken chain and its output names
the first bad entry's seq and the problem ("edited", "deleted"). For a deleted entry the first
bad entry may be reported as the missing seq or as the one after it; both are accepted.
"""
import re
import sqlite3
import unittest

from harness import Node, contact_body


class AuditTamperTest(unittest.TestCase):
    def setUp(self):
        self.node = Node()
        self.addCleanup(self.node.close)
        node = self.node.start()
        org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        node.create_account(org["id"], "policy@fr.demo.test", ["policy"])
        token = node.account_token("policy@fr.demo.test")
        for i in range(4):
            r = node.post("/api/v1/contacts", contact_body(org["id"], f"Contact {i}"),
                          token=token)
            self.assertEqual(r.status, 201, r)
        c = r.json()
        r = node.request("PATCH", f"/api/v1/contacts/{c['id']}", body={"title": "New"},
                         token=token, headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        node.stop()
        self.seqs = [row["seq"] for row in node.db_query("SELECT seq FROM audit_log ORDER BY seq")]
        self.assertGreaterEqual(len(self.seqs), 6, self.seqs)
        result = self.verify()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # The middle entry: neither the first nor the last (truncation is a separate matter).
        self.target = self.seqs[len(self.seqs) // 2]

    def verify(self):
        return self.node.cli("audit", "verify", "--config", str(self.node.config), check=False)

    def tamper(self, sql, params=()):
        if self.node.db_kind != "sqlite":
            self.assertEqual(self.node.db_execute(sql, params), 1)
            return
        conn = sqlite3.connect(self.node.db_path)
        try:
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                                        "AND tbl_name='audit_log'").fetchall():
                conn.execute(f'DROP TRIGGER "{name}"')
            changed = conn.execute(sql, params).rowcount
            conn.commit()
            self.assertEqual(changed, 1)
        finally:
            conn.close()

    def test_edited_entry_is_reported(self):
        self.tamper("UPDATE audit_log SET action = 'contact.read' WHERE seq = ?", (self.target,))
        result = self.verify()
        out = result.stdout + result.stderr
        self.assertNotEqual(result.returncode, 0, out)
        self.assertIn("edited", out)
        self.assertRegex(out, rf"\b{self.target}\b")
        # The API says the same once the server runs again.
        self.node.start()
        r = self.node.get("/api/v1/audit/verify", token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertIs(body["ok"], False, body)
        self.assertEqual(body["first_bad_seq"], self.target, body)
        self.assertEqual(body["problem"], "edited", body)

    def test_edited_entry_with_recomputed_hash_is_reported(self):
        # Changing a field and its own hash still breaks the next entry's link.
        self.tamper("UPDATE audit_log SET action = 'contact.read', "
                    "hash = '" + "ab" * 32 + "' WHERE seq = ?", (self.target,))
        result = self.verify()
        out = result.stdout + result.stderr
        self.assertNotEqual(result.returncode, 0, out)
        self.assertRegex(out, rf"\b({self.target}|{self.target + 1})\b")

    def test_deleted_entry_is_reported(self):
        self.tamper("DELETE FROM audit_log WHERE seq = ?", (self.target,))
        result = self.verify()
        out = result.stdout + result.stderr
        self.assertNotEqual(result.returncode, 0, out)
        self.assertIn("deleted", out)
        following = min(s for s in self.seqs if s > self.target)
        self.assertRegex(out, rf"\b({self.target}|{following})\b")

    def test_truncation_is_reported_against_a_kept_head(self):
        head = self.node.cli("audit", "head", "--config", str(self.node.config)).strip()
        self.assertRegex(head, r"^\d+:[0-9a-f]{64}$")
        self.assertEqual(int(head.split(":")[0]), self.seqs[-1])
        kept = ["audit", "verify", "--config", str(self.node.config), "--expected-head", head]
        intact = self.node.cli(*kept, check=False)
        self.assertEqual(intact.returncode, 0, intact.stdout + intact.stderr)
        self.assertIn("expected head", intact.stdout)
        # Removing the newest entry leaves a chain that verifies on its own, but not against the
        # head kept outside the node.
        self.tamper("DELETE FROM audit_log WHERE seq = ?", (self.seqs[-1],))
        self.assertEqual(self.verify().returncode, 0)
        cut = self.node.cli(*kept, check=False)
        self.assertEqual(cut.returncode, 3, cut.stdout + cut.stderr)
        self.assertIn("truncated", cut.stdout)
        # The API takes the same head.
        self.node.start()
        seq, digest = head.split(":")
        r = self.node.get(f"/api/v1/audit/verify?expected_seq={seq}&expected_hash={digest}",
                          token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["problem"], "truncated", r.json())
        r = self.node.get("/api/v1/audit/head", token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["seq"], self.seqs[-2], r.json())
        r = self.node.get(f"/api/v1/audit/verify?expected_seq={seq}&expected_hash=xyz",
                          token=self.node.operator_token)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["field"], "expected_hash", r.json())

    def test_malformed_expected_head_is_refused(self):
        result = self.node.cli("audit", "verify", "--config", str(self.node.config),
                               "--expected-head", "12", check=False)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("SEQ:HASH", result.stderr)


if __name__ == "__main__":
    unittest.main()
