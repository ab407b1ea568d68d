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


if __name__ == "__main__":
    unittest.main()
