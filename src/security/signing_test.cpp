#include "security/signing.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <limits>
#include <thread>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/secret_box.hpp"
#include "security/jws.hpp"
#include "security/test_support.hpp"

namespace liaison::security {
namespace {

// RFC 8037 appendix A: the Ed25519 key of the examples and its JWS of "Example of Ed25519 signing"
// under the header {"alg":"EdDSA"}.
constexpr std::string_view kRfcSeed = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr std::string_view kRfcPublicKey = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr std::string_view kRfcThumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
constexpr std::string_view kRfcJws =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg"
    "3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

TEST(Jws, MatchesTheRfc8037Example) {
  ASSERT_GE(sodium_init(), 0);
  auto seed = Base64UrlDecode(kRfcSeed);
  ASSERT_TRUE(seed.has_value());
  std::string public_key(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string secret_key(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(public_key.data()),
                           reinterpret_cast<unsigned char*>(secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed->data()));
  EXPECT_EQ(Base64UrlEncode(public_key), kRfcPublicKey);
  EXPECT_EQ(JwkThumbprint(public_key), kRfcThumbprint);
  EXPECT_EQ(internal::SignJws(secret_key, R"({"alg":"EdDSA"})", "Example of Ed25519 signing"),
            kRfcJws);
}

class SigningTest : public testing::SecurityTest {
 protected:
  Signer Load(const std::string& secret = {}) {
    auto signer = Signer::LoadOrCreate(*db_, secret.empty() ? secret_ : secret, clock_);
    EXPECT_TRUE(signer.has_value()) << signer.error().message;
    return std::move(signer).value();
  }

  std::vector<SigningKey> Keys() {
    auto keys = ListSigningKeys(*db_);
    EXPECT_TRUE(keys.has_value());
    return keys.value_or(std::vector<SigningKey>{});
  }

  int AuditCount(std::string_view action) {
    int n = 0;
    for (const auto& e : AuditEntries()) n += e.action == action;
    return n;
  }

  Principal Operator() {
    auto org = MakeOrg("Secretariat", OrgCategory::kSecretariat, "");
    return PrincipalOf(MakeAccount(org, "op@node.test", {Role::kOperator}));
  }

  std::string secret_ = RandomHex(32);
  ManualClock clock_{now_};
};

TEST_F(SigningTest, CreatesOneKeyOnFirstUseAndLoadsItAfterwards) {
  Signer first = Load();
  Signer again = Load();
  EXPECT_EQ(first.key_id(), again.key_id());
  auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, first.key_id());
  EXPECT_EQ(keys[0].status, SigningKeyStatus::kCurrent);
  EXPECT_EQ(keys[0].created_at, now_);
  // The kid is the RFC 7638 thumbprint of the published key.
  auto public_key = Base64UrlDecode(keys[0].public_key);
  ASSERT_TRUE(public_key.has_value());
  EXPECT_EQ(JwkThumbprint(*public_key), first.key_id());
  EXPECT_EQ(AuditCount("signing_key.create"), 1);
}

TEST_F(SigningTest, ConcurrentFirstLoadsMakeExactlyOneKey) {
  std::vector<std::string> kids(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto signer = Signer::LoadOrCreate(*db_, secret_, clock_);
      kids[i] = signer.has_value() ? signer->key_id() : "error: " + signer.error().message;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(Keys().size(), 1u);
  for (const auto& kid : kids) EXPECT_EQ(kid, Keys()[0].kid);
  EXPECT_EQ(AuditCount("signing_key.create"), 1);
}

TEST_F(SigningTest, SignJsonSignsTheCanonicalForm) {
  Signer signer = Load();
  auto jws = signer.SignJson(boost::json::object{{"b", 1}, {"a", "x"}});
  ASSERT_TRUE(jws.has_value());
  EXPECT_EQ(VerifyCompact(*db_, *jws).value_or(""), R"({"a":"x","b":1})");
  EXPECT_EQ(
      signer.SignJson(boost::json::value(std::numeric_limits<double>::infinity())).error().reason,
      "not_canonicalizable");
}

TEST_F(SigningTest, SignsACompactJwsThatVerifies) {
  Signer signer = Load();
  const std::string payload = R"({"request":"req_1","sent_at":"2026-01-01T00:00:00Z"})";
  const std::string jws = signer.SignCompact(payload);
  auto verified = VerifyCompact(*db_, jws);
  ASSERT_TRUE(verified.has_value()) << verified.error().message;
  EXPECT_EQ(*verified, payload);
  // The protected header is the canonical JSON of alg, kid and typ.
  auto header = Base64UrlDecode(jws.substr(0, jws.find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(*header,
            R"({"alg":"EdDSA","kid":")" + signer.key_id() + R"(","typ":"liaison-receipt+json"})");
  // Binary payloads survive too.
  const std::string binary("\0\xff\x01.", 4);
  EXPECT_EQ(VerifyCompact(*db_, signer.SignCompact(binary)).value_or(""), binary);
}

TEST_F(SigningTest, AChangedByteAnywhereFailsVerification) {
  Signer signer = Load();
  const std::string jws = signer.SignCompact(R"({"answer":"mitigated"})");
  ASSERT_TRUE(VerifyCompact(*db_, jws).has_value());
  for (std::size_t i = 0; i < jws.size(); ++i) {
    std::string changed = jws;
    changed[i] = jws[i] == 'A' ? 'B' : 'A';
    auto verified = VerifyCompact(*db_, changed);
    ASSERT_FALSE(verified.has_value()) << "byte " << i << " changed: " << changed;
    EXPECT_EQ(verified.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(verified.error().field, "jws");
  }
}

TEST_F(SigningTest, RefusesMalformedJwsWithAReason) {
  Signer signer = Load();
  const std::string good = signer.SignCompact("x");
  const std::string payload_and_signature = good.substr(good.find('.'));
  auto with_header = [&](const std::string& header) {
    return Base64UrlEncode(header) + payload_and_signature;
  };
  const std::pair<std::string, std::string> cases[] = {
      {"", "malformed_jws"},
      {"abc", "malformed_jws"},
      {"a.b", "malformed_jws"},
      {good + ".x", "malformed_jws"},
      {"=" + good, "malformed_jws"},
      {with_header("[]"), "malformed_jws"},
      {with_header("not json"), "malformed_jws"},
      {with_header(R"({"alg":"EdDSA"})"), "malformed_jws"},
      {with_header(R"({"alg":"EdDSA","kid":")" + signer.key_id() + R"(","crit":["b64"]})"),
       "malformed_jws"},
      {with_header(R"({"alg":"none","kid":")" + signer.key_id() + R"("})"),
       "unsupported_algorithm"},
      {with_header(R"({"alg":"EdDSA","kid":"someone-else"})"), "unknown_key"},
      {with_header(R"({"alg":"EdDSA","kid":")" + signer.key_id() + R"("})"), "bad_signature"},
      {good.substr(0, good.rfind('.') + 1), "bad_signature"},
  };
  for (const auto& [jws, reason] : cases) {
    auto verified = VerifyCompact(*db_, jws);
    ASSERT_FALSE(verified.has_value()) << jws;
    EXPECT_EQ(verified.error().reason, reason) << jws;
  }
}

TEST_F(SigningTest, RotationKeepsOldReceiptsVerifying) {
  const Principal op = Operator();
  Signer old_signer = Load();
  const std::string old_receipt = old_signer.SignCompact("before rotation");
  clock_.Advance(std::chrono::hours(1));
  auto kid = RotateSigningKey(*db_, secret_, clock_, op);
  ASSERT_TRUE(kid.has_value()) << kid.error().message;
  EXPECT_NE(*kid, old_signer.key_id());

  Signer new_signer = Load();
  EXPECT_EQ(new_signer.key_id(), *kid);
  const std::string new_receipt = new_signer.SignCompact("after rotation");
  EXPECT_EQ(VerifyCompact(*db_, old_receipt).value_or(""), "before rotation");
  EXPECT_EQ(VerifyCompact(*db_, new_receipt).value_or(""), "after rotation");
  // A receipt the old signer makes after the rotation (a server not yet restarted) verifies too.
  EXPECT_TRUE(VerifyCompact(*db_, old_signer.SignCompact("late")).has_value());

  auto keys = Keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, *kid);
  EXPECT_EQ(keys[0].status, SigningKeyStatus::kCurrent);
  EXPECT_EQ(keys[1].kid, old_signer.key_id());
  EXPECT_EQ(keys[1].status, SigningKeyStatus::kRetired);
  EXPECT_EQ(keys[1].retired_at, clock_.Now());

  auto set = PublicKeySet(*db_);
  ASSERT_TRUE(set.has_value());
  auto parsed = json::Parse(*set);
  ASSERT_TRUE(parsed.has_value());
  const auto& jwks = parsed->at("keys").as_array();
  ASSERT_EQ(jwks.size(), 2u);
  for (std::size_t i = 0; i < jwks.size(); ++i) {
    EXPECT_EQ(jwks[i], (boost::json::object{{"kty", "OKP"},
                                            {"crv", "Ed25519"},
                                            {"x", keys[i].public_key},
                                            {"kid", keys[i].kid},
                                            {"use", "sig"},
                                            {"alg", "EdDSA"}}));
  }

  const auto entries = AuditEntries();
  ASSERT_GE(entries.size(), 2u);
  EXPECT_EQ(entries[entries.size() - 2].action, "signing_key.retire");
  EXPECT_EQ(entries[entries.size() - 2].account_id, op.account_id);
  EXPECT_EQ(entries.back().action, "signing_key.create");
  EXPECT_EQ(entries.back().record_id, *kid);
}

TEST_F(SigningTest, OnlyOperatorsRotate) {
  Signer signer = Load();
  auto org = MakeOrg("Ministry", OrgCategory::kState, "FR");
  const Principal policy = PrincipalOf(MakeAccount(org, "pol@fr.test", {Role::kPolicy}));
  EXPECT_EQ(RotateSigningKey(*db_, secret_, clock_, policy).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(RotateSigningKey(*db_, secret_, clock_, Principal{}).error().code,
            ErrorCode::kUnauthenticated);
  ASSERT_EQ(Keys().size(), 1u);
  EXPECT_EQ(Keys()[0].kid, signer.key_id());
  EXPECT_TRUE(RotateSigningKey(*db_, secret_, clock_, Principal::System()).has_value());
}

TEST_F(SigningTest, ThePrivateKeyIsStoredOnlySealedUnderTheNodeSecret) {
  Signer signer = Load();
  auto tx = db_->Begin(store::TxMode::kRead);
  ASSERT_TRUE(tx.has_value());
  auto rows = (*tx)->Query("SELECT public_key, sealed_seed FROM signing_keys");
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  const std::string sealed = (*rows)[0].Text(1);
  tx->reset();

  // Open it as only the holder of the node secret can, to know what must not be in the clear.
  auto node_key = ParseNodeKey(secret_);
  ASSERT_TRUE(node_key.has_value());
  auto seed = OpenSecret(DeriveKey(*node_key, "lia_sign", 1), sealed);
  ASSERT_TRUE(seed.has_value());
  ASSERT_EQ(seed->size(), crypto_sign_SEEDBYTES);
  std::string public_key(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string secret_key(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(public_key.data()),
                           reinterpret_cast<unsigned char*>(secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed->data()));
  ASSERT_EQ(Base64UrlEncode(public_key), (*rows)[0].Text(0));  // It is the real key.
  // The node key itself does not open it: the seal uses a key derived for this purpose only.
  EXPECT_FALSE(OpenSecret(*node_key, sealed).has_value());

  const std::string file = DatabaseBytes();
  for (const std::string& form : {*seed, ToHex(*seed), Base64UrlEncode(*seed), secret_key,
                                  ToHex(secret_key), Base64UrlEncode(secret_key)}) {
    EXPECT_EQ(file.find(form), std::string::npos);
  }
  EXPECT_EQ(sealed.find(ToHex(*seed)), std::string::npos);
}

TEST_F(SigningTest, RefusesAMissingOrDifferentNodeSecretUntilRotated) {
  Signer signer = Load();
  const std::string receipt = signer.SignCompact("signed under the first secret");
  auto missing = Signer::LoadOrCreate(*db_, "", clock_);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason, "no_secret_key");
  EXPECT_EQ(RotateSigningKey(*db_, "", clock_, Principal::System()).error().reason,
            "no_secret_key");
  const std::string new_secret = RandomHex(32);
  auto other = Signer::LoadOrCreate(*db_, new_secret, clock_);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(other.error().reason, "signing_key_locked");
  ASSERT_EQ(Keys().size(), 1u);

  // The secret was lost: rotating under the new one makes a key it opens, and what the old key
  // signed still verifies.
  auto kid = RotateSigningKey(*db_, new_secret, clock_, Principal::System());
  ASSERT_TRUE(kid.has_value()) << kid.error().message;
  EXPECT_EQ(Load(new_secret).key_id(), *kid);
  EXPECT_TRUE(VerifyCompact(*db_, receipt).has_value());
  EXPECT_EQ(Signer::LoadOrCreate(*db_, secret_, clock_).error().reason, "signing_key_locked");
}

}  // namespace
}  // namespace liaison::security
