#include "http/response_cache.hpp"

#include <cstdio>

namespace liaison::http {

ResponseCache::ResponseCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

std::optional<ResponseCache::Entry> ResponseCache::Find(const std::string& key,
                                                        bool count_miss) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    misses_ += count_miss ? 1 : 0;
    return std::nullopt;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entry;
}

ResponseCache::Entry ResponseCache::Put(const std::string& key, std::string body) {
  Entry entry{std::make_shared<const std::string>(std::move(body)), ""};
  entry.etag = BodyEntityTag(*entry.body);
  // Keys and bodies dominate; the bookkeeping of a slot is counted roughly.
  const std::size_t bytes = key.size() + entry.body->size() + entry.etag.size() + 128;
  if (bytes > max_bytes_) return entry;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  EvictBeyond(max_bytes_ - bytes);
  lru_.push_front(Slot{key, entry, bytes});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
  return entry;
}

void ResponseCache::EvictBeyond(std::size_t budget) {
  while (bytes_ > budget && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

std::size_t ResponseCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

std::size_t ResponseCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

std::uint64_t ResponseCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

std::uint64_t ResponseCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

std::string BodyEntityTag(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return buf;
}

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace liaison::http
