#include "jurisdiction/range_table.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>

namespace liaison::jurisdiction {
namespace {

// The rule, as a model: paint the ranges in order over a small key space; later paint wins.
template <typename Key>
std::vector<std::uint32_t> Paint(const std::vector<SourceRange<Key>>& ranges, Key base,
                                 std::size_t size) {
  std::vector<std::uint32_t> painted(size, 0);
  for (const auto& r : ranges) {
    auto from = static_cast<std::size_t>(r.first - base),
         to = static_cast<std::size_t>(r.last - base);
    for (std::size_t i = from; i <= to; ++i) painted[i] = r.value;
  }
  return painted;
}

template <typename Key>
std::vector<SourceRange<Key>> RandomRanges(std::mt19937& rng, Key base, std::size_t size,
                                           int count) {
  std::vector<SourceRange<Key>> ranges;
  for (int i = 0; i < count; ++i) {
    std::size_t first = rng() % size;
    std::size_t length = 1 + rng() % (rng() % 4 == 0 ? size / 4 : 16);
    std::size_t last = std::min(size - 1, first + length - 1);
    ranges.push_back({static_cast<Key>(base + first), static_cast<Key>(base + last),
                      1 + static_cast<std::uint32_t>(rng() % 5)});
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return ranges;
}

template <typename Table, typename Key>
void ExpectMatchesModel(Key base, std::size_t size, std::uint32_t seed, int rounds = 40,
                        bool avx2 = true) {
  std::mt19937 rng(seed);
  for (int round = 0; round < rounds; ++round) {
    auto ranges = RandomRanges<Key>(rng, base, size, 1 + round * 3);
    auto model = Paint(ranges, base, size);
    Table table;
    table.Build(ranges);
    if constexpr (requires { table.TurnOffAvx2(); }) {
      if (!avx2) table.TurnOffAvx2();
    }
    for (std::size_t i = 0; i < size; ++i) {
      Key key = static_cast<Key>(base + i);
      ASSERT_EQ(table.ValueAt(key), model[i]) << "round " << round << " offset " << i;
      auto segment = table.Find(key);
      ASSERT_LE(segment.first, key);
      ASSERT_GE(segment.last, key);
      ASSERT_EQ(segment.value, model[i]) << "round " << round << " offset " << i;
    }
    // The batch look-up, over every key of the window in an order that mixes far-apart keys.
    std::vector<Key> keys;
    for (std::size_t i = 0; i < size; ++i) keys.push_back(static_cast<Key>(base + (i * 37) % size));
    std::vector<std::uint32_t> values(size);
    table.ValuesAt(keys.data(), keys.size(), values.data());
    for (std::size_t i = 0; i < size; ++i) {
      ASSERT_EQ(values[i], model[static_cast<std::size_t>(keys[i] - base)])
          << "round " << round << " batch " << i;
    }
  }
}

TEST(RangeTable, BlockLayoutFollowsTheLaterRangeWinsRuleForIpv4) {
  ExpectMatchesModel<RangeTable<std::uint32_t, 16>, std::uint32_t>(0x0A00FF00u, 1024, 1);
}

TEST(RangeTable, WholeBlocksAndSubBlocksAnswerFromTheirEntries) {
  // 16-bit keys with a 12-bit first level: blocks of 16 keys, so the random ranges cover many
  // whole blocks, and blocks with starts inside them sit next to them.
  ExpectMatchesModel<RangeTable<std::uint16_t, 12>, std::uint16_t>(0x1000, 1024, 8);
  ExpectMatchesModel<RangeTable<std::uint16_t, 12>, std::uint16_t>(0xFC00, 1024, 9);
  // An 8-bit first level: blocks of 256 keys, second-level sub-blocks of 4, whole or mixed.
  ExpectMatchesModel<RangeTable<std::uint16_t, 8>, std::uint16_t>(0x1000, 1024, 10);
  ExpectMatchesModel<RangeTable<std::uint16_t, 8>, std::uint16_t>(0xFC00, 1024, 11);
}

TEST(RangeTable, SlotLayoutFollowsTheLaterRangeWinsRuleForIpv4) {
  // Windows across /16 boundaries: /24s wholly inside one range (a slot) next to /24s that
  // ranges start inside (a search), and whole /16s around them.
  using Slots = RangeTable<std::uint32_t, 16, RangeSearch::kSlots>;
  // Fewer rounds than the other layouts: each build walks all 65,536 blocks.
  ExpectMatchesModel<Slots, std::uint32_t>(0x0A00FF00u, 1024, 19, 10);
  ExpectMatchesModel<Slots, std::uint32_t>(0x0A00F000u, 8192, 20, 10);
  ExpectMatchesModel<Slots, std::uint32_t>(0xFFFFF000u, 4096, 21, 5);
  ExpectMatchesModel<Slots, std::uint32_t>(0, 4096, 22, 5);
}

TEST(RangeTable, SlotLayoutAnswersValuesBeyondItsSlotsBySearch) {
  // 300 values, each on whole /24s (value v on v of them), more than the 255 slots: the
  // values on the fewest /24s get none and are found by the search.
  std::vector<SourceRange<std::uint32_t>> ranges;
  std::uint32_t next = 0x01000000u;
  for (std::uint32_t v = 1; v <= 300; ++v) {
    ranges.push_back({next, next + v * 256 - 1, v});
    next += v * 256 + 256;  // A /24 gap after each.
  }
  // A split /24 at the end: a single address inside another value's /24.
  ranges.push_back({next, next + 255, 7});
  ranges.push_back({next + 17, next + 17, 301});
  RangeTable<std::uint32_t, 16, RangeSearch::kSlots> table;
  table.Build(ranges);
  RangeTable<std::uint32_t, 0> tree;
  tree.Build(ranges);
  for (const auto& r : ranges) {
    for (std::uint32_t key : {r.first, r.last, r.first - 1, r.last + 1, r.first + 128}) {
      ASSERT_EQ(table.ValueAt(key), tree.ValueAt(key)) << key;
      ASSERT_EQ(table.Find(key).value, tree.ValueAt(key)) << key;
    }
  }
  EXPECT_EQ(table.ValueAt(0x01000000u), 1u);
  EXPECT_EQ(table.ValueAt(0x01000100u), 0u);
  EXPECT_EQ(table.ValueAt(next + 16), 7u);
  EXPECT_EQ(table.ValueAt(next + 17), 301u);
  EXPECT_EQ(table.ValueAt(next + 18), 7u);
  EXPECT_EQ(table.ValueAt(0xFFFFFFFFu), 0u);
}

TEST(RangeTable, TreeLayoutFollowsTheLaterRangeWinsRuleForIpv4) {
  ExpectMatchesModel<RangeTable<std::uint32_t, 0>, std::uint32_t>(0x0A00FF00u, 1024, 2);
  ExpectMatchesModel<RangeTable<std::uint32_t, 0>, std::uint32_t>(0xFFFFFC00u, 1024, 3);
}

TEST(RangeTable, BothLayoutsWorkForIpv6IncludingKeysThatShareTheirTop64Bits) {
  // A window straddling a 2^64 boundary: segments that share and that differ in the top bits.
  Uint128 base = (static_cast<Uint128>(0x20010db8) << 96) + (static_cast<Uint128>(1) << 64) - 512;
  ExpectMatchesModel<RangeTable<Uint128, 20>, Uint128>(base, 1024, 4);
  ExpectMatchesModel<RangeTable<Uint128, 0>, Uint128>(base, 1024, 5);
  ExpectMatchesModel<RangeTable<Uint128, 0>, Uint128>(~static_cast<Uint128>(0) - 1023, 1024, 6);
  ExpectMatchesModel<RangeTable<Uint128, 0>, Uint128>(0, 1024, 7);
}

TEST(RangeTable, TreeLayoutWithoutAvx2AnswersAlike) {
  // The portable variant, as a processor without AVX2 runs it (this one may have AVX2).
  Uint128 base = (static_cast<Uint128>(0x20010db8) << 96) + (static_cast<Uint128>(1) << 64) - 512;
  ExpectMatchesModel<RangeTable<Uint128, 0>, Uint128>(base, 1024, 25, 40, false);
  ExpectMatchesModel<RangeTable<Uint128, 0>, Uint128>(~static_cast<Uint128>(0) - 1023, 1024, 26, 40,
                                                      false);
  ExpectMatchesModel<RangeTable<std::uint32_t, 0>, std::uint32_t>(0x0A00FF00u, 1024, 27, 40, false);
}

// 60,000 ranges over a few crowded /32s, with ends at /48, /64 and single-address boundaries:
// a tree of five levels, whose answers at every start, the address before it and after it, and
// at random addresses must match the trie's (an independent layout), with and without AVX2, one
// by one and in batches. Values 1..`values`: up to 255 distinct ones are kept as slot bytes.
void ExpectDeepTreeMatchesTrie(std::uint32_t values) {
  std::mt19937_64 rng(28);
  std::vector<SourceRange<Uint128>> ranges;
  const Uint128 prefixes[] = {static_cast<Uint128>(0x2a000000ull) << 96,
                              static_cast<Uint128>(0x2a00ffffull) << 96,
                              static_cast<Uint128>(0x24010000ull) << 96};
  for (int i = 0; i < 60000; ++i) {
    const Uint128 first = prefixes[rng() % 3] + (static_cast<Uint128>(rng() % 65536) << 80) +
                          (static_cast<Uint128>(rng() % 4) << 64) +
                          (rng() % 8 == 0 ? static_cast<Uint128>(rng() % 1000) : 0);
    const int bits = std::array{128 - 48, 128 - 64, 128 - 96, 0}[rng() % 4];
    const Uint128 span = (static_cast<Uint128>(1) << bits) - 1;
    ranges.push_back({first, first + span, 1 + static_cast<std::uint32_t>(rng() % values)});
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  RangeTable<Uint128, 16, RangeSearch::kTrie, 0> trie;
  trie.Build(ranges);
  RangeTable<Uint128, 0> tree;
  tree.Build(ranges);
  ASSERT_GE(tree.segments(), 65536u);  // Five levels of 16 keys.
  std::vector<Uint128> keys;
  for (const auto& range : ranges) {
    for (Uint128 key :
         {range.first - 1, range.first, range.first + 1, range.last, range.last + 1}) {
      keys.push_back(key);
    }
    keys.push_back(prefixes[rng() % 3] + ((static_cast<Uint128>(rng()) << 64 | rng()) >> 32));
  }
  for (bool avx2 : {true, false}) {
    if (!avx2) tree.TurnOffAvx2();
    std::vector<std::uint32_t> batch(keys.size());
    tree.ValuesAt(keys.data(), keys.size(), batch.data());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::uint32_t expected = trie.ValueAt(keys[i]);
      ASSERT_EQ(tree.ValueAt(keys[i]), expected) << "key " << i << " avx2 " << avx2;
      ASSERT_EQ(batch[i], expected) << "batch key " << i << " avx2 " << avx2;
      ASSERT_EQ(tree.Find(keys[i]).value, expected) << "key " << i;
    }
  }
}

TEST(RangeTable, DeepTreeAgreesWithTheTrieAtEveryBoundary) {
  ExpectDeepTreeMatchesTrie(250);     // Slot bytes, as for the country data.
  ExpectDeepTreeMatchesTrie(100000);  // Too many values for slots, as for AS entries.
}

TEST(RangeTable, TrieLayoutFollowsTheLaterRangeWinsRule) {
  // 16-bit keys under a 4-bit first level: two levels of 6-bit nodes, down to single keys, so
  // the random ranges give nodes, runs of equal leaves and whole slots.
  ExpectMatchesModel<RangeTable<std::uint16_t, 4, RangeSearch::kTrie>, std::uint16_t>(0x1000, 1024,
                                                                                      12);
  ExpectMatchesModel<RangeTable<std::uint16_t, 4, RangeSearch::kTrie>, std::uint16_t>(0xFC00, 1024,
                                                                                      13);
  // 32-bit keys under a 16-bit first level: 6 + 6 bits of nodes, then 4 bits left, too few for
  // a node, that a forward scan finishes.
  ExpectMatchesModel<RangeTable<std::uint32_t, 16, RangeSearch::kTrie>, std::uint32_t>(0x0A00FF00u,
                                                                                       1024, 14);
  // IPv6 keys, as the index uses it: across a 2^64 boundary, and at both ends of the space.
  Uint128 base = (static_cast<Uint128>(0x20010db8) << 96) + (static_cast<Uint128>(1) << 64) - 512;
  using V6Trie = RangeTable<Uint128, 16, RangeSearch::kTrie>;
  ExpectMatchesModel<V6Trie, Uint128>(base, 1024, 15);
  ExpectMatchesModel<V6Trie, Uint128>(~static_cast<Uint128>(0) - 1023, 1024, 16);
  ExpectMatchesModel<V6Trie, Uint128>(0, 1024, 17);
  ExpectMatchesModel<RangeTable<Uint128, 16, RangeSearch::kTrie, 0>, Uint128>(base, 1024, 24);
}

TEST(RangeTable, TrieLayoutAnswersRangesSpreadOverTheWholeSpace) {
  // Ranges of every size and alignment, from whole /8s to single addresses, each checked at its
  // first and last address and just outside, against a later-wins model.
  std::mt19937_64 rng(18);
  std::vector<SourceRange<Uint128>> ranges;
  for (int i = 0; i < 3000; ++i) {
    const int bits = static_cast<int>(rng() % 121);  // Host bits: /8 down to /128.
    Uint128 first = ((static_cast<Uint128>(rng()) << 64) | rng()) >> (128 - 8) << 120;
    first |= ((static_cast<Uint128>(rng()) << 64) | rng()) & ((Uint128{1} << 120) - 1);
    first = bits == 0 ? first : first >> bits << bits;
    const Uint128 last = first + ((bits == 0 ? Uint128{0} : (Uint128{1} << bits) - 1));
    ranges.push_back({first, last, 1 + static_cast<std::uint32_t>(rng() % 1000)});
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  RangeTable<Uint128, 16, RangeSearch::kTrie> trie;
  trie.Build(ranges);
  // As the index uses it: split until every leaf lies inside one segment (down to 4-bit blocks,
  // too small for a node, that still scan).
  RangeTable<Uint128, 16, RangeSearch::kTrie, 0> resolving;
  resolving.Build(ranges);
  RangeTable<Uint128, 0> tree;
  tree.Build(ranges);
  ASSERT_EQ(trie.segments(), tree.segments());
  std::vector<Uint128> probes;
  for (const auto& r : ranges) {
    probes.insert(probes.end(),
                  {r.first, r.last, r.first - 1, r.last + 1, r.first + (r.last - r.first) / 2});
  }
  std::vector<std::uint32_t> batch(probes.size()), resolving_batch(probes.size());
  trie.ValuesAt(probes.data(), probes.size(), batch.data());
  resolving.ValuesAt(probes.data(), probes.size(), resolving_batch.data());
  for (std::size_t i = 0; i < probes.size(); ++i) {
    // The B+-tree is the reference here: its own test checks it against the painted model.
    const std::uint32_t expected = tree.ValueAt(probes[i]);
    ASSERT_EQ(trie.ValueAt(probes[i]), expected) << i;
    ASSERT_EQ(batch[i], expected) << i;
    ASSERT_EQ(trie.Find(probes[i]).value, expected) << i;
    ASSERT_EQ(resolving.ValueAt(probes[i]), expected) << i;
    ASSERT_EQ(resolving_batch[i], expected) << i;
  }
}

TEST(RangeTable, AnEmptyTableAnswersZeroEverywhere) {
  RangeTable<Uint128, 0> tree;
  EXPECT_EQ(tree.ValueAt(0), 0u);
  EXPECT_EQ(tree.ValueAt(~static_cast<Uint128>(0)), 0u);
  RangeTable<Uint128, 16, RangeSearch::kTrie> trie;
  EXPECT_EQ(trie.ValueAt(~static_cast<Uint128>(0)), 0u);
  EXPECT_EQ(trie.Find(~static_cast<Uint128>(0)).first, 0u);
  RangeTable<std::uint32_t, 16, RangeSearch::kSlots> slots;
  EXPECT_EQ(slots.ValueAt(0xFFFFFFFFu), 0u);
  EXPECT_EQ(slots.Find(0xFFFFFFFFu).last, 0xFFFFFFFFu);
  RangeTable<std::uint32_t, 16> block;
  EXPECT_EQ(block.Find(0xFFFFFFFFu).first, 0u);
  EXPECT_EQ(block.Find(0xFFFFFFFFu).last, 0xFFFFFFFFu);
}

TEST(RangeTable, ForEachInClipsToTheQueriedRange) {
  RangeTable<std::uint32_t, 0> table;
  table.Build({{10, 19, 1}, {20, 29, 2}});
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> seen;
  table.ForEachIn(15, 24, [&](const auto& s) { seen.emplace_back(s.first, s.last, s.value); });
  EXPECT_EQ(seen, (std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>>{
                      {15, 19, 1}, {20, 24, 2}}));
  seen.clear();
  table.ForEachIn(0, 0xFFFFFFFFu,
                  [&](const auto& s) { seen.emplace_back(s.first, s.last, s.value); });
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(std::get<1>(seen.back()), 0xFFFFFFFFu);
}

}  // namespace
}  // namespace liaison::jurisdiction
