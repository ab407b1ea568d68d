"""Jurisdiction look-ups, feed reports and `liaison attribute` against the real server with a
small fixture data set, and the live swap of the data set by `liaison data update` + SIGHUP.

Contract notes:
- Without a data set the look-ups answer 503 and the node stays ready (/readyz shows
  jurisdiction_data.version null): nothing else depends on it.
- A CIDR prefix is written in the path as /ip/{address}/{length}.
- Without drafts=true a report only summarises (drafts is an empty list); drafting is tested in
  test_report_drafts.py."""
import gzip
import json
import pathlib
import signal
import subprocess
import tempfile
import unittest

from harness import NodeTestCase, wait_for, BIN, SOURCE

COUNTRY_V4 = """0.0.0.0,0.0.0.255,AQ
1.0.0.0,1.0.0.255,AU
1.0.1.0,1.0.3.255,CN
2.58.196.0,2.58.197.255,DE
2.58.197.15,2.58.197.15,BE
2.58.197.16,2.58.197.255,DE
10.0.0.0,10.255.255.255,FR
10.1.0.0,10.1.255.255,GP
81.0.0.0,81.0.0.127,GB
81.0.0.128,81.0.0.255,TW
255.255.255.0,255.255.255.255,US
"""
COUNTRY_V6 = """2001:420:4000::,2001:420:7fff:ffff:ffff:ffff:ffff:ffff,JP
2001:420:4000::,2001:420:4fff:ffff:ffff:ffff:ffff:ffff,NL
2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,FR
2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,DE
"""
AS_V4 = """1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
10.0.0.0,10.0.255.255,3215,Orange S.A.
10.1.0.0,10.1.255.255,3215,Orange S.A.
"""
AS_V6 = """2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,3215,Orange S.A.
"""

FEED = """seen,ip,category
2026-11-01T00:00:00Z,10.0.0.1,scanner
2026-11-01T00:00:01Z,10.0.0.1,scanner
2026-11-01T00:00:02Z,10.1.0.9,c2
2026-11-01T00:00:03Z,2001:db8::5,"ddos, reflector"
2026-11-01T00:00:04Z,81.0.0.200,scanner
2026-11-01T00:00:05Z,not-an-ip,scanner
2026-11-01T00:00:06Z,8.8.8.8,scanner
"""


def write_data_set(folder, version, country_v4=COUNTRY_V4):
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "geo-whois-asn-country-ipv4.csv").write_text(country_v4)
    (folder / "geo-whois-asn-country-ipv6.csv").write_text(COUNTRY_V6)
    (folder / "asn-ipv4.csv").write_text(AS_V4)
    (folder / "asn-ipv6.csv").write_text(AS_V6)
    (folder / "VERSION").write_text(version + "\n")
    return folder


class JurisdictionTest(NodeTestCase):
    data_root = pathlib.Path(tempfile.mkdtemp(prefix="liaison-it-ipdata-"))
    extra_config = f"""
[jurisdiction]
data_dir = "{data_root}"
bulk_body_limit_bytes = 8388608
[server]
scheduler_interval_seconds = 3600
"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.fr_org = node.create_org("CERT-FR", "FR", kind="national_cert")
        node.create_account(cls.fr_org["id"], "analyst@fr.demo.test", ["technical"])
        node.create_account(cls.fr_org["id"], "observer@fr.demo.test", ["observer"])
        cls.token = node.account_token("analyst@fr.demo.test")
        cls.observer = node.account_token("observer@fr.demo.test")
        # No data yet: look-ups are unavailable, the node is ready.
        r = node.get("/api/v1/jurisdiction/ip/10.0.0.1", token=cls.token)
        assert r.status == 503, r
        ready = node.get("/readyz").json()
        assert ready["jurisdiction_data"]["version"] is None, ready
        write_data_set(cls.data_root / "v1", "it-1")
        node.cli("data", "update", "--config", str(node.config), str(cls.data_root / "v1"))
        cls.reload_and_wait("it-1")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        import shutil
        shutil.rmtree(cls.data_root, ignore_errors=True)

    @classmethod
    def reload_and_wait(cls, version):
        cls.node.process.send_signal(signal.SIGHUP)
        wait_for(lambda: cls.node.get("/readyz").json()["jurisdiction_data"]["version"] == version,
                 30, f"data set {version}")

    def ip(self, text):
        r = self.node.get("/api/v1/jurisdiction/ip/" + text, token=self.token)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_address_answers_are_exact_at_boundaries(self):
        self.assertEqual(self.ip("1.0.0.255")["country"], "AU")
        self.assertIsNone(self.ip("1.0.4.0")["country"])
        self.assertEqual(self.ip("2.58.197.15")["country"], "BE")
        self.assertEqual(self.ip("2.58.197.16")["country"], "DE")
        gp = self.ip("10.1.0.0")
        self.assertEqual((gp["country"], gp["state"]), ("GP", "FR"))
        self.assertEqual(gp["jurisdiction"]["status"], "territory")
        self.assertEqual(gp["range"], {"first": "10.1.0.0", "last": "10.1.255.255"})
        self.assertEqual(gp["as"]["number"], 3215)
        self.assertEqual(gp["data_version"], "it-1")
        self.assertEqual(self.ip("255.255.255.255")["country"], "US")
        self.assertEqual(self.ip("2001:420:4fff:ffff:ffff:ffff:ffff:ffff")["country"], "NL")
        self.assertEqual(self.ip("2001:420:5000::")["country"], "JP")
        self.assertEqual(self.ip("2001:db8:1::")["state"], "DE")

    def test_disputed_territory_names_no_state(self):
        tw = self.ip("81.0.0.200")
        self.assertEqual(tw["country"], "TW")
        self.assertIsNone(tw["state"])
        self.assertEqual(tw["jurisdiction"]["status"], "disputed")

    def test_ipv4_mapped_ipv6_is_ipv4(self):
        mapped = self.ip("::ffff:1.0.0.1")
        self.assertEqual((mapped["address"], mapped["family"], mapped["country"]),
                         ("1.0.0.1", "ipv4", "AU"))
        self.assertEqual(mapped["as"]["name"], "Cloudflare, Inc.")

    def test_prefix_answers_every_state_it_overlaps(self):
        p = self.ip("2.58.197.0/24")
        self.assertEqual(p["prefix"], "2.58.197.0/24")
        self.assertEqual([(c["country"], c["addresses"]) for c in p["countries"]],
                         [("DE", "255"), ("BE", "1")])
        self.assertEqual(sorted(p["states"]), ["BE", "DE"])
        wide = self.ip("10.0.0.0/8")
        self.assertEqual(wide["states"], ["FR"])
        self.assertEqual({c["country"] for c in wide["countries"]}, {"FR", "GP"})
        self.assertEqual(wide["as_numbers"], [3215])
        v6 = self.ip("2001:db8::/32")
        self.assertEqual(sorted(v6["states"]), ["DE", "FR"])

    def test_asn_and_domain(self):
        r = self.node.get("/api/v1/jurisdiction/asn/AS3215", token=self.token)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["names"], ["Orange S.A."])
        self.assertEqual(body["states"], ["FR"])
        self.assertEqual(body["range_count"], 3)
        r = self.node.get("/api/v1/jurisdiction/domain/www.gov.uk", token=self.token)
        self.assertEqual(r.json()["state"], "GB")
        r = self.node.get("/api/v1/jurisdiction/domain/xn--p1ai", token=self.token)
        self.assertEqual((r.json()["state"], r.json()["tld_unicode"]), ("RU", "рф"))
        self.assertProblem(self.node.get("/api/v1/jurisdiction/domain/example.com",
                                         token=self.token), 404, "not_found", "name")
        self.assertProblem(self.node.get("/api/v1/jurisdiction/asn/64999", token=self.token),
                           404, "not_found")

    def test_bad_input_is_a_problem_with_its_field(self):
        cases = [
            ("/api/v1/jurisdiction/ip/10.0.0.256", "address"),
            ("/api/v1/jurisdiction/ip/10.0.0.0/33", "address"),
            ("/api/v1/jurisdiction/ip/2001:db8::/129", "address"),
            ("/api/v1/jurisdiction/ip/" + "1" * 5000, "address"),
            ("/api/v1/jurisdiction/asn/4294967296", "number"),
            ("/api/v1/jurisdiction/asn/-1", "number"),
            ("/api/v1/jurisdiction/asn/AS", "number"),
            ("/api/v1/jurisdiction/domain/a..fr", "name"),
        ]
        for path, field in cases:
            with self.subTest(path=path[:60]):
                self.assertProblem(self.node.get(path, token=self.token), 400, "invalid_argument",
                                   field)

    def test_look_ups_need_an_account(self):
        self.assertProblem(self.node.get("/api/v1/jurisdiction/ip/10.0.0.1"), 401)
        self.assertEqual(self.node.get("/api/v1/jurisdiction/ip/10.0.0.1",
                                       token=self.observer).status, 200)

    def test_batch_mixes_kinds_and_reports_item_errors(self):
        items = ["10.1.2.3", "2.58.197.0/24", "AS13335", "3215", "example.fr", "bad..name",
                 "999.1.1.1", "example.com"]
        r = self.node.post("/api/v1/jurisdiction/lookup", {"items": items}, token=self.token)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["count"], 8)
        self.assertEqual(body["failed"], 3)
        results = body["results"]
        self.assertEqual([x.get("kind") for x in results],
                         ["ip", "prefix", "asn", "asn", "domain", None, None, None])
        self.assertEqual(results[0]["state"], "FR")
        self.assertEqual(results[5]["error"]["reason"], "invalid_domain")
        self.assertEqual(results[6]["error"]["code"], "invalid_argument")
        self.assertEqual(results[7]["error"]["reason"], "not_cctld")

    def test_batch_of_100000_items_is_answered_and_more_is_413(self):
        items = [f"10.{i % 256}.{(i // 256) % 256}.1" for i in range(100_000)]
        r = self.node.post("/api/v1/jurisdiction/lookup", {"items": items}, token=self.token)
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertEqual(r.json()["count"], 100_000)
        self.assertEqual(r.json()["failed"], 0)
        too_many = self.node.post("/api/v1/jurisdiction/lookup", {"items": items + ["1.0.0.1"]},
                                  token=self.token)
        self.assertProblem(too_many, 413, "invalid_argument", "items")
        self.assertProblem(self.node.post("/api/v1/jurisdiction/lookup", {"items": [1]},
                                          token=self.token), 400, "invalid_argument", "items[0]")
        self.assertProblem(self.node.post("/api/v1/jurisdiction/lookup", {"items": [], "x": 1},
                                          token=self.token), 400, "invalid_argument", "x")

    def report(self, body, content_type="text/csv", token=None, query="", encoding=None):
        headers = {"Content-Type": content_type}
        if encoding:
            headers["Content-Encoding"] = encoding
        return self.node.request("POST", "/api/v1/jurisdiction/reports" + query,
                                 raw=body if isinstance(body, bytes) else body.encode(),
                                 token=token or self.token, headers=headers)

    def test_report_summarises_a_feed_per_state(self):
        r = self.report(FEED)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual((body["lines"], body["observations"], body["malformed"]), (7, 6, 1))
        self.assertEqual(body["errors"][0]["line"], 7)
        fr = body["states"][0]
        self.assertEqual(fr["group"], "FR")
        self.assertEqual(fr["countries"], ["FR", "GP"])
        self.assertEqual(fr["observations"], 4)
        self.assertEqual(fr["distinct_addresses"], 3)
        self.assertEqual(fr["categories"], {"scanner": 2, "c2": 1, "ddos, reflector": 1})
        groups = {g["group"]: g for g in body["states"]}
        self.assertIsNone(groups["no-state-TW"]["state"])
        self.assertEqual(groups["unattributed"]["observations"], 1)
        self.assertEqual(body["drafts"], [])
        gz = self.report(gzip.compress(FEED.encode()))
        self.assertEqual(gz.json()["states"], body["states"])
        nd = "\n".join(json.dumps({"src": ip, "kind": "scan"}) for ip in
                       ["10.0.0.1", "2001:db8:1::1"]) + "\n"
        r = self.report(nd, "application/x-ndjson", query="?column=src&category_column=kind")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(g["group"] for g in r.json()["states"]), ["DE", "FR"])

    def test_report_bad_input(self):
        self.assertProblem(self.report(FEED, query="?strict=true"), 400, "invalid_argument",
                           "feed")
        problem = self.report(FEED, query="?strict=true").json()
        self.assertIn("line 7", problem["detail"])
        truncated = gzip.compress((FEED * 2000).encode())
        problem = self.assertProblem(self.report(truncated[: len(truncated) // 2]), 400,
                                     "invalid_argument", "feed")
        self.assertEqual(problem["reason"], "truncated_gzip")
        self.assertProblem(self.report(""), 400, "invalid_argument", "feed")
        self.assertProblem(self.report("a,b\n1,2\n"), 400, "invalid_argument", "column")
        self.assertProblem(self.report(FEED, "application/json"), 415)
        self.assertProblem(self.report(FEED, query="?strict=maybe"), 400, "invalid_argument",
                           "strict")
        self.assertProblem(self.report(FEED, token=self.observer), 403)
        long_line = "ip\n10.0.0.1\n" + "x" * (1 << 20) + "\n10.0.0.2\n"
        r = self.report(long_line)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["observations"], r.json()["malformed"]), (2, 1))
        self.assertEqual(r.json()["errors"][0]["line"], 3)
        self.assertProblem(self.report(b"ip\n" + b"1" * (9 << 20)), 413)

    def test_status_is_in_readyz_and_metrics(self):
        ready = self.node.get("/readyz").json()["jurisdiction_data"]
        self.assertIsNotNone(ready["loaded_at"])
        metrics = self.node.get("/metrics").body
        self.assertIn('liaison_jurisdiction_data_info{version="', metrics)
        self.assertIn("liaison_jurisdiction_data_loaded_timestamp_seconds", metrics)

    def test_zz_update_swaps_the_data_set_while_serving(self):
        # Named to run last in this class: it changes the data set.
        write_data_set(self.data_root / "v2", "it-2",
                       COUNTRY_V4.replace("1.0.0.0,1.0.0.255,AU", "1.0.0.0,1.0.0.255,NZ"))
        bad = write_data_set(self.data_root / "bad", "it-bad")
        (bad / "asn-ipv4.csv").write_text("1.0.0.0,1.0.0.300,5,X\n")
        refused = self.node.cli("data", "update", "--config", str(self.node.config), str(bad),
                                check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("asn-ipv4.csv:1", refused.stderr)
        self.assertEqual(self.ip("1.0.0.1")["country"], "AU")
        self.node.cli("data", "update", "--config", str(self.node.config),
                      str(self.data_root / "v2"))
        self.reload_and_wait("it-2")
        nz = self.ip("1.0.0.1")
        self.assertEqual((nz["country"], nz["data_version"]), ("NZ", "it-2"))
        self.assertIn('liaison_jurisdiction_data_info{version="it-2"}',
                      self.node.get("/metrics").body)


class AttributeCliTest(unittest.TestCase):
    """`liaison attribute` on files: outputs, summary table and bad input."""

    @classmethod
    def setUpClass(cls):
        cls.dir = pathlib.Path(tempfile.mkdtemp(prefix="liaison-it-attr-"))
        cls.data = write_data_set(cls.dir / "data", "it-cli")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_cli(self, *args):
        return subprocess.run([BIN, "attribute", "--data", str(self.data), *args],
                              capture_output=True, text=True, timeout=120)

    def test_writes_per_state_csv_and_valid_stix(self):
        feed = self.dir / "feed.csv.gz"
        feed.write_bytes(gzip.compress(FEED.encode()))
        out = self.dir / "out"
        r = self.run_cli(str(feed), "--output", str(out), "--threads", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("feed.csv.gz:7: not an IPv4 or IPv6 address", r.stderr)
        self.assertRegex(r.stdout, r"FR\s+FR,GP\s+4\s+3\s+1\s+scanner 2")
        self.assertIn("6 observations in 7 lines, 1 malformed", r.stdout)
        rows = (out / "FR.csv").read_text().splitlines()
        self.assertEqual(rows[0], "address,country,state,as_number,as_name,category,line")
        self.assertEqual(rows[3], "10.1.0.9,GP,FR,3215,Orange S.A.,c2,4")
        bundle = json.loads((out / "FR.stix.json").read_text())
        self.assertEqual(bundle["type"], "bundle")
        types = sorted({o["type"] for o in bundle["objects"]})
        self.assertEqual(types, ["indicator", "ipv4-addr", "ipv6-addr"])
        validate_stix(self, bundle)

    def test_bad_files_are_clear_errors(self):
        empty = self.dir / "empty.csv"
        empty.write_text("")
        r = self.run_cli(str(empty), "--summary-only")
        self.assertEqual(r.returncode, 1)
        self.assertIn("empty", r.stderr)
        cut = self.dir / "cut.csv.gz"
        data = gzip.compress((FEED * 5000).encode())
        cut.write_bytes(data[: len(data) // 3])
        r = self.run_cli(str(cut), "--summary-only")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cut short at compressed byte", r.stderr)
        quoting = self.dir / "quoting.csv"
        quoting.write_text('ip,category\n10.0.0.1,"open\n10.0.0.2,x"y\n')
        r = self.run_cli(str(quoting), "--summary-only", "--strict")
        self.assertEqual(r.returncode, 1)
        self.assertIn("line 2", r.stderr)
        r = self.run_cli(str(self.dir / "feed-missing.csv"))
        self.assertNotEqual(r.returncode, 0)
        r = self.run_cli(str(empty), "--threads", "0")
        self.assertEqual(r.returncode, 2)


def validate_stix(test, bundle):
    """Validates a bundle and each object against the STIX 2.1 JSON schemas of
    shared/standards/stix2 (Debian's python3-jsonschema; scripts/deps test installs it)."""
    import jsonschema
    root = SOURCE.parent / "shared" / "standards" / "stix2" / "schemas"
    if not root.exists():
        root = pathlib.Path("/work/shared/standards/stix2/schemas")
    if not root.exists():
        test.skipTest("the STIX 2.1 schemas are not available")
    store, schemas = {}, {}
    for path in root.rglob("*.json"):
        schema = json.loads(path.read_text())
        store[schema["$id"]] = schema
        schemas[path.relative_to(root).as_posix()] = schema

    def check(schema_name, instance):
        schema = schemas[schema_name]
        resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
        errors = sorted(validator.iter_errors(instance), key=str)
        test.assertEqual(errors, [], f"{schema_name}: {errors[:1]}")
    check("common/bundle.json", bundle)
    for obj in bundle["objects"]:
        name = {"indicator": "sdos/indicator.json", "ipv4-addr": "observables/ipv4-addr.json",
                "ipv6-addr": "observables/ipv6-addr.json"}[obj["type"]]
        check(name, obj)


if __name__ == "__main__":
    unittest.main()
