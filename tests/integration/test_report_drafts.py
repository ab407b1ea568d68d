"""Draft mitigation requests from an attributed feed, over HTTP and from the CLI, against the real
server with the fixture IP data set of test_jurisdiction.py and the real SMTP sink.

Readings of docs/api.md (POST /jurisdiction/reports?drafts=true) and docs/user-guide.md:
- One draft `mitigation` request per state the feed's addresses fall in, except the caller's own
  state, groups no state answers for, and states with no point of contact on the node; those are
  listed under `skipped` with a reason.
- A draft's indicators are the state's distinct addresses (IPv4 then IPv6, ascending, at most
  `max_indicators`); its observed window comes from the feed's time column.
- Drafts are only the sender organisation's until submitted: other states get 404 and no e-mail
  is queued. Submitting one routes it like any request.
- A feed that fails (strict mode, a cut gzip stream) creates no draft; an account that may not
  make requests gets 403 before the feed is read.
"""
import email.utils
import gzip
import pathlib
import shutil
import signal
import tempfile

import test_jurisdiction as tj
from harness import NodeTestCase, contact_body, wait_for

# Addresses in Germany (2 IPv4 + 1 IPv6), Belgium, France (the caller's own), the United Kingdom
# (no organisation on the node) and Taiwan (no state answers).
FEED = """timestamp,ip,category
2026-11-01T08:00:00Z,2.58.196.2,scanner
2026-11-01T08:00:01Z,2.58.196.1,scanner
2026-11-01T08:00:02Z,2.58.196.2,c2
2026-11-01 09:30:00Z,2001:db8:1::7,scanner
2026-11-01T08:10:00Z,2.58.197.15,phishing
2026-11-01T08:20:00Z,10.0.0.1,scanner
2026-11-01T08:30:00Z,81.0.0.1,scanner
2026-11-01T08:40:00Z,81.0.0.200,scanner
"""


class ReportDraftsTest(NodeTestCase):
    data_root = pathlib.Path(tempfile.mkdtemp(prefix="liaison-it-drafts-"))
    extra_config = f"""
[jurisdiction]
data_dir = "{data_root}"
[server]
scheduler_interval_seconds = 3600
"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        op = node.operator_token
        cls.fr_org = node.create_org("CERT-FR", "FR", kind="national_cert")
        de_org = node.create_org("CERT-Bund", "DE", kind="national_cert")
        be_org = node.create_org("CCB", "BE", kind="national_cert")
        accounts = {}
        for org, address, roles in [(cls.fr_org, "analyst@cert.fr.test", ["technical"]),
                                    (cls.fr_org, "data@cert.fr.test", ["analyst"]),
                                    (de_org, "lage@cert-bund.de.test", ["technical"]),
                                    (be_org, "soc@ccb.be.test", ["technical"])]:
            accounts[address] = node.create_account(org["id"], address, roles)["id"]
        cls.fr_account = accounts["analyst@cert.fr.test"]
        cls.fr = node.account_token("analyst@cert.fr.test")
        cls.fr_analyst = node.account_token("data@cert.fr.test")
        cls.de = node.account_token("lage@cert-bund.de.test")
        cls.be = node.account_token("soc@ccb.be.test")
        for org, name, address in [(de_org, "Lagezentrum", "lagezentrum@cert-bund.de.test"),
                                   (be_org, "CCB duty", "duty@ccb.be.test")]:
            r = node.post("/api/v1/contacts", contact_body(org["id"], name, emails=[address]),
                          token=op)
            assert r.status == 201, r
        tj.write_data_set(cls.data_root / "v1", "drafts-1")
        node.cli("data", "update", "--config", str(node.config), str(cls.data_root / "v1"))
        node.process.send_signal(signal.SIGHUP)
        wait_for(lambda: node.get("/readyz").json()["jurisdiction_data"]["version"] == "drafts-1",
                 30, "the data set")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.data_root, ignore_errors=True)

    def report(self, body, query="", token=None, content_type="text/csv"):
        return self.node.request("POST", "/api/v1/jurisdiction/reports" + query,
                                 raw=body if isinstance(body, bytes) else body.encode(),
                                 token=token or self.fr, headers={"Content-Type": content_type})

    def request_ids(self):
        return sorted(row["id"] for row in self.node.db_query("SELECT id FROM requests"))

    def queued_notifications(self):
        """E-mails and webhook events queued so far, delivered or not."""
        return len(self.node.db_query("SELECT id FROM notifications"))

    def test_drafts_one_request_per_other_state_and_sends_nothing(self):
        node = self.node
        queued_before = self.queued_notifications()
        r = self.report(FEED, "?drafts=true&impact=Scanning%20of%20our%20energy%20grid")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        drafts = {d["requested_state"]: d for d in body["drafts"]}
        self.assertEqual(sorted(drafts), ["BE", "DE"])
        self.assertEqual((drafts["DE"]["status"], drafts["DE"]["indicators"],
                          drafts["DE"]["distinct_addresses"], drafts["DE"]["observations"]),
                         ("draft", 3, 3, 4))
        self.assertEqual((drafts["DE"]["tlp"], drafts["DE"]["urgency"]), ("AMBER", "routine"))
        self.assertEqual(drafts["BE"]["indicators"], 1)
        skipped = {s["group"]: s["reason"] for s in body["skipped"]}
        self.assertEqual(skipped, {"FR": "own_state", "GB": "not_on_node",
                                   "no-state-TW": "no_state"})
        self.assertEqual(body["time_column"], "timestamp")

        de = node.get(f"/api/v1/requests/{drafts['DE']['id']}", token=self.fr)
        self.assertEqual(de.status, 200, de)
        req = de.json()
        self.assertEqual(req["type"], "mitigation")
        self.assertEqual(req["requesting_state"], "FR")
        content = req["content"]
        self.assertEqual([(i["type"], i["value"]) for i in content["indicators"]],
                         [("ipv4", "2.58.196.1"), ("ipv4", "2.58.196.2"),
                          ("ipv6", "2001:db8:1::7")])
        self.assertEqual(content["language"], "en")
        self.assertIn("Germany", content["subject"])
        self.assertIn("3 of the 3 distinct addresses", content["description"])
        mitigation = content["mitigation"]
        self.assertEqual(mitigation["observed_from"], "2026-11-01T08:00:00.000Z")
        self.assertEqual(mitigation["observed_to"], "2026-11-01T09:30:00.000Z")
        self.assertEqual(mitigation["impact"], "Scanning of our energy grid")
        self.assertIn("categories: scanner 3, c2 1", mitigation["evidence"])

        # Nobody else sees the drafts, and nothing was queued for anyone.
        for token in (self.de, self.be):
            for d in drafts.values():
                self.assertProblem(node.get(f"/api/v1/requests/{d['id']}", token=token), 404)
        self.assertEqual(self.queued_notifications(), queued_before)

        # Submitting a draft routes it to the state's technical contact like any request.
        r = node.request("POST", f"/api/v1/requests/{drafts['DE']['id']}/submit", body={},
                         token=self.fr, headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["routing"]["contacts"], 1)
        wait_for(lambda: any(drafts["DE"]["id"] in str(m["Subject"]) for m in node.mails()), 30,
                 "the e-mail to the German contact")
        mail = [m for m in node.mails() if drafts["DE"]["id"] in str(m["Subject"])]
        self.assertEqual([email.utils.parseaddr(str(m["To"]))[1] for m in mail],
                         ["lagezentrum@cert-bund.de.test"])
        self.assertFalse(any(drafts["BE"]["id"] in str(m["Subject"]) for m in node.mails()))
        self.assertEqual(node.get(f"/api/v1/requests/{drafts['DE']['id']}", token=self.de).status,
                         200)

    def test_options_language_tlp_and_indicator_cap(self):
        r = self.report(FEED, "?drafts=true&language=fr&tlp=RED&urgency=urgent&max_indicators=2")
        self.assertEqual(r.status, 200, r)
        de = [d for d in r.json()["drafts"] if d["requested_state"] == "DE"][0]
        self.assertEqual((de["indicators"], de["distinct_addresses"]), (2, 3))
        self.assertEqual((de["tlp"], de["urgency"], de["language"]), ("RED", "urgent", "fr"))
        self.assertIn("Allemagne", de["subject"])
        for query, field in [("?drafts=maybe", "drafts"), ("?drafts=true&tlp=PURPLE", "tlp"),
                             ("?drafts=true&urgency=soon", "urgency"),
                             ("?drafts=true&language=de", "language"),
                             ("?drafts=true&max_indicators=0", "max_indicators"),
                             ("?drafts=true&max_indicators=1001", "max_indicators")]:
            before = self.request_ids()
            self.assertProblem(self.report(FEED, query), 400, "invalid_argument", field)
            self.assertEqual(self.request_ids(), before, query)

    def test_a_feed_that_fails_creates_no_draft(self):
        before = self.request_ids()
        bad = FEED + "2026-11-01T08:50:00Z,not-an-address,scanner\n"
        self.assertProblem(self.report(bad, "?drafts=true&strict=true"), 400, "invalid_argument",
                           "feed")
        cut = gzip.compress((FEED * 500).encode())
        problem = self.assertProblem(self.report(cut[: len(cut) // 2], "?drafts=true"), 400,
                                     "invalid_argument", "feed")
        self.assertEqual(problem["reason"], "truncated_gzip")
        self.assertProblem(self.report("a,b\n1,2\n", "?drafts=true"), 400, "invalid_argument",
                           "column")
        self.assertEqual(self.request_ids(), before)

    def test_an_account_without_the_right_gets_403_and_no_draft(self):
        before = self.request_ids()
        # An analyst account may attribute feeds but not make requests.
        self.assertEqual(self.report(FEED, token=self.fr_analyst).status, 200)
        self.assertProblem(self.report(FEED, "?drafts=true", token=self.fr_analyst), 403)
        self.assertProblem(self.node.request(
            "POST", "/api/v1/jurisdiction/reports?drafts=true", raw=FEED.encode(),
            headers={"Content-Type": "text/csv"}), 401)
        self.assertEqual(self.request_ids(), before)

    def test_a_feed_over_one_mebibyte_is_attributed_and_drafted(self):
        # 100,000 rows (about 3 MiB): German addresses among French ones.
        rows = ["ip,category"]
        for i in range(100_000):
            if i % 10 == 0:
                rows.append(f"2.58.196.{i // 10 % 256},scanner")
            else:
                rows.append(f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256},scanner")
        feed = "\n".join(rows) + "\n"
        self.assertGreater(len(feed), 1 << 20)
        r = self.report(feed, "?drafts=true&max_indicators=100")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["observations"], 100_000)
        de = [d for d in body["drafts"] if d["requested_state"] == "DE"][0]
        self.assertEqual((de["observations"], de["distinct_addresses"], de["indicators"]),
                         (10_000, 256, 100))
        content = self.node.get(f"/api/v1/requests/{de['id']}", token=self.fr).json()["content"]
        self.assertEqual(content["indicators"][0]["value"], "2.58.196.0")
        self.assertIn("100 of the 256 distinct addresses", content["description"])
        self.assertIsNone(content["mitigation"].get("observed_from"))

    def test_cli_drafts_as_an_account(self):
        node = self.node
        feed = pathlib.Path(node.dir) / "feed.csv"
        feed.write_text(FEED)
        before = set(self.request_ids())
        out = node.cli("attribute", str(feed), "--config", str(node.config), "--summary-only",
                       "--draft-requests", "--as", self.fr_account, "--language", "es")
        self.assertIn("2 draft mitigation requests", out)
        self.assertIn("no draft for GB: not_on_node", out)
        made = sorted(set(self.request_ids()) - before)
        self.assertEqual(len(made), 2)
        for rid in made:
            self.assertIn(rid, out)
            req = node.get(f"/api/v1/requests/{rid}", token=self.fr).json()
            self.assertEqual((req["status"], req["content"]["language"]), ("draft", "es"))
        failed = node.cli("attribute", str(feed), "--config", str(node.config), "--summary-only",
                          "--draft-requests", "--as", "acc_nobody", check=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("no enabled account", failed.stderr)
        self.assertEqual(set(self.request_ids()) - before, set(made))
