#include "security/sessions.hpp"

#include <gtest/gtest.h>

#include "security/test_support.hpp"

namespace liaison::security {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr char kPassword[] = "a long enough password";

class SessionsTest : public testing::SecurityTest {
 protected:
  void SetUp() override {
    SecurityTest::SetUp();
    fr_ = MakeOrg("MFA", OrgCategory::kState, "FR");
    account_ = MakeAccount(fr_, "camille@fr.example", {Role::kPolicy}, kPassword);
  }

  Organization fr_;
  Account account_;
  LoginThrottle throttle_;
};

TEST_F(SessionsTest, SignsInAndAuthenticatesTheCookie) {
  auto session = Login(*db_, throttle_, "Camille@FR.example", kPassword, "192.0.2.1", now_);
  ASSERT_TRUE(session.has_value()) << session.error().message;
  EXPECT_EQ(session->principal.account_id, account_.id);
  EXPECT_TRUE(session->principal.via_session);
  EXPECT_EQ(session->expires_at, now_ + kDefaultSessionTtl);
  EXPECT_NE(session->secret, session->csrf_token);

  auto authenticated = AuthenticateSession(*db_, session->secret, now_ + minutes(5));
  ASSERT_TRUE(authenticated.has_value()) << authenticated.error().message;
  EXPECT_EQ(authenticated->principal.account_id, account_.id);
  EXPECT_EQ(authenticated->principal.state, "FR");
  EXPECT_EQ(authenticated->principal.credential_id, session->id);
  EXPECT_TRUE(authenticated->principal.via_session);
  EXPECT_EQ(AuditEntries().back().action, "session.create");
}

TEST_F(SessionsTest, StoresOnlyHashesOfTheCookieAndCsrfToken) {
  auto session = *Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_);
  const std::string bytes = DatabaseBytes();
  EXPECT_EQ(bytes.find(session.secret), std::string::npos);
  EXPECT_EQ(bytes.find(session.csrf_token), std::string::npos);
  EXPECT_EQ(bytes.find(kPassword), std::string::npos);
}

TEST_F(SessionsTest, ChecksTheCsrfToken) {
  auto session = *Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_);
  auto authenticated = *AuthenticateSession(*db_, session.secret, now_);
  EXPECT_TRUE(CheckCsrf(authenticated, session.csrf_token).has_value());
  for (std::string bad :
       {std::string(""), session.secret, session.csrf_token + "x", session.csrf_token.substr(1)}) {
    auto status = CheckCsrf(authenticated, bad);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(status.error().reason, "csrf_mismatch");
  }
}

TEST_F(SessionsTest, WrongPasswordAndUnknownAccountLookTheSame) {
  auto wrong = Login(*db_, throttle_, "camille@fr.example", "not the password", "192.0.2.1", now_);
  auto unknown = Login(*db_, throttle_, "nobody@fr.example", kPassword, "192.0.2.2", now_);
  ASSERT_FALSE(wrong.has_value());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(unknown.error().code, wrong.error().code);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_F(SessionsTest, AccountsWithoutPasswordOrDisabledCannotSignIn) {
  MakeAccount(fr_, "nopass@fr.example", {Role::kAnalyst});
  EXPECT_EQ(Login(*db_, throttle_, "nopass@fr.example", kPassword, "192.0.2.1", now_).error().code,
            ErrorCode::kUnauthenticated);
  auto session = *Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_);
  ASSERT_TRUE(store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                return tx.Execute("UPDATE accounts SET disabled = 1 WHERE id = ?", {account_.id});
              }).has_value());
  EXPECT_EQ(Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(AuthenticateSession(*db_, session.secret, now_).error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(SessionsTest, ThrottlesRepeatedFailuresEvenWithTheRightPassword) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login(*db_, throttle_, "camille@fr.example", "wrong password!", "192.0.2.1", now_)
                  .error()
                  .code,
              ErrorCode::kUnauthenticated);
  }
  auto refused = Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.9", now_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(refused.error().reason, "login_throttled");
  EXPECT_TRUE(
      Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.9", now_ + minutes(16))
          .has_value());
}

TEST_F(SessionsTest, ExpiresAndLogsOut) {
  auto session =
      *Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_, hours(1));
  EXPECT_TRUE(AuthenticateSession(*db_, session.secret, now_ + minutes(59)).has_value());
  EXPECT_FALSE(AuthenticateSession(*db_, session.secret, now_ + hours(1)).has_value());

  auto second = *Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_);
  ASSERT_TRUE(Logout(*db_, second.secret, now_).has_value());
  EXPECT_EQ(AuthenticateSession(*db_, second.secret, now_).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(AuditEntries().back().action, "session.revoke");
  EXPECT_TRUE(Logout(*db_, second.secret, now_).has_value());
  EXPECT_TRUE(Logout(*db_, "unknown", now_).has_value());
  EXPECT_FALSE(AuthenticateSession(*db_, "", now_).has_value());
}

TEST_F(SessionsTest, ANewPasswordEndsExistingSessions) {
  auto session = *Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_);
  auto me = PrincipalOf(account_);
  ASSERT_TRUE(SetPassword(*db_, me, account_.id, "another long password", now_).has_value());
  EXPECT_FALSE(AuthenticateSession(*db_, session.secret, now_).has_value());
  EXPECT_FALSE(
      Login(*db_, throttle_, "camille@fr.example", kPassword, "192.0.2.1", now_).has_value());
  EXPECT_TRUE(
      Login(*db_, throttle_, "camille@fr.example", "another long password", "192.0.2.1", now_)
          .has_value());
}

}  // namespace
}  // namespace liaison::security
