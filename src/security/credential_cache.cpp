#include "security/credential_cache.hpp"

#include "security/tokens.hpp"

namespace liaison::security {
namespace {

constexpr const char* kGenerationTable = "security_generation";

}  // namespace

CredentialCache::CredentialCache(store::Database& db, const std::string& url,
                                 std::size_t max_entries)
    : watch_(db, url, kSecurityChannel, kGenerationTable, "credential"),
      max_entries_(max_entries) {}

std::optional<Principal> CredentialCache::Find(const std::string& hash, TimePoint now) {
  Result<std::int64_t> generation = watch_.Current();
  return FindAt(hash, now,
                generation.has_value() ? std::optional<std::int64_t>(*generation) : std::nullopt,
                /*count_miss=*/true);
}

std::optional<Principal> CredentialCache::FindKnown(const std::string& hash, TimePoint now) {
  // A miss here is followed by Find(), which counts it.
  return FindAt(hash, now, watch_.Known(), /*count_miss=*/false);
}

std::optional<Principal> CredentialCache::FindAt(const std::string& hash, TimePoint now,
                                                 std::optional<std::int64_t> generation,
                                                 bool count_miss) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(hash);
  if (!generation || it == entries_.end()) {
    misses_ += count_miss ? 1 : 0;
    return std::nullopt;
  }
  const Entry& entry = it->second;
  if (entry.generation != *generation) {
    entries_.erase(it);
    misses_ += count_miss ? 1 : 0;
    return std::nullopt;
  }
  if (entry.expires_at <= now || !entry.last_used_at ||
      now - *entry.last_used_at >= kLastUsedResolution) {
    misses_ += count_miss ? 1 : 0;
    return std::nullopt;
  }
  ++hits_;
  return entry.principal;
}

void CredentialCache::Put(const std::string& hash, Entry entry) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_entries_ && !entries_.contains(hash)) entries_.clear();
  entries_.insert_or_assign(hash, std::move(entry));
}

std::uint64_t CredentialCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

std::uint64_t CredentialCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

Result<std::int64_t> ReadSecurityGeneration(store::Transaction& tx) {
  return store::ReadGeneration(tx, kGenerationTable);
}

}  // namespace liaison::security
