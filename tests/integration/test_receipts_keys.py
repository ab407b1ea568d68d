"""The node's signing key: published as a JWK set at /.well-known/liaison-keys.json, and what it
signs verifies with an independent JOSE implementation (the jose npm package run by Node.js,
tests/support/jose_verify.mjs), and stops verifying when a byte is changed.

The signed documents come from `liaison keys sign` (an operator statement), the entry point that
exists before request receipts do; the key, the JWS format and the published set are the ones
receipts use. scripts/deps test installs Node.js and the pinned jose package.
"""
import base64
import json
import re
import shutil
import subprocess
import unittest

from harness import SOURCE, Node

SUPPORT = SOURCE / "tests" / "support"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ReceiptsKeysTest(unittest.TestCase):
    def setUp(self):
        self.node_js = shutil.which("node")
        self.assertIsNotNone(self.node_js, "Node.js is missing: run scripts/deps test")
        self.assertTrue((SUPPORT / "node_modules" / "jose").is_dir(),
                        "the jose package is missing: run scripts/deps test")
        self.node = Node()
        self.addCleanup(self.node.close)
        self.node.start()

    # Helpers ------------------------------------------------------------------------------
    def published_keys(self):
        r = self.node.get("/.well-known/liaison-keys.json")
        self.assertEqual(r.status, 200, r)
        return r, r.json()

    def sign(self, document, name="statement"):
        path = self.node.dir / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        out = self.node.cli("keys", "sign", "--config", str(self.node.config),
                            "--payload-file", str(path))
        jws = out.strip()
        self.assertRegex(jws, r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
        return jws

    def jose_verify(self, jwks, jws):
        """Runs jose_verify.mjs; returns the CompletedProcess (stdout: the payload bytes)."""
        jwks_file = self.node.dir / "jwks.json"
        jws_file = self.node.dir / "receipt.jws"
        jwks_file.write_text(json.dumps(jwks))
        jws_file.write_text(jws)
        return subprocess.run([self.node_js, str(SUPPORT / "jose_verify.mjs"), str(jwks_file),
                               str(jws_file)], capture_output=True, timeout=120, cwd=SUPPORT)

    def liaison_verify(self, jws):
        path = self.node.dir / "verify.jws"
        path.write_text(jws)
        return self.node.cli("keys", "verify", "--config", str(self.node.config), "--jws-file",
                             str(path), check=False)

    def current_kid(self):
        out = self.node.cli("keys", "list", "--config", str(self.node.config))
        return re.search(r"^(\S+)  current ", out, re.M).group(1)

    # Tests --------------------------------------------------------------------------------
    def test_published_key_set_is_public_and_cacheable(self):
        r, jwks = self.published_keys()
        self.assertEqual(r.header("Cache-Control"), "public, max-age=300")
        self.assertEqual(r.header("Content-Type"), "application/jwk-set+json")
        self.assertEqual(len(jwks["keys"]), 1, jwks)
        key = jwks["keys"][0]
        self.assertEqual({k: key[k] for k in ("kty", "crv", "use", "alg")},
                         {"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA"})
        self.assertEqual(len(b64url_decode(key["x"])), 32)
        self.assertNotIn("d", key)  # Never the private half.
        # The key made by `liaison init` is the one `keys list` calls current.
        self.assertEqual(key["kid"], self.current_kid())

    def test_jose_verifies_a_liaison_signature_and_rejects_a_changed_byte(self):
        statement = {"request": "req_test", "note": "Réponse reçue ✓", "steps": [1, 2.5, None],
                     "b": True, "a": {"z": "", "y": "\n"}}
        jws = self.sign(statement)
        _, jwks = self.published_keys()

        verified = self.jose_verify(jwks, jws)
        self.assertEqual(verified.returncode, 0, verified.stderr.decode())
        payload = verified.stdout.decode("utf-8")
        document = json.loads(payload)
        self.assertEqual(document["kind"], "operator_statement")
        self.assertEqual(document["statement"], statement)
        # The payload is the canonical JSON (RFC 8785): sorted names, no whitespace, UTF-8. For
        # these values Python's sorted, compact dump is the same text.
        self.assertEqual(payload, json.dumps(document, sort_keys=True, separators=(",", ":"),
                                             ensure_ascii=False))
        header = json.loads(b64url_decode(jws.split(".")[0]))
        self.assertEqual(header, {"alg": "EdDSA", "kid": jwks["keys"][0]["kid"],
                                  "typ": "liaison-receipt+json"})

        # One byte of the signed payload changed: jose refuses it, and so does liaison.
        head, body, signature = jws.split(".")
        raw = bytearray(b64url_decode(body))
        index = raw.index(b"req_test") + len("req_tes")
        raw[index] ^= 0x01
        forged = ".".join([head, b64url_encode(bytes(raw)), signature])
        rejected = self.jose_verify(jwks, forged)
        self.assertNotEqual(rejected.returncode, 0, rejected.stdout)
        self.assertIn("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", rejected.stderr.decode())
        self.assertEqual(self.liaison_verify(forged).returncode, 3)
        self.assertEqual(self.liaison_verify(jws).returncode, 0)

        # A changed byte of the signature fails as well.
        sig = bytearray(b64url_decode(signature))
        sig[0] ^= 0x80
        bad_signature = ".".join([head, body, b64url_encode(bytes(sig))])
        self.assertNotEqual(self.jose_verify(jwks, bad_signature).returncode, 0)

    def test_rotation_publishes_both_keys_and_old_receipts_still_verify(self):
        old_kid = self.current_kid()
        old_receipt = self.sign({"before": "rotation"}, "old")
        out = self.node.cli("keys", "rotate", "--config", str(self.node.config))
        new_kid = re.search(r"^new signing key: (\S+)$", out, re.M).group(1)
        self.assertNotEqual(new_kid, old_kid)
        self.assertEqual(self.current_kid(), new_kid)

        _, jwks = self.published_keys()
        self.assertEqual([k["kid"] for k in jwks["keys"]], [new_kid, old_kid])
        new_receipt = self.sign({"after": "rotation"}, "new")
        self.assertEqual(json.loads(b64url_decode(new_receipt.split(".")[0]))["kid"], new_kid)
        for receipt, expected in ((old_receipt, {"before": "rotation"}),
                                  (new_receipt, {"after": "rotation"})):
            verified = self.jose_verify(jwks, receipt)
            self.assertEqual(verified.returncode, 0, verified.stderr.decode())
            self.assertEqual(json.loads(verified.stdout)["statement"], expected)
        # Both changes are in the audit log, made by the system principal.
        actions = [row["action"] for row in self.node.db_query(
            "SELECT action FROM audit_log WHERE record_type = 'signing_key' ORDER BY seq")]
        self.assertEqual(actions, ["signing_key.create", "signing_key.retire",
                                   "signing_key.create"])

    def test_the_key_is_unusable_without_the_node_secret(self):
        self.node.stop()
        config = self.node.config.read_text()
        other = re.sub(r'secret_key = "[0-9a-f]{64}"', f'secret_key = "{"ab" * 32}"', config)
        self.assertNotEqual(other, config)
        self.node.config.write_text(other)
        statement = self.node.dir / "statement.json"
        statement.write_text("{}")
        result = self.node.cli("keys", "sign", "--config", str(self.node.config),
                               "--payload-file", str(statement), check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("does not decrypt under security.secret_key", result.stderr)
        with self.assertRaises(AssertionError):
            self.node.start()  # serve refuses to start rather than sign with another key.
        self.assertIn("does not decrypt under security.secret_key", self.node.server_log())


if __name__ == "__main__":
    unittest.main()
