#include "directory/generation_watch.hpp"

#include "core/log.hpp"

namespace liaison::directory {
namespace {

std::atomic<GenerationWatch*> active_watch{nullptr};

}  // namespace

GenerationWatch::GenerationWatch(store::Database& db, const std::string& url) : db_(db) {
  store::NotificationHandlers handlers;
  handlers.listening = [this] {
    // Whatever was committed before LISTEN took effect was not notified: read it again.
    notifications_.fetch_add(1, std::memory_order_acq_rel);
    connections_.fetch_add(1, std::memory_order_relaxed);
    listening_.store(true, std::memory_order_release);
    LogInfo("listening for directory changes on the database");
  };
  handlers.notified = [this](std::string_view) {
    notifications_.fetch_add(1, std::memory_order_acq_rel);
  };
  handlers.lost = [this](const Error& error) {
    listening_.store(false, std::memory_order_release);
    LogWarn("not listening for directory changes (" + error.message +
            "); reading the directory generation on every request until it is back");
  };
  auto subscription = store::Listen(url, kDirectoryChannel, std::move(handlers));
  if (subscription.has_value()) {
    subscription_ = std::move(*subscription);
  } else if (subscription.error().reason != "not_supported") {
    LogWarn("cannot listen for directory changes: " + subscription.error().message);
  }
  GenerationWatch* none = nullptr;
  registered_ = active_watch.compare_exchange_strong(none, this, std::memory_order_acq_rel);
}

GenerationWatch::~GenerationWatch() {
  subscription_.reset();
  if (registered_) active_watch.store(nullptr, std::memory_order_release);
}

GenerationWatch* GenerationWatch::For(const store::Database& db) {
  GenerationWatch* watch = active_watch.load(std::memory_order_acquire);
  return watch != nullptr && &watch->db_ == &db ? watch : nullptr;
}

GenerationWatch* GenerationWatch::Active() { return active_watch.load(std::memory_order_acquire); }

std::uint64_t GenerationWatch::Epoch() const {
  // Both counters only grow, so the sum is unchanged only when neither moved.
  return notifications_.load(std::memory_order_acquire) + store::LocalWriteCommits();
}

void GenerationWatch::CountRead() { reads_.fetch_add(1, std::memory_order_relaxed); }

Result<std::int64_t> GenerationWatch::Read() {
  CountRead();
  return ReadDirectoryGeneration(db_);
}

Result<std::int64_t> GenerationWatch::Current() {
  if (!listening()) return Read();
  // The epoch is taken before the read: a change during the read moves it, and the next call
  // reads again.
  const std::uint64_t epoch = Epoch();
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (known_ && known_epoch_ == epoch && now - known_at_ < kGenerationMaxTrust) {
      return known_value_;
    }
  }
  ASSIGN_OR_RETURN(std::int64_t value, Read());
  std::lock_guard lock(mu_);
  if (!known_ || epoch > known_epoch_ || (epoch == known_epoch_ && now >= known_at_)) {
    known_ = true;
    known_epoch_ = epoch;
    known_value_ = value;
    known_at_ = now;
  }
  return value;
}

Result<std::int64_t> ReadDirectoryGeneration(store::Transaction& tx) {
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT value FROM directory_generation WHERE id = 1"));
  if (rows.empty()) return Error::Internal("the directory generation row is missing");
  return rows[0].Int(0);
}

Result<std::int64_t> ReadDirectoryGeneration(store::Database& db) {
  return store::InTransaction(db, store::TxMode::kRead,
                              [](store::Transaction& tx) { return ReadDirectoryGeneration(tx); });
}

}  // namespace liaison::directory
