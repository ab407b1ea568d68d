"""The directory of points of contact: organisations, accounts, contacts with versions, filters,
pagination, permissions, exports and their audit trail.

Readings of docs/api.md:
- A contact's `state` derives from its organisation; POST /contacts takes `organization_id` and
  does not take `state`.
- Contacts are community-visible: another state's policy account sees FR's contact, so editing it
  is 403 (not 404).
- `language=fr` matches a contact speaking "fr" or any "fr-…" tag (prefix match on subtags).
- `q` is a case-insensitive substring search that covers at least the contact's name.
- The JSON export is either a JSON array of contacts or {"items":[…]}; both are accepted.
- CSV follows RFC 4180 (header row, CRLF, fields with comma/quote quoted, quotes doubled); vCard
  follows RFC 6350 (CRLF lines, VERSION:4.0, FN with commas escaped as "\\,").
- Audit actions are "contact.create", "contact.update", "contact.delete" (the naming used in
  src/audit/audit_log.hpp).
"""
import concurrent.futures
import csv
import io
import json
import re
import unittest
import urllib.parse
import uuid

from harness import NodeTestCase, contact_body, list_all


class DirectoryTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.fr_org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR",
                                     kind="foreign_ministry")
        cls.ke_org = node.create_org("KE-CIRT/CC", "KE", kind="national_cert")
        cls.fr_policy = node.create_account(cls.fr_org["id"], "policy@fr.demo.test", ["policy"])
        cls.fr_tech = node.create_account(cls.fr_org["id"], "tech@fr.demo.test", ["technical"])
        cls.ke_policy = node.create_account(cls.ke_org["id"], "policy@ke.demo.test", ["policy"])
        cls.fr_policy_token = node.account_token("policy@fr.demo.test")
        cls.fr_tech_token = node.account_token("tech@fr.demo.test")
        cls.ke_policy_token = node.account_token("policy@ke.demo.test")

    # helpers ---------------------------------------------------------------------------------
    def create(self, token, org, name, **fields):
        r = self.node.post("/api/v1/contacts", contact_body(org["id"], name, **fields),
                           token=token)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def create_fr(self, name, **fields):
        return self.create(self.fr_policy_token, self.fr_org, name, **fields)

    def create_ke(self, name, **fields):
        return self.create(self.ke_policy_token, self.ke_org, name, **fields)

    def patch(self, contact_id, body, version, token=None):
        headers = {} if version is None else {"If-Match": f'"{version}"'}
        return self.node.request("PATCH", f"/api/v1/contacts/{contact_id}", body=body,
                                 token=token or self.fr_policy_token, headers=headers)

    def ids(self, query, token=None):
        items = list_all(self.node, "/api/v1/contacts?" + query,
                         token=token or self.fr_tech_token)
        return {c["id"] for c in items}

    @staticmethod
    def marker():
        return "Mk" + uuid.uuid4().hex[:10]

    # tests -----------------------------------------------------------------------------------
    def test_create_and_get_with_etag(self):
        c = self.create_fr("Camille Martin", level="policy", emails=["camille@fr.demo.test"],
                           languages=["fr", "en"])
        self.assertRegex(c["id"], r"^ctc_")
        self.assertEqual(c["state"], "FR")
        self.assertEqual(c["organization_id"], self.fr_org["id"])
        self.assertEqual(c["version"], 1)
        self.assertFalse(c["stale"])
        self.assertIsInstance(c["in_working_hours_now"], bool)
        r = self.node.get(f"/api/v1/contacts/{c['id']}", token=self.fr_tech_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("ETag"), '"1"')
        got = r.json()
        for key in ("name", "emails", "phones", "languages", "time_zone", "working_hours",
                    "level", "available_24_7"):
            self.assertEqual(got[key], c[key], key)

    def test_patch_with_if_match_bumps_version(self):
        c = self.create_fr("Patch Target")
        r = self.patch(c["id"], {"title": "Head of unit"}, 1)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["version"], 2)
        self.assertEqual(r.json()["title"], "Head of unit")
        self.assertEqual(r.json()["name"], "Patch Target")  # merge, not replace
        self.assertEqual(r.header("ETag"), '"2"')
        got = self.node.get(f"/api/v1/contacts/{c['id']}", token=self.fr_policy_token)
        self.assertEqual(got.header("ETag"), '"2"')
        self.assertEqual(got.json()["title"], "Head of unit")
        # Stale version.
        r = self.patch(c["id"], {"title": "Overwritten"}, 1)
        self.assertProblem(r, 412, code="failed_precondition")
        # No If-Match.
        r = self.patch(c["id"], {"title": "Overwritten"}, None)
        self.assertProblem(r, 428, code="failed_precondition")
        got = self.node.get(f"/api/v1/contacts/{c['id']}", token=self.fr_policy_token).json()
        self.assertEqual(got["title"], "Head of unit")
        self.assertEqual(got["version"], 2)

    def test_role_within_the_level_defaults_to_primary_and_is_validated(self):
        primary = self.create_fr("Role Primary")
        self.assertEqual(primary["role"], "primary")
        backup = self.create_fr("Role Backup", role="backup")
        self.assertEqual(backup["role"], "backup")
        r = self.node.post("/api/v1/contacts", contact_body(self.fr_org["id"], "Role Bad",
                                                             role="deputy"),
                           token=self.fr_policy_token)
        self.assertProblem(r, 400, code="invalid_argument", field="role")
        r = self.node.post("/api/v1/contacts", contact_body(self.fr_org["id"], "Role Bad",
                                                             role=1),
                           token=self.fr_policy_token)
        self.assertProblem(r, 400, code="invalid_argument", field="role")
        backups = list_all(self.node, "/api/v1/contacts?state=FR&role=backup",
                           token=self.fr_tech_token)
        self.assertIn(backup["id"], [c["id"] for c in backups])
        self.assertTrue(all(c["role"] == "backup" for c in backups))
        r = self.patch(primary["id"], {"role": "backup"}, 1)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["role"], "backup")
        self.assertEqual(r.json()["name"], "Role Primary")

    def test_concurrent_patches_one_wins(self):
        c = self.create_fr("Race Target")
        def attempt(i):
            return self.patch(c["id"], {"title": f"writer {i}"}, 1).status
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(attempt, range(2)))
        self.assertEqual(statuses, [200, 412])
        got = self.node.get(f"/api/v1/contacts/{c['id']}", token=self.fr_policy_token).json()
        self.assertEqual(got["version"], 2)

    def test_filters(self):
        m = self.marker()
        a = self.create_fr(f"Éloïse {m} Dupont", level="policy", languages=["fr-CA", "en"],
                           available_24_7=True)
        b = self.create_fr(f"Jacques {m} Durand", level="technical", languages=["de"])
        k = self.create_ke(f"Wanjiru {m} Kamau", level="technical", languages=["en", "sw"],
                           available_24_7=True)
        q = "q=" + urllib.parse.quote(m.lower())
        self.assertEqual(self.ids(q), {a["id"], b["id"], k["id"]})
        self.assertEqual(self.ids("q=" + urllib.parse.quote(m.upper())),
                         {a["id"], b["id"], k["id"]})
        self.assertEqual(self.ids(q + "&state=FR"), {a["id"], b["id"]})
        self.assertEqual(self.ids(q + "&state=KE"), {k["id"]})
        self.assertEqual(self.ids(q + "&level=technical"), {b["id"], k["id"]})
        self.assertEqual(self.ids(q + "&level=policy"), {a["id"]})
        self.assertEqual(self.ids(q + "&language=fr"), {a["id"]})
        self.assertEqual(self.ids(q + "&language=en"), {a["id"], k["id"]})
        self.assertEqual(self.ids(q + "&available_24_7=true"), {a["id"], k["id"]})
        self.assertEqual(self.ids(q + "&group=african"), {k["id"]})
        self.assertEqual(self.ids(q + "&kind=national_cert"), {k["id"]})
        self.assertEqual(self.ids(q + "&kind=foreign_ministry"), {a["id"], b["id"]})
        self.assertEqual(self.ids(q + "&state=FR&level=policy&language=fr"), {a["id"]})
        # Part of a name, any case.
        self.assertEqual(self.ids("q=" + urllib.parse.quote(m.lower() + " kam")), {k["id"]})
        self.assertEqual(self.ids("q=" + urllib.parse.quote(m.upper() + " DUR")), {b["id"]})

    def test_q_folds_case_beyond_ascii(self):
        # A directory of names in many scripts: "éloïse" finds "Éloïse".
        m = self.marker()
        a = self.create_fr(f"Éloïse {m}")
        self.assertEqual(self.ids("q=" + urllib.parse.quote(f"éloïse {m}")), {a["id"]})
        self.assertEqual(self.ids("q=" + urllib.parse.quote(f"ÉLOÏSE {m}")), {a["id"]})

    def test_bad_filter_values_are_400(self):
        for query, field in (("level=bogus", "level"), ("role=deputy", "role"),
                             ("available_24_7=maybe", "available_24_7"),
                             ("limit=0", "limit"), ("limit=501", "limit"),
                             ("state=XX", "state"), ("group=atlantis", "group"),
                             ("kind=spy_agency", "kind")):
            r = self.node.get("/api/v1/contacts?" + query, token=self.fr_tech_token)
            self.assertProblem(r, 400, code="invalid_argument", field=field)
        for query in ("cursor=%00garbage", "cursor=" + "x" * 300, "q=%ff%fe", "language=%ff"):
            r = self.node.get("/api/v1/contacts?" + query, token=self.fr_tech_token)
            self.assertLess(r.status, 500, f"{query}: {r}")

    def test_cursor_pagination(self):
        m = self.marker()
        created = {self.create_fr(f"Paginated {m} {i:02d}")["id"] for i in range(25)}
        pages = []
        cursor = None
        for _ in range(4):
            url = f"/api/v1/contacts?q={m}&limit=10" + (f"&cursor={urllib.parse.quote(cursor)}"
                                                         if cursor else "")
            r = self.node.get(url, token=self.fr_tech_token)
            self.assertEqual(r.status, 200, r)
            page = r.json()
            pages.append([c["id"] for c in page["items"]])
            cursor = page["next"]
            if cursor is None:
                break
        self.assertEqual([len(p) for p in pages], [10, 10, 5])
        seen = [i for p in pages for i in p]
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages")
        self.assertEqual(set(seen), created)

    def test_technical_account_reads_but_cannot_write(self):
        c = self.create_fr("Read Only Target")
        self.assertEqual(self.node.get(f"/api/v1/contacts/{c['id']}",
                                       token=self.fr_tech_token).status, 200)
        before = self.node.stable_snapshot()
        r = self.patch(c["id"], {"title": "x"}, 1, token=self.fr_tech_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.post("/api/v1/contacts", contact_body(self.fr_org["id"], "Nope"),
                           token=self.fr_tech_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.request("DELETE", f"/api/v1/contacts/{c['id']}",
                              token=self.fr_tech_token, headers={"If-Match": '"1"'})
        self.assertProblem(r, 403, code="permission_denied")
        self.assertEqual(self.node.stable_snapshot(), before)

    def test_other_state_cannot_edit(self):
        c = self.create_fr("Foreign Edit Target")
        r = self.patch(c["id"], {"title": "x"}, 1, token=self.ke_policy_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.post("/api/v1/contacts", contact_body(self.fr_org["id"], "Planted"),
                           token=self.ke_policy_token)
        self.assertProblem(r, 403, code="permission_denied")
        r = self.node.request("DELETE", f"/api/v1/contacts/{c['id']}",
                              token=self.ke_policy_token, headers={"If-Match": '"1"'})
        self.assertProblem(r, 403, code="permission_denied")
        got = self.node.get(f"/api/v1/contacts/{c['id']}", token=self.fr_policy_token).json()
        self.assertEqual(got["version"], 1)

    def test_delete_with_if_match(self):
        c = self.create_fr("Delete Target")
        r = self.node.request("DELETE", f"/api/v1/contacts/{c['id']}",
                              token=self.fr_policy_token)
        self.assertProblem(r, 428, code="failed_precondition")
        r = self.node.request("DELETE", f"/api/v1/contacts/{c['id']}",
                              token=self.fr_policy_token, headers={"If-Match": '"7"'})
        self.assertProblem(r, 412, code="failed_precondition")
        r = self.node.request("DELETE", f"/api/v1/contacts/{c['id']}",
                              token=self.fr_policy_token, headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, "")
        self.assertProblem(self.node.get(f"/api/v1/contacts/{c['id']}",
                                         token=self.fr_policy_token), 404, code="not_found")
        self.assertNotIn(c["id"], self.ids("q=" + urllib.parse.quote("Delete Target")))

    def test_unknown_contact_is_404(self):
        for path in ("/api/v1/contacts/ctc_doesnotexist", "/api/v1/contacts/%2e%2e"):
            self.assertProblem(self.node.get(path, token=self.fr_tech_token), 404,
                               code="not_found")

    def test_export_json(self):
        m = self.marker()
        a = self.create_fr(f"Export {m} One")
        b = self.create_ke(f"Export {m} Two")
        r = self.node.get(f"/api/v1/contacts/export?format=json&q={m}", token=self.fr_tech_token)
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("application/json"),
                        r.headers)
        data = json.loads(r.body)
        items = data["items"] if isinstance(data, dict) else data
        self.assertEqual({c["id"] for c in items}, {a["id"], b["id"]})

    def test_export_csv(self):
        m = self.marker()
        tricky = f'Jean "JJ" {m}, Jr.'
        a = self.create_fr(tricky, emails=["jj@fr.demo.test"])
        b = self.create_fr(f"Plain {m}")
        r = self.node.get(f"/api/v1/contacts/export?format=csv&q={m}", token=self.fr_tech_token)
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/csv"), r.headers)
        self.assertIn('"Jean ""JJ"" ' + m + ', Jr."', r.body)
        self.assertTrue(r.body.endswith("\r\n"), repr(r.body[-20:]))
        self.assertNotRegex(r.body, r"(?<!\r)\n", "CSV lines must end with CRLF (RFC 4180)")
        rows = list(csv.reader(io.StringIO(r.body, newline="")))
        header, rows = rows[0], rows[1:]
        self.assertIn("name", header)
        self.assertIn("id", header)
        self.assertEqual(len(rows), 2, rows)
        by_id = {row[header.index("id")]: row for row in rows}
        self.assertEqual(set(by_id), {a["id"], b["id"]})
        self.assertEqual(by_id[a["id"]][header.index("name")], tricky)
        self.assertTrue(all(len(row) == len(header) for row in rows))

    def test_export_vcard(self):
        m = self.marker()
        a = self.create_fr(f"Vcard {m}", emails=["vcard@fr.demo.test", "second@fr.demo.test"])
        self.create_fr(f"Dupont {m}, Jr.", emails=["comma@fr.demo.test"])
        r = self.node.get(f"/api/v1/contacts/export?format=vcard&q={m}",
                          token=self.fr_tech_token)
        self.assertEqual(r.status, 200, r)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/vcard"), r.headers)
        body = r.body
        self.assertNotRegex(body, r"(?<!\r)\n", "vCard lines must end with CRLF (RFC 6350)")
        self.assertEqual(body.count("BEGIN:VCARD\r\n"), 2)
        self.assertEqual(body.count("END:VCARD\r\n"), 2)
        self.assertEqual(body.count("VERSION:4.0\r\n"), 2)
        unfolded = body.replace("\r\n ", "")
        self.assertIn(f"FN:Vcard {m}\r\n", unfolded)
        self.assertRegex(unfolded, r"(?m)^EMAIL[;:].*vcard@fr\.demo\.test\r$")
        self.assertRegex(unfolded, r"(?m)^EMAIL[;:].*second@fr\.demo\.test\r$")
        # RFC 6350 §3.4: a comma in a text value is escaped.
        self.assertIn(f"FN:Dupont {m}\\, Jr.\r\n", unfolded)
        # Each line of a card starts with BEGIN and VERSION.
        cards = [c for c in unfolded.split("BEGIN:VCARD\r\n") if c]
        for card in cards:
            self.assertTrue(card.startswith("VERSION:4.0\r\n"), card[:40])

    def test_export_bad_format(self):
        r = self.node.get("/api/v1/contacts/export?format=xml", token=self.fr_tech_token)
        self.assertProblem(r, 400, code="invalid_argument", field="format")
        self.assertProblem(self.node.get("/api/v1/contacts/export?format=json"), 401,
                           code="unauthenticated")

    def test_audit_log_shows_changes_with_actors(self):
        c = self.create_fr("Audited Contact")
        r = self.patch(c["id"], {"notes": "updated"}, 1)
        self.assertEqual(r.status, 200, r)
        r = self.node.request("DELETE", f"/api/v1/contacts/{c['id']}",
                              token=self.fr_policy_token, headers={"If-Match": '"2"'})
        self.assertEqual(r.status, 204, r)
        entries = list_all(self.node, f"/api/v1/audit?record_type=contact&record_id={c['id']}",
                           token=self.node.operator_token)
        actions = [e["action"] for e in entries]
        self.assertEqual(actions, ["contact.create", "contact.update", "contact.delete"],
                         entries)
        for e in entries:
            self.assertEqual(e["account_id"], self.fr_policy["id"], e)
            self.assertEqual(e["organization_id"], self.fr_org["id"], e)
            self.assertEqual(e["record_id"], c["id"])
        self.assertEqual(entries[0]["before_digest"], "")
        self.assertEqual(entries[2]["after_digest"], "")
        seqs = [e["seq"] for e in entries]
        self.assertEqual(seqs, sorted(seqs))
        # The FR policy account sees its own organisation's entries …
        own = list_all(self.node, f"/api/v1/audit?record_type=contact&record_id={c['id']}",
                       token=self.fr_policy_token)
        self.assertEqual([e["seq"] for e in own], seqs)
        # … and KE's policy account does not.
        other = list_all(self.node, f"/api/v1/audit?record_type=contact&record_id={c['id']}",
                         token=self.ke_policy_token)
        self.assertEqual(other, [])
        self.assertProblem(self.node.get("/api/v1/audit"), 401, code="unauthenticated")

    def test_audit_verify_is_for_operators(self):
        r = self.node.get("/api/v1/audit/verify", token=self.node.operator_token)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertIs(body["ok"], True, body)
        self.assertGreater(body["entries_checked"], 0)
        r = self.node.get("/api/v1/audit/verify", token=self.fr_policy_token)
        self.assertProblem(r, 403, code="permission_denied")

    def test_organizations_and_accounts_api(self):
        r = self.node.get(f"/api/v1/organizations/{self.fr_org['id']}", token=self.fr_tech_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("ETag"), f'"{r.json()["version"]}"')
        orgs = list_all(self.node, "/api/v1/organizations?state=KE", token=self.fr_tech_token)
        self.assertEqual([o["id"] for o in orgs], [self.ke_org["id"]])
        # Only operators create organisations.
        r = self.node.post("/api/v1/organizations",
                           {"name": "Rogue", "category": "state", "kind": "other", "state": "FR"},
                           token=self.fr_policy_token)
        self.assertProblem(r, 403, code="permission_denied")
        # A policy account adds accounts to its own organisation only.
        r = self.node.post("/api/v1/accounts", {
            "organization_id": self.fr_org["id"], "email": "new@fr.demo.test",
            "display_name": "New", "roles": ["technical"]}, token=self.fr_policy_token)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("password", r.body)
        r = self.node.post("/api/v1/accounts", {
            "organization_id": self.ke_org["id"], "email": "planted@ke.demo.test",
            "display_name": "Planted", "roles": ["policy"]}, token=self.fr_policy_token)
        self.assertIn(r.status, (403, 404), r)
        self.assertEqual(r.header("Content-Type").split(";")[0], "application/problem+json")
        # A technical account may not create accounts.
        r = self.node.post("/api/v1/accounts", {
            "organization_id": self.fr_org["id"], "email": "new2@fr.demo.test",
            "display_name": "New2", "roles": ["policy"]}, token=self.fr_tech_token)
        self.assertProblem(r, 403, code="permission_denied")
        # Same e-mail twice.
        r = self.node.post("/api/v1/accounts", {
            "organization_id": self.fr_org["id"], "email": "new@fr.demo.test",
            "display_name": "New", "roles": ["technical"]}, token=self.node.operator_token)
        self.assertProblem(r, 409, code="already_exists")


if __name__ == "__main__":
    unittest.main()
