"""The public list of UN member and observer states, their names in the six UN languages, and
what a state's page shows to anonymous and signed-in callers.

Readings of docs/api.md:
- GET /states is a list, so it follows the list convention ({"items","next"} with cursors); the
  tests follow `next` until null rather than assuming all 195 come in one page.
- `un_status` is "member" or "observer"; the regional group slugs are whatever the server uses,
  but `group=african` (the doc's example) selects the African Group: its 54 members.
- `names` is an object keyed by ar, zh, en, fr, ru, es.
- /states/fr (lowercase): the doc does not say; either 200 with alpha2 "FR" or a 404 problem.
"""
import json
import re
import unittest

from harness import NodeTestCase, contact_body, list_all


def by_code(items):
    return {s["alpha2"]: s for s in items}


class StatesTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        r = node.post("/api/v1/contacts", contact_body(
            cls.org["id"], "Camille Martin", level="policy", emails=["camille@fr.demo.test"]),
            token=node.operator_token)
        assert r.status == 201, r
        cls.contact = r.json()
        node.create_account(cls.org["id"], "reader@fr.demo.test", ["technical"])
        cls.token = node.account_token("reader@fr.demo.test")

    def test_lists_193_members_and_2_observers(self):
        states = list_all(self.node, "/api/v1/states", limit=500)
        self.assertEqual(len(states), 195)
        codes = by_code(states)
        self.assertEqual(len(codes), 195, "duplicate alpha2 codes")
        members = [s for s in states if s["un_status"] == "member"]
        observers = sorted(s["alpha2"] for s in states if s["un_status"] == "observer")
        self.assertEqual(len(members), 193)
        self.assertEqual(observers, ["PS", "VA"])
        for s in states:
            self.assertRegex(s["alpha2"], r"^[A-Z]{2}$")
            self.assertRegex(s["alpha3"], r"^[A-Z]{3}$")
            self.assertIsInstance(s["participating"], bool)
            self.assertEqual(set(s["names"]), {"ar", "zh", "en", "fr", "ru", "es"}, s)
        self.assertEqual(codes["DE"]["alpha3"], "DEU")
        self.assertEqual(codes["DE"]["name"], "Germany")
        self.assertTrue(codes["FR"]["participating"], codes["FR"])
        self.assertFalse(codes["TV"]["participating"], codes["TV"])
        # Not UN members or observers.
        for code in ("TW", "XK", "AQ", "PR", "HK"):
            self.assertNotIn(code, codes)

    def test_five_regional_groups(self):
        states = list_all(self.node, "/api/v1/states", limit=500)
        groups = {s["regional_group"] for s in states if s["un_status"] == "member"}
        groups.discard(None)
        groups.discard("none")  # The United States is in no regional group (data/README.md).
        self.assertEqual(len(groups), 5, groups)
        self.assertIn("african", groups)
        african = list_all(self.node, "/api/v1/states?group=african", limit=500)
        self.assertEqual(len(african), 54)
        self.assertTrue(all(s["regional_group"] == "african" for s in african))
        self.assertIn("KE", by_code(african))
        self.assertNotIn("FR", by_code(african))
        members = list_all(self.node, "/api/v1/states?status=member", limit=500)
        self.assertEqual(len(members), 193)

    def test_names_in_french_arabic_chinese(self):
        fr = by_code(list_all(self.node, "/api/v1/states?lang=fr", limit=500))
        self.assertEqual(fr["DE"]["name"], "Allemagne")
        self.assertEqual(fr["DE"]["names"]["fr"], "Allemagne")
        ar = by_code(list_all(self.node, "/api/v1/states?lang=ar", limit=500))
        self.assertRegex(ar["DE"]["name"], r"[\u0600-\u06FF]")
        self.assertEqual(ar["DE"]["name"], ar["DE"]["names"]["ar"])
        self.assertEqual(ar["DE"]["name"], "ألمانيا")
        zh = by_code(list_all(self.node, "/api/v1/states?lang=zh", limit=500))
        self.assertRegex(zh["DE"]["name"], r"[\u4e00-\u9fff]")
        self.assertEqual(zh["DE"]["name"], zh["DE"]["names"]["zh"])
        self.assertEqual(zh["DE"]["name"], "德国")
        self.assertRegex(zh["DE"]["names"]["ru"], r"[\u0400-\u04FF]")

    def test_public_state_page_has_no_contacts_or_personal_data(self):
        r = self.node.get("/api/v1/states/FR")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["alpha2"], "FR")
        self.assertNotIn("contacts", body)
        self.assertNotIn("@", r.body)
        self.assertNotIn("Camille", r.body)
        self.assertNotIn(self.contact["id"], r.body)

    def test_signed_in_state_page_lists_organizations_and_contacts(self):
        r = self.node.get("/api/v1/states/FR", token=self.token)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertIn(self.org["id"], [o["id"] for o in body["organizations"]])
        contacts = {c["id"]: c for c in body["contacts"]}
        self.assertIn(self.contact["id"], contacts)
        self.assertEqual(contacts[self.contact["id"]]["emails"], ["camille@fr.demo.test"])

    def test_unknown_code_is_404_problem(self):
        for code in ("XX", "ZZ", "TW", "FRA", "1"):
            r = self.node.get(f"/api/v1/states/{code}")
            self.assertProblem(r, 404, code="not_found")

    def test_lowercase_code_is_found_or_404_never_500(self):
        r = self.node.get("/api/v1/states/fr")
        if r.status == 200:
            self.assertEqual(r.json()["alpha2"], "FR")
        else:
            self.assertProblem(r, 404, code="not_found")

    def test_bad_query_values(self):
        for query in ("lang=xx-invalid-!!", "limit=0", "limit=501", "limit=abc"):
            r = self.node.get(f"/api/v1/states?{query}")
            self.assertNotEqual(r.status // 100, 5, r)
        self.assertProblem(self.node.get("/api/v1/states?limit=0"), 400,
                           code="invalid_argument", field="limit")


if __name__ == "__main__":
    unittest.main()
