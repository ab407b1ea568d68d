#include "cli/common.hpp"

#include <iostream>

#include "api/app.hpp"
#include "security/accounts.hpp"
#include "store/migrations.hpp"

namespace liaison::cli {

void ReportError(const Error& error) {
  std::cerr << "liaison: " << error.message;
  if (!error.field.empty()) std::cerr << " (" << error.field << ")";
  std::cerr << "\n";
}

std::optional<security::Principal> LoadActor(store::Database& db, const std::string& id) {
  auto tx = db.Begin(store::TxMode::kRead);
  if (!tx.has_value()) {
    ReportError(tx.error());
    return std::nullopt;
  }
  auto principal = security::LoadPrincipal(**tx, id);
  if (!principal.has_value()) {
    ReportError(principal.error());
    return std::nullopt;
  }
  if (!*principal) {
    ReportError(Error::InvalidArgument("no enabled account " + id, "--as"));
    return std::nullopt;
  }
  return **principal;
}

std::optional<Config> LoadConfigOrReport(const std::string& path) {
  auto config = LoadConfig(path, ProcessEnvironment());
  if (!config.has_value()) {
    ReportError(config.error());
    return std::nullopt;
  }
  return *std::move(config);
}

std::unique_ptr<store::Database> OpenDatabase(const Config& config, bool require_migrated) {
  auto db = store::Open(config.database.url, config.database.pool_size,
                        std::chrono::seconds(config.database.pool_timeout_seconds));
  if (!db.has_value()) {
    ReportError(db.error());
    return nullptr;
  }
  auto status = (*db)->Ping();
  if (!status.has_value()) {
    ReportError(status.error());
    return nullptr;
  }
  if (require_migrated) {
    auto pending = store::PendingMigrations(**db, api::AllMigrations());
    if (!pending.has_value()) {
      ReportError(pending.error());
      return nullptr;
    }
    if (!pending->empty()) {
      std::cerr << "liaison: " << pending->size()
                << " database migrations are pending; run `liaison migrate --config …` first\n";
      return nullptr;
    }
  }
  return *std::move(db);
}

}  // namespace liaison::cli
