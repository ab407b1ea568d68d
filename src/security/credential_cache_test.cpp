// The credential cache: a token verified once is recognised without the database until
// something that can change what it stands for is committed; a change made by this process is
// seen by the very next request, one made by another process once the security generation's
// watch noticed it (on SQLite, the PRAGMA data_version poll); expiry is checked on every lookup.
// (Through the HTTP API, the CLI and PostgreSQL: tests/integration/test_directory_cache.py.)
#include "security/credential_cache.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "security/test_support.hpp"
#include "security/tokens.hpp"

namespace liaison::security {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::Eventually;

class CredentialCacheTest : public testing::SecurityTest {
 protected:
  void SetUp() override {
    SecurityTest::SetUp();
    fr_ = MakeOrg("CERT-FR", OrgCategory::kState, "FR", OrgKind::kNationalCert);
    analyst_ = PrincipalOf(MakeAccount(fr_, "analyst@fr.example", {Role::kAnalyst}));
    issued_ = *CreateToken(*db_, analyst_, "ticketing", now_ + minutes(90), now_);
    cache_ = std::make_unique<CredentialCache>(*db_, "sqlite://" + path_.string());
    ASSERT_TRUE(Eventually([&] { return cache_->watch().listening(); }));
  }

  void TearDown() override {
    cache_.reset();
    SecurityTest::TearDown();
  }


  Result<Principal> Authenticate(TimePoint at) {
    return AuthenticateToken(*db_, issued_.secret, at, nullptr, cache_.get());
  }

  std::int64_t Generation() {
    auto tx = *db_->Begin(store::TxMode::kRead);
    return *ReadSecurityGeneration(*tx);
  }

  void Write(const std::string& sql) {
    ASSERT_TRUE(store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                  return tx.Execute(sql);
                }).has_value());
  }

  // Runs `sql` on a connection of its own, as another process (the `liaison` CLI, another
  // server) would: this process counts no commit of it.
  void WriteAsAnotherProcess(const std::string& sql) {
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(other, 10000);
    char* error = nullptr;
    const int rc = sqlite3_exec(other, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(other);
  }

  Organization fr_;
  Principal analyst_;
  IssuedToken issued_;
  std::unique_ptr<CredentialCache> cache_;
};

TEST_F(CredentialCacheTest, RecognisesAVerifiedTokenWithoutTheDatabase) {
  auto first = Authenticate(now_ + seconds(1));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(cache_->hits(), 0u);
  for (int i = 2; i < 10; ++i) {
    auto again = Authenticate(now_ + seconds(i));
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_EQ(again->account_id, analyst_.account_id);
    EXPECT_EQ(again->credential_id, issued_.id);
    EXPECT_EQ(again->state, "FR");
    EXPECT_TRUE(again->HasRole(Role::kAnalyst));
    EXPECT_FALSE(again->via_session);
  }
  EXPECT_EQ(cache_->hits(), 8u);
  // Only the secret's hash is kept: another secret is not recognised.
  EXPECT_FALSE(
      AuthenticateToken(*db_, issued_.secret + "x", now_, nullptr, cache_.get()).has_value());
}

TEST_F(CredentialCacheTest, RecordingALastUseDoesNotForgetTokens) {
  const std::int64_t before = Generation();
  ASSERT_TRUE(Authenticate(now_ + seconds(1)).has_value());
  // A minute later the use is recorded again (a miss), and that write moves no generation.
  ASSERT_TRUE(Authenticate(now_ + minutes(2)).has_value());
  EXPECT_EQ(Generation(), before);
  const std::uint64_t hits = cache_->hits();
  ASSERT_TRUE(Authenticate(now_ + minutes(2) + seconds(1)).has_value());
  EXPECT_EQ(cache_->hits(), hits + 1);
}

TEST_F(CredentialCacheTest, ARevocationByThisProcessIsSeenByTheNextRequest) {
  ASSERT_TRUE(Authenticate(now_ + seconds(1)).has_value());
  ASSERT_TRUE(Authenticate(now_ + seconds(2)).has_value());
  ASSERT_TRUE(RevokeToken(*db_, analyst_, issued_.id, now_ + seconds(3)).has_value());
  auto refused = Authenticate(now_ + seconds(4));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(CredentialCacheTest, AccountAndOrganisationChangesAreSeenByTheNextRequest) {
  ASSERT_TRUE(Authenticate(now_ + seconds(1)).has_value());
  Write("UPDATE accounts SET roles = 'policy' WHERE id = '" + analyst_.account_id + "'");
  auto changed = Authenticate(now_ + seconds(2));
  ASSERT_TRUE(changed.has_value()) << changed.error().message;
  EXPECT_TRUE(changed->HasRole(Role::kPolicy));
  EXPECT_FALSE(changed->HasRole(Role::kAnalyst));
  Write("UPDATE organizations SET state = 'DE' WHERE id = '" + fr_.id + "'");
  EXPECT_EQ(Authenticate(now_ + seconds(3))->state, "DE");
  Write("UPDATE accounts SET disabled = 1 WHERE id = '" + analyst_.account_id + "'");
  EXPECT_FALSE(Authenticate(now_ + seconds(4)).has_value());
}

TEST_F(CredentialCacheTest, ARevocationByAnotherProcessIsSeenOnceTheWatchNoticesIt) {
  ASSERT_TRUE(Authenticate(now_ + seconds(1)).has_value());
  const std::int64_t before = Generation();
  WriteAsAnotherProcess("UPDATE api_tokens SET revoked_at = 1 WHERE id = '" + issued_.id + "'");
  EXPECT_EQ(Generation(), before + 1);
  // Within the poll interval (docs/security.md); the test waits as long as it takes.
  EXPECT_TRUE(Eventually([&] { return !Authenticate(now_ + seconds(2)).has_value(); }));
  EXPECT_FALSE(Authenticate(now_ + seconds(3)).has_value());
}

TEST_F(CredentialCacheTest, AnExpiredTokenIsRefusedThoughRemembered) {
  ASSERT_TRUE(Authenticate(now_ + minutes(89)).has_value());
  ASSERT_TRUE(Authenticate(now_ + minutes(89) + seconds(30)).has_value());
  const std::uint64_t hits = cache_->hits();
  auto expired = Authenticate(now_ + minutes(90));
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(cache_->hits(), hits);
}

TEST_F(CredentialCacheTest, TheHandlersReadRunsOnAHitToo) {
  ASSERT_TRUE(Authenticate(now_ + seconds(1)).has_value());
  int runs = 0;
  auto read = [&](store::Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT 1"));
    ++runs;
    return OkStatus();
  };
  ASSERT_TRUE(
      AuthenticateToken(*db_, issued_.secret, now_ + seconds(2), read, cache_.get()).has_value());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(cache_->hits(), 1u);
}

}  // namespace
}  // namespace liaison::security
