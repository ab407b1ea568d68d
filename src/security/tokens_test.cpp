#include "security/tokens.hpp"

#include <gtest/gtest.h>

#include "security/test_support.hpp"

namespace liaison::security {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;

class TokensTest : public testing::SecurityTest {
 protected:
  void SetUp() override {
    SecurityTest::SetUp();
    secretariat_ = MakeOrg("Secretariat", OrgCategory::kSecretariat, "");
    fr_ = MakeOrg("CERT-FR", OrgCategory::kState, "FR", OrgKind::kNationalCert);
    op_ = PrincipalOf(MakeAccount(secretariat_, "op@un.example", {Role::kOperator}));
    analyst_ = PrincipalOf(MakeAccount(fr_, "analyst@fr.example", {Role::kAnalyst}));
    colleague_ = PrincipalOf(MakeAccount(fr_, "colleague@fr.example", {Role::kPolicy}));
  }

  std::optional<TimePoint> LastUsed(const std::string& id) {
    auto tx = *db_->Begin(store::TxMode::kRead);
    auto rows = *tx->Query("SELECT last_used_at FROM api_tokens WHERE id = ?", {id});
    if (rows.empty() || rows[0].IsNull(0)) return std::nullopt;
    return FromUnixMillis(rows[0].Int(0));
  }

  Organization secretariat_, fr_;
  Principal op_, analyst_, colleague_;
};

TEST_F(TokensTest, IssuesATokenThatAuthenticatesItsAccount) {
  auto issued = CreateToken(*db_, analyst_, "ticketing", std::nullopt, now_);
  ASSERT_TRUE(issued.has_value()) << issued.error().message;
  EXPECT_EQ(issued->secret.rfind("lia_", 0), 0u);
  EXPECT_EQ(issued->secret.size(), 4u + 43u);  // 256 bits as unpadded base64url.
  EXPECT_EQ(issued->expires_at, now_ + kDefaultTokenTtl);
  EXPECT_EQ(issued->id.rfind("tok_", 0), 0u);

  auto p = AuthenticateToken(*db_, issued->secret, now_ + minutes(1));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->account_id, analyst_.account_id);
  EXPECT_EQ(p->organization_id, fr_.id);
  EXPECT_EQ(p->state, "FR");
  EXPECT_TRUE(p->HasRole(Role::kAnalyst));
  EXPECT_EQ(p->credential_id, issued->id);
  EXPECT_FALSE(p->via_session);

  auto entries = AuditEntries();
  EXPECT_EQ(entries.back().action, "token.create");
  EXPECT_EQ(entries.back().record_id, issued->id);
}

TEST_F(TokensTest, StoresOnlyTheHashOfTheSecret) {
  auto issued = *CreateToken(*db_, analyst_, "ticketing", std::nullopt, now_);
  ASSERT_TRUE(AuthenticateToken(*db_, issued.secret, now_).has_value());
  const std::string bytes = DatabaseBytes();
  const std::string body = issued.secret.substr(4);
  EXPECT_EQ(bytes.find(issued.secret), std::string::npos);
  EXPECT_EQ(bytes.find(body), std::string::npos);
  auto tx = *db_->Begin(store::TxMode::kRead);
  auto rows = *tx->Query("SELECT token_hash FROM api_tokens WHERE id = ?", {issued.id});
  EXPECT_EQ(rows[0].Text(0).size(), 64u);
  EXPECT_NE(bytes.find(rows[0].Text(0)), std::string::npos);
}

TEST_F(TokensTest, RefusesUnknownMalformedAndExpiredTokens) {
  auto issued = *CreateToken(*db_, analyst_, "short-lived", now_ + minutes(10), now_);
  EXPECT_TRUE(AuthenticateToken(*db_, issued.secret, now_ + minutes(9)).has_value());
  auto expired = AuthenticateToken(*db_, issued.secret, now_ + minutes(10));
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  for (std::string bad :
       {std::string(""), std::string("lia_"), std::string("Bearer x"), issued.secret.substr(4),
        issued.secret + "x", std::string("lia_") + std::string(300, 'a')}) {
    auto result = AuthenticateToken(*db_, bad, now_);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(result.error().message, expired.error().message);
  }
}

TEST_F(TokensTest, RefusesTokensOfDisabledAccounts) {
  auto issued = *CreateToken(*db_, analyst_, "ticketing", std::nullopt, now_);
  ASSERT_TRUE(store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                return tx.Execute("UPDATE accounts SET disabled = 1 WHERE id = ?",
                                  {analyst_.account_id});
              }).has_value());
  EXPECT_EQ(AuthenticateToken(*db_, issued.secret, now_).error().code, ErrorCode::kUnauthenticated);
}

TEST_F(TokensTest, RevokesOwnTokensAndOperatorsRevokeAny) {
  auto mine = *CreateToken(*db_, analyst_, "one", std::nullopt, now_);
  auto other = *CreateToken(*db_, analyst_, "two", std::nullopt, now_);
  // A colleague may not revoke it, nor learn it exists.
  EXPECT_EQ(RevokeToken(*db_, colleague_, mine.id, now_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RevokeToken(*db_, colleague_, "tok_nope", now_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RevokeToken(*db_, Principal{}, mine.id, now_).error().code,
            ErrorCode::kUnauthenticated);

  ASSERT_TRUE(RevokeToken(*db_, analyst_, mine.id, now_).has_value());
  EXPECT_EQ(AuthenticateToken(*db_, mine.secret, now_).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(AuditEntries().back().action, "token.revoke");
  const auto entries = AuditEntries().size();
  EXPECT_TRUE(RevokeToken(*db_, analyst_, mine.id, now_).has_value());
  EXPECT_EQ(AuditEntries().size(), entries);  // Revoking again changes nothing.

  ASSERT_TRUE(RevokeToken(*db_, op_, other.id, now_).has_value());
  EXPECT_FALSE(AuthenticateToken(*db_, other.secret, now_).has_value());
  EXPECT_EQ(AuditEntries().back().account_id, op_.account_id);
}

TEST_F(TokensTest, ListsOnlyOwnTokensWithoutSecrets) {
  auto first = *CreateToken(*db_, analyst_, "first", std::nullopt, now_);
  auto second = *CreateToken(*db_, analyst_, "second", std::nullopt, now_ + seconds(1));
  (void)*CreateToken(*db_, colleague_, "theirs", std::nullopt, now_);
  ASSERT_TRUE(RevokeToken(*db_, analyst_, first.id, now_ + seconds(2)).has_value());
  auto tokens = ListTokens(*db_, analyst_);
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].id, second.id);
  EXPECT_EQ((*tokens)[1].id, first.id);
  EXPECT_EQ((*tokens)[1].revoked_at, now_ + seconds(2));
  EXPECT_FALSE((*tokens)[0].revoked_at.has_value());
  EXPECT_EQ(ListTokens(*db_, Principal{}).error().code, ErrorCode::kUnauthenticated);
}

TEST_F(TokensTest, RecordsLastUseAtMostOnceAMinute) {
  auto issued = *CreateToken(*db_, analyst_, "ticketing", std::nullopt, now_);
  EXPECT_FALSE(LastUsed(issued.id).has_value());
  ASSERT_TRUE(AuthenticateToken(*db_, issued.secret, now_).has_value());
  EXPECT_EQ(LastUsed(issued.id), now_);
  ASSERT_TRUE(AuthenticateToken(*db_, issued.secret, now_ + seconds(59)).has_value());
  EXPECT_EQ(LastUsed(issued.id), now_);
  ASSERT_TRUE(AuthenticateToken(*db_, issued.secret, now_ + seconds(60)).has_value());
  EXPECT_EQ(LastUsed(issued.id), now_ + seconds(60));
  auto listed = *ListTokens(*db_, analyst_);
  EXPECT_EQ(listed[0].last_used_at, now_ + seconds(60));
}

TEST_F(TokensTest, ValidatesNameAndExpiry) {
  EXPECT_EQ(CreateToken(*db_, analyst_, "", std::nullopt, now_).error().field, "name");
  EXPECT_EQ(CreateToken(*db_, analyst_, std::string(101, 'n'), std::nullopt, now_).error().field,
            "name");
  EXPECT_EQ(CreateToken(*db_, analyst_, "past", now_, now_).error().field, "expires_at");
  EXPECT_EQ(CreateToken(*db_, analyst_, "far", now_ + days(3651), now_).error().field,
            "expires_at");
  EXPECT_EQ(CreateToken(*db_, Principal{}, "anon", std::nullopt, now_).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(CreateToken(*db_, Principal::System(), "sys", std::nullopt, now_).error().code,
            ErrorCode::kFailedPrecondition);
  auto custom = CreateToken(*db_, analyst_, "ttl", std::nullopt, now_, days(7));
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->expires_at, now_ + days(7));
}

// A fixture without any organisation or account: a node before `liaison init`.
class BootstrapTest : public testing::SecurityTest {};

TEST_F(BootstrapTest, CreatesTheFirstOperatorOnce) {
  auto made =
      BootstrapOperator(*db_, "Node secretariat", "ops@node.example", "Node operator", now_);
  ASSERT_TRUE(made.has_value()) << made.error().message;
  EXPECT_EQ(made->organization.category, OrgCategory::kSecretariat);
  EXPECT_EQ(made->account.roles, std::set<Role>{Role::kOperator});
  EXPECT_EQ(made->account.organization_id, made->organization.id);
  auto p = AuthenticateToken(*db_, made->token.secret, now_);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->HasRole(Role::kOperator));
  EXPECT_EQ(p->org_category, OrgCategory::kSecretariat);

  auto entries = AuditEntries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].action, "organization.create");
  EXPECT_EQ(entries[1].action, "account.create");
  EXPECT_EQ(entries[2].action, "token.create");
  for (const auto& e : entries) EXPECT_EQ(e.account_id, "system");

  auto again = BootstrapOperator(*db_, "Other", "other@node.example", "Other", now_);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(again.error().reason, "already_initialized");
  EXPECT_EQ(AuditEntries().size(), 3u);
}

TEST_F(BootstrapTest, LeavesNothingBehindWhenInputIsInvalid) {
  auto bad = BootstrapOperator(*db_, "Node secretariat", "not-an-address", "Op", now_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "email");
  EXPECT_TRUE(AuditEntries().empty());
  auto tx = *db_->Begin(store::TxMode::kRead);
  EXPECT_TRUE(tx->Query("SELECT id FROM organizations")->empty());
}

}  // namespace
}  // namespace liaison::security
