// A bounded in-memory cache of response bodies by key, for read endpoints whose answer is a pure
// function of a key the handler computes (the key must hold everything the body depends on: the
// normalised query, the caller's audience, a data generation). Least recently used entries are
// evicted beyond a byte budget. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace liaison::http {

class ResponseCache {
 public:
  struct Entry {
    std::shared_ptr<const std::string> body;
    std::string etag;  // A strong entity tag of the body: "\"<16 hex digits>\"".
  };

  // A cache holding at most `max_bytes` of keys and bodies; 0 disables it (Find always misses,
  // Put stores nothing).
  explicit ResponseCache(std::size_t max_bytes);

  // The entry stored under `key`, marked most recently used; nullopt on a miss, counted unless
  // `count_miss` is false (a look-up that another, counted one follows on a miss).
  std::optional<Entry> Find(const std::string& key, bool count_miss = true);

  // Stores `body` under `key` (replacing an entry there) and returns the entry with its entity
  // tag. A body larger than the whole budget is not stored, but the entry is still returned.
  Entry Put(const std::string& key, std::string body);

  std::size_t bytes() const;
  std::size_t entries() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  struct Slot {
    std::string key;
    Entry entry;
    std::size_t bytes = 0;
  };
  void EvictBeyond(std::size_t budget);  // Requires mu_.

  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Slot> lru_;  // Most recently used first.
  std::unordered_map<std::string_view, std::list<Slot>::iterator> index_;  // Views into lru_.
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

// A strong entity tag of `body`: its FNV-1a 64-bit hash as "\"<16 hex digits>\"", the same in
// every process.
std::string BodyEntityTag(std::string_view body);

// True when an If-None-Match value ("*", or a list of possibly weak tags) matches `etag`.
bool IfNoneMatchHits(std::string_view header, std::string_view etag);

}  // namespace liaison::http
