// Test fixture for the security tests: a fresh SQLite database with the audit and security
// migrations, cheap password hashing, and helpers that make organisations and accounts. Tests only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "audit/audit_log.hpp"
#include "security/accounts.hpp"
#include "security/migrations.hpp"
#include "security/organizations.hpp"
#include "security/passwords.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace liaison::security::testing {

// Waits until `done()` returns true; false after a minute. For what a background thread does
// soon (a watch's poll): no timing is asserted.
template <typename F>
bool Eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetPasswordHashCost(PasswordHashCost::kMinimum);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("liaison-security-" + std::to_string(::getpid()) + "-" + info->test_suite_name() +
             "-" + info->name() + ".db");
    RemoveFiles();
    auto db = store::Open("sqlite://" + path_.string(), 3);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    auto migrations = audit::Migrations();
    for (auto& m : Migrations()) migrations.push_back(m);
    auto applied = store::ApplyMigrations(*db_, migrations, now_);
    ASSERT_TRUE(applied.has_value()) << applied.error().message;
  }

  void TearDown() override {
    db_.reset();
    RemoveFiles();
  }

  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }

  Organization MakeOrg(const std::string& name, OrgCategory category, const std::string& state,
                       OrgKind kind = OrgKind::kForeignMinistry) {
    OrganizationInput input;
    input.name = name;
    input.category = category;
    input.state = state;
    input.kind = kind;
    auto org = CreateOrganization(*db_, Principal::System(), input, now_);
    EXPECT_TRUE(org.has_value()) << org.error().message;
    return org.value_or(Organization{});
  }

  Account MakeAccount(const Organization& org, const std::string& email, std::set<Role> roles,
                      std::optional<std::string> password = std::nullopt) {
    AccountInput input;
    input.organization_id = org.id;
    input.email = email;
    input.display_name = email.substr(0, email.find('@'));
    input.roles = std::move(roles);
    input.password = std::move(password);
    auto account = CreateAccount(*db_, Principal::System(), input, now_);
    EXPECT_TRUE(account.has_value()) << account.error().message;
    return account.value_or(Account{});
  }

  Principal PrincipalOf(const Account& account) {
    auto tx = db_->Begin(store::TxMode::kRead);
    EXPECT_TRUE(tx.has_value());
    auto p = LoadPrincipal(**tx, account.id);
    EXPECT_TRUE(p.has_value() && p->has_value());
    return p.has_value() && p->has_value() ? **p : Principal{};
  }

  std::vector<audit::AuditEntry> AuditEntries() {
    auto entries = audit::List(*db_, audit::AuditQuery{});
    EXPECT_TRUE(entries.has_value());
    return entries.value_or(std::vector<audit::AuditEntry>{});
  }

  // The whole database file (with its WAL) as bytes, to look for secrets in it.
  std::string DatabaseBytes() {
    std::string bytes;
    for (const char* suffix : {"", "-wal"}) {
      std::FILE* f = std::fopen((path_.string() + suffix).c_str(), "rb");
      if (!f) continue;
      char buffer[65536];
      std::size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.append(buffer, n);
      std::fclose(f);
    }
    return bytes;
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  TimePoint now_ = FromUnixMillis(1'767'225'600'000LL);  // 2026-01-01T00:00:00Z
};

}  // namespace liaison::security::testing
