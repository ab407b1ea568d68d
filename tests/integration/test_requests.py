"""Cooperation requests over HTTP: a full mitigation request between two states with the e-mails
read back from the real SMTP sink, acknowledgement, answer and close, the timeline matching the
audit log; the Budapest Convention Art. 29 fields of a preservation request; who may see what
(third states, the operator, anonymous callers); a bad-input table against every write endpoint
with the database unchanged; concurrent transitions of which exactly one wins; messages and
attachments; the responsiveness statistics; and the `liaison request` CLI. Escalation is in
test_requests_escalation.py, SIGKILL durability in test_requests_durability.py.

Readings of docs/api.md and docs/user-guide.md:
- A request is routed to the requested state's contacts of the type's level; each address of each
  contact gets one e-mail whose subject names the request id.
- The requester's sender account is e-mailed when the requested state moves the request on.
- The operator reads a request's metadata (content null); everyone else outside the parties gets
  404, also for the timeline, and lists leave the request out.
"""
import base64
import email.utils
import json
import shutil
import subprocess
import threading
import unittest

from harness import SOURCE, NodeTestCase, contact_body, list_all, wait_for
from request_bodies import mitigation, preservation


def text_of(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def rcpt(message):
    return email.utils.parseaddr(str(message["To"]))[1].lower()


class RequestsTest(NodeTestCase):
    # 3 MiB: above the 1 MiB default body limit, so an attachment between the two shows that the
    # attachments route has the node's attachment limit as its own body limit.
    attachment_limit = 3 << 20
    extra_config = f"[requests]\nattachment_max_bytes = {attachment_limit}\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.fr_cert = node.create_org("CERT-FR", "FR", kind="national_cert")
        cls.fr_police = node.create_org("OFAC", "FR", kind="law_enforcement")
        cls.de_cert = node.create_org("CERT-Bund", "DE", kind="national_cert")
        cls.de_aa = node.create_org("Auswärtiges Amt", "DE")
        cls.it_cert = node.create_org("CSIRT Italia", "IT", kind="national_cert")
        cls.account_ids = {}
        for org, address, roles in [
                (cls.fr_cert, "analyst@cert.fr.test", ["technical"]),
                (cls.fr_cert, "reader@cert.fr.test", ["observer"]),
                (cls.fr_police, "officer@ofac.fr.test", ["law_enforcement"]),
                (cls.de_cert, "lage@cert-bund.de.test", ["technical"]),
                (cls.it_cert, "soc@csirt.it.test", ["technical"])]:
            cls.account_ids[address] = node.create_account(org["id"], address, roles)["id"]
        cls.fr = node.account_token("analyst@cert.fr.test")
        cls.fr_reader = node.account_token("reader@cert.fr.test")
        cls.fr_officer = node.account_token("officer@ofac.fr.test")
        cls.de = node.account_token("lage@cert-bund.de.test")
        cls.it = node.account_token("soc@csirt.it.test")
        op = node.operator_token
        r = node.post("/api/v1/contacts", contact_body(
            cls.de_cert["id"], "Lagezentrum", emails=["lagezentrum@cert-bund.de.test"],
            languages=["de", "en"], time_zone="Europe/Berlin", available_24_7=True), token=op)
        assert r.status == 201, r
        r = node.post("/api/v1/contacts", contact_body(
            cls.de_aa["id"], "Cyber policy", level="policy", emails=["cyber@aa.de.test"],
            languages=["fr"]), token=op)
        assert r.status == 201, r

    def settled_snapshot(self):
        """The database once every queued notification is delivered (deliveries change rows)."""
        wait_for(lambda: not self.node.db_query(
            "SELECT id FROM notifications WHERE status IN ('pending', 'delivering')"), 30,
            "the outbox to drain")
        return self.node.stable_snapshot()

    def mails_about(self, request_id):
        return [m for m in self.node.mails() if request_id in str(m["Subject"])]

    def transition(self, request_id, name, version, token, body=None):
        return self.node.request("POST", f"/api/v1/requests/{request_id}/{name}",
                                 body=body if body is not None else {}, token=token,
                                 headers={"If-Match": f'"{version}"'})

    def test_full_mitigation_request_between_two_states(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(), token=self.fr)
        self.assertEqual(r.status, 201, r)
        req = r.json()
        rid = req["id"]
        self.assertEqual(r.header("ETag"), '"1"')
        self.assertEqual(r.header("Location"), f"/api/v1/requests/{rid}")
        self.assertEqual(req["status"], "submitted")
        self.assertEqual(req["routing"], {"level": "technical", "fell_back_to_policy": False,
                                          "contacts": 1})
        self.assertEqual(req["content"]["indicators"][1]["value"], "c2.example.net")

        # The technical contact of Germany gets the request, with its content (TLP:GREEN).
        mails = self.wait_mails(rid, 1)
        self.assertEqual(rcpt(mails[0]), "lagezentrum@cert-bund.de.test")
        body = text_of(mails[0])
        self.assertIn("DDoS against the national grid operator", body)
        self.assertIn(f"/requests/{rid}", body)

        r = self.transition(rid, "acknowledge", 1, self.de)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "acknowledged")
        self.assertEqual(r.header("ETag"), '"2"')
        r = self.transition(rid, "start", 2, self.de)
        self.assertEqual(r.status, 200, r)
        r = self.transition(rid, "answer", 3, self.de, {
            "outcome": "mitigated", "note": "C2 domain sinkholed; 40 hosts cleaned"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["resolution"]["outcome"], "mitigated")
        r = self.transition(rid, "close", 4, self.fr, {"helpful": 5, "note": "Thank you"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "closed")

        # The requester's sender heard of the acknowledgement, start and answer; the contact of
        # the close. None of these carries the content.
        mails = self.wait_mails(rid, 5)
        by_to = sorted(rcpt(m) for m in mails)
        self.assertEqual(by_to, ["analyst@cert.fr.test"] * 3 +
                         ["lagezentrum@cert-bund.de.test"] * 2)
        for m in mails:
            if "acknowledged" in str(m["Subject"]) or "closed" in str(m["Subject"]):
                self.assertNotIn("DDoS", text_of(m))

        timeline = node.get(f"/api/v1/requests/{rid}/timeline", token=self.de).json()["items"]
        self.assertEqual([e["kind"] for e in timeline],
                         ["created", "submitted", "acknowledged", "in_progress", "answered",
                          "closed"])
        self.assertEqual(timeline[4]["detail"]["outcome"], "mitigated")
        audit = list_all(node, f"/api/v1/audit?record_id={rid}", token=node.operator_token)
        self.assertEqual([a["action"] for a in audit],
                         ["request.create", "request.acknowledge", "request.start",
                          "request.answer", "request.close"])
        # Each transition's audit entry and timeline entry share the time and the actor.
        for entry, event in zip(audit[1:], timeline[2:]):
            self.assertEqual(entry["at"], event["at"])
            self.assertEqual(entry["account_id"], event["actor_account_id"])

    def jose_verify(self, jwks, jws, name):
        """Verifies `jws` with the jose npm package (tests/support/jose_verify.mjs), an
        implementation independent of liaison; returns the CompletedProcess."""
        node_js = shutil.which("node")
        self.assertIsNotNone(node_js, "Node.js is missing: run scripts/deps test")
        support = SOURCE / "tests" / "support"
        jwks_file = self.node.dir / f"{name}.jwks.json"
        jws_file = self.node.dir / f"{name}.jws"
        jwks_file.write_text(json.dumps(jwks))
        jws_file.write_text(jws)
        return subprocess.run([node_js, str(support / "jose_verify.mjs"), str(jwks_file),
                               str(jws_file)], capture_output=True, timeout=120, cwd=support)

    def test_receipts_verify_independently_and_fail_when_a_byte_changes(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(), token=self.fr)
        self.assertEqual(r.status, 201, r)
        rid = r.json()["id"]
        self.assertEqual(self.transition(rid, "acknowledge", 1, self.de).status, 200)
        self.assertEqual(self.transition(rid, "start", 2, self.de).status, 200)
        self.assertEqual(self.transition(rid, "answer", 3, self.de, {
            "outcome": "partially_mitigated", "note": "Two of three hosts cleaned"}).status, 200)

        r = node.get(f"/api/v1/requests/{rid}/receipts", token=self.fr)
        self.assertEqual(r.status, 200, r)
        receipts = r.json()["items"]
        self.assertEqual([x["event"] for x in receipts], ["submitted", "acknowledged", "answered"])
        # The other party reads the same receipts; the operator, a third state and anonymous
        # callers do not learn they exist.
        self.assertEqual(node.get(f"/api/v1/requests/{rid}/receipts", token=self.de).json(),
                         r.json())
        for token in (node.operator_token, self.it, None):
            self.assertEqual(node.get(f"/api/v1/requests/{rid}/receipts", token=token).status,
                             404)

        jwks = node.get("/.well-known/liaison-keys.json").json()
        for receipt, version in zip(receipts, (1, 2, 4)):
            verified = self.jose_verify(jwks, receipt["jws"], receipt["event"])
            self.assertEqual(verified.returncode, 0, verified.stderr.decode())
            statement = json.loads(verified.stdout)
            self.assertEqual(statement["kind"], "request_receipt")
            self.assertEqual(statement["event"], receipt["event"])
            self.assertEqual(statement["request_id"], rid)
            self.assertEqual(statement["version"], version)
            self.assertEqual(statement["at"], receipt["at"])
            self.assertEqual(statement["request"]["id"], rid)
        submitted = json.loads(self.jose_verify(jwks, receipts[0]["jws"], "s").stdout)
        self.assertEqual(submitted["by"]["account_id"], self.account_ids["analyst@cert.fr.test"])
        self.assertEqual(submitted["request"]["content"]["indicators"][1]["value"],
                         "c2.example.net")
        answered = json.loads(self.jose_verify(jwks, receipts[2]["jws"], "a").stdout)
        self.assertEqual(answered["by"]["account_id"], self.account_ids["lage@cert-bund.de.test"])
        self.assertEqual(answered["request"]["resolution"]["outcome"], "partially_mitigated")

        # One changed byte of the signed statement, and the receipt no longer verifies.
        header, payload, signature = receipts[2]["jws"].split(".")
        raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        at = raw.find(b"partially_mitigated")
        raw[at] = ord("P")
        forged_payload = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
        forged = self.jose_verify(jwks, f"{header}.{forged_payload}.{signature}", "forged")
        self.assertNotEqual(forged.returncode, 0)
        self.assertIn("signature", forged.stderr.decode().lower())

    def wait_mails(self, request_id, count):
        return wait_for(lambda: (m := self.mails_about(request_id)) and len(m) >= count and m,
                        30, f"{count} e-mails about {request_id}")

    def test_preservation_request_missing_an_article_29_field_is_refused(self):
        node = self.node
        before = self.settled_snapshot()
        for field in ["data_location", "necessity", "relation_to_offence", "authority"]:
            body = preservation()
            del body["criminal_cooperation"][field]
            r = node.post("/api/v1/requests", body, token=self.fr_officer)
            self.assertProblem(r, 400, "invalid_argument", f"criminal_cooperation.{field}")
        body = preservation()
        body["criminal_cooperation"]["mutual_assistance_to_follow"] = False
        r = node.post("/api/v1/requests", body, token=self.fr_officer)
        self.assertProblem(r, 400, "invalid_argument",
                           "criminal_cooperation.mutual_assistance_to_follow")
        self.assertEqual(node.stable_snapshot(), before)
        # Complete, it goes to Germany's policy contacts, Germany having no law-enforcement one.
        r = node.post("/api/v1/requests", preservation(), token=self.fr_officer)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json()["routing"]["fell_back_to_policy"])
        self.assertIn("policy contacts", r.json()["notice"])

    def test_only_the_parties_see_the_content(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(subject="Secret subject 4711"), token=self.fr)
        self.assertEqual(r.status, 201, r)
        rid = r.json()["id"]
        for token in (self.it, self.fr_reader):
            self.assertProblem(node.get(f"/api/v1/requests/{rid}", token=token), 404)
            self.assertProblem(node.get(f"/api/v1/requests/{rid}/timeline", token=token), 404)
            ids = [x["id"] for x in list_all(node, "/api/v1/requests", token=token)]
            self.assertNotIn(rid, ids)
            self.assertProblem(self.transition(rid, "acknowledge", 1, token), 404)
        self.assertProblem(node.get(f"/api/v1/requests/{rid}"), 404)
        self.assertProblem(node.get(f"/api/v1/requests/{rid}/timeline"), 404)
        self.assertProblem(node.get("/api/v1/requests"), 401)

        op = node.get(f"/api/v1/requests/{rid}", token=node.operator_token)
        self.assertEqual(op.status, 200, op)
        self.assertFalse(op.json()["content_visible"])
        self.assertIsNone(op.json()["content"])
        self.assertEqual(op.json()["type"], "mitigation")
        self.assertNotIn("Secret subject 4711", op.body)
        self.assertNotIn("198.51.100.7", op.body)
        listed = list_all(node, "/api/v1/requests", token=node.operator_token)
        self.assertIn(rid, [x["id"] for x in listed])
        self.assertNotIn("Secret subject 4711", json.dumps(listed))
        timeline = node.get(f"/api/v1/requests/{rid}/timeline", token=node.operator_token)
        self.assertEqual(timeline.status, 200)
        self.assertTrue(all(e["detail"] is None for e in timeline.json()["items"]))
        self.assertProblem(self.transition(rid, "acknowledge", 1, node.operator_token), 404)

        inbox = list_all(node, "/api/v1/requests?box=inbox&state=FR&status=submitted",
                         token=self.de)
        self.assertIn(rid, [x["id"] for x in inbox])
        outbox = list_all(node, "/api/v1/requests?box=outbox&type=mitigation", token=self.fr)
        self.assertIn(rid, [x["id"] for x in outbox])
        self.assertEqual(list_all(node, "/api/v1/requests?box=inbox", token=self.fr), [])

    def test_bad_input_changes_nothing(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(), token=self.fr)
        self.assertEqual(r.status, 201, r)
        rid = r.json()["id"]
        draft = node.post("/api/v1/requests", mitigation(submit=False), token=self.fr).json()
        before = self.settled_snapshot()
        indicators = [{"type": "ipv4", "value": "192.0.2.1"}] * 3 + [
            {"type": "url", "value": "not a url"}]
        cases = [
            ("POST", "/api/v1/requests", mitigation(requested_state="XX"), None, 400,
             "requested_state"),
            ("POST", "/api/v1/requests", mitigation(requested_state="FR"), None, 400,
             "requested_state"),
            ("POST", "/api/v1/requests", mitigation(type="espionage"), None, 400, "type"),
            ("POST", "/api/v1/requests", mitigation(urgency="now"), None, 400, "urgency"),
            ("POST", "/api/v1/requests", mitigation(tlp="WHITE"), None, 400, "tlp"),
            ("POST", "/api/v1/requests", mitigation(sector="mining"), None, 400, "sector"),
            ("POST", "/api/v1/requests", mitigation(language="!!"), None, 400, "language"),
            ("POST", "/api/v1/requests", mitigation(indicators=indicators), None, 400,
             "indicators[3].value"),
            ("POST", "/api/v1/requests", mitigation(requested_actions=["nuke"]), None, 400,
             "requested_actions[0]"),
            ("POST", "/api/v1/requests", mitigation(mitigation=None), None, 400, "mitigation"),
            ("POST", "/api/v1/requests", mitigation(assistance={"help_needed": "x"}), None, 400,
             "assistance"),
            ("POST", "/api/v1/requests", mitigation(extra=1), None, 400, "extra"),
            ("POST", "/api/v1/requests", mitigation(subject="x" * 201), None, 400, "subject"),
            ("POST", "/api/v1/requests", mitigation(requested_state="JP"), None, 409, None),
            ("PATCH", f"/api/v1/requests/{draft['id']}", {"urgency": "soon"}, '"1"', 400,
             "urgency"),
            ("PATCH", f"/api/v1/requests/{draft['id']}", {"urgency": "critical"}, '"9"', 412,
             None),
            ("PATCH", f"/api/v1/requests/{draft['id']}", {"urgency": "critical"}, None, 428,
             None),
            ("PATCH", f"/api/v1/requests/{rid}", {"urgency": "critical"}, '"1"', 409, None),
            ("POST", f"/api/v1/requests/{rid}/answer", {"note": "x"}, '"1"', 400, "outcome"),
            ("POST", f"/api/v1/requests/{rid}/decline", {"decline_reason": "bored"}, '"1"', 400,
             "decline_reason"),
            ("POST", f"/api/v1/requests/{rid}/redirect", {"redirect_state": "DE", "note": "x"},
             '"1"', 400, "redirect_state"),
            ("POST", f"/api/v1/requests/{rid}/acknowledge", {"surprise": True}, '"1"', 400,
             "surprise"),
            ("POST", f"/api/v1/requests/{rid}/acknowledge", {}, '"7"', 412, None),
            ("POST", f"/api/v1/requests/{rid}/acknowledge", {}, None, 428, None),
            ("POST", f"/api/v1/requests/{rid}/close", {"helpful": 9}, '"1"', 400, "helpful"),
            ("POST", f"/api/v1/requests/{rid}/fly", {}, '"1"', 404, None),
        ]
        for method, path, body, if_match, status, field in cases:
            token = self.de if "/acknowledge" in path or "/answer" in path or \
                "/decline" in path or "/redirect" in path else self.fr
            headers = {"If-Match": if_match} if if_match else {}
            r = node.request(method, path, body=body, token=token, headers=headers)
            self.assertProblem(r, status, field=field)
            self.assertNotEqual(r.status, 500)
        r = node.request("POST", "/api/v1/requests", raw=b"{not json", token=self.fr,
                         headers={"Content-Type": "application/json"})
        self.assertProblem(r, 400)
        r = node.request("POST", "/api/v1/requests", raw=b"{}", token=self.fr,
                         headers={"Content-Type": "text/plain"})
        self.assertProblem(r, 415)
        # The wrong party's transitions.
        self.assertProblem(self.transition(rid, "acknowledge", 1, self.fr), 403)
        self.assertProblem(self.transition(rid, "withdraw", 1, self.de), 403)
        self.assertEqual(node.stable_snapshot(), before)

    def test_concurrent_transitions_exactly_one_wins(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(), token=self.fr)
        rid = r.json()["id"]
        statuses = []
        lock = threading.Lock()

        def act(i):
            name, body = ("acknowledge", {}) if i % 2 == 0 else (
                "decline", {"decline_reason": "duplicate"})
            resp = self.transition(rid, name, 1, self.de, body)
            with lock:
                statuses.append(resp.status)

        threads = [threading.Thread(target=act, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(statuses), [200] + [412] * 7, statuses)
        current = node.get(f"/api/v1/requests/{rid}", token=self.fr).json()
        self.assertEqual(current["version"], 2)
        timeline = node.get(f"/api/v1/requests/{rid}/timeline", token=self.fr).json()["items"]
        self.assertEqual(len(timeline), 3)

    def test_messages_and_attachments_between_the_parties(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(tlp="AMBER"), token=self.fr)
        rid = r.json()["id"]
        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
        up = node.request("POST", f"/api/v1/requests/{rid}/attachments?filename=flows.png",
                          raw=png, token=self.fr, headers={"Content-Type": "image/png"})
        self.assertEqual(up.status, 201, up)
        attachment = up.json()
        import hashlib
        self.assertEqual(attachment["sha256"], hashlib.sha256(png).hexdigest())
        self.assertEqual(attachment["tlp"], "AMBER")
        q = node.post(f"/api/v1/requests/{rid}/messages",
                      {"body": "Which time zone are the flows in?"}, token=self.de)
        self.assertEqual(q.status, 201, q)
        a = node.post(f"/api/v1/requests/{rid}/messages",
                      {"body": "UTC; see the graph", "tlp": "RED", "in_reply_to": q.json()["id"],
                       "attachment_ids": [attachment["id"]]}, token=self.fr)
        self.assertEqual(a.status, 201, a)
        thread = node.get(f"/api/v1/requests/{rid}/messages", token=self.de).json()["items"]
        self.assertEqual([m["body"] for m in thread],
                         ["Which time zone are the flows in?", "UTC; see the graph"])
        self.assertEqual(thread[1]["in_reply_to"], q.json()["id"])
        got = node.get(f"/api/v1/requests/{rid}/attachments/{attachment['id']}", token=self.de)
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.header("Content-Type"), "image/png")
        self.assertEqual(got.header("X-Liaison-SHA256"), attachment["sha256"])
        for token in (self.it, node.operator_token, None):
            self.assertProblem(node.get(f"/api/v1/requests/{rid}/messages", token=token), 404)
            self.assertProblem(node.get(f"/api/v1/requests/{rid}/attachments/"
                                        f"{attachment['id']}", token=token), 404)
        before = self.settled_snapshot()
        lie = node.request("POST", f"/api/v1/requests/{rid}/attachments?filename=x.pdf",
                           raw=png, token=self.fr, headers={"Content-Type": "application/pdf"})
        self.assertProblem(lie, 400, field="Content-Type")
        exe = node.request("POST", f"/api/v1/requests/{rid}/attachments?filename=x.exe",
                           raw=b"MZ\x90\x00", token=self.fr,
                           headers={"Content-Type": "application/x-msdownload"})
        self.assertProblem(exe, 415, field="Content-Type")
        looser = node.post(f"/api/v1/requests/{rid}/messages", {"body": "x", "tlp": "GREEN"},
                           token=self.de)
        self.assertProblem(looser, 400, field="tlp")
        empty = node.post(f"/api/v1/requests/{rid}/messages", {"body": ""}, token=self.de)
        self.assertProblem(empty, 400, field="body")
        self.assertEqual(node.stable_snapshot(), before)
        kinds = [e["kind"] for e in node.get(f"/api/v1/requests/{rid}/timeline",
                                             token=node.operator_token).json()["items"]]
        self.assertEqual(kinds[-3:], ["attachment", "message", "message"])

    def message_mails(self, request_id, address):
        return [m for m in self.mails_about(request_id)
                if rcpt(m) == address and "message" in str(m["Subject"]).lower()]

    def test_messages_are_emailed_to_the_other_party_in_their_language_with_the_tlp(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(tlp="GREEN"), token=self.fr)
        self.assertEqual(r.status, 201, r)
        rid = r.json()["id"]
        q = node.post(f"/api/v1/requests/{rid}/messages",
                      {"body": "Is 198.51.100.7 still active?"}, token=self.fr)
        self.assertEqual(q.status, 201, q)
        # The requesting side writes: the contact the request was routed to reads it, in English
        # (its first UN language), with the label and the link.
        mails = wait_for(lambda: self.message_mails(rid, "lagezentrum@cert-bund.de.test"), 30,
                         "the routed contact's message e-mail")
        self.assertEqual(len(mails), 1)
        self.assertIn("New message", str(mails[0]["Subject"]))
        text = text_of(mails[0])
        self.assertIn("Is 198.51.100.7 still active?", text)
        self.assertIn("TLP:GREEN", text)
        self.assertIn(f"/requests/{rid}", text)

        # The requested side writes: the requesting organisation's contacts read it, in French.
        c = node.post("/api/v1/contacts", contact_body(
            self.fr_cert["id"], "Permanence CERT-FR", emails=["permanence@cert.fr.test"],
            languages=["fr"]), token=node.operator_token)
        self.assertEqual(c.status, 201, c)
        a = node.post(f"/api/v1/requests/{rid}/messages",
                      {"body": "Plus actif depuis 10 h UTC.", "in_reply_to": q.json()["id"]},
                      token=self.de)
        self.assertEqual(a.status, 201, a)
        mails = wait_for(lambda: self.message_mails(rid, "permanence@cert.fr.test"), 30,
                         "the requesting organisation's message e-mail")
        self.assertIn("Nouveau message", str(mails[0]["Subject"]))
        self.assertIn("Plus actif depuis 10 h UTC.", text_of(mails[0]))
        self.assertIn("TLP:GREEN", text_of(mails[0]))

        # A RED message travels by e-mail as its label and a link only.
        red = node.post(f"/api/v1/requests/{rid}/messages",
                        {"body": "The operator is a reseller in Lyon.", "tlp": "RED"},
                        token=self.de)
        self.assertEqual(red.status, 201, red)
        mails = wait_for(lambda: (m := self.message_mails(rid, "permanence@cert.fr.test"))
                         and len(m) == 2 and m, 30, "the RED message's e-mail")
        text = text_of(mails[1])
        self.assertIn("TLP:RED", text)
        self.assertIn(f"/requests/{rid}", text)
        self.assertNotIn("reseller", text)
        # Nobody on the writing side is e-mailed about their own messages.
        self.assertEqual(len(self.message_mails(rid, "lagezentrum@cert-bund.de.test")), 1)

    def test_attachments_up_to_the_node_limit_and_413_over_it_writing_nothing(self):
        node = self.node
        rid = node.post("/api/v1/requests", mitigation(), token=self.fr).json()["id"]
        big = b"%PDF-1.7\n" + b"A" * (3 << 19)  # 1.5 MiB
        up = node.request("POST", f"/api/v1/requests/{rid}/attachments?filename=capture.pdf",
                          raw=big, token=self.fr, headers={"Content-Type": "application/pdf"})
        self.assertEqual(up.status, 201, up)
        self.assertEqual(up.json()["size"], len(big))
        got = node.get(f"/api/v1/requests/{rid}/attachments/{up.json()['id']}", token=self.de)
        self.assertEqual(got.status, 200, got)
        self.assertEqual(len(got.body), len(big))

        before = self.settled_snapshot()
        over = b"%PDF-1.7\n" + b"A" * self.attachment_limit
        head = (f"POST /api/v1/requests/{rid}/attachments?filename=huge.pdf HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nContent-Type: application/pdf\r\n"
                f"Content-Length: {len(over)}\r\nAuthorization: Bearer {self.fr}\r\n"
                f"Connection: close\r\n\r\n")
        r = node.request_raw(head.encode() + over)
        self.assertProblem(r, 413, code="invalid_argument", field="body")
        self.assertIn(str(self.attachment_limit), r.json()["detail"])
        self.assertEqual(node.stable_snapshot(), before)
        listed = node.get(f"/api/v1/requests/{rid}/attachments", token=self.fr).json()["items"]
        self.assertEqual([a["filename"] for a in listed], ["capture.pdf"])

    def test_responsiveness_statistics_are_aggregated(self):
        node = self.node
        r = node.post("/api/v1/requests", mitigation(), token=self.fr)
        rid = r.json()["id"]
        self.assertEqual(self.transition(rid, "acknowledge", 1, self.de).status, 200)
        answered = self.transition(rid, "answer", 2, self.de,
                                   {"outcome": "no_malicious_activity_found", "note": "clean"})
        self.assertEqual(answered.status, 200, answered)
        stats = node.get("/api/v1/stats/responsiveness", token=self.it)
        self.assertEqual(stats.status, 200, stats)
        rows = {row["state"]: row for row in stats.json()["states"]}
        de = rows["DE"]
        self.assertGreaterEqual(de["requests"], 1)
        self.assertGreaterEqual(de["answered"], 1)
        self.assertGreaterEqual(de["answered_within_deadline"], 1)
        self.assertIsNotNone(de["median_hours_to_acknowledge"])
        self.assertLessEqual(de["median_hours_to_answer"], de["p90_hours_to_answer"])
        self.assertGreater(de["share_answered_within_deadline"], 0)
        self.assertNotIn("DDoS", stats.body)
        self.assertNotIn(rid, stats.body)
        self.assertProblem(node.get("/api/v1/stats/responsiveness"), 401)
        self.assertProblem(node.get("/api/v1/stats/responsiveness?from=yesterday",
                                    token=self.it), 400, field="from")
        self.assertProblem(node.get("/api/v1/stats/responsiveness?from=2026-02-01T00:00:00Z"
                                    "&to=2026-01-01T00:00:00Z", token=self.it), 400, field="to")
        empty = node.get("/api/v1/stats/responsiveness?from=2020-01-01T00:00:00Z"
                         "&to=2020-02-01T00:00:00Z", token=self.it)
        self.assertEqual(empty.json()["states"], [])

    def test_cli_new_list_show_ack_answer_close(self):
        node = self.node
        fr = self.account_ids["analyst@cert.fr.test"]
        de = self.account_ids["lage@cert-bund.de.test"]
        it = self.account_ids["soc@csirt.it.test"]
        conf = str(node.config)
        body = mitigation(subject="Filed from the command line")
        del body["submit"]
        out = node.cli("request", "new", "--config", conf, "--as", fr, "--file", "-",
                       input_text=json.dumps(body))
        created = json.loads(out)
        rid = created["id"]
        self.assertEqual(created["status"], "submitted")
        self.assertIn(rid, node.cli("request", "list", "--config", conf, "--as", de,
                                    "--box", "inbox"))
        self.assertNotIn(rid, node.cli("request", "list", "--config", conf, "--as", it))
        refused = node.cli("request", "show", rid, "--config", conf, "--as", it, check=False)
        self.assertEqual(refused.returncode, 1)
        node.cli("request", "ack", rid, "--config", conf, "--as", de)
        node.cli("request", "answer", rid, "--config", conf, "--as", de, "--outcome",
                 "partially_mitigated", "--note", "Half of the hosts cleaned")
        out = node.cli("request", "close", rid, "--config", conf, "--as", fr, "--helpful", "4")
        self.assertEqual(json.loads(out)["status"], "closed")
        shown = node.cli("request", "show", rid, "--config", conf, "--as", fr)
        for kind in ("acknowledged", "answered", "closed"):
            self.assertIn(kind, shown)
        bad = node.cli("request", "answer", rid, "--config", conf, "--as", de, "--outcome",
                       "teleported", "--note", "x", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("--outcome", bad.stderr)
        # The API sees what the CLI did.
        r = node.get(f"/api/v1/requests/{rid}", token=self.fr)
        self.assertEqual(r.json()["resolution"]["helpful"], 4)


if __name__ == "__main__":
    unittest.main()
