#include "directory/directory_test_support.hpp"

#include <unistd.h>

#include "directory/migrations.hpp"
#include "notify/outbox.hpp"
#include "security/accounts.hpp"
#include "security/migrations.hpp"
#include "security/passwords.hpp"
#include "store/migrations.hpp"

namespace liaison::directory::testing {
namespace {

void RemoveFiles(const std::filesystem::path& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

}  // namespace

void DirectoryTest::SetUp() {
  security::SetPasswordHashCost(security::PasswordHashCost::kMinimum);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  path_ = std::filesystem::temp_directory_path() /
          ("liaison-directory-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
           info->name() + ".db");
  RemoveFiles(path_);
  auto db = store::Open("sqlite://" + path_.string(), 3);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  db_ = std::move(*db);
  std::vector<store::Migration> migrations = audit::Migrations();
  for (auto& m : security::Migrations()) migrations.push_back(std::move(m));
  for (auto& m : notify::Migrations()) migrations.push_back(std::move(m));
  for (auto& m : directory::Migrations()) migrations.push_back(std::move(m));
  auto applied = store::ApplyMigrations(*db_, migrations, Now());
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
}

void DirectoryTest::TearDown() {
  db_.reset();
  RemoveFiles(path_);
}

security::Organization DirectoryTest::MakeOrg(const std::string& name, const std::string& state,
                                              security::OrgKind kind,
                                              security::OrgCategory category) {
  security::OrganizationInput input;
  input.name = name;
  input.category = category;
  input.kind = kind;
  input.state = state;
  auto org = security::CreateOrganization(*db_, system_, input, Now());
  EXPECT_TRUE(org.has_value()) << org.error().message;
  return org.value_or(security::Organization{});
}

security::Principal DirectoryTest::MakeAccount(const security::Organization& org,
                                               const std::string& email,
                                               std::set<security::Role> roles) {
  security::AccountInput input;
  input.organization_id = org.id;
  input.email = email;
  input.display_name = email.substr(0, email.find('@'));
  input.roles = std::move(roles);
  auto account = security::CreateAccount(*db_, system_, input, Now());
  EXPECT_TRUE(account.has_value()) << account.error().message;
  if (!account.has_value()) return {};
  auto tx = db_->Begin(store::TxMode::kRead);
  EXPECT_TRUE(tx.has_value());
  auto principal = security::LoadPrincipal(**tx, account->id);
  EXPECT_TRUE(principal.has_value() && principal->has_value());
  return principal.has_value() && principal->has_value() ? **principal : security::Principal{};
}

ContactInput DirectoryTest::ValidInput(const security::Organization& org, const std::string& name) {
  ContactInput input;
  input.organization_id = org.id;
  input.level = ContactLevel::kTechnical;
  input.name = name;
  input.title = "Duty officer";
  input.emails = {"cert@fr.demo.test"};
  input.phones = {"+33123456789"};
  input.languages = {"fr", "en"};
  input.time_zone = "Europe/Paris";
  for (int day = 0; day < 5; ++day) input.working_hours[day] = {"09:00-17:00"};
  input.preferred_channels = {Channel::kEmail};
  return input;
}

PointOfContact DirectoryTest::MakeContact(const ContactInput& input) {
  auto contact = CreateContact(*db_, system_, input, Now());
  EXPECT_TRUE(contact.has_value()) << contact.error().field << ": " << contact.error().message;
  return contact.value_or(PointOfContact{});
}

std::vector<audit::AuditEntry> DirectoryTest::AuditEntries() {
  audit::AuditQuery query;
  query.limit = 1000;
  auto entries = audit::List(*db_, query);
  EXPECT_TRUE(entries.has_value());
  return entries.value_or(std::vector<audit::AuditEntry>{});
}

store::Rows DirectoryTest::Sql(const std::string& sql, const store::Params& params) {
  auto tx = db_->Begin(store::TxMode::kRead);
  EXPECT_TRUE(tx.has_value());
  if (!tx.has_value()) return {};
  auto rows = (*tx)->Query(sql, params);
  EXPECT_TRUE(rows.has_value()) << rows.error().message;
  return rows.value_or(store::Rows{});
}

}  // namespace liaison::directory::testing
