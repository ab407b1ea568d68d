// Helpers shared by the subcommands: loading the configuration and opening the database with
// errors reported to stderr.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::cli {

// Loads the configuration from `path` and the environment; prints the error and returns nullopt
// on failure.
std::optional<Config> LoadConfigOrReport(const std::string& path);

// Opens the configured database. With `require_migrated`, refuses (printing why) when
// migrations are pending. Returns nullptr after printing the error.
std::unique_ptr<store::Database> OpenDatabase(const Config& config, bool require_migrated);

// The principal of enabled account `id` (given as --as); prints why and returns nullopt when
// there is none.
std::optional<security::Principal> LoadActor(store::Database& db, const std::string& id);

// Prints "liaison: <message> (field)" to stderr.
void ReportError(const Error& error);

}  // namespace liaison::cli
