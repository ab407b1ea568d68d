#include "security/signing.hpp"

#include <sodium.h>

#include <array>

#include "audit/audit_log.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/secret_box.hpp"
#include "security/access_policy.hpp"
#include "security/jws.hpp"
#include "security/record_text.hpp"

namespace liaison::security {
namespace {

// The purpose under which the seeds are sealed: a key derived from the node secret, so that a
// sealed seed cannot be opened as a webhook secret or the other way round.
constexpr std::string_view kSealContext = "lia_sign";
constexpr std::uint64_t kSealSubkeyId = 1;

constexpr std::string_view kColumns = "kid, public_key, status, created_at, retired_at";

std::string_view Bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

Result<std::string> SealingKey(std::string_view secret_key_hex) {
  ASSIGN_OR_RETURN(std::string node_key, ParseNodeKey(secret_key_hex));
  std::string key = DeriveKey(node_key, kSealContext, kSealSubkeyId);
  sodium_memzero(node_key.data(), node_key.size());
  return key;
}

SigningKey FromRow(const store::Row& row) {
  SigningKey key;
  key.kid = row.Text(0);
  key.public_key = row.Text(1);
  key.status = row.Text(2) == "current" ? SigningKeyStatus::kCurrent : SigningKeyStatus::kRetired;
  key.created_at = FromUnixMillis(row.Int(3));
  if (!row.IsNull(4)) key.retired_at = FromUnixMillis(row.Int(4));
  return key;
}

// The audit log's canonical text of a key: its public half and state, never the seed.
std::string Text(const SigningKey& key) {
  return internal::CanonicalText({
      {"kid", key.kid},
      {"public_key", key.public_key},
      {"status", std::string(SigningKeyStatusName(key.status))},
      {"created_at", internal::TimeText(key.created_at)},
      {"retired_at", key.retired_at ? internal::TimeText(*key.retired_at) : nullptr},
  });
}

// Generates a key, stores it sealed under `sealing_key` as the current key and audits it. The
// caller has retired the previous current key in `tx`.
Result<SigningKey> InsertNewKey(store::Transaction& tx, std::string_view sealing_key,
                                const Principal& actor, TimePoint now) {
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key{};
  randombytes_buf(seed.data(), seed.size());
  crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed.data());
  std::string sealed = SealSecret(sealing_key, Bytes(seed.data(), seed.size()));
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(secret_key.data(), secret_key.size());
  SigningKey key;
  key.public_key = Base64UrlEncode(Bytes(public_key.data(), public_key.size()));
  key.kid = JwkThumbprint(Bytes(public_key.data(), public_key.size()));
  key.status = SigningKeyStatus::kCurrent;
  key.created_at = now;
  RETURN_IF_ERROR(
      tx.Execute("INSERT INTO signing_keys (kid, public_key, sealed_seed, status, created_at) "
                 "VALUES (?, ?, ?, 'current', ?)",
                 {key.kid, key.public_key, sealed, ToUnixMillis(now)}));
  RETURN_IF_ERROR(audit::Append(
      tx, internal::Event(actor, "signing_key.create", "signing_key", key.kid, "", "", Text(key)),
      now));
  return key;
}

// The current key's kid and libsodium secret key, opened with `sealing_key`; nullopt when the
// node has no key yet.
Result<std::optional<std::pair<std::string, std::string>>> OpenCurrentKey(
    store::Transaction& tx, std::string_view sealing_key) {
  using Opened = std::optional<std::pair<std::string, std::string>>;
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT kid, public_key, sealed_seed FROM signing_keys "
                                       "WHERE status = 'current'"));
  if (rows.empty()) return Opened();
  auto seed = OpenSecret(sealing_key, rows[0].Text(2));
  if (!seed.has_value() || seed->size() != crypto_sign_SEEDBYTES) {
    return Error::FailedPrecondition(
        "the node's signing key does not decrypt under security.secret_key (was the secret key "
        "changed?)",
        "signing_key_locked");
  }
  std::string public_key(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string secret_key(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(public_key.data()),
                           reinterpret_cast<unsigned char*>(secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed->data()));
  sodium_memzero(seed->data(), seed->size());
  // The seed must belong to its row: a sealed seed copied from another row would sign under a
  // kid whose published key cannot verify it.
  if (Base64UrlEncode(public_key) != rows[0].Text(1) ||
      JwkThumbprint(public_key) != rows[0].Text(0)) {
    sodium_memzero(secret_key.data(), secret_key.size());
    return Error::Internal("the stored signing key does not match its public key");
  }
  return Opened(std::make_pair(rows[0].Text(0), std::move(secret_key)));
}

// The compact JWS of `payload` under the already encoded protected header `header_b64`.
std::string SignWithEncodedHeader(std::string_view secret_key, std::string_view header_b64,
                                  std::string_view payload) {
  LIAISON_CHECK(secret_key.size() == crypto_sign_SECRETKEYBYTES);
  std::string jws = std::string(header_b64) + "." + Base64UrlEncode(payload);
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(jws.data()), jws.size(),
                       reinterpret_cast<const unsigned char*>(secret_key.data()));
  return jws + "." + Base64UrlEncode(Bytes(signature.data(), signature.size()));
}

Error BadJws(std::string message, std::string reason) {
  return Error::InvalidArgument(std::move(message), "jws", std::move(reason));
}

// The Ed25519 public key (32 bytes) of the node's key `kid`, current or retired.
Result<std::string> PublicKeyOf(store::Database& db, const std::string& kid) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::string> {
        ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT public_key FROM signing_keys WHERE kid = ?", {kid}));
        if (rows.empty()) return BadJws("no key of this node has that kid", "unknown_key");
        auto key = Base64UrlDecode(rows[0].Text(0));
        if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) {
          return Error::Internal("stored public key " + kid + " is malformed");
        }
        return *key;
      });
}

}  // namespace

namespace internal {

std::string SignJws(std::string_view secret_key, std::string_view header_json,
                    std::string_view payload) {
  return SignWithEncodedHeader(secret_key, Base64UrlEncode(header_json), payload);
}

}  // namespace internal

std::string_view SigningKeyStatusName(SigningKeyStatus status) {
  return status == SigningKeyStatus::kCurrent ? "current" : "retired";
}

std::string JwkThumbprint(std::string_view public_key) {
  LIAISON_CHECK(public_key.size() == crypto_sign_PUBLICKEYBYTES);
  // RFC 7638 section 3.2: the required members in lexicographic order, no whitespace; exactly
  // what the canonical JSON of those members is.
  auto members = json::CanonicalJson(
      boost::json::object{{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", Base64UrlEncode(public_key)}});
  LIAISON_CHECK(members.has_value());
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(members->data()),
                     members->size());
  return Base64UrlEncode(Bytes(digest.data(), digest.size()));
}

Signer::Signer(std::string kid, std::string secret_key)
    : kid_(std::move(kid)), secret_key_(std::move(secret_key)) {
  auto header = json::CanonicalJson(
      boost::json::object{{"alg", "EdDSA"}, {"kid", kid_}, {"typ", std::string(kReceiptType)}});
  LIAISON_CHECK(header.has_value());
  header_b64_ = Base64UrlEncode(*header);
}

Signer& Signer::operator=(Signer&& other) noexcept {
  if (this != &other) {
    sodium_memzero(secret_key_.data(), secret_key_.size());
    kid_ = std::move(other.kid_);
    header_b64_ = std::move(other.header_b64_);
    secret_key_ = std::move(other.secret_key_);
  }
  return *this;
}

Signer::~Signer() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

Result<Signer> Signer::LoadOrCreate(store::Database& db, std::string_view secret_key_hex,
                                    const Clock& clock) {
  LIAISON_CHECK(sodium_init() >= 0);
  ASSIGN_OR_RETURN(std::string sealing_key, SealingKey(secret_key_hex));
  using Opened = std::optional<std::pair<std::string, std::string>>;
  ASSIGN_OR_RETURN(
      Opened current,
      store::InTransaction(db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<Opened> {
        return OpenCurrentKey(tx, sealing_key);
      }));
  if (!current) {
    // Write transactions are serialised, so a key another process created meanwhile is found
    // here instead of being replaced; were two inserts to race anyway, the unique index on the
    // current key refuses the second, which then loads the first.
    auto created = store::InTransaction(
        db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<Opened> {
          ASSIGN_OR_RETURN(Opened existing, OpenCurrentKey(tx, sealing_key));
          if (existing) return existing;
          RETURN_IF_ERROR(InsertNewKey(tx, sealing_key, Principal::System(), clock.Now()));
          return OpenCurrentKey(tx, sealing_key);
        });
    if (!created.has_value() && created.error().code == ErrorCode::kAlreadyExists) {
      created = store::InTransaction(db, store::TxMode::kRead,
                                     [&](store::Transaction& tx) -> Result<Opened> {
                                       return OpenCurrentKey(tx, sealing_key);
                                     });
    }
    if (!created.has_value()) return std::move(created).error();
    current = *std::move(created);
  }
  sodium_memzero(sealing_key.data(), sealing_key.size());
  LIAISON_CHECK(current.has_value());
  return Signer(std::move(current->first), std::move(current->second));
}

std::string Signer::SignCompact(std::string_view payload) const {
  return SignWithEncodedHeader(secret_key_, header_b64_, payload);
}

Result<std::string> Signer::SignJson(const boost::json::value& statement) const {
  ASSIGN_OR_RETURN(std::string payload, json::CanonicalJson(statement));
  return SignCompact(payload);
}

Result<std::vector<SigningKey>> ListSigningKeys(store::Database& db) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::vector<SigningKey>> {
        ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT " + std::string(kColumns) +
                                  " FROM signing_keys ORDER BY CASE status WHEN 'current' THEN 0 "
                                  "ELSE 1 END, created_at DESC, kid"));
        std::vector<SigningKey> keys;
        for (const auto& row : rows) keys.push_back(FromRow(row));
        return keys;
      });
}

Result<std::string> PublicKeySet(store::Database& db) {
  ASSIGN_OR_RETURN(auto keys, ListSigningKeys(db));
  boost::json::array jwks;
  for (const auto& key : keys) {
    jwks.push_back(boost::json::object{{"kty", "OKP"},
                                       {"crv", "Ed25519"},
                                       {"x", key.public_key},
                                       {"kid", key.kid},
                                       {"use", "sig"},
                                       {"alg", "EdDSA"}});
  }
  return json::Serialize(boost::json::object{{"keys", std::move(jwks)}});
}

Result<std::string> VerifyCompact(store::Database& db, std::string_view jws) {
  if (jws.size() > kMaxJwsBytes) return BadJws("the JWS is too long", "malformed_jws");
  const std::size_t first = jws.find('.');
  const std::size_t second = first == std::string_view::npos ? first : jws.find('.', first + 1);
  if (second == std::string_view::npos || jws.find('.', second + 1) != std::string_view::npos) {
    return BadJws("a compact JWS has three parts separated by dots", "malformed_jws");
  }
  auto header_text = Base64UrlDecode(jws.substr(0, first));
  auto payload = Base64UrlDecode(jws.substr(first + 1, second - first - 1));
  auto signature = Base64UrlDecode(jws.substr(second + 1));
  if (!header_text || !payload || !signature) {
    return BadJws("a part of the JWS is not unpadded base64url", "malformed_jws");
  }
  auto header = json::Parse(*header_text);
  if (!header.has_value()) return BadJws("the JWS header is not JSON", "malformed_jws");
  auto reader = json::ObjectReader::Create(*header);
  if (!reader.has_value()) return BadJws("the JWS header is not an object", "malformed_jws");
  auto alg = reader->RequiredString("alg", 20);
  auto kid = reader->RequiredString("kid", 100);
  auto typ = reader->OptionalString("typ", 100);
  // Every other header parameter, "crit" and "b64" included, changes what the signature means;
  // liaison never writes one, so none is accepted.
  if (!alg.has_value() || !kid.has_value() || !typ.has_value() ||
      !reader->RejectUnknown().has_value()) {
    return BadJws("the JWS header must hold only the strings alg, kid and typ", "malformed_jws");
  }
  if (*alg != "EdDSA") return BadJws("only alg EdDSA is accepted", "unsupported_algorithm");
  ASSIGN_OR_RETURN(std::string public_key, PublicKeyOf(db, *kid));
  const std::string_view signing_input = jws.substr(0, second);
  if (signature->size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature->data()),
                                  reinterpret_cast<const unsigned char*>(signing_input.data()),
                                  signing_input.size(),
                                  reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return BadJws("the signature does not verify", "bad_signature");
  }
  return *std::move(payload);
}

Result<std::string> RotateSigningKey(store::Database& db, std::string_view secret_key_hex,
                                     const Clock& clock, const Principal& by) {
  RETURN_IF_ERROR(Authorize(by, Action::kSigningKeyRotate, Resource{}));
  ASSIGN_OR_RETURN(std::string sealing_key, SealingKey(secret_key_hex));
  const TimePoint now = clock.Now();
  auto kid = store::InTransaction(
      db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<std::string> {
        // The old private key is not needed, so a node whose secret key was lost recovers by
        // setting a new one and rotating.
        ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kColumns) +
                                             " FROM signing_keys WHERE status = 'current'"));
        if (!rows.empty()) {
          const SigningKey before = FromRow(rows[0]);
          SigningKey after = before;
          after.status = SigningKeyStatus::kRetired;
          after.retired_at = now;
          RETURN_IF_ERROR(
              tx.Execute("UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE kid = ?",
                         {ToUnixMillis(now), before.kid}));
          RETURN_IF_ERROR(audit::Append(tx,
                                        internal::Event(by, "signing_key.retire", "signing_key",
                                                        before.kid, "", Text(before), Text(after)),
                                        now));
        }
        ASSIGN_OR_RETURN(SigningKey key, InsertNewKey(tx, sealing_key, by, now));
        return key.kid;
      });
  sodium_memzero(sealing_key.data(), sealing_key.size());
  return kid;
}

}  // namespace liaison::security
