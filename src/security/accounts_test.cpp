#include "security/accounts.hpp"

#include <gtest/gtest.h>

#include "security/test_support.hpp"

namespace liaison::security {
namespace {

class AccountsTest : public testing::SecurityTest {
 protected:
  void SetUp() override {
    SecurityTest::SetUp();
    secretariat_ = MakeOrg("Secretariat", OrgCategory::kSecretariat, "");
    fr_ = MakeOrg("MFA", OrgCategory::kState, "FR");
    de_ = MakeOrg("AA", OrgCategory::kState, "DE");
    op_ = PrincipalOf(MakeAccount(secretariat_, "op@un.example", {Role::kOperator}));
    fr_policy_ = PrincipalOf(MakeAccount(fr_, "pol@fr.example", {Role::kPolicy}));
  }

  AccountInput Input(const Organization& org, std::string email) {
    AccountInput input;
    input.organization_id = org.id;
    input.email = std::move(email);
    input.display_name = "Camille Martin";
    input.roles = {Role::kTechnical};
    input.password = "correct horse battery";
    input.language = "fr";
    input.time_zone = "Europe/Paris";
    return input;
  }

  Organization secretariat_, fr_, de_;
  Principal op_, fr_policy_;
};

TEST_F(AccountsTest, CreatesWithAnArgon2idHashAndAudits) {
  auto account = CreateAccount(*db_, fr_policy_, Input(fr_, "Camille@Fr.Example"), now_);
  ASSERT_TRUE(account.has_value()) << account.error().message;
  EXPECT_EQ(account->id.rfind("acc_", 0), 0u);
  EXPECT_EQ(account->email, "Camille@Fr.Example");
  EXPECT_TRUE(account->has_password);
  EXPECT_EQ(account->roles, std::set<Role>{Role::kTechnical});
  EXPECT_EQ(account->language, "fr");

  auto tx = *db_->Begin(store::TxMode::kRead);
  auto rows = *tx->Query("SELECT password_hash, roles FROM accounts WHERE id = ?", {account->id});
  EXPECT_EQ(rows[0].Text(0).rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(rows[0].Text(1), "technical");
  tx.reset();
  EXPECT_EQ(DatabaseBytes().find("correct horse battery"), std::string::npos);

  auto entries = AuditEntries();
  EXPECT_EQ(entries.back().action, "account.create");
  EXPECT_EQ(entries.back().record_id, account->id);
  EXPECT_EQ(entries.back().owner_organization_id, fr_.id);
  EXPECT_EQ(entries.back().account_id, fr_policy_.account_id);
}

TEST_F(AccountsTest, FindsEnabledAccountsHoldingARole) {
  MakeAccount(secretariat_, "op2@un.example", {Role::kOperator, Role::kObserver});
  MakeAccount(fr_, "tech@fr.example", {Role::kTechnical});
  auto tx = *db_->Begin(store::TxMode::kRead);
  auto operators = FindAccountsWithRole(*tx, Role::kOperator);
  ASSERT_TRUE(operators.has_value()) << operators.error().message;
  std::set<std::string> emails;
  for (const auto& a : *operators) emails.insert(a.email);
  EXPECT_EQ(emails, (std::set<std::string>{"op@un.example", "op2@un.example"}));
  auto law = FindAccountsWithRole(*tx, Role::kLawEnforcement);
  ASSERT_TRUE(law.has_value());
  EXPECT_TRUE(law->empty());
}

TEST_F(AccountsTest, EmailIsUniqueWhateverItsCase) {
  ASSERT_TRUE(CreateAccount(*db_, op_, Input(fr_, "camille@fr.example"), now_).has_value());
  auto again = CreateAccount(*db_, op_, Input(de_, "CAMILLE@FR.EXAMPLE"), now_);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().field, "email");
}

TEST_F(AccountsTest, RejectsInvalidInputNamingTheField) {
  struct Case {
    const char* what;
    AccountInput input;
    const char* field;
  };
  auto base = Input(fr_, "a@fr.example");
  auto bad_email = base;
  bad_email.email = "not an address";
  auto two_ats = base;
  two_ats.email = "a@b@fr.example";
  auto no_dot = base;
  no_dot.email = "a@localhost";
  auto no_name = base;
  no_name.display_name = "";
  auto no_roles = base;
  no_roles.roles = {};
  auto language = base;
  language.language = "de";
  auto zone = base;
  zone.time_zone = "Mars/Olympus_Mons";
  auto short_password = base;
  short_password.password = "elevenchars";
  auto unknown_org = base;
  unknown_org.organization_id = "org_nope";
  auto operator_outside = base;
  operator_outside.roles = {Role::kOperator};
  const Case cases[] = {
      {"bad email", bad_email, "email"},
      {"two @", two_ats, "email"},
      {"no dot in domain", no_dot, "email"},
      {"no display name", no_name, "display_name"},
      {"no roles", no_roles, "roles"},
      {"language outside the six", language, "language"},
      {"unknown time zone", zone, "time_zone"},
      {"short password", short_password, "password"},
      {"unknown organisation", unknown_org, "organization_id"},
      {"operator outside the secretariat", operator_outside, "roles"},
  };
  for (const auto& c : cases) {
    auto account = CreateAccount(*db_, op_, c.input, now_);
    ASSERT_FALSE(account.has_value()) << c.what;
    EXPECT_EQ(account.error().code, ErrorCode::kInvalidArgument) << c.what;
    EXPECT_EQ(account.error().field, c.field) << c.what;
  }
  auto twelve = base;
  twelve.password = "twelve chars";
  EXPECT_TRUE(CreateAccount(*db_, op_, twelve, now_).has_value());
  auto no_password = Input(fr_, "b@fr.example");
  no_password.password.reset();
  auto created = CreateAccount(*db_, op_, no_password, now_);
  ASSERT_TRUE(created.has_value());
  EXPECT_FALSE(created->has_password);
}

TEST_F(AccountsTest, PolicyAccountsCreateOnlyInTheirOwnOrganisation) {
  EXPECT_EQ(CreateAccount(*db_, fr_policy_, Input(de_, "x@de.example"), now_).error().code,
            ErrorCode::kPermissionDenied);
  auto fr_tech = PrincipalOf(MakeAccount(fr_, "tech@fr.example", {Role::kTechnical}));
  EXPECT_EQ(CreateAccount(*db_, fr_tech, Input(fr_, "y@fr.example"), now_).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(CreateAccount(*db_, Principal{}, Input(fr_, "z@fr.example"), now_).error().code,
            ErrorCode::kUnauthenticated);
  auto grant_operator = Input(secretariat_, "op2@un.example");
  grant_operator.roles = {Role::kOperator};
  Principal secretariat_policy =
      PrincipalOf(MakeAccount(secretariat_, "pol@un.example", {Role::kPolicy}));
  EXPECT_EQ(CreateAccount(*db_, secretariat_policy, grant_operator, now_).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(CreateAccount(*db_, op_, grant_operator, now_).has_value());
}

TEST_F(AccountsTest, ReadsFollowThePolicy) {
  auto colleague = MakeAccount(fr_, "colleague@fr.example", {Role::kAnalyst});
  auto german = PrincipalOf(MakeAccount(de_, "obs@de.example", {Role::kObserver}));
  EXPECT_EQ(GetAccount(*db_, fr_policy_, colleague.id)->email, "colleague@fr.example");
  EXPECT_EQ(GetAccount(*db_, op_, colleague.id)->id, colleague.id);
  EXPECT_EQ(GetAccount(*db_, german, colleague.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(GetAccount(*db_, german, "acc_nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(GetAccount(*db_, Principal{}, colleague.id).error().code, ErrorCode::kUnauthenticated);

  EXPECT_EQ(ListAccounts(*db_, fr_policy_, fr_.id)->size(), 2u);
  EXPECT_EQ(ListAccounts(*db_, op_, fr_.id)->size(), 2u);
  EXPECT_TRUE(ListAccounts(*db_, german, fr_.id)->empty());
}

TEST_F(AccountsTest, SetsPasswordsForSelfAndForAdministrators) {
  auto tech_account = MakeAccount(fr_, "tech@fr.example", {Role::kTechnical});
  auto tech = PrincipalOf(tech_account);
  auto other_tech = PrincipalOf(MakeAccount(fr_, "tech2@fr.example", {Role::kTechnical}));
  auto german = PrincipalOf(MakeAccount(de_, "pol@de.example", {Role::kPolicy}));

  EXPECT_TRUE(SetPassword(*db_, tech, tech.account_id, "a long new password", now_).has_value());
  EXPECT_TRUE(GetAccount(*db_, tech, tech.account_id)->has_password);
  EXPECT_EQ(GetAccount(*db_, tech, tech.account_id)->version, 2);
  EXPECT_TRUE(
      SetPassword(*db_, fr_policy_, tech.account_id, "set by the policy", now_).has_value());
  EXPECT_TRUE(SetPassword(*db_, op_, tech.account_id, "set by an operator", now_).has_value());
  EXPECT_EQ(SetPassword(*db_, other_tech, tech.account_id, "not my account", now_).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(SetPassword(*db_, german, tech.account_id, "not my account", now_).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(SetPassword(*db_, tech, tech.account_id, "short", now_).error().field, "password");
  EXPECT_EQ(AuditEntries().back().action, "account.set_password");
  EXPECT_EQ(DatabaseBytes().find("set by an operator"), std::string::npos);
}

TEST_F(AccountsTest, LoadsThePrincipalOfAnEnabledAccount) {
  auto p = fr_policy_;
  EXPECT_EQ(p.organization_id, fr_.id);
  EXPECT_EQ(p.org_category, OrgCategory::kState);
  EXPECT_EQ(p.state, "FR");
  EXPECT_TRUE(p.HasRole(Role::kPolicy));
  EXPECT_EQ(op_.org_category, OrgCategory::kSecretariat);
  EXPECT_EQ(op_.state, "");
  ASSERT_TRUE(store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                return tx.Execute("UPDATE accounts SET disabled = 1 WHERE id = ?", {p.account_id});
              }).has_value());
  auto tx = *db_->Begin(store::TxMode::kRead);
  EXPECT_FALSE(LoadPrincipal(*tx, p.account_id)->has_value());
  EXPECT_FALSE(LoadPrincipal(*tx, "acc_nope")->has_value());
}

TEST(Roles, ParseAndFormat) {
  auto roles = ParseRoles({"technical", "policy"});
  ASSERT_TRUE(roles.has_value());
  EXPECT_EQ(RolesText(*roles), "policy,technical");
  auto bad = ParseRoles({"policy", "root"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "roles");
  EXPECT_EQ(bad.error().reason, "unknown_role");
}

}  // namespace
}  // namespace liaison::security
