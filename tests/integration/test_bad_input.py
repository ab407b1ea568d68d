"""Bad input on every write endpoint answers a 4xx problem naming the fault, and changes nothing.

Readings of docs/api.md:
- Unknown members of a JSON body are refused (400, `field` = the unknown member's name).
- Malformed JSON, a body that is not an object and invalid UTF-8 are 400 invalid_argument; a
  wrong Content-Type is 415 and an oversized body 413, both with code invalid_argument.
- A missing required member names it in `field`; a wrong type names the member.
- Array elements are named with an index (`emails[1]`), nested members with dots
  (`working_hours.mon[0]`), as the doc's examples show.
- POST /session with a malformed body is 400 (not 401): it is not a failed sign-in.
- "Nothing changed" is checked on every table; tables of credentials (sessions, tokens) are
  compared by key only because using a token may record its last use.
"""
import json
import unittest

from harness import NodeTestCase, contact_body, rfc3339, wait_for


class BadInputTest(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        node = cls.node
        cls.org = node.create_org("Ministère de l'Europe et des Affaires étrangères", "FR")
        r = node.post("/api/v1/contacts", contact_body(cls.org["id"], "Camille Martin"),
                      token=node.operator_token)
        assert r.status == 201, r
        cls.contact = r.json()
        node.create_account(cls.org["id"], "policy@fr.demo.test", ["policy"])
        cls.policy_token = node.account_token("policy@fr.demo.test")

    def valid_bodies(self):
        """A valid body per endpoint (never actually sent whole: each case breaks it)."""
        org = self.org["id"]
        return {
            ("POST", "/api/v1/organizations"): {
                "name": "CERT-FR", "category": "state", "kind": "national_cert", "state": "FR"},
            ("POST", "/api/v1/accounts"): {
                "organization_id": org, "email": "new@fr.demo.test", "display_name": "New",
                "roles": ["technical"], "password": "correct horse battery",
                "language": "fr", "time_zone": "Europe/Paris"},
            ("POST", "/api/v1/contacts"): contact_body(org, "Valid Name"),
            ("PATCH", f"/api/v1/contacts/{self.contact['id']}"): {"title": "Head of unit"},
            ("POST", "/api/v1/pings"): {
                "scope": "states", "states": ["FR"], "level": "both", "deadline": rfc3339(86400)},
            ("POST", "/api/v1/tokens"): {"name": "ci", "expires_at": rfc3339(86400)},
            ("POST", "/api/v1/session"): {"email": "policy@fr.demo.test",
                                          "password": "correct horse battery"},
            ("POST", "/api/v1/webhooks"): {"url": "http://127.0.0.1:9/hook",
                                           "events": ["contact.updated"]},
        }

    def send(self, method, path, raw, content_type="application/json"):
        headers = {"Content-Type": content_type}
        if method == "PATCH":
            headers["If-Match"] = f'"{self.contact["version"]}"'
        token = None if path.endswith("/session") else self.node.operator_token
        return self.node.request(method, path, raw=raw, token=token, headers=headers)

    def cases(self):
        """(endpoint, description, raw body, content type, status, field or None)."""
        out = []
        for (method, path), valid in self.valid_bodies().items():
            ep = (method, path)
            first = next(iter(valid))
            def with_(**changes):
                body = dict(valid)
                for k, v in changes.items():
                    if v is _DROP:
                        body.pop(k, None)
                    else:
                        body[k] = v
                return json.dumps(body).encode()
            out += [
                (ep, "malformed JSON", b'{"name": "x",', "application/json", 400, None),
                (ep, "trailing garbage", json.dumps(valid).encode() + b"}", "application/json",
                 400, None),
                (ep, "not an object", b'["x"]', "application/json", 400, None),
                (ep, "empty body", b"", "application/json", 400, None),
                (ep, "invalid UTF-8", json.dumps(valid).encode()[:-1] + b',"notes":"\xff\xfe"}',
                 "application/json", 400, None),
                (ep, "overlong UTF-8", with_(**{first: "x"}).replace(b'"x"', b'"\xc0\xaf"'),
                 "application/json", 400, None),
                (ep, "oversized body", b'{"name":"' + b"x" * (1024 * 1024 + 10) + b'"}',
                 "application/json", 413, None),
                (ep, "wrong content type", json.dumps(valid).encode(), "text/plain", 415, None),
                (ep, "form content type", b"name=x", "application/x-www-form-urlencoded", 415,
                 None),
                (ep, "unknown field", with_(bogus_member=1), "application/json", 400,
                 "bogus_member"),
                (ep, f"wrong type of {first}", with_(**{first: 12345}), "application/json", 400,
                 first),
            ]
            if method == "POST":
                # (In a PATCH, null may mean "clear the member", so only POSTs are checked.)
                out.append((ep, f"null {first}", with_(**{first: None}), "application/json",
                            400, first))
                out.append((ep, f"missing {first}", with_(**{first: _DROP}), "application/json",
                            400, first))
        J = "application/json"
        org, pings = ("POST", "/api/v1/organizations"), ("POST", "/api/v1/pings")
        acc, tok = ("POST", "/api/v1/accounts"), ("POST", "/api/v1/tokens")
        con = ("POST", "/api/v1/contacts")
        pat = ("PATCH", f"/api/v1/contacts/{self.contact['id']}")
        ses, web = ("POST", "/api/v1/session"), ("POST", "/api/v1/webhooks")
        v = self.valid_bodies()
        def mod(ep, **changes):
            body = dict(v[ep])
            body.update(changes)
            return json.dumps(body).encode()
        out += [
            (org, "unknown country", mod(org, state="XX"), J, 400, "state"),
            (org, "not a UN state", mod(org, state="TW"), J, 400, "state"),
            (org, "unknown category", mod(org, category="empire"), J, 400, "category"),
            (org, "unknown kind", mod(org, kind="spy_agency"), J, 400, "kind"),
            (org, "empty name", mod(org, name=""), J, 400, "name"),
            (acc, "invalid e-mail", mod(acc, email="not-an-email"), J, 400, "email"),
            (acc, "invalid time zone", mod(acc, time_zone="Mars/Olympus_Mons"), J, 400,
             "time_zone"),
            (acc, "invalid language", mod(acc, language="not a tag!"), J, 400, "language"),
            (acc, "unknown role", mod(acc, roles=["technical", "emperor"]), J, 400, "roles[1]"),
            (acc, "roles not a list", mod(acc, roles="technical"), J, 400, "roles"),
            (con, "invalid e-mail", mod(con, emails=["ok@fr.demo.test", "nope"]), J, 400,
             "emails[1]"),
            (con, "e-mail with spaces", mod(con, emails=["a b@fr.demo.test"]), J, 400,
             "emails[0]"),
            (con, "invalid E.164 phone", mod(con, phones=["0123456789"]), J, 400, "phones[0]"),
            (con, "too long phone", mod(con, phones=["+3312345678901234567"]), J, 400,
             "phones[0]"),
            (con, "invalid time zone", mod(con, time_zone="Europe/Atlantis"), J, 400,
             "time_zone"),
            (con, "invalid language tag", mod(con, languages=["en", "123 not"]), J, 400,
             "languages[1]"),
            (con, "invalid working hours", mod(con, working_hours={"mon": ["25:00-26:00"]}), J,
             400, "working_hours.mon[0]"),
            (con, "unknown weekday", mod(con, working_hours={"funday": ["09:00-10:00"]}), J,
             400, "working_hours.funday"),
            (con, "unknown level", mod(con, level="strategic"), J, 400, "level"),
            (con, "24/7 not a boolean", mod(con, available_24_7="yes"), J, 400,
             "available_24_7"),
            (con, "no e-mail", mod(con, emails=[]), J, 400, "emails"),
            (con, "state given", mod(con, state="KE"), J, 400, "state"),
            (pat, "invalid e-mail", json.dumps({"emails": ["x@"]}).encode(), J, 400,
             "emails[0]"),
            (pat, "invalid E.164 phone", json.dumps({"phones": ["+0"]}).encode(), J, 400,
             "phones[0]"),
            (pat, "invalid time zone", json.dumps({"time_zone": "UTC+99"}).encode(), J, 400,
             "time_zone"),
            (pat, "invalid language", json.dumps({"languages": ["!!"]}).encode(), J, 400,
             "languages[0]"),
            (pings, "deadline in the past", mod(pings, deadline=rfc3339(-3600)), J, 400,
             "deadline"),
            (pings, "deadline not RFC 3339", mod(pings, deadline="tomorrow"), J, 400,
             "deadline"),
            (pings, "unknown country", mod(pings, states=["FR", "XX"]), J, 400, "states[1]"),
            (pings, "unknown scope", mod(pings, scope="galaxy"), J, 400, "scope"),
            (pings, "unknown level", mod(pings, level="strategic"), J, 400, "level"),
            (pings, "unknown group", json.dumps({"scope": "group", "group": "atlantis",
                                                 "level": "both",
                                                 "deadline": rfc3339(86400)}).encode(), J, 400,
             "group"),
            (tok, "expiry in the past", mod(tok, expires_at=rfc3339(-60)), J, 400,
             "expires_at"),
            (tok, "expiry not RFC 3339", mod(tok, expires_at="2026-13-45"), J, 400,
             "expires_at"),
            (ses, "e-mail not a string", mod(ses, email=["a"]), J, 400, "email"),
            (web, "URL not a URL", mod(web, url="not a url"), J, 400, "url"),
            (web, "URL scheme", mod(web, url="ftp://127.0.0.1/hook"), J, 400, "url"),
            (web, "unknown event", mod(web, events=["contact.updated", "moon.landed"]), J, 400,
             "events[1]"),
        ]
        return out

    def wait_outbox_idle(self):
        """Waits until the dispatcher has nothing in flight, so that the snapshot is stable."""
        def idle():
            text = self.node.get("/metrics").body
            for status in ("pending", "delivering"):
                for line in text.splitlines():
                    if line.startswith(f'liaison_outbox_notifications{{status="{status}"}}'):
                        if float(line.rsplit(" ", 1)[1]) != 0:
                            return False
            return True
        wait_for(idle, 30, "the outbox to be idle")

    def test_every_write_endpoint_refuses_bad_input_and_changes_nothing(self):
        self.wait_outbox_idle()
        before = self.node.stable_snapshot()
        self.assertGreaterEqual(len(before), 5, before.keys())
        failures = []
        cases = self.cases()
        for (method, path), what, raw, ctype, status, field in cases:
            label = f"{method} {path.replace(self.contact['id'], '{id}')}: {what}"
            try:
                if status == 413:
                    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            f"Content-Type: {ctype}\r\nContent-Length: {len(raw)}\r\n"
                            f"Connection: close\r\n")
                    if not path.endswith("/session"):
                        head += f"Authorization: Bearer {self.node.operator_token}\r\n"
                    if method == "PATCH":
                        head += f'If-Match: "{self.contact["version"]}"\r\n'
                    r = self.node.request_raw((head + "\r\n").encode() + raw)
                else:
                    r = self.send(method, path, raw, ctype)
            except Exception as e:  # noqa: BLE001 - reported below with the case
                failures.append(f"{label}: {type(e).__name__}: {e}")
                continue
            problem = None
            ok = r.status == status
            try:
                problem = json.loads(r.body)
            except ValueError:
                ok = False
            ctype_ok = (r.header("Content-Type") or "").startswith("application/problem+json")
            if ok and (not ctype_ok or problem.get("status") != status or
                       problem.get("code") != "invalid_argument" or
                       (field is not None and problem.get("field") != field)):
                ok = False
            if not ok:
                failures.append(f"{label}: expected {status}"
                                + (f" field={field!r}" if field else "")
                                + f", got {r.status} {r.body[:240]!r}")
        self.wait_outbox_idle()
        after = self.node.stable_snapshot()
        changed = [t for t in before if before[t] != after.get(t)] + \
                  [t for t in after if t not in before]
        if changed:
            failures.append(f"database changed in tables {changed}")
        self.assertFalse(failures, f"{len(failures)} of {len(cases)} cases failed:\n"
                         + "\n".join(failures))
        # And the node still works.
        self.assertEqual(self.node.get("/healthz").status, 200)

    def test_valid_bodies_are_accepted(self):
        """The table's baselines are valid, so a 400 above is about the one broken member."""
        v = self.valid_bodies()
        ok = {("POST", "/api/v1/organizations"): 201, ("POST", "/api/v1/accounts"): 201,
              ("POST", "/api/v1/contacts"): 201, ("POST", "/api/v1/tokens"): 201,
              ("POST", "/api/v1/session"): 201, ("POST", "/api/v1/webhooks"): 201,
              ("POST", "/api/v1/pings"): 201}
        for (method, path), status in ok.items():
            r = self.send(method, path, json.dumps(v[(method, path)]).encode())
            self.assertEqual(r.status, status, f"{method} {path}: {r}")
        contact = self.node.get(f"/api/v1/contacts/{self.contact['id']}",
                                token=self.node.operator_token).json()
        r = self.node.request("PATCH", f"/api/v1/contacts/{self.contact['id']}",
                              body={"title": "Head of unit"}, token=self.node.operator_token,
                              headers={"If-Match": f'"{contact["version"]}"'})
        self.assertEqual(r.status, 200, r)

    def test_bad_if_match(self):
        for value in ("3", "\"abc\"", "*", "\"-1\"", "W/\"0\""):
            r = self.node.request("PATCH", f"/api/v1/contacts/{self.contact['id']}",
                                  body={"title": "x"}, token=self.node.operator_token,
                                  headers={"If-Match": value})
            self.assertIn(r.status, (400, 412), f"If-Match {value}: {r}")
            self.assertNotEqual(r.status, 200)


class _Drop:
    pass


_DROP = _Drop()


if __name__ == "__main__":
    unittest.main()
