#include "directory/generation_watch.hpp"

#include <atomic>

namespace liaison::directory {
namespace {

constexpr const char* kGenerationTable = "directory_generation";

std::atomic<GenerationWatch*> active_watch{nullptr};

}  // namespace

GenerationWatch::GenerationWatch(store::Database& db, const std::string& url)
    : store::GenerationWatch(db, url, kDirectoryChannel, kGenerationTable, "directory") {
  GenerationWatch* none = nullptr;
  registered_ = active_watch.compare_exchange_strong(none, this, std::memory_order_acq_rel);
}

GenerationWatch::~GenerationWatch() {
  if (registered_) active_watch.store(nullptr, std::memory_order_release);
}

GenerationWatch* GenerationWatch::For(const store::Database& db) {
  GenerationWatch* watch = active_watch.load(std::memory_order_acquire);
  return watch != nullptr && &watch->db() == &db ? watch : nullptr;
}

GenerationWatch* GenerationWatch::Active() { return active_watch.load(std::memory_order_acquire); }

Result<std::int64_t> ReadDirectoryGeneration(store::Transaction& tx) {
  return store::ReadGeneration(tx, kGenerationTable);
}

Result<std::int64_t> ReadDirectoryGeneration(store::Database& db) {
  return store::ReadGeneration(db, kGenerationTable);
}

}  // namespace liaison::directory
