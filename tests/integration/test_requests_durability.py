"""A server killed with SIGKILL during a burst of request submissions loses no request it answered
201, stores each committed request with exactly one routing e-mail in its outbox, keeps its audit
chain intact, and after a restart hands each e-mail to the SMTP server once (the one allowed
duplicate being a message sent before the kill but not yet recorded, which carries the same
Message-ID), as docs/notifications.md describes.
"""
import unittest

from harness import Node, contact_body, post_burst_then_kill, wait_for
from request_bodies import mitigation


class RequestDurabilityTest(unittest.TestCase):
    def setUp(self):
        self.node = Node("[notify]\ndelivery_timeout_seconds = 5\n")
        self.addCleanup(self.node.close)
        self.node.start()

    def test_sigkill_during_submissions_loses_nothing_and_mails_once(self):
        node = self.node
        fr = node.create_org("CERT-FR", "FR", kind="national_cert")
        de = node.create_org("CERT-Bund", "DE", kind="national_cert")
        node.create_account(fr["id"], "analyst@cert.fr.test", ["technical"])
        token = node.account_token("analyst@cert.fr.test")
        r = node.post("/api/v1/contacts", contact_body(
            de["id"], "Lagezentrum", emails=["lage@cert-bund.de.test"]),
            token=node.operator_token)
        self.assertEqual(r.status, 201, r)

        answered, other_answers = post_burst_then_kill(
            node, "/api/v1/requests", token,
            lambda n, i: mitigation(subject=f"Writer {n} request {i}"),
            "writers to have submitted some requests")
        answered = set(answered)
        self.assertFalse(other_answers, other_answers[:5])

        result = node.cli("audit", "verify", "--config", str(node.config), check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        sent_at_kill = {str(m["Message-ID"]) for m in node.mails()}
        delivered_at_kill = {f"<{r['id']}@liaison>" for r in node.db_query(
            "SELECT id FROM notifications WHERE status = 'delivered'")}

        node.start()
        stored = {r["id"] for r in node.db_query(
            "SELECT id FROM requests WHERE status = 'submitted'")}
        self.assertFalse(answered - stored, "requests answered 201 were lost")
        for rid in list(answered)[:10]:
            self.assertEqual(node.get(f"/api/v1/requests/{rid}", token=token).status, 200)
        # Exactly one routing e-mail per committed request, and none for anything else.
        rows = node.db_query("SELECT id, related_id FROM notifications WHERE channel = 'email'")
        per_request = {}
        for row in rows:
            per_request.setdefault(row["related_id"], []).append(row["id"])
        self.assertEqual(set(per_request), stored)
        self.assertTrue(all(len(v) == 1 for v in per_request.values()))

        wait_for(lambda: all(r["status"] == "delivered" for r in node.db_query(
            "SELECT status FROM notifications")), 180, "every e-mail to be delivered")
        expected = {f"<{row['id']}@liaison>" for row in rows}
        wait_for(lambda: {str(m["Message-ID"]) for m in node.mails()} >= expected, 30,
                 "the SMTP sink to hold every e-mail")
        seen = {}
        for m in node.mails():
            seen[str(m["Message-ID"])] = seen.get(str(m["Message-ID"]), 0) + 1
        self.assertEqual(set(seen), expected)
        for mid, count in seen.items():
            if count > 1:
                self.assertEqual(count, 2, f"{mid} was handed over {count} times")
                self.assertIn(mid, sent_at_kill, f"{mid} duplicated without being in flight")
                self.assertNotIn(mid, delivered_at_kill, f"{mid} recorded delivered, sent again")


if __name__ == "__main__":
    unittest.main()
