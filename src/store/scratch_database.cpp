#include "store/scratch_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

namespace liaison::store::testing {
namespace {

// Runs one statement outside any transaction (CREATE/DROP DATABASE refuse to run in one).
Status RunOnServer(const std::string& server_url, const std::string& sql) {
  PGconn* conn = PQconnectdb(server_url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  if (!error.empty()) return Error::Unavailable(sql + ": " + error);
  return OkStatus();
}

// `server_url` with its database name replaced by `name`.
std::string WithDatabase(const std::string& server_url, const std::string& name) {
  std::size_t query = server_url.find('?');
  std::string base = server_url.substr(0, query);
  std::string rest = query == std::string::npos ? "" : server_url.substr(query);
  std::size_t authority = base.find("://");
  std::size_t slash = base.find('/', authority == std::string::npos ? 0 : authority + 3);
  if (slash != std::string::npos) base.resize(slash);
  return base + "/" + name + rest;
}

std::string RandomSuffix() {
  std::random_device device;
  std::uniform_int_distribution<std::uint64_t> pick;
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(pick(device)));
  return buffer;
}

std::string SafeLabel(const std::string& label) {
  std::string out;
  for (char c : label) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(c)));
    if (out.size() == 24) break;
  }
  return out;
}

}  // namespace

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

std::optional<std::string> PostgresTestServerUrl() {
  if (const char* url = std::getenv("LIAISON_TEST_POSTGRES_URL"); url && *url) return url;
  if (const char* file = std::getenv("LIAISON_TEST_POSTGRES_URL_FILE"); file && *file) {
    std::ifstream in(file);
    std::string url;
    if (in >> url && !url.empty()) return url;
  }
  return std::nullopt;
}

Result<ScratchDatabase> ScratchDatabase::Create(Backend backend, const std::string& label) {
  ScratchDatabase scratch;
  scratch.backend_ = backend;
  if (backend == Backend::kSqlite) {
    scratch.name_ = (std::filesystem::temp_directory_path() /
                     ("liaison-" + SafeLabel(label) + "-" + std::to_string(::getpid()) + "-" +
                      RandomSuffix() + ".db"))
                        .string();
    scratch.url_ = "sqlite://" + scratch.name_;
    scratch.owned_ = true;
    return scratch;
  }
  auto server = PostgresTestServerUrl();
  if (!server) return Error::Unavailable("no PostgreSQL test server (LIAISON_TEST_POSTGRES_URL)");
  scratch.server_url_ = *server;
  scratch.name_ = "t_" + SafeLabel(label) + "_" + RandomSuffix();
  RETURN_IF_ERROR(RunOnServer(scratch.server_url_, "CREATE DATABASE " + scratch.name_));
  scratch.url_ = WithDatabase(scratch.server_url_, scratch.name_);
  scratch.owned_ = true;
  return scratch;
}

ScratchDatabase::ScratchDatabase(ScratchDatabase&& other) noexcept
    : backend_(other.backend_),
      url_(std::move(other.url_)),
      server_url_(std::move(other.server_url_)),
      name_(std::move(other.name_)),
      owned_(other.owned_) {
  other.owned_ = false;
}

ScratchDatabase::~ScratchDatabase() {
  if (!owned_) return;
  if (backend_ == Backend::kSqlite) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(name_ + suffix);
    return;
  }
  (void)RunOnServer(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace liaison::store::testing
