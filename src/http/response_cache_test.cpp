#include "http/response_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace liaison::http {
namespace {

TEST(ResponseCache, ReturnsWhatWasStoredWithAStableEntityTag) {
  ResponseCache cache(1 << 20);
  EXPECT_FALSE(cache.Find("a").has_value());
  ResponseCache::Entry put = cache.Put("a", "{\"items\":[]}");
  EXPECT_EQ(put.etag, BodyEntityTag("{\"items\":[]}"));
  auto found = cache.Find("a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found->body, "{\"items\":[]}");
  EXPECT_EQ(found->etag, put.etag);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_NE(BodyEntityTag("a"), BodyEntityTag("b"));
  EXPECT_EQ(BodyEntityTag(""), "\"cbf29ce484222325\"");  // The FNV-1a 64 offset basis.
}

TEST(ResponseCache, ReplacesAnEntryUnderTheSameKey) {
  ResponseCache cache(1 << 20);
  cache.Put("a", "one");
  cache.Put("a", "two");
  EXPECT_EQ(*cache.Find("a")->body, "two");
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(ResponseCache, EvictsTheLeastRecentlyUsedBeyondItsBudget) {
  // Each entry takes its key, its body, its tag (18) and 128 bytes of bookkeeping.
  const std::string body(1000, 'x');
  const std::size_t one = 1 + body.size() + 18 + 128;
  ResponseCache cache(3 * one);
  cache.Put("a", body);
  cache.Put("b", body);
  cache.Put("c", body);
  ASSERT_TRUE(cache.Find("a").has_value());  // "b" is now the least recently used.
  cache.Put("d", body);
  EXPECT_FALSE(cache.Find("b").has_value());
  EXPECT_TRUE(cache.Find("a").has_value());
  EXPECT_TRUE(cache.Find("c").has_value());
  EXPECT_TRUE(cache.Find("d").has_value());
  EXPECT_LE(cache.bytes(), 3 * one);
}

TEST(ResponseCache, NeverStoresWhatExceedsTheBudgetAndZeroDisablesIt) {
  ResponseCache small(100);
  ResponseCache::Entry entry = small.Put("a", std::string(200, 'x'));
  EXPECT_EQ(entry.body->size(), 200u);
  EXPECT_FALSE(small.Find("a").has_value());
  ResponseCache off(0);
  off.Put("a", "x");
  EXPECT_FALSE(off.Find("a").has_value());
  EXPECT_EQ(off.bytes(), 0u);
}

TEST(ResponseCache, IsSafeUnderConcurrentUse) {
  ResponseCache cache(64 << 10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = std::to_string((i * 7 + t) % 300);
        if (auto found = cache.Find(key)) {
          EXPECT_EQ(*found->body, "body of " + key);
        } else {
          cache.Put(key, "body of " + key);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.bytes(), 64u << 10);
}

TEST(IfNoneMatchHits, MatchesListsWeakTagsAndStar) {
  EXPECT_TRUE(IfNoneMatchHits("\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchHits("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchHits("*", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("\"abd\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchHits("", "\"abc\""));
}

}  // namespace
}  // namespace liaison::http
