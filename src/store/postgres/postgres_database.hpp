// The PostgreSQL backend, through libpq: a pool of connections to one database, each with its
// own cache of prepared statements. Write transactions are serialised across every process that
// shares the database by one transaction-scoped advisory lock taken first thing, so that the
// store's promise "serialised with every other write transaction" (and with it the single audit
// hash chain) holds across servers; reads run in parallel on REPEATABLE READ snapshots.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/database.hpp"
#include "store/notifications.hpp"

namespace liaison::store::postgres {

// Opens a pool of at most `pool_size` connections to the database at `url` (libpq URI syntax).
// Connects once to check that the database answers: unavailable (with the host, port and
// database name, never the password) when it does not.
Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size,
                                       std::chrono::milliseconds pool_wait);

// Listens on `channel` (a valid channel name) of the database at `url` (store::Listen).
Result<std::unique_ptr<Subscription>> Listen(const std::string& url, const std::string& channel,
                                             NotificationHandlers handlers);

}  // namespace liaison::store::postgres
