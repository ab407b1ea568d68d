"""Reachability campaigns ("ping tests"): e-mails with acknowledgement links through a real SMTP
server, acknowledgement by link and by API, status, reports, visibility, the CLI, and stale
contacts.

Readings of docs/api.md:
- A campaign's `targets` counts points of contact (not e-mail addresses); each address of a
  target receives one e-mail carrying that target's acknowledgement link.
- The acknowledgement link's path is taken from the e-mail (the doc lists `/ack/{token}` in the
  API table; whether it sits under /api/v1 is left to the link itself).
- POST /pings/{id}/ack needs no account: the acknowledgement token is the credential (a contact
  person need not have an account). A token of another campaign, or a made-up one, is 404.
- GET /pings/{id} has `sent` equal to the campaign's `targets`, and `acknowledged` counts
  acknowledged targets.
- The JSON report is a list of rows (the body itself, or the first list member of the body
  whose items carry `state`), one per state and level that has targets.
- A contact becomes stale when it misses its last two closed campaigns (src/directory/
  contacts.hpp); the organisation's policy contacts then get a `ping.stale` e-mail.
"""
import csv
import email.utils
import io
import json
import re
import subprocess
import unittest
import urllib.parse

from harness import NodeTestCase, contact_body, list_all, rfc3339, wait_for, BIN

ACK_LINK = re.compile(r"(https?://[^\s/]+)?((?:/[^\s<>\"/]+)*/ack/([A-Za-z0-9_~.%-]+))")


def text_of(message):
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part else ""


def rcpt(message):
    """The bare address a message was sent to."""
    return email.utils.parseaddr(str(message["To"]))[1].lower()


def report_rows(body):
    if isinstance(body, list):
        return body
    for value in body.values():
        if isinstance(value, list) and value and isinstance(value[0], dict) and \
                "state" in value[0]:
            return value
    raise AssertionError(f"no per-state rows in report {body}")


class CampaignTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.fr_org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        cls.ke_org = node.create_org("KE-CIRT/CC", "KE", kind="national_cert")
        def add(org, name, **fields):
            r = node.post("/api/v1/contacts", contact_body(org["id"], name, **fields),
                          token=node.operator_token)
            assert r.status == 201, r
            return r.json()
        cls.fr_policy_contact = add(cls.fr_org, "Camille Martin", level="policy",
                                    languages=["fr"],
                                    emails=["camille@fr.demo.test", "desk@fr.demo.test"])
        cls.fr_tech_contact = add(cls.fr_org, "Alex Durand", level="technical",
                                  languages=["en"], emails=["cert@fr.demo.test"])
        cls.ke_tech_contact = add(cls.ke_org, "Wanjiru Kamau", level="technical",
                                  languages=["en", "sw"],
                                  emails=["soc@ke.demo.test", "duty@ke.demo.test"])
        cls.ke_policy_contact = add(cls.ke_org, "Otieno Ouma", level="policy",
                                    languages=["en"], emails=["policy@ke.demo.test"])
        cls.addresses = {"camille@fr.demo.test", "desk@fr.demo.test", "cert@fr.demo.test",
                         "soc@ke.demo.test", "duty@ke.demo.test", "policy@ke.demo.test"}
        cls.fr_policy = node.create_account(cls.fr_org["id"], "policy@fr.demo.test", ["policy"])
        cls.fr_policy_token = node.account_token("policy@fr.demo.test")
        cls.br_org = node.create_org("CTIR Gov", "BR", kind="national_cert")
        cls.br_tech = node.create_account(cls.br_org["id"], "tech@br.demo.test", ["technical"])
        cls.br_tech_token = node.account_token("tech@br.demo.test")

        cls.deadline = rfc3339(86400)
        r = node.post("/api/v1/pings", {"scope": "states", "states": ["FR", "KE"],
                                        "level": "both", "deadline": cls.deadline},
                      token=node.operator_token)
        assert r.status == 201, r
        cls.campaign = r.json()
        mails = node.wait_for_mails(len(cls.addresses))
        cls.ping_mails = {}
        for m in mails:
            cls.ping_mails.setdefault(rcpt(m), []).append(m)

    def link_for(self, address):
        (mail,) = self.ping_mails[address]
        match = ACK_LINK.search(text_of(mail))
        self.assertIsNotNone(match, text_of(mail))
        return match.group(2), match.group(3)

    def status(self):
        r = self.node.get(f"/api/v1/pings/{self.campaign['id']}", token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        return r.json()

    # tests (named so that unittest's alphabetical order runs them in a meaningful sequence) ---
    def test_1_campaign_counts_targets(self):
        self.assertEqual(self.campaign["targets"], 4, self.campaign)
        self.assertRegex(self.campaign["id"], r"^\w+_")

    def test_2_each_address_gets_one_mail_with_a_link(self):
        self.assertEqual(set(self.ping_mails), self.addresses)
        for address, mails in self.ping_mails.items():
            self.assertEqual(len(mails), 1, f"{address} got {len(mails)} e-mails")
            self.assertEqual(email.utils.parseaddr(str(mails[0]["From"]))[1], "liaison@node.test")
            self.assertIn("/ack/", text_of(mails[0]))
        # The two addresses of one contact carry that contact's link; contacts differ.
        _, token_a = self.link_for("camille@fr.demo.test")
        _, token_b = self.link_for("desk@fr.demo.test")
        _, token_c = self.link_for("cert@fr.demo.test")
        _, token_d = self.link_for("soc@ke.demo.test")
        self.assertEqual(token_a, token_b)
        self.assertEqual(len({token_a, token_c, token_d}), 3)
        self.assertGreaterEqual(len(token_a), 20, "acknowledgement tokens must be unguessable")

    def test_2_french_contact_gets_french_text(self):
        fr = self.ping_mails["camille@fr.demo.test"][0]
        en = self.ping_mails["cert@fr.demo.test"][0]
        fr_text = str(fr["Subject"]) + "\n" + text_of(fr)
        en_text = str(en["Subject"]) + "\n" + text_of(en)
        french_words = ("Bonjour", "Veuillez", "joignabilit", "Vérification")
        self.assertTrue(any(w in fr_text for w in french_words), fr_text)
        self.assertFalse(any(w in en_text for w in french_words), en_text)
        self.assertIn("Camille Martin", fr_text)
        self.assertTrue(("Please" in en_text) or ("Dear" in en_text), en_text)

    def test_3_get_on_link_shows_form_without_acknowledging(self):
        path, _ = self.link_for("camille@fr.demo.test")
        before = self.status()["acknowledged"]
        r = self.node.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/html"), r.headers)
        self.assertRegex(r.body, r"(?is)<form[^>]*method=[\"']?post")
        self.assertEqual(self.status()["acknowledged"], before)
        # A HEAD (mail scanners prefetch links) does not acknowledge either.
        self.node.request("HEAD", path)
        self.assertEqual(self.status()["acknowledged"], before)

    def test_4_post_on_link_acknowledges(self):
        path, _ = self.link_for("camille@fr.demo.test")
        before = self.status()["acknowledged"]
        r = self.node.request("POST", path, raw=b"",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/html"), r.headers)
        self.assertEqual(self.status()["acknowledged"], before + 1)
        # Acknowledging again is harmless and does not count twice.
        r = self.node.request("POST", path, raw=b"",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertLess(r.status, 500, r)
        self.assertEqual(self.status()["acknowledged"], before + 1)

    def test_5_api_ack_with_another_token(self):
        _, token = self.link_for("soc@ke.demo.test")
        before = self.status()["acknowledged"]
        r = self.node.post(f"/api/v1/pings/{self.campaign['id']}/ack", {"token": token})
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.json()["acknowledged_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertEqual(self.status()["acknowledged"], before + 1)

    def test_6_wrong_token_is_404(self):
        before = self.status()["acknowledged"]
        r = self.node.post(f"/api/v1/pings/{self.campaign['id']}/ack",
                           {"token": "A" * 43})
        self.assertProblem(r, 404, code="not_found")
        path, token = self.link_for("cert@fr.demo.test")
        r = self.node.request("POST", path.replace(token, "B" * len(token)), raw=b"",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 404, r)
        r = self.node.get(path.replace(token, "B" * len(token)))
        self.assertEqual(r.status, 404, r)
        # A real token with another campaign's id.
        r = self.node.post("/api/v1/pings/png_doesnotexist/ack", {"token": token})
        self.assertProblem(r, 404, code="not_found")
        self.assertEqual(self.status()["acknowledged"], before)

    def test_7_status_counts(self):
        status = self.status()
        self.assertEqual(status["sent"], self.campaign["targets"])
        self.assertEqual(status["acknowledged"], 2)
        self.assertFalse(status["closed"], status)
        self.assertEqual(status["deadline"][:19], self.deadline[:19])

    def test_7_report_json_and_csv(self):
        r = self.node.get(f"/api/v1/pings/{self.campaign['id']}/report",
                          token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        rows = report_rows(r.json())
        by_key = {(row["state"], row["level"]): row for row in rows}
        self.assertEqual(set(by_key), {("FR", "policy"), ("FR", "technical"),
                                       ("KE", "policy"), ("KE", "technical")}, rows)
        for key, row in by_key.items():
            for member in ("targets", "reached_24h", "reached_by_deadline", "not_reached",
                           "median_hours", "median_working_hours"):
                self.assertIn(member, row, row)
            self.assertEqual(row["targets"], 1, row)
        self.assertEqual(by_key[("FR", "policy")]["reached_24h"], 1)
        self.assertEqual(by_key[("KE", "technical")]["reached_24h"], 1)
        self.assertEqual(by_key[("FR", "technical")]["reached_24h"], 0)
        self.assertEqual(by_key[("KE", "policy")]["reached_24h"], 0)
        self.assertEqual(sum(row["reached_24h"] for row in rows), 2)
        self.assertEqual(by_key[("FR", "policy")]["reached_by_deadline"], 1)
        self.assertIsNone(by_key[("FR", "technical")]["median_hours"])

        r = self.node.get(f"/api/v1/pings/{self.campaign['id']}/report?format=csv",
                          token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/csv"), r.headers)
        table = list(csv.DictReader(io.StringIO(r.body, newline="")))
        csv_rows = {(row["state"], row["level"]): row for row in table
                    if (row.get("state"), row.get("level")) in by_key}
        self.assertEqual(set(csv_rows), set(by_key), r.body)
        for key, row in csv_rows.items():
            self.assertEqual(int(row["targets"]), by_key[key]["targets"])
            self.assertEqual(int(row["reached_24h"]), by_key[key]["reached_24h"])

    def test_8_other_state_cannot_see_campaign(self):
        cid = self.campaign["id"]
        self.assertProblem(self.node.get(f"/api/v1/pings/{cid}", token=self.br_tech_token), 404,
                           code="not_found")
        self.assertProblem(self.node.get(f"/api/v1/pings/{cid}/report",
                                         token=self.br_tech_token), 404, code="not_found")
        self.assertProblem(self.node.get(f"/api/v1/pings/{cid}/report?format=csv",
                                         token=self.br_tech_token), 404, code="not_found")
        visible = list_all(self.node, "/api/v1/pings", token=self.br_tech_token)
        self.assertNotIn(cid, [c["id"] for c in visible])
        self.assertIn(cid, [c["id"] for c in list_all(self.node, "/api/v1/pings",
                                                      token=self.node.operator_token)])
        self.assertProblem(self.node.get(f"/api/v1/pings/{cid}"), 401, code="unauthenticated")

    def test_8_state_policy_account_campaigns_over_own_state_only(self):
        r = self.node.post("/api/v1/pings", {"scope": "states", "states": ["KE"],
                                             "level": "both", "deadline": rfc3339(86400)},
                           token=self.fr_policy_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.post("/api/v1/pings", {"scope": "states", "states": ["FR", "KE"],
                                             "level": "both", "deadline": rfc3339(86400)},
                           token=self.fr_policy_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.post("/api/v1/pings", {"scope": "all", "level": "both",
                                             "deadline": rfc3339(86400)},
                           token=self.fr_policy_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.post("/api/v1/pings", {"scope": "states", "states": ["FR"],
                                             "level": "technical", "deadline": rfc3339(86400)},
                           token=self.fr_policy_token)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["targets"], 1)
        own = r.json()["id"]
        self.assertEqual(self.node.get(f"/api/v1/pings/{own}", token=self.fr_policy_token).status,
                         200)
        self.assertProblem(self.node.get(f"/api/v1/pings/{own}", token=self.br_tech_token), 404,
                           code="not_found")

    def ping_cli(self, sub, *extra):
        """Runs `liaison ping <sub>` with the campaign id, adapting to how the id is passed."""
        help_text = self.node.cli("ping", sub, "--help", check=False)
        help_text = help_text.stdout + help_text.stderr
        self.assertIn("--config", help_text, help_text)
        args = ["ping", sub, "--config", str(self.node.config)]
        option = next((o for o in ("--campaign", "--campaign-id", "--id") if
                       re.search(re.escape(o) + r"\b(?!-)", help_text)), None)
        args += [option, self.campaign["id"]] if option else [self.campaign["id"]]
        result = self.node.cli(*args, *extra, check=False)
        self.assertEqual(result.returncode, 0,
                         f"liaison {' '.join(args)}:\n{result.stdout}\n{result.stderr}\n"
                         f"help:\n{help_text}")
        return result.stdout

    def test_9_cli_status_and_report(self):
        status = self.status()
        out = self.ping_cli("status")
        self.assertIn(self.campaign["id"], out)
        # The same numbers as the API: targets (labelled sent, targets or contacts) and
        # acknowledgements.
        self.assertRegex(out, rf"(?im)^\W*(sent|targets|contacts)\W*{status['sent']}\b")
        self.assertRegex(out, rf"(?im)^\W*acknowledged\W*{status['acknowledged']}\b")
        out = self.ping_cli("report")
        self.assertIn(self.campaign["id"], out)
        for state in ("FR", "KE"):
            self.assertIn(state, out)
        help_text = self.node.cli("ping", "report", "--help", check=False).stdout
        if "--format" in help_text:
            out = self.ping_cli("report", "--format", "csv")
            table = list(csv.DictReader(io.StringIO(out)))
            fr_policy = [r for r in table if r.get("state") == "FR" and r.get("level") == "policy"]
            self.assertEqual(len(fr_policy), 1, out)
            self.assertEqual(int(fr_policy[0]["reached_24h"]), 1)

    def test_9_cli_unknown_campaign_fails(self):
        args = ["ping", "status", "--config", str(self.node.config)]
        help_text = self.node.cli("ping", "status", "--help", check=False).stdout
        option = next((o for o in ("--campaign", "--campaign-id", "--id") if
                       re.search(re.escape(o) + r"\b(?!-)", help_text)), None)
        args += [option, "png_doesnotexist"] if option else ["png_doesnotexist"]
        result = self.node.cli(*args, check=False)
        self.assertNotEqual(result.returncode, 0, result.stdout)

    def test_9_cli_acts_as_an_account(self):
        conf = str(self.node.config)
        # A state's policy account may ping its own state only, from the CLI as from the API.
        refused = self.node.cli("ping", "start", "--config", conf, "--as", self.fr_policy["id"],
                                "--scope", "states", "--state", "KE", "--level", "technical",
                                check=False)
        self.assertNotEqual(refused.returncode, 0, refused.stdout)
        out = self.node.cli("ping", "start", "--config", conf, "--as", self.fr_policy["id"],
                            "--scope", "states", "--state", "FR", "--level", "technical")
        campaign_id = re.search(r"(?m)^campaign:\s+(png_\S+)$", out).group(1)
        self.assertRegex(out, r"(?m)^contacts:\s+1$")
        # The audit log names the account, not the node.
        entries = list_all(self.node, f"/api/v1/audit?record_id={campaign_id}",
                           token=self.node.operator_token)
        self.assertTrue(entries, out)
        self.assertEqual(entries[0]["account_id"], self.fr_policy["id"], entries[0])
        self.assertEqual(entries[0]["organization_id"], self.fr_org["id"], entries[0])
        # Listing as an account goes through the access policy: Brazil does not see France's.
        listed = self.node.cli("ping", "list", "--config", conf, "--as", self.br_tech["id"])
        self.assertNotIn(campaign_id, listed)
        self.assertIn(campaign_id, self.node.cli("ping", "list", "--config", conf))
        self.assertIn(campaign_id, self.node.cli("ping", "list", "--config", conf, "--as",
                                                 self.fr_policy["id"]))
        unknown = self.node.cli("ping", "list", "--config", conf, "--as", "acc_nobody",
                                check=False)
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn("--as", unknown.stderr)

    def test_zz_no_mail_delivered_twice(self):
        ids = [str(m["X-Liaison-Notification"]) for m in self.node.mails()]
        self.assertTrue(all(i and i != "None" for i in ids), ids)
        self.assertEqual(len(ids), len(set(ids)), "an e-mail was delivered twice")


class StaleContactTest(NodeTestCase):
    extra_config = "[server]\nscheduler_interval_seconds = 1\n"

    def test_contact_missing_two_campaigns_becomes_stale_and_policy_is_told(self):
        node = self.node
        org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        r = node.post("/api/v1/contacts", contact_body(
            org["id"], "Camille Martin", level="policy", emails=["policy@fr.demo.test"]),
            token=node.operator_token)
        self.assertEqual(r.status, 201, r)
        policy = r.json()
        r = node.post("/api/v1/contacts", contact_body(
            org["id"], "Silent Sam", level="technical", emails=["silent@fr.demo.test"]),
            token=node.operator_token)
        self.assertEqual(r.status, 201, r)
        silent = r.json()
        for seconds in (3, 4):
            r = node.post("/api/v1/pings", {"scope": "states", "states": ["FR"],
                                            "level": "technical", "deadline": rfc3339(seconds)},
                          token=node.operator_token)
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json()["targets"], 1)
        campaigns = [c["id"] for c in list_all(node, "/api/v1/pings", token=node.operator_token)]
        self.assertEqual(len(campaigns), 2)

        def closed():
            return all(node.get(f"/api/v1/pings/{c}", token=node.operator_token).json()["closed"]
                       for c in campaigns)
        wait_for(closed, 30, "both campaigns to close after their deadlines")

        def stale():
            r = node.get(f"/api/v1/contacts/{silent['id']}", token=node.operator_token)
            return r.status == 200 and r.json()["stale"]
        wait_for(stale, 30, "the silent contact to become stale")
        got = node.get(f"/api/v1/contacts/{policy['id']}", token=node.operator_token).json()
        self.assertFalse(got["stale"], "a contact that was never pinged is not stale")

        def stale_notice():
            for m in node.mails():
                if rcpt(m) == "policy@fr.demo.test":
                    return m
            return None
        notice = wait_for(stale_notice, 30, "a ping.stale e-mail to the policy contact")
        text = str(notice["Subject"]) + "\n" + text_of(notice)
        self.assertNotIn("/ack/", text)
        self.assertIn("Silent Sam", text)
        # The silent contact got exactly two ping e-mails and no stale notice about itself.
        to_silent = [m for m in node.mails()
                     if rcpt(m) == "silent@fr.demo.test"]
        self.assertEqual(len(to_silent), 2)
        # The report after the deadline counts the target as not reached.
        r = node.get(f"/api/v1/pings/{campaigns[0]}/report", token=node.operator_token)
        self.assertEqual(r.status, 200, r)
        rows = report_rows(r.json())
        self.assertEqual(sum(row["not_reached"] for row in rows), 1, rows)
        self.assertEqual(sum(row["reached_by_deadline"] for row in rows), 0, rows)


if __name__ == "__main__":
    unittest.main()
