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
- Each draft carries the state's share of the feed as an attachment (docs/jurisdiction.md): the
  per-state CSV of `liaison attribute --out`, gzip-compressed when larger than the node's
  attachment limit, and cut to its first rows when still too large (the entry says "truncated").
  Until the draft is submitted only the sender's organisation sees it (404 for anyone else); the
  sender may delete it; once submitted the recipients download it, the e-mail names it, and it
  can no longer be deleted.
"""
import csv
import http.client
import io
import ipaddress
import json
import email.utils
import gzip
import pathlib
import shutil
import signal
import tempfile

import test_jurisdiction as tj
from harness import NodeTestCase, contact_body, wait_for

# The fixture data set's ranges for the states that get drafts (test_jurisdiction.write_data_set),
# to count each state's rows of a feed independently of liaison.
STATE_RANGES = {"BE": ["2.58.197.15/32"], "DE": ["2.58.196.0/23", "2001:db8:1::/48"]}


NETWORKS = [(state, ipaddress.ip_network(prefix)) for state, prefixes in STATE_RANGES.items()
            for prefix in prefixes]


def state_of(address):
    """The drafted state whose fixture ranges hold `address` (most specific first), or None."""
    ip = ipaddress.ip_address(address)
    best = None
    for state, net in NETWORKS:
        if ip.version == net.version and ip in net and (best is None or net.prefixlen > best[1]):
            best = (state, net.prefixlen)
    return best[0] if best else None


def rows_of(feed, state):
    """(line number, address) of the feed's rows attributed to `state`, in feed order."""
    reader = csv.DictReader(io.StringIO(feed))
    return [(n, row["ip"]) for n, row in enumerate(reader, start=2) if state_of(row["ip"]) == state]


def content_description(node, request_id, token):
    return node.get(f"/api/v1/requests/{request_id}", token=token).json()["content"]["description"]


def mail_text(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content().replace("\r\n", "\n") if part else ""


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
[requests]
attachment_max_bytes = 16384
"""
    attachment_limit = 16384

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

    def download(self, request_id, attachment_id, token):
        """(status, bytes, sha256 header) of an attachment's content, undecoded."""
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=60)
        try:
            conn.request("GET", f"/api/v1/requests/{request_id}/attachments/{attachment_id}",
                         headers={"Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            return resp.status, resp.read(), resp.getheader("X-Liaison-SHA256")
        finally:
            conn.close()

    def assertShareOf(self, feed, state, content, lines):
        """`content` is the per-state CSV of `state`: the header and its first `lines` rows."""
        reader = csv.reader(io.StringIO(content.decode()))
        self.assertEqual(next(reader),
                         ["address", "country", "state", "as_number", "as_name", "category",
                          "line"])
        got = [(int(row[6]), row[0]) for row in reader]
        expected = rows_of(feed, state)
        self.assertEqual(got, expected[:lines])
        return len(expected)

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

    def test_each_draft_carries_its_states_share_until_and_after_submission(self):
        node = self.node
        r = self.report(FEED, "?drafts=true&tlp=GREEN&impact=Scanning%20of%20our%20grid")
        self.assertEqual(r.status, 200, r)
        drafts = {d["requested_state"]: d for d in r.json()["drafts"]}
        for state in ("DE", "BE"):
            entry = drafts[state]["attachment"]
            self.assertEqual((entry["filename"], entry["media_type"], entry["truncated"]),
                             (f"{state}.csv", "text/csv", False))
            self.assertEqual(entry["lines"], len(rows_of(FEED, state)))
            self.assertEqual(entry["total_lines"], entry["lines"])
            status, content, sha256 = self.download(drafts[state]["id"], entry["id"], self.fr)
            self.assertEqual(status, 200)
            self.assertEqual((len(content), sha256), (entry["bytes"], entry["sha256"]))
            self.assertEqual(self.assertShareOf(FEED, state, content, entry["lines"]),
                             entry["lines"])
            listed = node.get(f"/api/v1/requests/{drafts[state]['id']}/attachments",
                              token=self.fr).json()["items"]
            self.assertEqual([a["id"] for a in listed], [entry["id"]])
            description = node.get(f"/api/v1/requests/{drafts[state]['id']}",
                                   token=self.fr).json()["content"]["description"]
            self.assertIn(f"{state}.csv", description)

        # Before submission nobody outside CERT-FR learns the files exist, recipients included.
        de_draft, de_file = drafts["DE"]["id"], drafts["DE"]["attachment"]["id"]
        for token in (self.de, self.be):
            self.assertProblem(node.get(f"/api/v1/requests/{de_draft}/attachments/{de_file}",
                                        token=token), 404)
            self.assertProblem(node.get(f"/api/v1/requests/{de_draft}/attachments", token=token),
                               404)
            self.assertProblem(node.request(
                "DELETE", f"/api/v1/requests/{de_draft}/attachments/{de_file}", token=token), 404)

        # The sender removes Belgium's file from its draft: audited, and the draft moves on.
        be_draft, be_file = drafts["BE"]["id"], drafts["BE"]["attachment"]["id"]
        r = node.request("DELETE", f"/api/v1/requests/{be_draft}/attachments/{be_file}",
                         token=self.fr)
        self.assertEqual(r.status, 204, r)
        self.assertProblem(node.get(f"/api/v1/requests/{be_draft}/attachments/{be_file}",
                                    token=self.fr), 404)
        self.assertEqual(node.get(f"/api/v1/requests/{be_draft}", token=self.fr).json()["version"],
                         2)
        self.assertEqual(node.db_query("SELECT COUNT(*) AS n FROM audit_log WHERE action = "
                                       "'request.detach' AND record_id = ?", (be_draft,))[0]["n"],
                         1)

        # Submitted, Germany's request goes out with its file, which Germany then downloads.
        r = node.request("POST", f"/api/v1/requests/{de_draft}/submit", body={}, token=self.fr,
                         headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        wait_for(lambda: any(de_draft in str(m["Subject"]) for m in node.mails()), 30,
                 "the e-mail to the German contact")
        text = [mail_text(m) for m in node.mails() if de_draft in str(m["Subject"])][0]
        entry = drafts["DE"]["attachment"]
        self.assertIn(f"Attachments:  1\n  - DE.csv ({entry['bytes']} B, text/csv)", text)
        status, content, _ = self.download(de_draft, de_file, self.de)
        self.assertEqual(status, 200)
        self.assertShareOf(FEED, "DE", content, entry["lines"])
        self.assertProblem(node.get(f"/api/v1/requests/{de_draft}/attachments/{de_file}",
                                    token=self.be), 404)
        # Part of the record now: neither side may delete it.
        self.assertProblem(node.request(
            "DELETE", f"/api/v1/requests/{de_draft}/attachments/{de_file}", token=self.fr), 409,
            "failed_precondition")
        self.assertProblem(node.request(
            "DELETE", f"/api/v1/requests/{de_draft}/attachments/{de_file}", token=self.de), 403)
        status, _, _ = self.download(de_draft, de_file, self.de)
        self.assertEqual(status, 200)

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
        # Germany's 10,000 rows (about 300 KB of CSV, 40 KB compressed) are over the node's
        # 16 KiB attachment limit even compressed: the file holds the first rows that fit.
        entry = de["attachment"]
        self.assertEqual((entry["filename"], entry["media_type"], entry["truncated"]),
                         ("DE.csv.gz", "application/gzip", True))
        self.assertLessEqual(entry["bytes"], self.attachment_limit)
        self.assertEqual(entry["total_lines"], 10_000)
        self.assertGreater(entry["lines"], 0)
        status, content, _ = self.download(de["id"], entry["id"], self.fr)
        self.assertEqual((status, len(content)), (200, entry["bytes"]))
        self.assertEqual(self.assertShareOf(feed, "DE", gzip.decompress(content), entry["lines"]),
                         10_000)
        self.assertIn(f"{entry['lines']} of the 10000 observations",
                      content_description(self.node, de["id"], self.fr))

    def test_cli_lists_attaches_and_detaches_on_a_draft(self):
        node = self.node
        r = self.report(FEED, "?drafts=true")
        self.assertEqual(r.status, 200, r)
        de = [d for d in r.json()["drafts"] if d["requested_state"] == "DE"][0]
        common = ("--config", str(node.config), "--as", self.fr_account)
        out = node.cli("request", "attachments", de["id"], *common)
        self.assertIn(f"{de['attachment']['id']}  DE.csv  text/csv  {de['attachment']['bytes']} B",
                      out)
        notes = pathlib.Path(node.dir) / "notes.txt"
        notes.write_text("Seen from our honeypots.\n")
        added = json.loads(node.cli("request", "attach", de["id"], str(notes), *common))
        self.assertEqual((added["filename"], added["media_type"]), ("notes.txt", "text/plain"))
        # Still a draft: Germany does not see it.
        self.assertProblem(node.get(f"/api/v1/requests/{de['id']}/attachments/{added['id']}",
                                    token=self.de), 404)
        node.cli("request", "detach", de["id"], added["id"], *common)
        listed = node.get(f"/api/v1/requests/{de['id']}/attachments", token=self.fr).json()
        self.assertEqual([a["id"] for a in listed["items"]], [de["attachment"]["id"]])
        failed = node.cli("request", "detach", de["id"], added["id"], *common, check=False)
        self.assertEqual(failed.returncode, 1)

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
            # The state's rows are attached, as over HTTP.
            files = node.get(f"/api/v1/requests/{rid}/attachments", token=self.fr).json()["items"]
            self.assertEqual([f["filename"] for f in files], [f"{req['requested_state']}.csv"])
            status, content, _ = self.download(rid, files[0]["id"], self.fr)
            self.assertEqual(status, 200)
            rows = rows_of(FEED, req["requested_state"])
            self.assertEqual(self.assertShareOf(FEED, req["requested_state"], content, len(rows)),
                             len(rows))
        self.assertIn("attached DE.csv: 4 of 4 rows", out)
        failed = node.cli("attribute", str(feed), "--config", str(node.config), "--summary-only",
                          "--draft-requests", "--as", "acc_nobody", check=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("no enabled account", failed.stderr)
        self.assertEqual(set(self.request_ids()) - before, set(made))
        # With --output too, the files are written and the drafts still get the same rows.
        out_dir = pathlib.Path(node.dir) / "per-state"
        out = node.cli("attribute", str(feed), "--config", str(node.config), "--output",
                       str(out_dir), "--draft-requests", "--as", self.fr_account)
        self.assertIn("attached DE.csv: 4 of 4 rows", out)
        written = (out_dir / "DE.csv").read_bytes()
        self.assertShareOf(FEED, "DE", written, len(rows_of(FEED, "DE")))
        de = [rid for rid in set(self.request_ids()) - before - set(made)
              if node.get(f"/api/v1/requests/{rid}", token=self.fr).json()["requested_state"]
              == "DE"]
        self.assertEqual(len(de), 1)
        files = node.get(f"/api/v1/requests/{de[0]}/attachments", token=self.fr).json()["items"]
        self.assertEqual(self.download(de[0], files[0]["id"], self.fr)[1], written)
