// RangeTable: a read-only map from disjoint address ranges to a 32-bit value, built once from
// possibly nested or overlapping source ranges and then searched without locks. Layout: the
// address space is cut into segments (every address belongs to exactly one; gaps carry value 0),
// kept as a sorted array of segment starts beside an array of values. Two searches, chosen per
// table by measurement (bench/README.md):
// - kTopBits > 0: a direct-indexed first level on the top kTopBits bits narrows each look-up to
//   the segments that start in that block, and a branch-free binary search finishes it. A block
//   that lies wholly inside one segment (most of the IPv4 space: 86 % of the /16 blocks of the
//   country data) carries that segment's value in its first-level entry, so ValueAt answers it
//   from the first level alone; every other block has a second level of 2^kSubBits entries that
//   does the same for its sub-blocks (all but 1.3 % of the IPv4 space at 6 bits) or names the
//   first segment of the sub-block, from which a short forward scan finds the answer;
// - kTopBits == 0: a static B+-tree (16 keys a node) over the top 64 bits of the starts (all 32
//   for IPv4): each level is one small count of keys <= the address, a node per cache line or
//   two, then a step back over the few segments that share those 64 bits.
// Immutable after Build; thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/result.hpp"
#include "jurisdiction/ip_address.hpp"

namespace liaison::jurisdiction {

// A source range [first, last] (inclusive) with its value (non-zero).
template <typename Key>
struct SourceRange {
  Key first;
  Key last;
  std::uint32_t value;
};

// One segment of the partition: [first, last] carries `value` (0: no data).
template <typename Key>
struct Segment {
  Key first;
  Key last;
  std::uint32_t value;
};

template <typename Key, int kTopBits>
class RangeTable {
 public:
  static constexpr int kKeyBits = sizeof(Key) * 8;
  static constexpr int kShift = kKeyBits - (kTopBits > 0 ? kTopBits : 1);
  // The part of a key the B+-tree compares: all of an IPv4 key, the top 64 bits of an IPv6 one.
  using SearchKey = std::conditional_t<(sizeof(Key) > 8), std::uint64_t, Key>;
  static constexpr int kFanout = 16;
  // Second-level bits per mixed first-level block (kTopBits > 0).
  static constexpr int kSubBits = kShift >= 6 ? 6 : kShift;
  static constexpr int kSubShift = kShift - kSubBits;

  RangeTable() { Build({}); }

  // Builds the table from `ranges`, which must be sorted by `first` (ties in any order) and have
  // first <= last. Where ranges overlap, the range that starts later wins over the range it falls
  // in for as long as it lasts; of two ranges with the same start, the later one in `ranges` wins
  // where they overlap. This is the rule of the ip-location-db CSVs, which list a block and then
  // the more specific blocks inside it.
  void Build(const std::vector<SourceRange<Key>>& ranges);

  // The segment holding `key`.
  Segment<Key> Find(Key key) const {
    std::size_t i = Locate(key);
    return {starts_[i], LastOf(i), values_[i]};
  }

  // The value for `key` (0: none). The fast path of Find.
  std::uint32_t ValueAt(Key key) const {
    if constexpr (kTopBits > 0) {
      const std::uint32_t block = blocks_[static_cast<std::size_t>(key >> kShift)].value;
      if (block & kWholeBlock) return block & ~kWholeBlock;
      const std::size_t sub_index = (std::size_t{block} << kSubBits) |
                                    static_cast<std::size_t>((key >> kSubShift) &
                                                             ((Key{1} << kSubBits) - 1));
      const std::uint32_t sub = subs_[sub_index];
      if (sub & kWholeBlock) return sub & ~kWholeBlock;
      // The segments starting inside one sub-block are few: scan forward from its first.
      std::size_t i = sub;
      while (i + 1 < starts_.size() && starts_[i + 1] <= key) ++i;
      return values_[i];
    } else {
      return values_[Locate(key)];
    }
  }

  // Calls `f(segment)` for every segment overlapping [first, last], in order, clipped to it.
  template <typename F>
  void ForEachIn(Key first, Key last, F&& f) const {
    for (std::size_t i = Locate(first); i < starts_.size() && starts_[i] <= last; ++i) {
      Key seg_first = std::max(starts_[i], first);
      Key seg_last = std::min(LastOf(i), last);
      f(Segment<Key>{seg_first, seg_last, values_[i]});
      if (seg_last == last) break;
    }
  }

  // Segment `i` (0 <= i < segments()).
  Segment<Key> SegmentAt(std::size_t i) const { return {starts_[i], LastOf(i), values_[i]}; }

  // Number of segments (including gaps) and the bytes the arrays take.
  std::size_t segments() const { return starts_.size(); }
  std::size_t MemoryBytes() const {
    std::size_t bytes = starts_.capacity() * sizeof(Key) +
                        values_.capacity() * sizeof(std::uint32_t) +
                        blocks_.capacity() * sizeof(Block) +
                        subs_.capacity() * sizeof(std::uint32_t);
    for (const auto& level : levels_) bytes += level.capacity() * sizeof(SearchKey);
    return bytes;
  }

 private:
  static SearchKey SearchKeyOf(Key key) {
    if constexpr (sizeof(Key) > 8) {
      return static_cast<SearchKey>(key >> 64);
    } else {
      return key;
    }
  }
  // The number of keys in [first, first + n) that are <= key; n <= kFanout. Branch-free.
  static std::size_t CountNotAbove(const SearchKey* first, std::size_t n, SearchKey key) {
    std::size_t count = 0;
    if (n == kFanout) {
      for (int i = 0; i < kFanout; ++i) count += first[i] <= key;
    } else {
      for (std::size_t i = 0; i < n; ++i) count += first[i] <= key;
    }
    return count;
  }
  std::size_t Locate(Key key) const {
    if constexpr (kTopBits == 0) {
      return LocateInTree(key);
    } else {
      return LocateInBlock(key);
    }
  }
  std::size_t LocateInTree(Key key) const {
    const SearchKey k = SearchKeyOf(key);
    // levels_[0] holds a search key per segment; levels_[j + 1] every kFanout-th of levels_[j].
    std::size_t index = 0;
    for (std::size_t j = levels_.size(); j-- > 0;) {
      const auto& level = levels_[j];
      std::size_t base = index * kFanout;
      std::size_t n = std::min<std::size_t>(kFanout, level.size() - base);
      index = base + CountNotAbove(level.data() + base, n, k) - 1;
    }
    // Segments that share the top 64 bits are told apart by the full key; when the top bits
    // differ (most look-ups) the full starts need not be read at all.
    if (levels_[0][index] == k) {
      while (starts_[index] > key) --index;
    }
    return index;
  }
  std::size_t LocateInBlock(Key key) const {
    const Block* block = blocks_.data() + static_cast<std::size_t>(key >> kShift);
    return Search(block->first, block[1].first, key);
  }
  // The segment holding `key` among [base, last]; starts_[base] <= key.
  std::size_t Search(std::size_t base, std::size_t last, Key key) const {
    std::size_t n = last - base + 1;
    const Key* starts = starts_.data();
    // Invariant: starts[base] <= key; the answer is in [base, base + n).
    while (n > 1) {
      std::size_t half = n / 2;
      base = starts[base + half] <= key ? base + half : base;
      n -= half;
    }
    return base;
  }
  Key LastOf(std::size_t i) const {
    return i + 1 < starts_.size() ? static_cast<Key>(starts_[i + 1] - 1) : static_cast<Key>(~Key{0});
  }
  // A first-level entry (kTopBits > 0): `first` is the index of the last segment starting at or
  // before the block's first address; `value` is kWholeBlock | that segment's value when the
  // segment covers the whole block, else the number of the block's second-level table in subs_.
  struct Block {
    std::uint32_t first;
    std::uint32_t value;
  };
  static constexpr std::uint32_t kWholeBlock = 0x80000000u;  // Values stay below it.

  std::vector<Key> starts_;
  std::vector<std::uint32_t> values_;
  std::vector<Block> blocks_;  // 2^kTopBits + 1 entries (kTopBits > 0).
  // The second-level tables, 2^kSubBits entries each: kWholeBlock | value for a sub-block inside
  // one segment, else the index of the last segment starting at or before the sub-block.
  std::vector<std::uint32_t> subs_;
  // The B+-tree's levels, bottom first (kTopBits == 0).
  std::vector<std::vector<SearchKey>> levels_;
};

template <typename Key, int kTopBits>
void RangeTable<Key, kTopBits>::Build(const std::vector<SourceRange<Key>>& ranges) {
  starts_.clear();
  values_.clear();
  // A sweep over the sorted ranges with a stack of the ranges still open: `cursor` is the first
  // address not yet given a segment; the top of the stack owns the addresses from there on.
  struct Open {
    Key last;
    std::uint32_t value;
  };
  std::vector<Open> open;
  Key cursor = 0;
  bool exhausted = false;  // The cursor went past the last address.
  auto emit = [&](Key first, std::uint32_t value) {
    // Adjacent source rows keep separate segments, so the matching range stays the source row's;
    // only gaps merge with one another.
    if (!starts_.empty() && starts_.back() == first) {
      values_.back() = value;
    } else if (value == 0 && !values_.empty() && values_.back() == 0) {
      return;
    } else {
      starts_.push_back(first);
      values_.push_back(value);
    }
  };
  auto close_until = [&](Key start, bool final) {
    // Pops every open range that ends before `start`, giving it the addresses it still owns.
    while (!open.empty() && (final || open.back().last < start)) {
      Open top = open.back();
      open.pop_back();
      if (!exhausted && cursor <= top.last) {
        emit(cursor, top.value);
        if (top.last == static_cast<Key>(~Key{0})) {
          exhausted = true;
        } else {
          cursor = top.last + 1;
        }
      }
    }
    if (exhausted) return;
    if (final) {
      emit(cursor, 0);
      return;
    }
    if (cursor < start) emit(cursor, open.empty() ? 0 : open.back().value);
    cursor = start;
  };
  for (const auto& range : ranges) {
    close_until(range.first, false);
    open.push_back({range.last, range.value});
  }
  close_until(0, true);
  if (starts_.empty() || starts_.front() != 0) {
    starts_.insert(starts_.begin(), Key{0});
    values_.insert(values_.begin(), 0u);
  }
  starts_.shrink_to_fit();
  values_.shrink_to_fit();

  levels_.clear();
  blocks_.clear();
  subs_.clear();
  if constexpr (kTopBits == 0) {
    std::vector<SearchKey> level;
    level.reserve(starts_.size());
    for (Key start : starts_) level.push_back(SearchKeyOf(start));
    levels_.push_back(std::move(level));
    while (levels_.back().size() > kFanout) {
      const auto& below = levels_.back();
      std::vector<SearchKey> above;
      for (std::size_t i = 0; i < below.size(); i += kFanout) above.push_back(below[i]);
      levels_.push_back(std::move(above));
    }
    return;
  }
  std::size_t blocks = std::size_t{1} << kTopBits;
  blocks_.assign(blocks + 1, Block{0, 0});
  std::size_t i = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    Key block_start = static_cast<Key>(static_cast<Key>(b) << kShift);
    Key block_last = static_cast<Key>(block_start + ((Key{1} << kShift) - 1));
    while (i + 1 < starts_.size() && starts_[i + 1] <= block_start) ++i;
    LIAISON_CHECK(values_[i] < kWholeBlock);
    const bool whole = i + 1 == starts_.size() || starts_[i + 1] > block_last;
    if (whole) {
      blocks_[b] = {static_cast<std::uint32_t>(i), kWholeBlock | values_[i]};
      continue;
    }
    const std::size_t table = subs_.size() >> kSubBits;
    LIAISON_CHECK(table < kWholeBlock && starts_.size() < kWholeBlock);
    blocks_[b] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(table)};
    std::size_t j = i;
    for (std::size_t sub = 0; sub < (std::size_t{1} << kSubBits); ++sub) {
      Key sub_start = static_cast<Key>(block_start + (static_cast<Key>(sub) << kSubShift));
      Key sub_last = static_cast<Key>(sub_start + ((Key{1} << kSubShift) - 1));
      while (j + 1 < starts_.size() && starts_[j + 1] <= sub_start) ++j;
      const bool sub_whole = j + 1 == starts_.size() || starts_[j + 1] > sub_last;
      subs_.push_back(sub_whole ? kWholeBlock | values_[j] : static_cast<std::uint32_t>(j));
    }
  }
  blocks_[blocks] = {static_cast<std::uint32_t>(starts_.size() - 1), 0};
  subs_.shrink_to_fit();
}

}  // namespace liaison::jurisdiction
