"""How the server hands out the web interface: index.html for client-side routes, caching
headers (content-hashed assets immutable, index.html revalidated), one strict
Content-Security-Policy on every kind of response (UI, API, the server-rendered acknowledgement
page, which takes its styles from /page.css), and demo accounts, the operator included, that sign
in with a password."""
import pathlib
import re
import tempfile
import unittest

from harness import Node

STRICT = ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")


class WebUi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ui = pathlib.Path(tempfile.mkdtemp(prefix="liaison-ui-"))
        (cls.ui / "assets").mkdir()
        (cls.ui / "index.html").write_text(
            '<!doctype html><script type="module" src="/assets/app-3f2a.js"></script>')
        (cls.ui / "assets" / "app-3f2a.js").write_text("console.log('liaison')")
        cls.node = Node(extra_config=f'[server]\nstatic_dir = "{cls.ui}"\n',
                        init_args=("--demo",)).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()
        import shutil
        shutil.rmtree(cls.ui, ignore_errors=True)

    def assert_strict_csp(self, response):
        csp = response.header("Content-Security-Policy") or ""
        for directive in STRICT:
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertNotRegex(csp, r"https?:|\*")

    def test_index_and_client_routes_are_revalidated(self):
        for path in ("/", "/contacts", "/campaigns/png_123"):
            r = self.node.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertIn("/assets/app-3f2a.js", r.body)
            self.assertEqual(r.header("Cache-Control"), "no-cache")
            self.assertTrue(r.header("Content-Type").startswith("text/html"))
            self.assert_strict_csp(r)

    def test_unknown_api_paths_are_problems_not_the_ui(self):
        r = self.node.get("/api/v1/no-such-thing")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.header("Content-Type").startswith("application/problem+json"))
        self.assertEqual(r.json()["code"], "not_found")

    def test_hashed_assets_are_immutable(self):
        r = self.node.get("/assets/app-3f2a.js")
        self.assertEqual(r.status, 200)
        self.assertIn("immutable", r.header("Cache-Control"))
        self.assertTrue(r.header("Content-Type").startswith("text/javascript"))
        again = self.node.get("/assets/app-3f2a.js", headers={"If-None-Match": r.header("ETag")})
        self.assertEqual(again.status, 304)
        self.assertEqual(self.node.get("/assets/missing-1.js").status, 404)

    def test_api_answers_carry_the_same_policy(self):
        self.assert_strict_csp(self.node.get("/api/v1/states"))
        self.assert_strict_csp(self.node.get("/api/v1/contacts"))  # 401

    def test_ack_page_uses_the_stylesheet_not_inline_styles(self):
        r = self.node.get("/ack/not-a-real-token")
        self.assertEqual(r.status, 404)
        self.assertNotIn("<style", r.body)
        self.assertNotIn("style=", r.body)
        self.assertIn('<link rel="stylesheet" href="/page.css">', r.body)
        self.assert_strict_csp(r)
        css = self.node.get("/page.css")
        self.assertEqual(css.status, 200)
        self.assertTrue(css.header("Content-Type").startswith("text/css"))
        self.assertIn("--accent:#0b4f8a", css.body)

    def test_demo_accounts_including_the_operator_sign_in_with_a_password(self):
        out = self.node.init_output
        password = re.search(r"demo password for every account below: (\S+)", out).group(1)
        self.assertRegex(out, r"(?m)^  operator@node\.invalid \(operator\)$")
        for address in ("operator@node.invalid", "policy@mfa.fr.demo.test"):
            r = self.node.post("/api/v1/session", {"email": address, "password": password})
            self.assertEqual(r.status, 201, (address, r))
            cookie = r.header("Set-Cookie").split(";")[0]
            me = self.node.get("/api/v1/me", headers={"Cookie": cookie})
            self.assertEqual(me.json()["account"]["email"], address)
        me = self.node.get("/api/v1/me", token=self.node.operator_token)
        self.assertIn("operator", me.json()["account"]["roles"])


if __name__ == "__main__":
    unittest.main()
