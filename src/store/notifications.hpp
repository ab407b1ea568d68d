// What a process learns about changes made to its database by others: notifications that any
// process sharing the database sends on a channel (PostgreSQL's LISTEN/NOTIFY), and a count of
// the write transactions this process committed itself (so that it can read its own writes
// before any notification of them arrives).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::store {

// What a subscription reports. The handlers run on the subscription's own thread, one at a
// time, and must not block for long.
struct NotificationHandlers {
  // The subscription listens (again): every notification committed from now on is reported.
  // Called once the connection is set up, and again after each re-connection. Notifications sent
  // while it was not listening are lost: whatever the caller derives from them must be re-read.
  std::function<void()> listening;
  // A notification on the channel, with its payload, in commit order.
  std::function<void(std::string_view payload)> notified;
  // The listening connection failed or could not be set up: notifications may be missed until
  // `listening` is called again. Called once per outage.
  std::function<void(const Error&)> lost;
};

// A subscription to a notification channel. Destroying it stops it: once the destructor
// returns, no handler runs any more.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

// Reports the notifications sent on `channel` (1 to 63 lowercase letters, digits or '_') by any
// process using the database at `url` (as store::Open takes it), on a connection of its own that
// is re-established after a loss (at once, then with a back-off up to 5 s). A connection that
// stops answering without being closed (a network partition) counts as lost after 5 to 10 s
// (a heartbeat query every 5 s of silence). SQLite has no notifications: there the subscription
// polls the file's PRAGMA data_version every 100 ms (sqlite::kDataVersionPollInterval) and
// reports every commit by any other connection, of this process or another, as a notification
// on every channel, with an empty payload (so a change is reported at most 100 ms after its
// commit, and more often than on PostgreSQL). invalid_argument for a bad channel or URL.
Result<std::unique_ptr<Subscription>> Listen(const std::string& url, std::string_view channel,
                                             NotificationHandlers handlers);

// How many write transactions this process has committed, on any database, since it started,
// counting those whose outcome a lost connection made unknown. Grows before Commit() returns.
std::uint64_t LocalWriteCommits();

// Called by the backends when a write transaction committed (or may have).
void CountLocalWriteCommit();

}  // namespace liaison::store
