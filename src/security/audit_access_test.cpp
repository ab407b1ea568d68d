#include "security/audit_access.hpp"

#include <gtest/gtest.h>

#include "security/test_support.hpp"

namespace liaison::security {
namespace {

class AuditAccessTest : public testing::SecurityTest {};

TEST_F(AuditAccessTest, MembersSeeTheirOrganisationsEntriesOperatorsSeeAll) {
  auto secretariat = MakeOrg("Secretariat", OrgCategory::kSecretariat, "");
  auto fr = MakeOrg("MFA", OrgCategory::kState, "FR");
  auto de = MakeOrg("AA", OrgCategory::kState, "DE");
  auto op = PrincipalOf(MakeAccount(secretariat, "op@un.example", {Role::kOperator}));
  auto fr_policy = PrincipalOf(MakeAccount(fr, "pol@fr.example", {Role::kPolicy}));
  auto de_observer = PrincipalOf(MakeAccount(de, "obs@de.example", {Role::kObserver}));
  // The French policy account changes its own organisation: owned by FR, made by FR.
  OrganizationInput input{"MFA renamed", OrgCategory::kState, OrgKind::kForeignMinistry, "FR", ""};
  ASSERT_TRUE(UpdateOrganization(*db_, fr_policy, fr.id, input, 1, now_).has_value());

  auto all = *ListAuditEntries(*db_, op, {});
  EXPECT_EQ(all.size(), AuditEntries().size());
  auto french = *ListAuditEntries(*db_, fr_policy, {});
  ASSERT_FALSE(french.empty());
  for (const auto& e : french) {
    EXPECT_TRUE(e.owner_organization_id == fr.id || e.organization_id == fr.id);
  }
  // Asking for another organisation's entries gives only one's own.
  audit::AuditQuery theirs;
  theirs.organization_id = de.id;
  auto narrowed = *ListAuditEntries(*db_, fr_policy, theirs);
  EXPECT_EQ(narrowed.size(), french.size());
  for (const auto& e : narrowed) {
    EXPECT_TRUE(e.owner_organization_id == fr.id || e.organization_id == fr.id);
  }
  auto german = *ListAuditEntries(*db_, de_observer, {});
  ASSERT_FALSE(german.empty());
  for (const auto& e : german) {
    EXPECT_FALSE(MayReadAuditEntry(fr_policy, e) && !MayReadAuditEntry(de_observer, e));
    EXPECT_TRUE(e.owner_organization_id == de.id || e.organization_id == de.id);
  }
  EXPECT_EQ(ListAuditEntries(*db_, Principal{}, {}).error().code, ErrorCode::kUnauthenticated);
}

TEST_F(AuditAccessTest, OnlyOperatorsVerify) {
  auto secretariat = MakeOrg("Secretariat", OrgCategory::kSecretariat, "");
  auto op = PrincipalOf(MakeAccount(secretariat, "op@un.example", {Role::kOperator}));
  auto policy = PrincipalOf(MakeAccount(secretariat, "pol@un.example", {Role::kPolicy}));
  auto report = VerifyAuditLog(*db_, op);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries_checked, 3);
  EXPECT_EQ(VerifyAuditLog(*db_, policy).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(VerifyAuditLog(*db_, Principal{}).error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace liaison::security
