#include "store/generation_watch.hpp"

#include "core/log.hpp"

namespace liaison::store {

GenerationWatch::GenerationWatch(Database& db, const std::string& url, std::string channel,
                                 std::string table, std::string what)
    : db_(db), table_(std::move(table)) {
  NotificationHandlers handlers;
  handlers.listening = [this, what] {
    // Whatever was committed before the subscription took effect was not notified: read it
    // again.
    notifications_.fetch_add(1, std::memory_order_acq_rel);
    connections_.fetch_add(1, std::memory_order_relaxed);
    listening_.store(true, std::memory_order_release);
    LogInfo("listening for " + what + " changes on the database");
  };
  handlers.notified = [this](std::string_view) {
    notifications_.fetch_add(1, std::memory_order_acq_rel);
  };
  handlers.lost = [this, what](const Error& error) {
    listening_.store(false, std::memory_order_release);
    LogWarn("not listening for " + what + " changes (" + error.message + "); reading the " +
            what + " generation on every request until it is back");
  };
  auto subscription = Listen(url, channel, std::move(handlers));
  if (subscription.has_value()) {
    subscription_ = std::move(*subscription);
  } else {
    LogWarn("cannot listen for " + what + " changes: " + subscription.error().message);
  }
}

GenerationWatch::~GenerationWatch() { subscription_.reset(); }

std::uint64_t GenerationWatch::Epoch() const {
  // Both counters only grow, so the sum is unchanged only when neither moved.
  return notifications_.load(std::memory_order_acquire) + LocalWriteCommits();
}

void GenerationWatch::CountRead() { reads_.fetch_add(1, std::memory_order_relaxed); }

std::optional<std::int64_t> GenerationWatch::KnownAt(std::uint64_t epoch,
                                                     std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (known_ && known_epoch_ == epoch && now - known_at_ < kGenerationMaxTrust) {
    return known_value_;
  }
  return std::nullopt;
}

std::optional<std::int64_t> GenerationWatch::Known() {
  if (!listening()) return std::nullopt;
  return KnownAt(Epoch(), std::chrono::steady_clock::now());
}

Result<std::int64_t> GenerationWatch::Current() {
  if (!listening()) {
    CountRead();
    return ReadGeneration(db_, table_);
  }
  // The epoch is taken before the read: a change during the read moves it, and the next call
  // reads again.
  const std::uint64_t epoch = Epoch();
  const auto now = std::chrono::steady_clock::now();
  if (std::optional<std::int64_t> known = KnownAt(epoch, now)) return *known;
  CountRead();
  ASSIGN_OR_RETURN(std::int64_t value, ReadGeneration(db_, table_));
  std::lock_guard lock(mu_);
  if (!known_ || epoch > known_epoch_ || (epoch == known_epoch_ && now >= known_at_)) {
    known_ = true;
    known_epoch_ = epoch;
    known_value_ = value;
    known_at_ = now;
  }
  return value;
}

Result<std::int64_t> ReadGeneration(Transaction& tx, std::string_view table) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT value FROM " + std::string(table) + " WHERE id = 1"));
  if (rows.empty()) return Error::Internal("the " + std::string(table) + " row is missing");
  return rows[0].Int(0);
}

Result<std::int64_t> ReadGeneration(Database& db, std::string_view table) {
  return InTransaction(db, TxMode::kRead,
                       [&](Transaction& tx) { return ReadGeneration(tx, table); });
}

}  // namespace liaison::store
