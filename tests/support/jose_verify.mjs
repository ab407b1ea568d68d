// Verifies a liaison receipt with the jose npm package, an implementation independent of liaison:
//   node jose_verify.mjs JWKS_FILE JWS_FILE
// Reads the node's JWK set (what /.well-known/liaison-keys.json served) and a compact JWS, checks
// that every key's kid is its RFC 7638 thumbprint, verifies the JWS (alg EdDSA only, typ
// liaison-receipt+json) and writes the payload bytes to stdout. Exits 1, saying why on stderr,
// when anything fails.
import { readFileSync } from "node:fs";
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet } from "jose";

async function main() {
  const [jwksFile, jwsFile] = process.argv.slice(2);
  if (!jwksFile || !jwsFile) throw new Error("usage: jose_verify.mjs JWKS_FILE JWS_FILE");
  const jwks = JSON.parse(readFileSync(jwksFile, "utf8"));
  for (const key of jwks.keys) {
    const thumbprint = await calculateJwkThumbprint(key, "sha256");
    if (thumbprint !== key.kid) throw new Error(`kid ${key.kid} is not the key's thumbprint ${thumbprint}`);
  }
  const jws = readFileSync(jwsFile, "utf8").trim();
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks), {
    algorithms: ["EdDSA"],
  });
  if (protectedHeader.typ !== "liaison-receipt+json") {
    throw new Error(`unexpected typ ${protectedHeader.typ}`);
  }
  process.stdout.write(Buffer.from(payload));
}

main().catch((error) => {
  process.stderr.write(`jose_verify: ${error.code ?? error.name}: ${error.message}\n`);
  process.exit(1);
});
