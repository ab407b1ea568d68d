"""Tokens, sessions with CSRF protection, password-guessing throttle, secrets kept out of logs,
and hiding records outside a caller's audience.

Readings of docs/api.md:
- The throttle answers 429 on the attempt after 5 failures (login_max_failures = 5), even with
  the right password, with code resource_exhausted and reason login_throttled. It counts per
  account and per address (src/security/login_throttle.hpp), so it has its own node here:
  every request of the tests comes from 127.0.0.1.
- A revoked, expired or unknown token is 401 unauthenticated; a session cookie after logout too.
- Wrong password and unknown account answer the same problem (same members, code, reason,
  detail; only request_id differs), so that accounts cannot be enumerated.
- The access log is the server log (JSON lines, [log] format = "json"); a line for a request
  carries its `request_id` and the path without the query string.
"""
import http.client
import json
import re
import unittest

from harness import contact_body, NodeTestCase, rfc3339, wait_for


PASSWORD = "correct horse battery"


class SecurityTest(NodeTestCase):
    secrets = []  # Every credential issued in this class, checked against the log at the end.

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.secrets.append(node.operator_token)
        cls.fr_org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        cls.ke_org = node.create_org("KE-CIRT/CC", "KE", kind="national_cert")
        cls.fr = node.create_account(cls.fr_org["id"], "policy@fr.demo.test", ["policy"])
        cls.ke = node.create_account(cls.ke_org["id"], "policy@ke.demo.test", ["policy"])
        cls.fr_token = node.account_token("policy@fr.demo.test")
        cls.ke_token = node.account_token("policy@ke.demo.test")
        cls.secrets += [cls.fr_token, cls.ke_token, PASSWORD]

    def session(self, email="policy@fr.demo.test"):
        r = self.node.post("/api/v1/session", {"email": email, "password": PASSWORD})
        self.assertEqual(r.status, 201, r)
        cookie = r.header("Set-Cookie")
        value = cookie.split(";")[0]
        csrf = r.json()["csrf_token"]
        self.secrets.extend([value.split("=", 1)[1], csrf])
        return r, value, csrf

    def new_token(self, **extra):
        _, cookie, csrf = self.session()
        r = self.node.post("/api/v1/tokens", {"name": "tests", **extra},
                           headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 201, r)
        self.secrets.append(r.json()["token"])
        return r.json()

    def test_token_lifecycle(self):
        created = self.new_token()
        secret = created["token"]
        self.assertRegex(created["id"], r"^\w+_")
        self.assertTrue(created["expires_at"])
        r = self.node.get("/api/v1/tokens", token=self.fr_token)
        self.assertEqual(r.status, 200, r)
        self.assertIn(created["id"], [t["id"] for t in r.json()["items"]])
        self.assertNotIn(secret, r.body)
        self.assertFalse([t for t in r.json()["items"] if "token" in t or "secret" in t])
        r = self.node.get("/api/v1/me", token=secret)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["account"]["id"], self.fr["id"])
        self.assertEqual(r.json()["organization"]["id"], self.fr_org["id"])
        self.assertNotIn("password", r.body)
        r = self.node.request("DELETE", f"/api/v1/tokens/{created['id']}", token=self.fr_token)
        self.assertEqual(r.status, 204, r)
        self.assertProblem(self.node.get("/api/v1/me", token=secret), 401,
                           code="unauthenticated")

    def test_bad_tokens_are_401(self):
        for header in ("Bearer nonsense", "Bearer ", "Basic Zm9vOmJhcg==", "bearer x",
                       "Bearer " + self.fr_token + "x"):
            r = self.node.get("/api/v1/me", headers={"Authorization": header})
            self.assertProblem(r, 401, code="unauthenticated")

    def test_expired_token(self):
        created = self.new_token(expires_at=rfc3339(3))
        secret = created["token"]
        self.assertEqual(self.node.get("/api/v1/me", token=secret).status, 200)
        wait_for(lambda: self.node.get("/api/v1/me", token=secret).status == 401, 20,
                 "the token to expire")
        self.assertProblem(self.node.get("/api/v1/me", token=secret), 401,
                           code="unauthenticated")

    def test_session_cookie_and_csrf(self):
        r, cookie, csrf = self.session()
        set_cookie = r.header("Set-Cookie")
        self.assertTrue(cookie.startswith("liaison_session="), set_cookie)
        attributes = [a.strip().lower() for a in set_cookie.split(";")[1:]]
        self.assertIn("httponly", attributes, set_cookie)
        self.assertIn("samesite=strict", attributes, set_cookie)
        self.assertEqual(r.json()["account"]["id"], self.fr["id"])
        self.assertNotIn(csrf, cookie)
        me = self.node.get("/api/v1/me", headers={"Cookie": cookie})
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.json()["account"]["id"], self.fr["id"])
        before = self.node.get("/api/v1/tokens", headers={"Cookie": cookie}).json()["items"]
        r = self.node.post("/api/v1/tokens", {"name": "no csrf"}, headers={"Cookie": cookie})
        self.assertProblem(r, 401, code="unauthenticated")
        r = self.node.post("/api/v1/tokens", {"name": "wrong csrf"},
                           headers={"Cookie": cookie, "X-CSRF-Token": csrf[:-1] + "x"})
        self.assertProblem(r, 401, code="unauthenticated")
        after = self.node.get("/api/v1/tokens", headers={"Cookie": cookie}).json()["items"]
        self.assertEqual(len(after), len(before), "a token was created without a CSRF token")
        r = self.node.post("/api/v1/tokens", {"name": "with csrf"},
                           headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 201, r)
        self.secrets.append(r.json()["token"])
        # Logout: without CSRF refused, with it the session ends.
        r = self.node.request("DELETE", "/api/v1/session", headers={"Cookie": cookie})
        self.assertProblem(r, 401, code="unauthenticated")
        r = self.node.request("DELETE", "/api/v1/session",
                              headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 204, r)
        self.assertProblem(self.node.get("/api/v1/me", headers={"Cookie": cookie}), 401,
                           code="unauthenticated")

    def test_wrong_password_and_unknown_account_look_alike(self):
        wrong = self.node.post("/api/v1/session", {"email": "policy@ke.demo.test",
                                                   "password": "not the password"})
        unknown = self.node.post("/api/v1/session", {"email": "nobody@ke.demo.test",
                                                     "password": "not the password"})
        self.assertProblem(wrong, 401, code="unauthenticated")
        self.assertProblem(unknown, 401, code="unauthenticated")
        a, b = wrong.json(), unknown.json()
        a.pop("request_id", None)
        b.pop("request_id", None)
        self.assertEqual(a, b)
        self.assertIsNone(wrong.header("Set-Cookie"))
        self.assertNotIn("not the password", self.node.server_log())
        # The KE account still signs in (two failures are below the limit).
        self.session("policy@ke.demo.test")

    def test_anonymous_cannot_list_contacts(self):
        self.assertProblem(self.node.get("/api/v1/contacts"), 401, code="unauthenticated")
        self.assertProblem(self.node.get("/api/v1/me"), 401, code="unauthenticated")
        self.assertProblem(self.node.get("/api/v1/tokens"), 401, code="unauthenticated")
        self.assertProblem(self.node.get("/api/v1/contacts/export?format=csv"), 401,
                           code="unauthenticated")

    def test_records_outside_audience_are_404(self):
        created = self.new_token()  # FR's token
        r = self.node.request("DELETE", f"/api/v1/tokens/{created['id']}", token=self.ke_token)
        self.assertProblem(r, 404, code="not_found")
        self.assertEqual(self.node.get("/api/v1/me", token=created["token"]).status, 200)
        r = self.node.request("DELETE", "/api/v1/tokens/tok_doesnotexist", token=self.ke_token)
        self.assertProblem(r, 404, code="not_found")
        # The operator may revoke anyone's token.
        r = self.node.request("DELETE", f"/api/v1/tokens/{created['id']}",
                              token=self.node.operator_token)
        self.assertEqual(r.status, 204, r)
        # A campaign of another state (it needs a contact in scope to start).
        r = self.node.post("/api/v1/contacts", contact_body(self.fr_org["id"], "Audience Check"),
                           token=self.fr_token)
        self.assertEqual(r.status, 201, r)
        r = self.node.post("/api/v1/pings", {"scope": "states", "states": ["FR"],
                                             "level": "both", "deadline": rfc3339(86400)},
                           token=self.fr_token)
        self.assertEqual(r.status, 201, r)
        campaign = r.json()["id"]
        self.assertProblem(self.node.get(f"/api/v1/pings/{campaign}", token=self.ke_token), 404,
                           code="not_found")
        self.assertProblem(self.node.get(f"/api/v1/pings/{campaign}/report",
                                         token=self.ke_token), 404, code="not_found")
        # The KE account's list of accounts leaves FR's out.
        r = self.node.get(f"/api/v1/accounts?organization_id={self.fr_org['id']}",
                          token=self.ke_token)
        if r.status == 200:
            self.assertNotIn(self.fr["id"], r.body)
        else:
            self.assertIn(r.status, (403, 404), r)

    def test_access_log_is_json_without_query_string(self):
        r = self.node.get("/api/v1/states?lang=fr&marker=qsmarker4711")
        self.assertEqual(r.status, 200)
        request_id = r.header("X-Request-Id")
        def line():
            for l in self.node.server_log().splitlines():
                if request_id in l:
                    return l
            return None
        entry = wait_for(line, 20, "the access log line of the request")
        record = json.loads(entry)
        self.assertEqual(record.get("request_id"), request_id, record)
        self.assertNotIn("qsmarker4711", entry)
        self.assertNotIn("lang=fr", entry)
        self.assertIn("/api/v1/states", entry)
        self.assertNotIn("qsmarker4711", self.node.server_log())
        # Every line of the log is JSON.
        for l in self.node.server_log().splitlines():
            if l.strip():
                json.loads(l)

    def test_zz_log_never_contains_secrets(self):
        # Make sure the log has caught up with the requests made so far.
        r = self.node.get("/healthz", token=self.fr_token)
        request_id = r.header("X-Request-Id")
        wait_for(lambda: request_id in self.node.server_log(), 20, "the log to catch up")
        log = self.node.server_log()
        self.assertGreater(len(self.secrets), 5)
        for secret in self.secrets:
            self.assertTrue(secret)
            self.assertNotIn(secret, log, f"the server log contains a secret ({secret[:6]}…)")


class LoginThrottleTest(NodeTestCase):
    def test_five_failures_then_429(self):
        node = self.node
        org = node.create_org("KE-CIRT/CC", "KE", kind="national_cert")
        node.create_account(org["id"], "victim@ke.demo.test", ["technical"])
        for i in range(5):
            r = node.post("/api/v1/session", {"email": "victim@ke.demo.test",
                                              "password": f"guess {i}"})
            self.assertProblem(r, 401, code="unauthenticated")
        r = node.post("/api/v1/session", {"email": "victim@ke.demo.test",
                                          "password": "guess 6"})
        problem = self.assertProblem(r, 429, code="resource_exhausted")
        self.assertEqual(problem.get("reason"), "login_throttled", problem)
        # Even the right password is refused while throttled.
        r = node.post("/api/v1/session", {"email": "victim@ke.demo.test", "password": PASSWORD})
        self.assertProblem(r, 429, code="resource_exhausted")
        self.assertIsNone(r.header("Set-Cookie"))


class LoginThrottleAcrossServersTest(NodeTestCase):
    """Two `liaison serve` processes on one database (a SQLite file shared by both, or one
    PostgreSQL database): the failures counted by either hold on both, so guesses spread over
    the servers are refused at the same total as on one server, not at twice it."""

    def test_failures_spread_over_two_servers_are_throttled_at_the_same_total(self):
        from test_cluster import Server  # Starts another server on the node's configuration.
        node = self.node
        other = Server(node, 1)
        self.addCleanup(other.stop)

        def attempt(port, password):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                return node.request("POST", "/api/v1/session",
                                    {"email": "victim@ke.demo.test", "password": password},
                                    connection=conn)
            finally:
                conn.close()

        org = node.create_org("KE-CIRT/CC", "KE", kind="national_cert")
        node.create_account(org["id"], "victim@ke.demo.test", ["technical"])
        ports = [node.port, other.port]
        for i in range(5):  # login_max_failures = 5, alternating between the servers.
            self.assertProblem(attempt(ports[i % 2], f"guess {i}"), 401, code="unauthenticated")
        for port in ports:
            problem = self.assertProblem(attempt(port, "guess 6"), 429, code="resource_exhausted")
            self.assertEqual(problem.get("reason"), "login_throttled", problem)
            # The right password too, on either server.
            r = attempt(port, PASSWORD)
            self.assertProblem(r, 429, code="resource_exhausted")
            self.assertIsNone(r.header("Set-Cookie"))
        # Nothing in the database names the account or the address in the clear.
        table = node.db_query("SELECT key_hash FROM login_throttle")
        self.assertEqual(len(table), 2, table)
        for row in table:
            self.assertNotIn("victim", row["key_hash"])
            self.assertNotIn("127.0.0.1", row["key_hash"])


if __name__ == "__main__":
    unittest.main()
