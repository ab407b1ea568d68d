#include "store/notifications.hpp"

#include <algorithm>
#include <atomic>

#include "store/postgres/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace liaison::store {
namespace {

std::atomic<std::uint64_t> local_write_commits{0};

bool IsChannelName(std::string_view channel) {
  return !channel.empty() && channel.size() <= 63 &&
         std::all_of(channel.begin(), channel.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

}  // namespace

Result<std::unique_ptr<Subscription>> Listen(const std::string& url, std::string_view channel,
                                             NotificationHandlers handlers) {
  if (!IsChannelName(channel)) {
    return Error::InvalidArgument("a channel name is 1 to 63 lowercase letters, digits or _",
                                  "channel");
  }
  static constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    if (url.size() == kSqlite.size()) {
      return Error::InvalidArgument("the SQLite URL names no file", "database.url");
    }
    return sqlite::Listen(url.substr(kSqlite.size()), std::move(handlers));
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return postgres::Listen(url, std::string(channel), std::move(handlers));
  }
  return Error::InvalidArgument("expected a sqlite:// or postgresql:// URL", "database.url",
                                "unsupported_database");
}

std::uint64_t LocalWriteCommits() { return local_write_commits.load(std::memory_order_acquire); }

void CountLocalWriteCommit() { local_write_commits.fetch_add(1, std::memory_order_release); }

}  // namespace liaison::store
