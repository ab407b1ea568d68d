#include "security/organizations.hpp"

#include <gtest/gtest.h>

#include "security/test_support.hpp"

namespace liaison::security {
namespace {

class OrganizationsTest : public testing::SecurityTest {
 protected:
  OrganizationInput FranceMfa() {
    OrganizationInput input;
    input.name = "Ministère de l'Europe et des Affaires étrangères";
    input.category = OrgCategory::kState;
    input.kind = OrgKind::kForeignMinistry;
    input.state = "fr";
    input.website = "https://www.diplomatie.gouv.fr";
    return input;
  }
};

TEST_F(OrganizationsTest, CreatesAStateOrganisationAndAuditsIt) {
  auto org = CreateOrganization(*db_, Principal::System(), FranceMfa(), now_);
  ASSERT_TRUE(org.has_value()) << org.error().message;
  EXPECT_EQ(org->id.rfind("org_", 0), 0u);
  EXPECT_EQ(org->state, "FR");
  EXPECT_EQ(org->version, 1);
  auto entries = AuditEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "organization.create");
  EXPECT_EQ(entries[0].record_id, org->id);
  EXPECT_EQ(entries[0].owner_organization_id, org->id);
  EXPECT_EQ(entries[0].account_id, "system");
  EXPECT_EQ(entries[0].before_digest, "");
  EXPECT_EQ(entries[0].after_digest.size(), 64u);
  EXPECT_TRUE(audit::Verify(*db_)->ok);
}

TEST_F(OrganizationsTest, RejectsInvalidInputNamingTheField) {
  struct Case {
    const char* what;
    OrganizationInput input;
    const char* field;
    const char* reason;
  };
  auto base = FranceMfa();
  auto empty_name = base;
  empty_name.name = "  ";
  auto no_state = base;
  no_state.state = "";
  auto unknown_state = base;
  unknown_state.state = "XX";
  auto not_participating = base;
  not_participating.state = "AQ";  // Antarctica: an ISO code, not a state.
  auto non_state_with_state = base;
  non_state_with_state.category = OrgCategory::kNonState;
  auto secretariat_with_state = base;
  secretariat_with_state.category = OrgCategory::kSecretariat;
  auto bad_website = base;
  bad_website.website = "javascript:alert(1)";
  auto control_name = base;
  control_name.name = "a\x01b";
  const Case cases[] = {
      {"empty name", empty_name, "name", "required"},
      {"state org without state", no_state, "state", "required"},
      {"unknown state", unknown_state, "state", "unknown_state"},
      {"territory, not a state", not_participating, "state", "unknown_state"},
      {"non-state with a state", non_state_with_state, "state", "state_not_allowed"},
      {"secretariat with a state", secretariat_with_state, "state", "state_not_allowed"},
      {"bad website", bad_website, "website", "invalid_url"},
      {"control character", control_name, "name", nullptr},
  };
  for (const auto& c : cases) {
    auto org = CreateOrganization(*db_, Principal::System(), c.input, now_);
    ASSERT_FALSE(org.has_value()) << c.what;
    EXPECT_EQ(org.error().code, ErrorCode::kInvalidArgument) << c.what;
    EXPECT_EQ(org.error().field, c.field) << c.what;
    if (c.reason) {
      EXPECT_EQ(org.error().reason, c.reason) << c.what;
    }
  }
  EXPECT_TRUE(AuditEntries().empty());
}

TEST_F(OrganizationsTest, OnlyOperatorsCreate) {
  auto secretariat = MakeOrg("Secretariat", OrgCategory::kSecretariat, "");
  auto fr = MakeOrg("MFA", OrgCategory::kState, "FR");
  auto op = PrincipalOf(MakeAccount(secretariat, "op@un.example", {Role::kOperator}));
  auto policy = PrincipalOf(MakeAccount(fr, "pol@fr.example", {Role::kPolicy}));
  EXPECT_TRUE(CreateOrganization(*db_, op, FranceMfa(), now_).has_value());
  EXPECT_EQ(CreateOrganization(*db_, policy, FranceMfa(), now_).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(CreateOrganization(*db_, Principal{}, FranceMfa(), now_).error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(OrganizationsTest, UpdatesWithTheCurrentVersionAndAuditsBeforeAndAfter) {
  auto org = MakeOrg("MFA", OrgCategory::kState, "FR");
  auto policy = PrincipalOf(MakeAccount(org, "pol@fr.example", {Role::kPolicy}));
  auto input = FranceMfa();
  input.name = "Ministry for Europe and Foreign Affairs";
  auto later = now_ + std::chrono::minutes(5);
  auto updated = UpdateOrganization(*db_, policy, org.id, input, 1, later);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->name, input.name);
  EXPECT_EQ(updated->updated_at, later);
  EXPECT_EQ(updated->created_at, now_);
  EXPECT_EQ(updated->state, "FR");

  auto entries = AuditEntries();
  ASSERT_EQ(entries.back().action, "organization.update");
  EXPECT_EQ(entries.back().account_id, policy.account_id);
  EXPECT_EQ(entries.back().organization_id, org.id);
  EXPECT_EQ(entries.back().before_digest.size(), 64u);
  EXPECT_NE(entries.back().before_digest, entries.back().after_digest);
  EXPECT_EQ(entries.back().at, later);

  auto reread = GetOrganization(*db_, policy, org.id);
  ASSERT_TRUE(reread.has_value());
  EXPECT_EQ(reread->name, input.name);
  EXPECT_EQ(reread->version, 2);
}

TEST_F(OrganizationsTest, RefusesAStaleVersionWithoutWritingAnything) {
  auto org = MakeOrg("MFA", OrgCategory::kState, "FR");
  const auto entries_before = AuditEntries().size();
  auto stale = UpdateOrganization(*db_, Principal::System(), org.id, FranceMfa(), 7, now_);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(stale.error().reason, "stale_version");
  EXPECT_EQ(AuditEntries().size(), entries_before);
  EXPECT_EQ(GetOrganization(*db_, Principal::System(), org.id)->version, 1);
}

TEST_F(OrganizationsTest, UpdateIsForOperatorsAndTheOrganisationsPolicyAccounts) {
  auto fr = MakeOrg("MFA", OrgCategory::kState, "FR");
  auto de = MakeOrg("AA", OrgCategory::kState, "DE");
  auto de_policy = PrincipalOf(MakeAccount(de, "pol@de.example", {Role::kPolicy}));
  auto fr_technical = PrincipalOf(MakeAccount(fr, "tech@fr.example", {Role::kTechnical}));
  EXPECT_EQ(UpdateOrganization(*db_, de_policy, fr.id, FranceMfa(), 1, now_).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(UpdateOrganization(*db_, fr_technical, fr.id, FranceMfa(), 1, now_).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(UpdateOrganization(*db_, de_policy, "org_missing", FranceMfa(), 1, now_).error().code,
            ErrorCode::kNotFound);
}

TEST_F(OrganizationsTest, AChangeAndItsAuditEntryCommitTogether) {
  // Without the audit table the audit append fails, and the organisation must not be created.
  ASSERT_TRUE(store::InTransaction(*db_, store::TxMode::kWrite, [](store::Transaction& tx) {
                return tx.Execute("DROP TABLE audit_log");
              }).has_value());
  auto org = CreateOrganization(*db_, Principal::System(), FranceMfa(), now_);
  ASSERT_FALSE(org.has_value());
  auto tx = *db_->Begin(store::TxMode::kRead);
  EXPECT_TRUE(tx->Query("SELECT id FROM organizations")->empty());
}

TEST_F(OrganizationsTest, GetsAndListsWithFiltersAndCursor) {
  auto fr1 = MakeOrg("MFA", OrgCategory::kState, "FR");
  auto fr2 = MakeOrg("ANSSI", OrgCategory::kState, "FR", OrgKind::kNationalCert);
  auto de = MakeOrg("AA", OrgCategory::kState, "DE");
  auto ngo = MakeOrg("CSIRT Foundation", OrgCategory::kNonState, "", OrgKind::kOther);
  auto reader = PrincipalOf(MakeAccount(de, "obs@de.example", {Role::kObserver}));

  EXPECT_EQ(GetOrganization(*db_, reader, fr1.id)->name, "MFA");
  EXPECT_EQ(GetOrganization(*db_, reader, "org_nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(GetOrganization(*db_, Principal{}, fr1.id).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(GetOrganization(*db_, Principal{}, "org_nope").error().code,
            ErrorCode::kUnauthenticated);

  OrganizationFilter by_state;
  by_state.state = "fr";
  EXPECT_EQ(ListOrganizations(*db_, reader, by_state)->size(), 2u);
  OrganizationFilter by_category;
  by_category.category = OrgCategory::kNonState;
  auto non_state = *ListOrganizations(*db_, reader, by_category);
  ASSERT_EQ(non_state.size(), 1u);
  EXPECT_EQ(non_state[0].id, ngo.id);
  OrganizationFilter by_kind;
  by_kind.kind = OrgKind::kNationalCert;
  EXPECT_EQ(ListOrganizations(*db_, reader, by_kind)->at(0).id, fr2.id);

  OrganizationFilter page;
  page.limit = 3;
  auto first = *ListOrganizations(*db_, reader, page);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_LT(first[0].id, first[1].id);
  page.after_id = first.back().id;
  auto rest = *ListOrganizations(*db_, reader, page);
  EXPECT_EQ(rest.size(), 1u);
  EXPECT_EQ(ListOrganizations(*db_, Principal{}, {}).error().code, ErrorCode::kUnauthenticated);
}

TEST_F(OrganizationsTest, FindsInsideATransactionWithoutPolicy) {
  auto org = MakeOrg("MFA", OrgCategory::kState, "FR");
  auto tx = *db_->Begin(store::TxMode::kRead);
  auto found = FindOrganization(*tx, org.id);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->name, "MFA");
  EXPECT_FALSE(FindOrganization(*tx, "org_nope")->has_value());
  auto r = OrganizationResource(org);
  EXPECT_EQ(r.owner_organization_id, org.id);
  EXPECT_EQ(r.owner_state, "FR");
  EXPECT_EQ(r.audience, Audience::kCommunity);
}

}  // namespace
}  // namespace liaison::security
