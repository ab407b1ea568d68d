#include "store/database.hpp"

#include "store/postgres/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace liaison::store {

std::int64_t Value::as_int() const {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  if (const auto* d = std::get_if<double>(&v_)) return static_cast<std::int64_t>(*d);
  return 0;
}

double Value::as_real() const {
  if (const auto* d = std::get_if<double>(&v_)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  return 0;
}

const std::string& Value::as_text() const {
  static const std::string kEmpty;
  if (const auto* s = std::get_if<std::string>(&v_)) return *s;
  if (const auto* b = std::get_if<BlobBytes>(&v_)) return b->bytes;
  return kEmpty;
}

std::optional<std::string> Row::OptText(std::size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

std::optional<std::int64_t> Row::OptInt(std::size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size,
                                       std::chrono::milliseconds pool_wait) {
  static constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) return Error::InvalidArgument("the SQLite URL names no file", "database.url");
    return sqlite::SqliteDatabase::Open(path, pool_size, pool_wait);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return postgres::Open(url, pool_size, pool_wait);
  }
  return Error::InvalidArgument("expected a sqlite:// or postgresql:// URL", "database.url",
                                "unsupported_database");
}

}  // namespace liaison::store
