// Test fixture for the directory tests: a fresh SQLite database per test with the audit,
// security, notify and directory migrations, a manual clock, and helpers that make organisations,
// accounts and contacts. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "audit/audit_log.hpp"
#include "core/time.hpp"
#include "directory/contacts.hpp"
#include "security/organizations.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::directory::testing {

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // An organisation made by the system principal.
  security::Organization MakeOrg(const std::string& name, const std::string& state,
                                 security::OrgKind kind = security::OrgKind::kNationalCert,
                                 security::OrgCategory category = security::OrgCategory::kState);
  // An account of `org` with `roles`, as the principal it signs in as.
  security::Principal MakeAccount(const security::Organization& org, const std::string& email,
                                  std::set<security::Role> roles);
  // A valid contact input for `org`: technical, one e-mail, French and English, Europe/Paris,
  // weekdays 09:00-17:00.
  ContactInput ValidInput(const security::Organization& org,
                          const std::string& name = "Camille Martin");
  // Creates a contact as the system principal; fails the test on error.
  PointOfContact MakeContact(const ContactInput& input);
  // Every audit entry, in order.
  std::vector<audit::AuditEntry> AuditEntries();
  // Runs a read query directly (for checking what other modules stored, e.g. the outbox).
  store::Rows Sql(const std::string& sql, const store::Params& params = {});
  TimePoint Now() const { return clock_.Now(); }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  ManualClock clock_{FromUnixMillis(1'767'225'600'000LL)};  // 2026-01-01T00:00:00Z, a Thursday.
  security::Principal system_ = security::Principal::System();
};

}  // namespace liaison::directory::testing
