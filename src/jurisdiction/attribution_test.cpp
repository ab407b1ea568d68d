#include "jurisdiction/attribution.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "jurisdiction/attribution_output.hpp"
#include "jurisdiction/jurisdiction_test_support.hpp"
#include "jurisdiction/reference.hpp"

namespace liaison::jurisdiction {
namespace {

using testing::Gzip;
using testing::TempDir;
using testing::WriteFixtureDataSet;

class AttributionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFixtureDataSet(dir_.path());
    index_ = *JurisdictionIndex::Load(dir_.path().string(), TimePoint{});
  }
  Result<AttributionSummary> Run(const std::string& feed, AttributionOptions options = {}) {
    auto source = FeedFromMemory(feed);
    return Attribute(*source, *index_, options);
  }
  static const GroupSummary* Group(const AttributionSummary& s, const std::string& name) {
    for (const auto& g : s.groups) {
      if (g.group == name) return &g;
    }
    return nullptr;
  }
  TempDir dir_;
  std::shared_ptr<const JurisdictionIndex> index_;
};

constexpr const char* kFeed =
    "timestamp,ip,category\n"
    "2026-11-01T00:00:00Z,10.0.0.1,scanner\n"
    "2026-11-01T00:00:01Z,10.0.0.1,scanner\n"
    "2026-11-01T00:00:02Z,10.1.0.9,c2\n"           // GP: France answers.
    "2026-11-01T00:00:03Z,2001:db8::5,\"ddos, reflector\"\n"
    "2026-11-01T00:00:04Z,81.0.0.200,scanner\n"    // TW: disputed, no state.
    "2026-11-01T00:00:05Z,not-an-ip,scanner\n"
    "2026-11-01T00:00:06Z,8.8.8.8,scanner\n"       // No data.
    "2026-11-01T00:00:07Z,::ffff:1.0.0.1,phishing\n";  // AU via IPv4-mapped.

TEST_F(AttributionTest, SummarisesPerStateWithCategoriesAddressesAndAsNumbers) {
  auto summary = Run(kFeed);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->lines, 8);
  EXPECT_EQ(summary->observations, 7);
  EXPECT_EQ(summary->malformed, 1);
  ASSERT_EQ(summary->errors.size(), 1u);
  EXPECT_EQ(summary->errors[0].line, 7);
  EXPECT_NE(summary->errors[0].message.find("not-an-ip"), std::string::npos);
  EXPECT_EQ(summary->address_field, "ip");
  EXPECT_EQ(summary->category_field, "category");

  const auto* fr = Group(*summary, "FR");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->observations, 4);
  EXPECT_EQ(fr->distinct_addresses, 3);
  EXPECT_EQ(fr->distinct_as_numbers, 1);  // AS3215 in both 10/8 blocks and 2001:db8::/48.
  EXPECT_EQ(fr->countries, (std::vector<std::string>{"FR", "GP"}));
  EXPECT_EQ(fr->categories.at("scanner"), 2);
  EXPECT_EQ(fr->categories.at("c2"), 1);
  EXPECT_EQ(fr->categories.at("ddos, reflector"), 1);
  EXPECT_EQ(summary->groups.front().group, "FR");

  const auto* tw = Group(*summary, "no-state-TW");
  ASSERT_NE(tw, nullptr);
  EXPECT_EQ(tw->state, "");
  EXPECT_EQ(Group(*summary, "unattributed")->observations, 1);
  EXPECT_EQ(Group(*summary, "AU")->observations, 1);
}

TEST_F(AttributionTest, KeepsEachStatesObservationWindowFromTheTimeColumn) {
  auto summary = Run(kFeed);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->time_field, "timestamp");
  const auto* fr = Group(*summary, "FR");
  ASSERT_TRUE(fr->first_seen && fr->last_seen);
  EXPECT_EQ(FormatRfc3339(*fr->first_seen), "2026-11-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(*fr->last_seen), "2026-11-01T00:00:03.000Z");

  // A space for the "T", an offset, and a value that is no time at all (left out of the window).
  std::string feed =
      "seen,ip\n"
      "2026-10-31 23:00:00Z,10.0.0.1\n"
      "2026-11-01T02:30:00+02:00,10.0.0.2\n"
      "2026-10-31T22:00:00.5Z,10.0.0.4\n"  // The day is known: read without ParseRfc3339.
      "2026-10-31T24:00:00Z,10.0.0.5\n"    // No such hour.
      "yesterday,10.0.0.3\n";
  AttributionOptions options;
  options.chunk_bytes = 1024;
  auto spaced = Run(feed, options);
  ASSERT_TRUE(spaced.has_value()) << spaced.error().message;
  const auto* g = Group(*spaced, "FR");
  EXPECT_EQ(g->observations, 5);
  EXPECT_EQ(FormatRfc3339(*g->first_seen), "2026-10-31T22:00:00.500Z");
  EXPECT_EQ(FormatRfc3339(*g->last_seen), "2026-11-01T00:30:00.000Z");

  auto none = Run("ip\n10.0.0.1\n");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->time_field, "");
  EXPECT_FALSE(Group(*none, "FR")->first_seen.has_value());
  options.time_field = "when";
  auto missing = Run("ip\n10.0.0.1\n", options);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().field, "time_column");
}

TEST_F(AttributionTest, ReadsTimesOfAKnownDayAsTheRfc3339ParserDoes) {
  // Once a row has given the day, its other rows' times are read as one word: every byte of
  // "HH:MM:SS" changed to a digit, a colon or a byte just outside them must give the window that
  // ParseRfc3339 gives (a time it refuses is left out of the window).
  const std::string base = "2026-11-01T12:34:56Z";
  std::vector<std::string> times = {"2026-11-01T00:00:00Z", "2026-11-01T23:59:59Z",
                                    "2026-11-01T24:00:00Z", "2026-11-01T23:60:00Z",
                                    "2026-11-01T23:59:60Z", "2026-11-01T19:59:59Z",
                                    "2026-11-01T12:34:56.789Z", "2026-11-01T12:34:56.Z"};
  for (std::size_t i = 11; i < 19; ++i) {
    for (char c : {'0', '9', '/', ':', ';', 'a', ' ', '\x80', '\xff'}) {
      std::string t = base;
      t[i] = c;
      times.push_back(t);
    }
  }
  for (const std::string& t : times) {
    SCOPED_TRACE(t);
    auto summary = Run("timestamp,ip\n2026-11-01T10:00:00Z,10.0.0.1\n" + t + ",10.0.0.1\n");
    ASSERT_TRUE(summary.has_value()) << summary.error().message;
    const auto* fr = Group(*summary, "FR");
    ASSERT_TRUE(fr != nullptr && fr->first_seen && fr->last_seen);
    TimePoint first = *ParseRfc3339("2026-11-01T10:00:00Z"), last = first;
    if (auto parsed = ParseRfc3339(t)) {
      first = std::min(first, *parsed);
      last = std::max(last, *parsed);
    }
    EXPECT_EQ(*fr->first_seen, first);
    EXPECT_EQ(*fr->last_seen, last);
  }
}

TEST_F(AttributionTest, CountsManyCategoriesIncludingLongOnesThatShareTheirEnds) {
  // Categories are found by their length and first and last eight bytes: long ones that share
  // those differ only in the middle, and enough of them fill the table several times over.
  std::string feed = "ip,category\n";
  std::map<std::string, std::int64_t> expected;
  for (int i = 0; i < 3000; ++i) {
    const int k = i * 7 % 150;
    std::string category = k < 60   ? "scanner-" + std::to_string(k)
                           : k < 120 ? "aaaaaaaa-" + std::to_string(1000 + k) + "-zzzzzzzz"
                           : k < 149 ? std::string(static_cast<std::size_t>(k - 120), 'c')
                                     : "";
    feed += "10.0.0." + std::to_string(i % 200) + "," + category + "\n";
    ++expected[category];
  }
  for (std::size_t chunk_bytes : {std::size_t{1024}, std::size_t{4} << 20}) {
    AttributionOptions options;
    options.chunk_bytes = chunk_bytes;
    auto summary = Run(feed, options);
    ASSERT_TRUE(summary.has_value()) << summary.error().message;
    EXPECT_EQ(Group(*summary, "FR")->categories, expected);
  }
}

TEST_F(AttributionTest, ManyThreadsAndSmallChunksGiveTheSameAnswer) {
  std::string feed = "ip,category\n";
  for (int i = 0; i < 5000; ++i) {
    feed += "10.0." + std::to_string(i % 256) + "." + std::to_string(i % 7) + ",\"cat\n" +
            std::to_string(i % 3) + "\"\n";
  }
  AttributionOptions one;
  one.threads = 1;
  AttributionOptions many;
  many.threads = 4;
  many.chunk_bytes = 1024;
  auto a = Run(feed, one);
  auto b = Run(feed, many);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->observations, 5000);
  EXPECT_EQ(b->observations, 5000);
  EXPECT_EQ(b->malformed, 0);
  ASSERT_EQ(a->groups.size(), b->groups.size());
  EXPECT_EQ(a->groups[0].categories, b->groups[0].categories);
  EXPECT_EQ(a->groups[0].distinct_addresses, b->groups[0].distinct_addresses);
  EXPECT_EQ(b->groups[0].categories.at("cat\n1"), 1667);
}

TEST_F(AttributionTest, AgreesWithOneLookUpPerRowWhateverTheChunking) {
  // Each chunk's addresses are looked up in sorted order, once per distinct address: compare
  // with one Lookup per row on a seeded feed whose chunks are large (radix-sorted) or small,
  // with addresses that recur far apart and IPv6 addresses that share their /32.
  std::mt19937 rng(29);
  const std::vector<std::string> v4_blocks = {"10.0.", "10.1.", "1.0.", "2.58.197.", "81.0.0.",
                                              "203.0.113.", "8.8.", "255.255.255."};
  const std::vector<std::string> v6_blocks = {"2001:db8:", "2001:db8:1:", "2001:420:4000:",
                                              "2001:420:4fff:", "2a00:1450:", "2c0f:fff0:"};
  const std::vector<std::string> categories = {"scanner", "c2", "ddos-reflector-long-name", ""};
  std::vector<std::string> seen;
  std::string feed = "timestamp,ip,category\n";
  struct Expected {
    std::int64_t observations = 0;
    std::set<std::uint32_t> v4, as_numbers;
    std::set<Uint128> v6;
    std::set<std::string> countries;
    std::map<std::string, std::int64_t> categories;
    std::string first, last;
  };
  std::map<std::string, Expected> expected;
  for (int i = 0; i < 20000; ++i) {
    std::string address;
    if (!seen.empty() && rng() % 4 == 0) {
      address = seen[rng() % seen.size()];
    } else if (rng() % 4 == 0) {
      address = v6_blocks[rng() % v6_blocks.size()] + std::to_string(rng() % 3) + "::" +
                std::to_string(rng() % 9999);
    } else {
      const std::string& block = v4_blocks[rng() % v4_blocks.size()];
      address = block;
      for (auto dots = std::count(block.begin(), block.end(), '.'); dots < 4; ++dots) {
        address += std::to_string(rng() % 256) + (dots < 3 ? "." : "");
      }
    }
    seen.push_back(address);
    char time[32];
    std::snprintf(time, sizeof time, "2026-11-01T%02d:%02d:%02dZ", i / 3600, i / 60 % 60, i % 60);
    const std::string& category = categories[rng() % categories.size()];
    feed += std::string(time) + "," + address + "," + category + "\n";

    const IpAddress parsed = *ParseIpAddress(address);
    const std::string country = JurisdictionIndex::UnpackCountry(index_->CountryCodeAt(parsed));
    const std::string state = country.empty() ? "" : ResolveCountry(country).state;
    Expected& e = expected[country.empty()  ? "unattributed"
                           : state.empty() ? "no-state-" + country
                                           : state];
    ++e.observations;
    if (parsed.family == IpFamily::kIpv4) {
      e.v4.insert(parsed.v4());
    } else {
      e.v6.insert(parsed.value);
    }
    if (auto as = index_->AsNumberAt(parsed); as != 0) e.as_numbers.insert(as);
    if (!country.empty()) e.countries.insert(country);
    ++e.categories[category];
    if (e.first.empty()) e.first = time;
    e.last = time;
  }
  AttributionOptions large;  // One chunk.
  AttributionOptions small;
  small.threads = 3;
  small.chunk_bytes = 4096;
  for (const AttributionOptions& options : {large, small}) {
    auto summary = Run(feed, options);
    ASSERT_TRUE(summary.has_value());
    EXPECT_EQ(summary->observations, 20000);
    ASSERT_EQ(summary->groups.size(), expected.size());
    for (const GroupSummary& g : summary->groups) {
      SCOPED_TRACE(g.group + " with chunks of " + std::to_string(options.chunk_bytes));
      ASSERT_EQ(expected.count(g.group), 1u);
      const Expected& e = expected.at(g.group);
      EXPECT_EQ(g.observations, e.observations);
      EXPECT_EQ(g.addresses_v4, std::vector<std::uint32_t>(e.v4.begin(), e.v4.end()));
      EXPECT_EQ(g.addresses_v6, std::vector<Uint128>(e.v6.begin(), e.v6.end()));
      EXPECT_EQ(g.distinct_addresses, static_cast<std::int64_t>(e.v4.size() + e.v6.size()));
      EXPECT_EQ(g.as_numbers,
                std::vector<std::uint32_t>(e.as_numbers.begin(), e.as_numbers.end()));
      EXPECT_EQ(g.countries, std::vector<std::string>(e.countries.begin(), e.countries.end()));
      EXPECT_EQ(g.categories, e.categories);
      ASSERT_TRUE(g.first_seen && g.last_seen);
      EXPECT_EQ(*g.first_seen, *ParseRfc3339(e.first));
      EXPECT_EQ(*g.last_seen, *ParseRfc3339(e.last));
    }
  }
}

TEST_F(AttributionTest, KeepsEveryDistinctAddressOfAGroupThatOutgrowsItsListsManyTimes) {
  // A worker's distinct addresses of a group are sorted and merged whenever they have doubled
  // (from 65,536), and the workers' lists are united at the end: a group with more distinct
  // IPv4 and IPv6 addresses than that, repeated far apart, must come out whole.
  std::mt19937 rng(31);
  std::string feed = "ip\n";
  std::set<std::uint32_t> v4;
  std::set<Uint128> v6;
  std::vector<std::string> seen;
  for (int i = 0; i < 250000; ++i) {
    std::string address;
    if (!seen.empty() && i % 5 == 0) {
      address = seen[rng() % seen.size()];
    } else if (i % 3 == 0) {
      address = "2001:db8:" + std::to_string(rng() % 10000) + "::" + std::to_string(rng() % 9999);
    } else {
      const std::uint32_t value = 0x0a000000u | (rng() & 0xffffff);  // 10.0.0.0/8: FR or GP.
      address = FormatIpAddress(IpAddress{IpFamily::kIpv4, value});
    }
    seen.push_back(address);
    feed += address + "\n";
  }
  AttributionOptions options;
  options.threads = 2;
  options.chunk_bytes = 64 * 1024;
  auto summary = Run(feed, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  std::set<std::uint32_t> fr_v4;
  std::set<Uint128> fr_v6;
  for (const std::string& address : seen) {
    const IpAddress parsed = *ParseIpAddress(address);
    const std::string country = JurisdictionIndex::UnpackCountry(index_->CountryCodeAt(parsed));
    if (country.empty() || ResolveCountry(country).state != "FR") continue;
    if (parsed.family == IpFamily::kIpv4) {
      fr_v4.insert(parsed.v4());
    } else {
      fr_v6.insert(parsed.value);
    }
  }
  ASSERT_GT(fr_v4.size(), 2u * 65536);
  ASSERT_GT(fr_v6.size(), 65536u);
  const GroupSummary* fr = Group(*summary, "FR");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->addresses_v4, std::vector<std::uint32_t>(fr_v4.begin(), fr_v4.end()));
  EXPECT_EQ(fr->addresses_v6, std::vector<Uint128>(fr_v6.begin(), fr_v6.end()));
  EXPECT_EQ(fr->distinct_addresses, static_cast<std::int64_t>(fr_v4.size() + fr_v6.size()));
}

TEST_F(AttributionTest, LineNumbersStayRightAcrossChunks) {
  std::string feed = "ip\n";
  for (int i = 0; i < 3000; ++i) feed += (i == 2500 ? "bad" : "10.0.0.1") + std::string("\n");
  AttributionOptions options;
  options.chunk_bytes = 1024;
  options.threads = 3;
  auto summary = Run(feed, options);
  ASSERT_TRUE(summary.has_value());
  ASSERT_EQ(summary->errors.size(), 1u);
  EXPECT_EQ(summary->errors[0].line, 2502);
}

TEST_F(AttributionTest, QuoteFreeChunksReadAsTheGeneralReaderDoes) {
  // Quote-free text takes a faster path than RFC 4180 text; both must see the same records,
  // errors and line numbers: CRLF ends, blank lines, a stray carriage return, a short row and a
  // record over 64 KiB.
  std::string feed = "timestamp,ip,category\r\n";
  for (int i = 0; i < 50; ++i) feed += "2026-11-01T00:00:00Z,10.0.0." + std::to_string(i) + ",a\r\n";
  feed += "\r\n\n";
  feed += "2026-11-01T00:00:00Z,10.0.0.1\r,a\n";                         // Line 54.
  feed += "2026-11-01T00:00:00Z\n";                                     // Line 55: no address.
  feed += "2026-11-01T00:00:00Z,10.0.0.2," + std::string(70000, 'x') + "\n";  // Line 56.
  feed += "2026-11-01T00:00:00Z,2001:db8::7,b\n";
  feed += "\r\r\n";
  feed += "2026-11-01T00:00:00Z,10.1.0.9,c";  // No line break at the end.
  auto plain = Run(feed);
  // The same text with a quoted field on a first line, so that it goes through CsvReader.
  std::string quoted = feed;
  quoted.insert(quoted.find("\r\n") + 2, "2026-11-01T00:00:00Z,10.0.0.1,\"a\"\r\n");
  auto general = Run(quoted);
  ASSERT_TRUE(plain.has_value() && general.has_value());
  EXPECT_EQ(plain->observations, 52);
  EXPECT_EQ(general->observations, 53);
  EXPECT_EQ(plain->lines, 55);
  EXPECT_EQ(general->lines, 56);
  ASSERT_EQ(plain->errors.size(), 3u);
  ASSERT_EQ(general->errors.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(plain->errors[i].line + 1, general->errors[i].line) << i;
    EXPECT_EQ(plain->errors[i].message, general->errors[i].message) << i;
  }
  EXPECT_EQ(plain->errors[0].line, 54);
  EXPECT_EQ(plain->errors[1].line, 55);
  EXPECT_EQ(plain->errors[2].line, 56);
  EXPECT_NE(plain->errors[2].message.find("longer than"), std::string::npos);
  EXPECT_EQ(Group(*plain, "FR")->categories, (std::map<std::string, std::int64_t>{
                                                 {"a", 50}, {"b", 1}, {"c", 1}}));
  EXPECT_EQ(Group(*plain, "FR")->distinct_addresses, 52);
}

TEST_F(AttributionTest, StrictModeFailsOnTheFirstMalformedLine) {
  AttributionOptions options;
  options.strictness = Strictness::kFailOnFirst;
  auto summary = Run(kFeed, options);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().reason, "malformed_line");
  EXPECT_NE(summary.error().message.find("line 7"), std::string::npos);
}

TEST_F(AttributionTest, ReadsNdjsonAndChoosesColumns) {
  std::string feed =
      "{\"src\":\"10.0.0.1\",\"kind\":\"scanner\"}\n"
      "{\"src\":\"2001:db8:1::1\",\"kind\":\"c2\"}\n"
      "[1,2]\n"
      "{\"src\":5}\n"
      "{\"src\":\"1.0.0.1\"\n";
  AttributionOptions options;
  options.format = FeedFormat::kNdjson;
  options.address_field = "src";
  options.category_field = "kind";
  auto summary = Run(feed, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->observations, 2);
  EXPECT_EQ(summary->malformed, 3);
  EXPECT_EQ(summary->errors[0].line, 3);
  EXPECT_EQ(summary->errors[1].line, 4);
  EXPECT_EQ(summary->errors[2].line, 5);
  EXPECT_EQ(Group(*summary, "DE")->categories.at("c2"), 1);
}

TEST_F(AttributionTest, ReadsGzipFeeds) {
  auto summary = Run(Gzip(kFeed));
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->observations, 7);
  // Two concatenated gzip members are one feed.
  std::string text = kFeed;
  auto split = text.find("2026-11-01T00:00:04Z");
  auto both = Run(Gzip(text.substr(0, split)) + Gzip(text.substr(split)));
  ASSERT_TRUE(both.has_value()) << both.error().message;
  EXPECT_EQ(both->observations, 7);
}

TEST_F(AttributionTest, ACutShortGzipStreamIsAnErrorWithItsPosition) {
  std::string feed = "ip\n";
  for (int i = 0; i < 20000; ++i) feed += "10.0." + std::to_string(i % 250) + ".1\n";
  std::string gz = Gzip(feed);
  auto summary = Run(gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().reason, "truncated_gzip");
  EXPECT_NE(summary.error().message.find("byte"), std::string::npos);
  std::string damaged = gz;
  damaged[gz.size() / 2] ^= 0x55;
  damaged[gz.size() / 2 + 1] ^= 0x55;
  auto bad = Run(damaged);
  ASSERT_FALSE(bad.has_value());
}

TEST_F(AttributionTest, BadFeedsGiveClearErrors) {
  auto empty = Run("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().reason, "empty_feed");
  auto header_only = Run("ip,category\n");
  ASSERT_FALSE(header_only.has_value());
  EXPECT_EQ(header_only.error().reason, "empty_feed");
  auto no_column = Run("when,what\n1,2\n");
  ASSERT_FALSE(no_column.has_value());
  EXPECT_EQ(no_column.error().reason, "missing_column");
  AttributionOptions named;
  named.address_field = "dst";
  EXPECT_EQ(Run(kFeed, named).error().reason, "missing_column");
  auto empty_gzip = Run(Gzip(""));
  ASSERT_FALSE(empty_gzip.has_value());
  EXPECT_EQ(empty_gzip.error().reason, "empty_feed");
}

TEST_F(AttributionTest, AOneMebibyteLineIsReportedAndSkipped) {
  std::string feed = "ip\n10.0.0.1\n" + std::string(1 << 20, 'x') + "\n10.0.0.2\n\"broken\n";
  AttributionOptions options;
  options.chunk_bytes = 256 * 1024;
  auto summary = Run(feed, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->observations, 2);
  ASSERT_EQ(summary->malformed, 2);
  EXPECT_EQ(summary->errors[0].line, 3);
  EXPECT_NE(summary->errors[0].message.find("longer than"), std::string::npos);
  EXPECT_EQ(summary->errors[1].line, 5);
}

TEST_F(AttributionTest, ALongLineAfterShortOnesWithSmallChunksIsReportedAndSkipped) {
  // The source is read 64 KiB at a time whatever the chunk size: with 1 KiB chunks the record
  // left over after the last line break of a read can be far longer than a chunk.
  std::string feed = "ip\n10.0.0.1\n" + std::string(100000, 'x') + "\n10.0.0.2\n";
  AttributionOptions options;
  options.chunk_bytes = 1024;
  auto summary = Run(feed, options);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->observations, 2);
  ASSERT_EQ(summary->malformed, 1);
  EXPECT_EQ(summary->errors[0].line, 3);
  EXPECT_NE(summary->errors[0].message.find("longer than"), std::string::npos);
}

TEST_F(AttributionTest, RefusesFeedsOverTheLimit) {
  AttributionOptions options;
  options.max_observations = 3;
  auto summary = Run(kFeed, options);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().reason, "too_many_observations");
}

TEST_F(AttributionTest, WritesPerStateCsvAndStixFiles) {
  TempDir out;
  GroupCsvWriter writer(out.path(), *index_);
  auto source = FeedFromMemory(kFeed);
  auto summary = Attribute(*source, *index_, {}, writer);
  ASSERT_TRUE(summary.has_value());
  ASSERT_TRUE(writer.Close().has_value());
  std::ifstream fr(out.path() / "FR.csv");
  std::stringstream text;
  text << fr.rdbuf();
  EXPECT_EQ(text.str(),
            "address,country,state,as_number,as_name,category,line\n"
            "10.0.0.1,FR,FR,3215,Orange S.A.,scanner,2\n"
            "10.0.0.1,FR,FR,3215,Orange S.A.,scanner,3\n"
            "10.1.0.9,GP,FR,3215,Orange S.A.,c2,4\n"
            "2001:db8::5,FR,FR,3215,Orange S.A.,\"ddos, reflector\",5\n");
  EXPECT_TRUE(std::filesystem::exists(out.path() / "no-state-TW.csv"));
  EXPECT_TRUE(std::filesystem::exists(out.path() / "unattributed.csv"));

  const auto* group = Group(*summary, "FR");
  ASSERT_TRUE(WriteStixBundle(out.path() / "FR.stix.json", *group, "fixture-1",
                              FromUnixMillis(1'700'000'000'000))
                  .has_value());
  std::ifstream stix(out.path() / "FR.stix.json");
  std::stringstream bundle;
  bundle << stix.rdbuf();
  EXPECT_NE(bundle.str().find(
                "\"pattern\":\"[ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value = '10.1.0.9']\""),
            std::string::npos);
  EXPECT_NE(bundle.str().find("\"pattern\":\"[ipv6-addr:value = '2001:db8::5']\""),
            std::string::npos);
  EXPECT_NE(bundle.str().find("\"type\":\"ipv6-addr\""), std::string::npos);
  EXPECT_NE(bundle.str().find("\"created\":\"2023-11-14T22:13:20.000Z\""), std::string::npos);
}

TEST_F(AttributionTest, PerStateFilesAreTheSameWhateverTheThreadsAndChunks) {
  std::string feed = "ip,category\n";
  for (int i = 0; i < 20000; ++i) {
    feed += (i % 5 == 0 ? "2001:db8::" : "10.") + std::to_string(i % 97) +
            (i % 5 == 0 ? "" : ".0.1") + ",c" + std::to_string(i % 3) + "\n";
  }
  auto write = [&](int threads, std::size_t chunk_bytes, const std::filesystem::path& dir) {
    GroupCsvWriter writer(dir, *index_);
    AttributionOptions options;
    options.threads = threads;
    options.chunk_bytes = chunk_bytes;
    auto source = FeedFromMemory(feed);
    auto summary = Attribute(*source, *index_, options, writer);
    EXPECT_TRUE(summary.has_value());
    EXPECT_TRUE(writer.Close().has_value());
    std::ifstream in(dir / "FR.csv");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  TempDir one, many;
  std::string a = write(1, 4 << 20, one.path());
  std::string b = write(3, 1024, many.path());
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 1 + 20000);  // All in France's ranges.
  EXPECT_EQ(a, b);
}

// The per-group CSV of `group` as GroupCsvWriter writes it for `feed` (the reference), and the
// share GroupShareCollector makes of the same feed with `max_bytes`.
class GroupShareTest : public AttributionTest {
 protected:
  std::string Written(const std::string& feed, const std::string& group) {
    TempDir out;
    GroupCsvWriter writer(out.path(), *index_);
    auto source = FeedFromMemory(feed);
    EXPECT_TRUE(Attribute(*source, *index_, {}, writer).has_value());
    EXPECT_TRUE(writer.Close().has_value());
    std::ifstream in(out.path() / (group + ".csv"));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::optional<GroupShare> Share(const std::string& feed, const std::string& group,
                                  std::size_t max_bytes, AttributionOptions options = {}) {
    GroupShareCollector collector(*index_, max_bytes);
    auto source = FeedFromMemory(feed);
    EXPECT_TRUE(Attribute(*source, *index_, options, collector).has_value());
    auto share = collector.Take(group);
    EXPECT_TRUE(share.has_value());
    return share.has_value() ? *share : std::nullopt;
  }
  static std::string Gunzip(const std::string& gz) {
    auto source = FeedFromMemory(gz);
    EXPECT_TRUE(source->compressed());
    std::string out;
    char buffer[4096];
    while (true) {
      auto n = source->Read(buffer, sizeof buffer);
      EXPECT_TRUE(n.has_value());
      if (!n.has_value() || *n == 0) return out;
      out.append(buffer, *n);
    }
  }
  // A feed of `rows` rows in France's ranges, with categories that compress badly.
  static std::string FrenchFeed(int rows) {
    std::string feed = "ip,category\n";
    std::uint32_t x = 12345;
    for (int i = 0; i < rows; ++i) {
      x = x * 1103515245u + 12345u;
      feed += "10." + std::to_string(i % 200) + ".0.1,c" + std::to_string(x) + "\n";
    }
    return feed;
  }
};

TEST_F(GroupShareTest, ASmallShareIsTheWritersCsvAsItIs) {
  auto share = Share(kFeed, "FR", 10 << 20);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->filename, "FR.csv");
  EXPECT_EQ(share->media_type, "text/csv");
  EXPECT_EQ(share->content, Written(kFeed, "FR"));
  EXPECT_EQ(share->rows, 4);
  EXPECT_EQ(share->total_rows, 4);
  EXPECT_FALSE(share->truncated());
}

TEST_F(GroupShareTest, AShareOverTheLimitIsCompressedWhole) {
  std::string feed = "ip,category\n";
  for (int i = 0; i < 5000; ++i) feed += "10.0.0.1,scanner\n";
  const std::string csv = Written(feed, "FR");
  ASSERT_GT(csv.size(), 64u * 1024);
  auto share = Share(feed, "FR", 64 * 1024);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->filename, "FR.csv.gz");
  EXPECT_EQ(share->media_type, "application/gzip");
  EXPECT_LE(share->content.size(), 64u * 1024);
  EXPECT_EQ(Gunzip(share->content), csv);
  EXPECT_EQ(share->rows, 5000);
  EXPECT_FALSE(share->truncated());
}

TEST_F(GroupShareTest, AShareTooLargeEvenCompressedKeepsItsFirstRowsWithinTheLimit) {
  const std::string feed = FrenchFeed(30000);
  const std::string csv = Written(feed, "FR");
  for (std::size_t limit : {std::size_t{1024}, std::size_t{40000}, std::size_t{150000}}) {
    AttributionOptions options;
    options.threads = 3;
    options.chunk_bytes = 4096;  // Many small writes: the stream is flushed near the limit.
    auto share = Share(feed, "FR", limit, options);
    ASSERT_TRUE(share.has_value());
    EXPECT_EQ(share->filename, "FR.csv.gz");
    EXPECT_LE(share->content.size(), limit);
    EXPECT_EQ(share->total_rows, 30000);
    EXPECT_TRUE(share->truncated());
    EXPECT_GT(share->rows, 0);
    // The first rows exactly, header included, and whole lines only.
    const std::string text = Gunzip(share->content);
    std::size_t end = 0;
    for (std::int64_t line = 0; line <= share->rows; ++line) end = csv.find('\n', end) + 1;
    EXPECT_EQ(text, csv.substr(0, end)) << limit;
    // Little room is left unused: the next row would not have fitted by much.
    EXPECT_GT(share->content.size() + 400, limit * 9 / 10) << limit;
  }
}

TEST_F(GroupShareTest, ASmallShareThatIsNotUtf8StaysCompressed) {
  const std::string feed =
      "ip,category\n10.0.0.1,sc\xff\xfe"
      "anner\n";
  auto share = Share(feed, "FR", 10 << 20);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->media_type, "application/gzip");
  EXPECT_EQ(Gunzip(share->content), Written(feed, "FR"));
  EXPECT_FALSE(share->truncated());
}

TEST_F(GroupShareTest, AGroupWithoutRowsHasNoShareAndATakenShareIsGone) {
  GroupShareCollector collector(*index_, 4096);
  auto source = FeedFromMemory(kFeed);
  ASSERT_TRUE(Attribute(*source, *index_, {}, collector).has_value());
  auto none = collector.Take("DE");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto fr = collector.Take("FR");
  ASSERT_TRUE(fr.has_value());
  EXPECT_TRUE(fr->has_value());
  auto again = collector.Take("FR");
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->has_value());
}

TEST_F(GroupShareTest, GroupsTheFilterLeavesOutAreNotKept) {
  GroupShareCollector collector(*index_, 4096,
                                [](const std::string& group) { return group != "FR"; });
  auto source = FeedFromMemory(kFeed);
  ASSERT_TRUE(Attribute(*source, *index_, {}, collector).has_value());
  auto fr = collector.Take("FR");
  ASSERT_TRUE(fr.has_value());
  EXPECT_FALSE(fr->has_value());
  auto au = collector.Take("AU");
  ASSERT_TRUE(au.has_value());
  ASSERT_TRUE(au->has_value());
  EXPECT_EQ((*au)->total_rows, 1);
}

TEST(StixAddressId, IsTheDeterministicIdOfStix21) {
  // UUIDv5 in the STIX namespace of {"value":"198.51.100.3"}, as Python's uuid.uuid5 computes
  // it (the id in the specification's prose example is not a computed one).
  EXPECT_EQ(StixAddressId(*ParseIpAddress("198.51.100.3")),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
}

}  // namespace
}  // namespace liaison::jurisdiction
