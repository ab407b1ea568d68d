"""Escalation of an unacknowledged cooperation request, with the server's clock moved forward
through the documented test hook ([server] test_clock with LIAISON_TEST_CLOCK_FILE): past the
acknowledgement deadline the request is overdue and the requested state's backup technical
contacts are e-mailed, one period later its policy contacts, then the node's operator — once each,
each step in the timeline with its basis.

Readings: a criminal-cooperation request goes to the state's primary law-enforcement contact;
escalation step 1 reaches the contacts whose directory role is "backup" at the technical level,
never the primary technical contact; the routed contact is available 24/7, so the deadline counts
on the clock; the escalation e-mail's subject names the request id. A state without a backup
technical contact skips to its policy contacts at step 2, and the timeline of step 1 says so.
"""
import email.utils
import os
import pathlib
import tempfile
import unittest

from harness import NodeTestCase, contact_body, wait_for
from request_bodies import mitigation, preservation


def rcpt(message):
    return email.utils.parseaddr(str(message["To"]))[1].lower()


class RequestEscalationTest(NodeTestCase):
    extra_config = "[server]\ntest_clock = true\nscheduler_interval_seconds = 1\n"

    @classmethod
    def setUpClass(cls):
        cls.clock_dir = tempfile.mkdtemp(prefix="liaison-clock-")
        cls.clock_file = pathlib.Path(cls.clock_dir) / "offset"
        cls.clock_file.write_text("0")
        os.environ["LIAISON_TEST_CLOCK_FILE"] = str(cls.clock_file)
        cls.addClassCleanup(os.environ.pop, "LIAISON_TEST_CLOCK_FILE", None)
        super().setUpClass()
        node = cls.node
        fr_police = node.create_org("OFAC", "FR", kind="law_enforcement")
        fr_cert = node.create_org("CERT-FR", "FR", kind="national_cert")
        de_police = node.create_org("BKA", "DE", kind="law_enforcement")
        de_cert = node.create_org("CERT-Bund", "DE", kind="national_cert")
        de_aa = node.create_org("Auswärtiges Amt", "DE")
        node.create_account(fr_police["id"], "officer@ofac.fr.test", ["law_enforcement"])
        node.create_account(fr_cert["id"], "analyst@cert.fr.test", ["technical"])
        node.create_account(de_cert["id"], "lage@cert-bund.de.test", ["technical"])
        cls.officer = node.account_token("officer@ofac.fr.test")
        cls.fr = node.account_token("analyst@cert.fr.test")
        cls.de = node.account_token("lage@cert-bund.de.test")
        op = node.operator_token
        for body in [
                contact_body(de_police["id"], "BKA duty", level="law_enforcement",
                             emails=["duty@bka.de.test"], available_24_7=True),
                contact_body(de_cert["id"], "Lagezentrum", emails=["lage@cert-bund.de.test"],
                             role="backup"),
                contact_body(de_cert["id"], "CERT-Bund duty", emails=["duty@cert-bund.de.test"]),
                contact_body(de_aa["id"], "Cyber policy", level="policy",
                             emails=["cyber@aa.de.test"])]:
            r = node.post("/api/v1/contacts", body, token=op)
            assert r.status == 201, r
        # Italy has a primary technical contact and a policy contact, but no backup.
        it_cert = node.create_org("CSIRT Italia", "IT", kind="national_cert")
        it_mfa = node.create_org("Farnesina", "IT")
        for body in [
                contact_body(it_cert["id"], "CSIRT duty", emails=["duty@csirt.it.test"],
                             available_24_7=True),
                contact_body(it_mfa["id"], "Cyber desk", level="policy",
                             emails=["cyber@esteri.it.test"])]:
            r = node.post("/api/v1/contacts", body, token=op)
            assert r.status == 201, r

    def set_offset(self, seconds):
        temp = self.clock_file.with_suffix(".tmp")
        temp.write_text(str(seconds))
        os.replace(temp, self.clock_file)

    def escalation_mails(self, request_id):
        return [m for m in self.node.mails()
                if request_id in str(m["Subject"]) and
                ("Escalat" in str(m["Subject"]) or "Escalade" in str(m["Subject"]))]

    def recipients(self, request_id):
        return sorted(rcpt(m) for m in self.escalation_mails(request_id))

    def test_escalates_to_backup_then_policy_then_operator_once_each(self):
        node = self.node
        r = node.post("/api/v1/requests", preservation(), token=self.officer)
        self.assertEqual(r.status, 201, r)
        rid = r.json()["id"]
        self.assertEqual(r.json()["routing"]["level"], "law_enforcement")
        # A mitigation request acknowledged now: its answer deadline (24 h, critical) shows when
        # the scheduler has run at the latest offset.
        probe = node.post("/api/v1/requests", mitigation(urgency="critical"), token=self.fr)
        self.assertEqual(probe.status, 201, probe)
        pid = probe.json()["id"]
        ack = node.request("POST", f"/api/v1/requests/{pid}/acknowledge", body={},
                           token=self.de, headers={"If-Match": '"1"'})
        self.assertEqual(ack.status, 200, ack)
        # The routed e-mails went to the primary contacts only, never to the backup.
        routed = lambda: {rcpt(m) for m in node.mails()}  # noqa: E731
        wait_for(lambda: {"duty@bka.de.test", "duty@cert-bund.de.test"} <= routed(), 30,
                 "the routed e-mails")
        self.assertNotIn("lage@cert-bund.de.test", routed())
        # A critical request to Italy, which has no backup technical contact.
        italy = node.post("/api/v1/requests", mitigation("IT", urgency="critical"), token=self.fr)
        self.assertEqual(italy.status, 201, italy)
        iid = italy.json()["id"]

        period = 2 * 3600  # acknowledge_critical_minutes = 120 by default.
        self.set_offset(period + 60)
        wait_for(lambda: self.recipients(rid) == ["lage@cert-bund.de.test"], 30,
                 "the backup technical contact's escalation e-mail")
        current = node.get(f"/api/v1/requests/{rid}", token=self.officer).json()
        self.assertIsNotNone(current["acknowledge_overdue_at"])
        self.assertEqual(current["escalation_step"], 1)

        wait_for(lambda: node.get(f"/api/v1/requests/{iid}", token=self.fr).json()
                 ["escalation_step"] == 1, 30, "the Italian request's first step")
        self.assertEqual(self.recipients(iid), [])

        self.set_offset(2 * period + 60)
        wait_for(lambda: self.recipients(rid) == ["cyber@aa.de.test", "lage@cert-bund.de.test"],
                 30, "the policy contact's escalation e-mail")
        self.set_offset(3 * period + 60)
        wait_for(lambda: "operator@node.invalid" in self.recipients(rid), 30,
                 "the operator's escalation e-mail")

        # Far later, once the scheduler has visibly run again, nobody got a second e-mail.
        self.set_offset(30 * 3600)
        wait_for(lambda: node.get(f"/api/v1/requests/{pid}", token=self.fr).json()
                 ["answer_overdue_at"], 30, "the probe's answer to be overdue")
        self.assertEqual(self.recipients(rid), ["cyber@aa.de.test", "lage@cert-bund.de.test",
                                                "operator@node.invalid"])
        for m in self.escalation_mails(rid):
            self.assertNotIn("Extortion", m.get_body(preferencelist=("plain",)).get_content())

        timeline = node.get(f"/api/v1/requests/{rid}/timeline", token=self.officer).json()
        steps = [(e["kind"], e["info"].get("step"), e["info"].get("basis"))
                 for e in timeline["items"] if e["kind"] in ("overdue", "escalated")]
        self.assertEqual(steps, [("overdue", None, "clock"),
                                 ("escalated", "backup_technical", "clock"),
                                 ("escalated", "policy", "clock"),
                                 ("escalated", "operator", "clock")])
        self.assertIn("24/7", timeline["items"][2]["info"]["why"])
        italian = [e["info"] for e in node.get(f"/api/v1/requests/{iid}/timeline",
                                               token=self.fr).json()["items"]
                   if e["kind"] == "escalated"]
        self.assertEqual([(i["step"], i["reached"]) for i in italian],
                         [("backup_technical", 0), ("policy", 1), ("operator", 1)])
        self.assertIn("no backup technical contact", italian[0]["note"])
        self.assertNotIn("note", italian[1])
        self.assertEqual(self.recipients(iid), ["cyber@esteri.it.test", "operator@node.invalid"])
        audit = node.get(f"/api/v1/audit?record_id={rid}&action=request.escalate",
                         token=node.operator_token).json()["items"]
        self.assertEqual(len(audit), 3)


if __name__ == "__main__":
    unittest.main()
