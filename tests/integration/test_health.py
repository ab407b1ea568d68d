"""Health, readiness, metrics and the behaviour every response shares (request id, security
headers, size limit, 404/405 problems).

Readings of docs/api.md:
- /readyz answers {"status":"ready","database":"sqlite"} (the `database` member is named by the
  brief; the table in docs/api.md shows only `status`).
- A 405 carries an Allow header (RFC 9110 §15.5.6 requires it).
- The oversized body is sent to POST /api/v1/organizations with the operator's token; the default
  body limit is 1 MiB, so 2 MiB must be refused with 413 and code invalid_argument.
"""
import re
import unittest

from harness import NodeTestCase


class HealthTest(NodeTestCase):
    def assertCommonHeaders(self, r):
        self.assertTrue(r.header("X-Request-Id"), f"no X-Request-Id on {r} {r.headers}")
        self.assertEqual((r.header("X-Content-Type-Options") or "").lower(), "nosniff",
                         f"X-Content-Type-Options on {r} {r.headers}")

    def test_healthz(self):
        r = self.node.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json().get("status"), "ok", r)
        self.assertCommonHeaders(r)

    def test_readyz(self):
        r = self.node.get("/readyz")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body.get("status"), "ready", body)
        self.assertEqual(body.get("database"), self.node.db_kind, body)
        self.assertCommonHeaders(r)

    def test_metrics(self):
        self.assertEqual(self.node.get("/api/v1/states").status, 200)
        r = self.node.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/plain"), r.headers)
        text = r.body
        self.assertIn("# TYPE", text)
        self.assertIn("# HELP", text)
        # A request counter sample labelled with the route pattern just called.
        counter_lines = [l for l in text.splitlines()
                         if not l.startswith("#") and '"/api/v1/states"' in l
                         and re.search(r'method="GET"', l)]
        self.assertTrue(counter_lines, "no sample with the /api/v1/states route label:\n" + text)
        self.assertTrue(any(float(l.rsplit(" ", 1)[1]) >= 1 for l in counter_lines),
                        counter_lines)
        self.assertRegex(text, r"(?m)^liaison_db_connections(\{[^}]*\})? \d")
        self.assertRegex(text, r'(?m)^liaison_outbox_notifications\{status="pending"\} \d')
        # Raw paths never become labels (cardinality): the state code must not appear as one.
        self.node.get("/api/v1/states/FR")
        text = self.node.get("/metrics").body
        self.assertNotIn('"/api/v1/states/FR"', text)
        self.assertRegex(text, r'"/api/v1/states/\{[A-Za-z0-9_]+\}"')

    def test_every_response_carries_request_id_and_nosniff(self):
        responses = [
            self.node.get("/healthz"),
            self.node.get("/api/v1/states"),
            self.node.get("/api/v1/no-such-thing"),
            self.node.request("DELETE", "/healthz"),
            self.node.get("/api/v1/contacts"),  # 401
            self.node.post("/api/v1/organizations", {"name": 1}, token=self.node.operator_token),
        ]
        ids = set()
        for r in responses:
            self.assertCommonHeaders(r)
            ids.add(r.header("X-Request-Id"))
        self.assertEqual(len(ids), len(responses), "request ids are not unique")
        # A problem names the same request id as its header.
        problem = responses[2].json()
        self.assertEqual(problem.get("request_id"), responses[2].header("X-Request-Id"), problem)

    def test_oversized_body_is_413_problem(self):
        body = b'{"name":"' + b"x" * (2 * 1024 * 1024) + b'"}'
        head = (f"POST /api/v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.node.operator_token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"Connection: close\r\n\r\n").encode()
        r = self.node.request_raw(head + body)
        self.assertProblem(r, 413, code="invalid_argument")
        self.assertCommonHeaders(r)
        # The server still serves afterwards.
        self.assertEqual(self.node.get("/healthz").status, 200)

    def test_unknown_path_is_404_problem(self):
        for path in ("/api/v1/no-such-thing", "/no-such-page", "/api/v2/states"):
            r = self.node.get(path)
            self.assertProblem(r, 404, code="not_found")

    def test_wrong_method_is_405_problem(self):
        r = self.node.request("DELETE", "/healthz")
        self.assertProblem(r, 405)
        self.assertIn("GET", (r.header("Allow") or ""), r.headers)
        r = self.node.request("PUT", "/api/v1/states")
        self.assertProblem(r, 405)
        self.assertIn("GET", (r.header("Allow") or ""), r.headers)


if __name__ == "__main__":
    unittest.main()
