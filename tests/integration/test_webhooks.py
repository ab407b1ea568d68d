"""Webhooks: registration with a secret shown once, signed deliveries that the receiver can
verify, and retries until the receiver accepts.

Readings of docs/api.md: the signature is X-Liaison-Signature: "sha256=" + hex HMAC-SHA256 keyed
with the secret exactly as shown at registration (its UTF-8 bytes), over
X-Liaison-Timestamp + "." + the raw body. The timestamp is Unix seconds or RFC 3339; either must
be within a few minutes of now.
"""
import calendar
import hashlib
import hmac
import json
import time
import unittest

from harness import NodeTestCase, contact_body, wait_for


def timestamp_seconds(value):
    if value.isdigit():
        return int(value)
    return calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S"))


class WebhookTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        node.create_account(cls.org["id"], "policy@fr.demo.test", ["policy"])
        node.create_account(cls.org["id"], "tech@fr.demo.test", ["analyst"])
        cls.token = node.account_token("policy@fr.demo.test")
        cls.tech_token = node.account_token("tech@fr.demo.test")
        r = node.post("/api/v1/webhooks", {"url": node.webhook_url(),
                                           "events": ["contact.created", "contact.updated"]},
                      token=cls.token)
        assert r.status == 201, r
        cls.webhook = r.json()
        cls.secret = cls.webhook["secret"]

    def deliveries_for(self, event, contact_id):
        return [d for d in self.node.webhook_deliveries()
                if d["headers"].get("x-liaison-event") == event and contact_id in d["body"]]

    def create_contact(self, name):
        r = self.node.post("/api/v1/contacts", contact_body(self.org["id"], name),
                           token=self.token)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def test_registration_shows_secret_once(self):
        self.assertTrue(self.secret)
        self.assertGreaterEqual(len(self.secret), 32)
        r = self.node.get("/api/v1/webhooks", token=self.token)
        self.assertEqual(r.status, 200, r)
        self.assertIn(self.webhook["id"], [w["id"] for w in r.json()["items"]])
        self.assertNotIn(self.secret, r.body)
        # Stored encrypted, not in clear.
        rows = self.node.db_query("SELECT * FROM webhooks")
        self.assertNotIn(self.secret, repr(rows))
        # An analyst account does not manage webhooks (policy and technical accounts do);
        # anonymous callers are refused.
        r = self.node.post("/api/v1/webhooks", {"url": self.node.webhook_url(),
                                                "events": ["contact.created"]},
                           token=self.tech_token)
        self.assertProblem(r, 403, code="permission_denied")
        self.assertProblem(self.node.get("/api/v1/webhooks"), 401, code="unauthenticated")

    def test_delivery_is_signed(self):
        contact = self.create_contact("Signed Delivery")
        (d,) = wait_for(lambda: self.deliveries_for("contact.created", contact["id"]), 30,
                        "the contact.created delivery")
        h = d["headers"]
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertTrue(h.get("x-liaison-delivery"), h)
        ts = h["x-liaison-timestamp"]
        self.assertLess(abs(timestamp_seconds(ts) - time.time()), 300, ts)
        expected = "sha256=" + hmac.new(self.secret.encode(), (ts + "." + d["body"]).encode(),
                                        hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(h.get("x-liaison-signature", ""), expected),
                        f"signature {h.get('x-liaison-signature')} != {expected}")
        payload = json.loads(d["body"])
        self.assertIn(contact["id"], json.dumps(payload))
        # An update is announced too, with its own delivery id.
        r = self.node.request("PATCH", f"/api/v1/contacts/{contact['id']}",
                              body={"title": "Changed"}, token=self.token,
                              headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        (u,) = wait_for(lambda: self.deliveries_for("contact.updated", contact["id"]), 30,
                        "the contact.updated delivery")
        self.assertNotEqual(u["headers"]["x-liaison-delivery"], h["x-liaison-delivery"])
        self.assertIn("Changed", u["body"])

    def test_failed_delivery_is_retried_until_accepted(self):
        # The sink answers 500 to the next request only, then 200 again.
        self.node.set_webhook_status(500)
        try:
            contact = self.create_contact("Retried Delivery")
            attempts = wait_for(
                lambda: (a := self.deliveries_for("contact.created", contact["id"])) and
                len(a) >= 2 and a, 60, "two attempts of the delivery (the first answered 500)")
        finally:
            self.node.clear_webhook_status()
        self.assertEqual([a["status"] for a in attempts], [500, 200], attempts)
        self.assertEqual(attempts[0]["path"], "/hook")
        delivery_id = attempts[0]["headers"]["x-liaison-delivery"]
        self.assertTrue(all(a["headers"]["x-liaison-delivery"] == delivery_id for a in attempts))
        self.assertTrue(all(a["body"] == attempts[0]["body"] for a in attempts))

        def delivered():
            rows = self.node.db_query("SELECT status, attempts FROM notifications WHERE id = ?",
                                      (delivery_id,))
            return rows and rows[0]["status"] == "delivered" and rows[0]
        row = wait_for(delivered, 60, "the delivery to succeed once the receiver accepts")
        self.assertGreaterEqual(row["attempts"], 2)
        # A retry is signed afresh and still verifies.
        last = self.deliveries_for("contact.created", contact["id"])[-1]
        ts = last["headers"]["x-liaison-timestamp"]
        expected = "sha256=" + hmac.new(self.secret.encode(), (ts + "." + last["body"]).encode(),
                                        hashlib.sha256).hexdigest()
        self.assertEqual(last["headers"]["x-liaison-signature"], expected)

    def test_zz_delete_webhook(self):
        r = self.node.request("DELETE", f"/api/v1/webhooks/{self.webhook['id']}",
                              token=self.tech_token)
        self.assertIn(r.status, (403, 404), r)
        r = self.node.request("DELETE", f"/api/v1/webhooks/{self.webhook['id']}",
                              token=self.token)
        self.assertEqual(r.status, 204, r)
        r = self.node.get("/api/v1/webhooks", token=self.token)
        self.assertNotIn(self.webhook["id"], [w["id"] for w in r.json()["items"]])


if __name__ == "__main__":
    unittest.main()
