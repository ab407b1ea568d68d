// The node's Ed25519 signing keys and the receipts they sign: JSON Web Signatures in compact form
// (RFC 7515) with alg "EdDSA" (RFC 8037), which anyone can verify against the JWK set (RFC 7517)
// the node publishes at /.well-known/liaison-keys.json. Each private key is stored in the
// database sealed under a key derived from the node secret (security.secret_key) and is never
// logged; retired keys keep their public half published so that old receipts still verify.
// docs/security.md ("Receipts and the node's signing key") describes the format.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {

// The "typ" of every JWS the node signs (RFC 7515 section 4.1.9, the media type
// application/liaison-receipt+json without its "application/" prefix).
inline constexpr std::string_view kReceiptType = "liaison-receipt+json";

// The largest compact JWS VerifyCompact() reads.
inline constexpr std::size_t kMaxJwsBytes = 8 * 1024 * 1024;

enum class SigningKeyStatus { kCurrent, kRetired };

// "current" or "retired".
std::string_view SigningKeyStatusName(SigningKeyStatus status);

// The public half of one of the node's keys.
struct SigningKey {
  std::string kid;         // RFC 7638 JWK thumbprint (base64url SHA-256).
  std::string public_key;  // The 32-byte Ed25519 public key, base64url (the JWK's "x").
  SigningKeyStatus status = SigningKeyStatus::kCurrent;
  TimePoint created_at;
  std::optional<TimePoint> retired_at;
};

// Signs with the node's current key, held in memory. Immutable once loaded, so thread-safe. A key
// rotated by another process after loading goes on signing valid receipts (its public half stays
// published) until the Signer is loaded again.
class Signer {
 public:
  // Loads the current key, creating one on first use (in its own transaction, audited as
  // "system"). failed_precondition with reason "no_secret_key" when `secret_key_hex` is not a
  // 64-character hex key, and with reason "signing_key_locked" when the stored key does not
  // decrypt under it (the secret key was changed); unavailable when the database is busy.
  static Result<Signer> LoadOrCreate(store::Database& db, std::string_view secret_key_hex,
                                     const Clock& clock);

  // A compact JWS over the bytes of `payload`: base64url(header) "." base64url(payload) "."
  // base64url(signature), the protected header being the canonical JSON
  // {"alg":"EdDSA","kid":key_id(),"typ":"liaison-receipt+json"}.
  std::string SignCompact(std::string_view payload) const;

  // SignCompact() over the canonical JSON (RFC 8785) of `statement`: how receipts are made, so
  // that a verifier can recompute the signed bytes from the JSON. invalid_argument (reason
  // "not_canonicalizable") as json::CanonicalJson.
  Result<std::string> SignJson(const boost::json::value& statement) const;

  // The current key's id: its RFC 7638 thumbprint.
  const std::string& key_id() const { return kid_; }

  Signer(Signer&& other) noexcept = default;
  Signer& operator=(Signer&& other) noexcept;
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;
  ~Signer();  // Wipes the private key from memory.

 private:
  Signer(std::string kid, std::string secret_key);
  std::string kid_;
  std::string header_b64_;  // The protected header, already encoded.
  std::string secret_key_;  // libsodium's 64-byte Ed25519 secret key (seed and public key).
};

// Every key of the node, the current one first, then retired ones newest first.
Result<std::vector<SigningKey>> ListSigningKeys(store::Database& db);

// The JWK set of every key of the node, current and retired, as JSON text:
// {"keys":[{"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"use":"sig","alg":"EdDSA"},…]}.
Result<std::string> PublicKeySet(store::Database& db);

// Verifies compact JWS `jws` against the node's keys (current or retired) and returns the payload
// bytes. invalid_argument with field "jws" and reason "malformed_jws" (not three base64url parts,
// a header that is not a JSON object of "alg", "kid" and "typ" strings only, or longer than
// kMaxJwsBytes), "unsupported_algorithm" (alg other than EdDSA), "unknown_key" (no key of this
// node has that kid) or "bad_signature".
Result<std::string> VerifyCompact(store::Database& db, std::string_view jws);

// Makes a new current key and retires the old one, whose public half stays published; returns
// the new kid. Only operators (and the system principal): permission_denied otherwise,
// unauthenticated when anonymous. Audited ("signing_key.retire", "signing_key.create") in one
// transaction. The new key is sealed under `secret_key_hex`, which need not open the old one (the
// recovery when the node secret was lost); failed_precondition with reason "no_secret_key" when
// it is missing. A running server signs with the key it loaded until it is restarted.
Result<std::string> RotateSigningKey(store::Database& db, std::string_view secret_key_hex,
                                     const Clock& clock, const Principal& by);

// The RFC 7638 thumbprint of an Ed25519 public key (32 bytes): base64url SHA-256 of
// {"crv":"Ed25519","kty":"OKP","x":…}.
std::string JwkThumbprint(std::string_view public_key);

}  // namespace liaison::security
