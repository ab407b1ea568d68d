// RangeTable: a read-only map from disjoint address ranges to a 32-bit value, built once from
// possibly nested or overlapping source ranges and then searched without locks. Layout: the
// address space is cut into segments (every address belongs to exactly one; gaps carry value 0),
// kept as a sorted array of segment starts beside an array of values. Four searches
// (RangeSearch), chosen per table by measurement (bench/README.md):
// - kSlots (IPv4 countries): a byte per /24, the number of a "slot" (one of up to 255 values;
//   the country data has about 250), or an escape for a /24 that a segment starts inside (0.09 %
//   of them) or whose value has no slot: a binary search among the segments that start in its
//   /16 block answers those. The bytes come in 256-byte chunks, one per /16 block whose /24s
//   differ and one shared by all the blocks wholly in one value, named by a first level of
//   16-bit chunk numbers on the top 16 bits: 2.3 MiB of chunks and a 128 KiB first level for
//   the country data, so a look-up is two mostly cached reads and no branch but the rare escape;
// - kBlocks (IPv4 AS numbers, too many values for byte slots): a direct-indexed first level on the
// top kTopBits bits narrows each look-up to
//   the segments that start in that block, and a branch-free binary search finishes it. A block
//   that lies wholly inside one segment (most of the IPv4 space: 86 % of the /16 blocks of the
//   country data) carries that segment's value in its first-level entry, so ValueAt answers it
//   from the first level alone; every other block has a second level of 2^kSubBits entries that
//   does the same for its sub-blocks (all but 1.3 % of the IPv4 space at 6 bits) or names the
//   first segment of the sub-block, from which a short forward scan finds the answer;
// - kTrie (the IPv6 tables' layout before kTree; kept for comparison): the same first level, then,
// under each block that holds more than a few
//   segment starts, a trie of 6-bit nodes (poptrie-like: a 64-bit mask of the slots that are
//   further nodes, a 64-bit mask of where runs of equal leaf entries begin, two base indices; a
//   popcount picks the child), cut down to blocks that lie inside one segment (value in the
//   entry) or hold at most kScanStarts starts (a forward scan over the starts). The nodes and
//   leaves of the IPv6 country data take about 1.5 MiB with kScanStarts 4, 4 MiB with 0 (the
//   index's choice: a look-up then ends in its leaf, not in a scan of the 16-byte starts), so a
//   look-up reads a few cached 24-byte nodes instead of missing through a 275,000-key search;
//   ValuesAt interleaves kLanes look-ups with prefetching. Find and ForEachIn binary-search the
//   starts;
// - kTree (IPv6): a static B+-tree (16 keys a node) over the top 64 bits of the starts (all 32
//   for IPv4), every node on its own cache lines (two for 64-bit keys), stored top level first.
//   Each level counts the node's keys <= the address, without a branch (one AVX2 comparison per
//   four keys where the processor has AVX2, chosen at run time; one key at a time elsewhere);
//   the depth is the same for every look-up, so the look-ups of a caller's loop overlap their
//   cache misses instead of waiting for each other behind mispredicted branches, as a trie's
//   walk does (its depth differs with the address). The bottom level's index is the segment; its
//   value is prefetched while the bottom node is read. Only a segment whose start has non-zero
//   low 64 bits (marked in a bitmap) can lie past the address; then a step back over the few
//   segments inside that /64 finishes the look-up. ValuesAt walks kLanes look-ups level by
//   level, prefetching each next node. The nodes of the IPv6 country data take 2.2 MiB;
//   measured against the trie in bench/README.md.
// The large arrays sit on transparent huge pages (HugePageAllocator). Immutable after Build;
// thread-safe.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "jurisdiction/ip_address.hpp"

// kTree's AVX2 variant: GCC and Clang on x86-64, where a function can be compiled for AVX2 and
// chosen at run time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LIAISON_RANGE_TABLE_AVX2 1
#include <immintrin.h>
#else
#define LIAISON_RANGE_TABLE_AVX2 0
#endif

namespace liaison::jurisdiction {

// 32 bytes of signed keys as a GCC/Clang vector (compiled to one AVX2 register where the
// function is compiled for AVX2), for kTree's key counts.
template <typename T>
struct VectorOf;
template <>
struct VectorOf<std::int64_t> {
  typedef std::int64_t type __attribute__((vector_size(32)));
};
template <>
struct VectorOf<std::int32_t> {
  typedef std::int32_t type __attribute__((vector_size(32)));
};
template <>
struct VectorOf<std::int16_t> {
  typedef std::int16_t type __attribute__((vector_size(32)));
};

// An allocator for the large arrays of a RangeTable: arrays of at least kHugePage bytes get
// their own anonymous mapping, aligned to and rounded up to 2 MiB and marked MADV_HUGEPAGE, so
// that the kernel backs them with transparent huge pages when it can (with THP in "madvise"
// mode, as on Debian). Random look-ups over tens of MiB otherwise miss the TLB on most accesses.
// Smaller arrays come from operator new. Stateless; thread-safe.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>().allocate(n);
    const std::size_t size = RoundUp(bytes);
    // Over-map by one huge page, then cut off the unaligned head and the tail.
    void* raw =
        mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) munmap(raw, aligned - start);
    const std::uintptr_t end = start + size + kHugePage;
    if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
    // Advice only: without THP the mapping works with small pages.
    madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
    return reinterpret_cast<T*>(aligned);
  }
  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      std::allocator<T>().deallocate(p, n);
    } else {
      munmap(p, RoundUp(bytes));
    }
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }

 private:
  static std::size_t RoundUp(std::size_t bytes) {
    return (bytes + kHugePage - 1) & ~(kHugePage - 1);
  }
};

template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

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

// How a RangeTable answers ValueAt (see the header comment; Find and ForEachIn use the same
// structure except for kTrie, whose Find is a plain binary search over the starts).
// kSlots is for IPv4 keys with kTopBits == 16 only.
enum class RangeSearch { kBlocks, kTree, kTrie, kSlots };

// kScanStarts (kTrie): a block holding at most this many segment starts (besides its first
// address) is not split further: its entry names the segment to scan forward from.
template <typename Key, int kTopBits,
          RangeSearch kSearch = (kTopBits > 0 ? RangeSearch::kBlocks : RangeSearch::kTree),
          std::size_t kScanStarts = 4>
class RangeTable {
 public:
  static constexpr int kKeyBits = sizeof(Key) * 8;
  static constexpr int kShift = kKeyBits - (kTopBits > 0 ? kTopBits : 1);
  // The part of a key the B+-tree compares: all of an IPv4 key, the top 64 bits of an IPv6 one.
  using SearchKey = std::conditional_t<(sizeof(Key) > 8), std::uint64_t, Key>;
  static constexpr int kFanout = 16;
  // kTree: keys as stored in the nodes, with the top bit flipped so that a signed comparison
  // (all AVX2 has for 64-bit lanes) orders them as unsigned ones.
  using TreeKey = std::make_signed_t<SearchKey>;
  struct alignas(64) TreeNode {
    TreeKey keys[kFanout];
  };
  struct TreeLevel {
    std::size_t first;  // Its first node in tree_.
    std::size_t keys;   // Keys before the padding.
  };
  static TreeKey TreeKeyOf(SearchKey key) {
    return static_cast<TreeKey>(
        static_cast<SearchKey>(key ^ (SearchKey{1} << (sizeof(SearchKey) * 8 - 1))));
  }
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
    if constexpr (kSearch == RangeSearch::kTrie) {
      std::uint32_t entry = top_[static_cast<std::size_t>(key >> kShift)];
      int shift = kShift;
      while (entry & kNodeEntry) {
        shift -= kNodeBits;
        entry = TrieStep(nodes_[entry & ~kNodeEntry], key, shift);
      }
      return EntryValue(entry, key);
    } else if constexpr (kSearch == RangeSearch::kSlots) {
      const std::uint8_t slot = slots_[SlotIndex(key)];
      if (slot != kEscapeSlot) [[likely]] {
        return slot_values_[slot];
      }
      return values_[LocateInBlock(key)];
    } else if constexpr (kSearch == RangeSearch::kBlocks) {
      const std::uint32_t block = block_entries_[static_cast<std::size_t>(key >> kShift)];
      if (block & kWholeBlock) return block & ~kWholeBlock;
      const std::size_t sub_index =
          (std::size_t{block} << kSubBits) |
          static_cast<std::size_t>((key >> kSubShift) & ((Key{1} << kSubBits) - 1));
      const std::uint32_t sub = subs_[sub_index];
      if (sub & kWholeBlock) return sub & ~kWholeBlock;
      return EntryValue(sub, key);
    } else {
      if constexpr (kSearch == RangeSearch::kTree) return TreeValue(LocateInTree(key));
      return values_[Locate(key)];
    }
  }

  // The values for keys[0..n) into out[0..n), as ValueAt would give them. kTrie and kTree run
  // the look-ups interleaved, kLanes at a time, each step prefetching what the next needs, so that
  // their cache misses overlap instead of queueing one after another; the other layouts, whose
  // look-ups are one or two mostly cached reads, run them one by one (measured no slower).
  void ValuesAt(const Key* keys, std::size_t n, std::uint32_t* out) const {
    for (std::size_t base = 0; base < n; base += kLanes) {
      const std::size_t lanes = std::min(kLanes, n - base);
      if constexpr (kSearch == RangeSearch::kTrie) {
        ValuesInLanes(keys + base, lanes, out + base);
      } else if constexpr (kSearch == RangeSearch::kTree) {
        TreeValuesInLanes(keys + base, lanes, out + base);
      } else {
        for (std::size_t l = 0; l < lanes; ++l) out[base + l] = ValueAt(keys[base + l]);
      }
    }
  }
  static constexpr std::size_t kLanes = 32;

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

  // kTree: look-ups use the AVX2 variant when Build found the processor has AVX2. Turning it
  // off runs the portable variant, as on a processor without AVX2 (for tests).
  void TurnOffAvx2() { wide_ = false; }

  // Segment `i` (0 <= i < segments()).
  Segment<Key> SegmentAt(std::size_t i) const { return {starts_[i], LastOf(i), values_[i]}; }

  // Number of segments (including gaps) and the bytes the arrays take.
  std::size_t segments() const { return starts_.size(); }
  std::size_t MemoryBytes() const {
    std::size_t bytes =
        starts_.capacity() * sizeof(Key) + values_.capacity() * sizeof(std::uint32_t) +
        block_firsts_.capacity() * sizeof(std::uint32_t) +
        block_entries_.capacity() * sizeof(std::uint32_t) +
        subs_.capacity() * sizeof(std::uint32_t) + top_.capacity() * sizeof(std::uint32_t) +
        slot_top_.capacity() * sizeof(std::uint16_t) + slots_.capacity() + sizeof(slot_values_) +
        nodes_.capacity() * sizeof(TrieNode) + leaves_.capacity() * sizeof(std::uint32_t) +
        tree_.capacity() * sizeof(TreeNode) + tree_levels_.capacity() * sizeof(TreeLevel) +
        inner_starts_.capacity() * sizeof(std::uint64_t) + tree_slots_.capacity();
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
  std::size_t Locate(Key key) const {
    if constexpr (kSearch == RangeSearch::kTree) {
      return LocateInTree(key);
    } else if constexpr (kSearch != RangeSearch::kTrie) {
      return LocateInBlock(key);
    } else {
      return Search(0, starts_.size() - 1, key);
    }
  }
  // ValuesAt for up to kLanes keys (kTrie): every lane takes one step per round.
  void ValuesInLanes(const Key* keys, std::size_t lanes, std::uint32_t* out) const {
    std::uint32_t entries[kLanes];
    // A lane's state: a node to read (kNodeEntry | index), a leaf to read (`leaf`), or its
    // final entry.
    std::uint32_t leaf[kLanes];
    int shift[kLanes];
    for (std::size_t l = 0; l < lanes; ++l) {
      entries[l] = top_[static_cast<std::size_t>(keys[l] >> kShift)];
      shift[l] = kShift;
      leaf[l] = kNoLeaf;
      if (entries[l] & kNodeEntry) __builtin_prefetch(&nodes_[entries[l] & ~kNodeEntry]);
    }
    for (bool busy = true; busy;) {
      busy = false;
      for (std::size_t l = 0; l < lanes; ++l) {
        if (leaf[l] != kNoLeaf) {
          entries[l] = leaves_[leaf[l]];
          leaf[l] = kNoLeaf;
        } else if (entries[l] & kNodeEntry) {
          const TrieNode& node = nodes_[entries[l] & ~kNodeEntry];
          shift[l] -= kNodeBits;
          const unsigned slot = static_cast<unsigned>(keys[l] >> shift[l]) & (kNodeSlots - 1);
          const std::uint64_t upto = (std::uint64_t{2} << slot) - 1;
          if ((node.inner >> slot) & 1) {
            entries[l] = kNodeEntry | (node.inner_base + std::popcount(node.inner & upto) - 1);
            __builtin_prefetch(&nodes_[entries[l] & ~kNodeEntry]);
          } else {
            leaf[l] = node.leaf_base + std::popcount(node.leaf_runs & upto) - 1;
            __builtin_prefetch(&leaves_[leaf[l]]);
          }
          busy = true;
        }
      }
    }
    for (std::size_t l = 0; l < lanes; ++l) {
      if (!(entries[l] & kWholeBlock)) {
        __builtin_prefetch(&starts_[entries[l]]);
        __builtin_prefetch(&values_[entries[l]]);
      }
    }
    for (std::size_t l = 0; l < lanes; ++l) out[l] = EntryValue(entries[l], keys[l]);
  }
  static constexpr std::uint32_t kNoLeaf = ~std::uint32_t{0};
  // kSlots: the place in slots_ of the /24 holding `key`.
  std::size_t SlotIndex(Key key) const {
    return (std::size_t{slot_top_[static_cast<std::size_t>(key >> kShift)]} << kSubSlotBits) |
           static_cast<std::size_t>((key >> kSlotBits) & ((Key{1} << kSubSlotBits) - 1));
  }
  void BuildSlots();
  void BuildTree();
  // The answer of a first-level, second-level or trie leaf entry: kWholeBlock | value, or the
  // index of the last segment starting at or before the entry's block, whose few successors
  // inside the block a forward scan steps over.
  std::uint32_t EntryValue(std::uint32_t entry, Key key) const {
    if (entry & kWholeBlock) return entry & ~kWholeBlock;
    std::size_t i = entry;
    while (i + 1 < starts_.size() && starts_[i + 1] <= key) ++i;
    return values_[i];
  }
  // kTree: the segment holding `key`.
  std::size_t LocateInTree(Key key) const {
#if LIAISON_RANGE_TABLE_AVX2
    if constexpr (sizeof(TreeKey) == 8) {
      if (wide_) return LocateInTreeAvx2(key);
    }
#endif
    return LocateInTreeWith<false>(key);
  }
#if LIAISON_RANGE_TABLE_AVX2
  // LocateInTreeWith<true> with the key counts in AVX2 intrinsics (64-bit keys): comparisons
  // packed into one byte mask per eight keys and counted, and no clamp or test inside the walk:
  // fewer instructions than the generic code, so that more look-ups of a caller's loop fit in
  // the processor's window and overlap their cache misses.
  [[gnu::target("avx2,popcnt")]] std::size_t LocateInTreeAvx2(Key key) const {
    const TreeKey k = TreeKeyOf(SearchKeyOf(key));
    // Only the largest search key (the /64 ffff:ffff:ffff:ffff::) counts the padding's keys as
    // not above it; it takes the portable walk, which clamps.
    if (k == std::numeric_limits<TreeKey>::max()) [[unlikely]] {
      return LocateInTreeWith<false>(key);
    }
    const __m256i broadcast = _mm256_set1_epi64x(k);
    const TreeLevel* level = tree_levels_.data();
    const TreeLevel* const bottom = level + tree_levels_.size() - 1;
    std::size_t index = 0;
    for (; level != bottom; ++level)
      index = Avx2TreeStep(tree_[level->first + index], index, broadcast);
    __builtin_prefetch(TreeValueLine(index * kFanout));
    return StepBackInside(Avx2TreeStep(tree_[bottom->first + index], index, broadcast), key);
  }
  // The index in the next level of the last key of node `index` not above the broadcast key.
  [[gnu::target("avx2,popcnt"), gnu::always_inline]] static std::size_t Avx2TreeStep(
      const TreeNode& node, std::size_t index, __m256i broadcast) {
    const auto* keys = reinterpret_cast<const __m256i*>(node.keys);
    unsigned above = 0;  // Four mask bits for each key > k.
    for (int i = 0; i < kFanout / 4; i += 2) {
      const __m256i low = _mm256_cmpgt_epi64(_mm256_load_si256(keys + i), broadcast);
      const __m256i high = _mm256_cmpgt_epi64(_mm256_load_si256(keys + i + 1), broadcast);
      above += static_cast<unsigned>(_mm_popcnt_u32(
          static_cast<unsigned>(_mm256_movemask_epi8(_mm256_packs_epi32(low, high)))));
    }
    return index * kFanout + (kFanout - 1) - above / 4;
  }
  [[gnu::target("avx2")]] void TreeValuesInLanesAvx2(const Key* keys, std::size_t lanes,
                                                     std::uint32_t* out) const {
    TreeValuesInLanesWith<true>(keys, lanes, out);
  }
#endif
  void TreeValuesInLanes(const Key* keys, std::size_t lanes, std::uint32_t* out) const {
#if LIAISON_RANGE_TABLE_AVX2
    if (wide_) return TreeValuesInLanesAvx2(keys, lanes, out);
#endif
    TreeValuesInLanesWith<false>(keys, lanes, out);
  }
  template <bool kWide>
  [[gnu::always_inline]] std::size_t LocateInTreeWith(Key key) const {
    const TreeKey k = TreeKeyOf(SearchKeyOf(key));
    std::size_t index = 0;
    for (std::size_t j = 0; j < tree_levels_.size(); ++j) {
      if (j + 1 == tree_levels_.size()) __builtin_prefetch(TreeValueLine(index * kFanout));
      index = TreeStep<kWide>(tree_levels_[j], index, k);
    }
    return StepBackInside(index, key);
  }
  // The index in the next level (or the segment, at the bottom) of the last key <= k in node
  // `index` of `level`.
  template <bool kWide>
  [[gnu::always_inline]] std::size_t TreeStep(const TreeLevel& level, std::size_t index,
                                              TreeKey k) const {
    return NextTreeIndex(level, index, CountNotAbove<kWide>(tree_[level.first + index], k));
  }
  // The same from the count of node `index`'s keys <= k. The clamp keeps a search for the
  // largest key off the padding.
  static std::size_t NextTreeIndex(const TreeLevel& level, std::size_t index, std::size_t count) {
    return std::min(index * kFanout + count, level.keys) - 1;
  }
  // The number of the node's keys that are <= k: with vector operations (kWide), else one key
  // at a time; both without a branch.
  template <bool kWide>
  [[gnu::always_inline]] static std::size_t CountNotAbove(const TreeNode& node, TreeKey k) {
    if constexpr (kWide) {
      constexpr int kPerVector = 32 / sizeof(TreeKey);
      using Vector = typename VectorOf<TreeKey>::type;
      const Vector broadcast = Vector{} + k;
      Vector above{};  // -1 for every key > k, summed per lane.
      for (int i = 0; i < kFanout; i += kPerVector) {
        Vector keys;
        std::memcpy(&keys, &node.keys[i], sizeof(keys));
        above += keys > broadcast;
      }
      std::ptrdiff_t sum = 0;
      for (int lane = 0; lane < kPerVector; ++lane) sum += above[lane];
      return static_cast<std::size_t>(kFanout + sum);
    } else {
      std::size_t count = 0;
      for (int i = 0; i < kFanout; ++i) count += node.keys[i] <= k;
      return count;
    }
  }
  // Segment `index` holds the key unless it starts inside the key's /64 past it (IPv6 only).
  std::size_t StepBackInside(std::size_t index, Key key) const {
    if constexpr (sizeof(Key) > sizeof(SearchKey)) {
      if ((inner_starts_[index / 64] >> (index % 64)) & 1) [[unlikely]] {
        while (starts_[index] > key) --index;
      }
    }
    return index;
  }
  // ValuesAt for up to kLanes keys (kTree): level by level, every lane prefetching the node it
  // reads next (and at the bottom its value).
  template <bool kWide>
  [[gnu::always_inline]] void TreeValuesInLanesWith(const Key* keys, std::size_t lanes,
                                                    std::uint32_t* out) const {
    std::size_t index[kLanes] = {};
    TreeKey k[kLanes];
    for (std::size_t l = 0; l < lanes; ++l) k[l] = TreeKeyOf(SearchKeyOf(keys[l]));
    for (std::size_t j = 0; j < tree_levels_.size(); ++j) {
      const bool bottom = j + 1 == tree_levels_.size();
      for (std::size_t l = 0; l < lanes; ++l) {
        index[l] = TreeStep<kWide>(tree_levels_[j], index[l], k[l]);
        if (bottom) {
          __builtin_prefetch(TreeValueLine(index[l]));
        } else {
          const char* next =
              reinterpret_cast<const char*>(&tree_[tree_levels_[j + 1].first + index[l]]);
          __builtin_prefetch(next);
          if constexpr (sizeof(TreeNode) > 64) __builtin_prefetch(next + 64);
        }
      }
    }
    for (std::size_t l = 0; l < lanes; ++l) out[l] = TreeValue(StepBackInside(index[l], keys[l]));
  }
  // kTree: segment i's value, from its slot byte when the table has slots.
  std::uint32_t TreeValue(std::size_t i) const {
    return tree_slots_.empty() ? values_[i] : slot_values_[tree_slots_[i]];
  }
  const void* TreeValueLine(std::size_t i) const {
    return tree_slots_.empty() ? static_cast<const void*>(&values_[i])
                               : static_cast<const void*>(&tree_slots_[i]);
  }
  std::size_t LocateInBlock(Key key) const {
    const std::size_t block = static_cast<std::size_t>(key >> kShift);
    return Search(block_firsts_[block], block_firsts_[block + 1], key);
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
    return i + 1 < starts_.size() ? static_cast<Key>(starts_[i + 1] - 1)
                                  : static_cast<Key>(~Key{0});
  }
  static constexpr std::uint32_t kWholeBlock = 0x80000000u;  // Values stay below it.
  // kTrie: a first-level entry or a node's slot that is a further node (its index in nodes_).
  static constexpr std::uint32_t kNodeEntry = 0x40000000u;  // Values stay below it too.
  static constexpr int kNodeBits = 6;
  static constexpr unsigned kNodeSlots = 1u << kNodeBits;
  // A trie node: the block it covers is cut into 64 slots by the next 6 bits of the key. A slot
  // is a further node (bit set in `inner`: nodes_[inner_base + rank among the inner slots]) or
  // a leaf entry. Consecutive leaf slots with the same entry share one in leaves_: `leaf_runs`
  // marks the slots where a new entry starts (leaves_[leaf_base + rank among the marks]).
  struct TrieNode {
    std::uint64_t inner;
    std::uint64_t leaf_runs;
    std::uint32_t inner_base;
    std::uint32_t leaf_base;
  };
  // kTrie: the entry of `node`'s slot for `key` (the slot is the key's bits from `shift` up).
  // A branch, not a select of both outcomes: the select (measured) waits for the leaf read at
  // every level, where a predicted branch lets the next node's read start at once.
  std::uint32_t TrieStep(const TrieNode& node, Key key, int shift) const {
    const unsigned slot = static_cast<unsigned>(key >> shift) & (kNodeSlots - 1);
    // The slots 0..slot; 2 << 63 wraps to 0, so slot 63 takes all 64 bits.
    const std::uint64_t upto = (std::uint64_t{2} << slot) - 1;
    if ((node.inner >> slot) & 1) {
      return kNodeEntry | (node.inner_base + std::popcount(node.inner & upto) - 1);
    }
    return leaves_[node.leaf_base + std::popcount(node.leaf_runs & upto) - 1];
  }
  // kTrie: the entry of every slot of a block of 2^bits keys at `block_start` that starts
  // after segment `i` (the last starting at or before it). Fills nodes_[at] when it is a node.
  std::uint32_t BuildTrieEntry(Key block_start, int bits, std::size_t i);
  void BuildTrieNode(std::size_t at, Key block_start, int bits, std::size_t i);

  HugePageVector<Key> starts_;
  HugePageVector<std::uint32_t> values_;
  // kBlocks: the first level, 2^kTopBits + 1 entries (apart, so that the entries ValueAt reads
  // take half the cache): block_firsts_[b] is the index of the last segment starting at or
  // before block b's first address; block_entries_[b] is kWholeBlock | that segment's value when
  // the segment covers the whole block, else the number of the block's second-level table.
  HugePageVector<std::uint32_t> block_firsts_;
  HugePageVector<std::uint32_t> block_entries_;
  // The second-level tables, 2^kSubBits entries each: kWholeBlock | value for a sub-block inside
  // one segment, else the index of the last segment starting at or before the sub-block.
  HugePageVector<std::uint32_t> subs_;
  // kTree: the nodes, level after level from the top; each level's first node and number of
  // keys (top first); a bit per segment whose start has non-zero low 64 bits (IPv6); whether
  // the AVX2 variant runs.
  HugePageVector<TreeNode> tree_;
  std::vector<TreeLevel> tree_levels_;
  std::vector<std::uint64_t> inner_starts_;
  // kTree with at most 255 distinct values (the country tables: about 250): a byte per segment
  // naming its value in slot_values_, a quarter of values_, so that more of what the look-ups
  // read stays in the cache; empty otherwise (the AS tables), and values_ answers.
  HugePageVector<std::uint8_t> tree_slots_;
  bool wide_ = false;
  // kTrie: the first level (2^kTopBits entries), the nodes and their leaf entries.
  HugePageVector<std::uint32_t> top_;
  HugePageVector<TrieNode> nodes_;
  HugePageVector<std::uint32_t> leaves_;
  // kSlots: a byte per /24 (kSlotBits = 8 low bits), a slot number: slot_values_[slot] is the
  // value of the whole /24, or kEscapeSlot when a segment starts inside the /24 (0.09 % of the
  // IPv4 /24s of the country data) or its value has no slot (more than 255 distinct values):
  // then the /16 block's segments are binary-searched. slots_ holds chunks of 256 bytes, one
  // per /16 block whose /24s differ, plus one shared by all the blocks wholly in one slot's
  // value; slot_top_ names each block's chunk (chunk 0: all escapes, for blocks past 65,535
  // chunks). A flat array of all 2^24 /24 bytes (16 MiB, one read per look-up) was measured
  // slower: its reads miss the cache where these stay in it (bench/README.md).
  static constexpr int kSlotBits = 8;
  static constexpr int kSubSlotBits = kShift - kSlotBits;
  static constexpr std::uint8_t kEscapeSlot = 0xff;
  HugePageVector<std::uint16_t> slot_top_;
  HugePageVector<std::uint8_t> slots_;
  std::uint32_t slot_values_[kEscapeSlot] = {};
};

template <typename Key, int kTopBits, RangeSearch kSearch, std::size_t kScanStarts>
void RangeTable<Key, kTopBits, kSearch, kScanStarts>::BuildTree() {
  // The levels bottom up: the search key of every segment, then every kFanout-th key of the
  // level below (the first key of each of its nodes).
  std::vector<std::vector<TreeKey>> levels(1);
  levels[0].reserve(starts_.size());
  for (Key start : starts_) levels[0].push_back(TreeKeyOf(SearchKeyOf(start)));
  while (levels.back().size() > static_cast<std::size_t>(kFanout)) {
    std::vector<TreeKey> above;
    for (std::size_t i = 0; i < levels.back().size(); i += kFanout) {
      above.push_back(levels.back()[i]);
    }
    levels.push_back(std::move(above));
  }
  // Stored top first, each level padded to whole nodes with the largest key.
  std::size_t nodes = 0;
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    tree_levels_.push_back({nodes, level->size()});
    nodes += (level->size() + kFanout - 1) / kFanout;
  }
  TreeNode padding;
  std::fill(std::begin(padding.keys), std::end(padding.keys), std::numeric_limits<TreeKey>::max());
  tree_.assign(nodes, padding);
  for (std::size_t j = 0; j < tree_levels_.size(); ++j) {
    const auto& level = levels[levels.size() - 1 - j];
    for (std::size_t i = 0; i < level.size(); ++i) {
      tree_[tree_levels_[j].first + i / kFanout].keys[i % kFanout] = level[i];
    }
  }
  if constexpr (sizeof(Key) > sizeof(SearchKey)) {
    inner_starts_.assign((starts_.size() + 63) / 64, 0);
    for (std::size_t i = 0; i < starts_.size(); ++i) {
      if (static_cast<SearchKey>(starts_[i]) != 0)
        inner_starts_[i / 64] |= std::uint64_t{1} << (i % 64);
    }
  }
  std::vector<std::uint32_t> distinct(values_.begin(), values_.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::fill(std::begin(slot_values_), std::end(slot_values_), 0u);
  if (distinct.size() <= std::size(slot_values_)) {
    std::copy(distinct.begin(), distinct.end(), std::begin(slot_values_));
    tree_slots_.resize(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
      tree_slots_[i] = static_cast<std::uint8_t>(
          std::lower_bound(distinct.begin(), distinct.end(), values_[i]) - distinct.begin());
    }
  }
#if LIAISON_RANGE_TABLE_AVX2
  wide_ = __builtin_cpu_supports("avx2");
#endif
}

template <typename Key, int kTopBits, RangeSearch kSearch, std::size_t kScanStarts>
void RangeTable<Key, kTopBits, kSearch, kScanStarts>::BuildSlots() {
  static_assert(std::is_same_v<Key, std::uint32_t> && kTopBits == 16);
  constexpr std::size_t kSubsPerBlock = std::size_t{1} << kSubSlotBits;
  constexpr std::size_t kBlocks = std::size_t{1} << kTopBits;
  constexpr std::size_t kNone = ~std::size_t{0};
  // Calls f(block, segment, subs): segment is the one holding the whole /16 block, or kNone and
  // subs[k] the one holding the block's k-th /24 wholly (kNone: a segment starts inside it).
  // Needs block_firsts_.
  std::vector<std::size_t> subs(kSubsPerBlock);
  auto for_each_block = [&](auto&& f) {
    for (std::size_t b = 0; b < kBlocks; ++b) {
      std::size_t i = block_firsts_[b];
      const Key block_start = static_cast<Key>(b << kShift);
      const Key block_last = static_cast<Key>(block_start + ((Key{1} << kShift) - 1));
      if (i + 1 == starts_.size() || starts_[i + 1] > block_last) {
        f(b, i, subs);
        continue;
      }
      for (std::size_t k = 0; k < kSubsPerBlock; ++k) {
        const Key sub_start = static_cast<Key>(block_start + (k << kSlotBits));
        const Key sub_last = static_cast<Key>(sub_start + ((Key{1} << kSlotBits) - 1));
        while (i + 1 < starts_.size() && starts_[i + 1] <= sub_start) ++i;
        subs[k] = i + 1 == starts_.size() || starts_[i + 1] > sub_last ? i : kNone;
      }
      f(b, kNone, subs);
    }
  };
  // The values that hold the most whole /24s get the slots (all of them unless there are more
  // than 255), numbered in value order.
  std::unordered_map<std::uint32_t, std::size_t> subs_of_value;
  for_each_block([&](std::size_t, std::size_t segment, const std::vector<std::size_t>& subs) {
    if (segment != kNone) {
      subs_of_value[values_[segment]] += kSubsPerBlock;
      return;
    }
    for (std::size_t i : subs) {
      if (i != kNone) ++subs_of_value[values_[i]];
    }
  });
  std::vector<std::pair<std::size_t, std::uint32_t>> by_count;  // (-/24s, value)
  for (const auto& [value, count] : subs_of_value) by_count.emplace_back(~count, value);
  std::sort(by_count.begin(), by_count.end());
  if (by_count.size() > kEscapeSlot) by_count.resize(kEscapeSlot);
  std::vector<std::uint32_t> slotted;
  for (const auto& [count, value] : by_count) slotted.push_back(value);
  std::sort(slotted.begin(), slotted.end());
  std::fill(std::begin(slot_values_), std::end(slot_values_), 0u);
  std::copy(slotted.begin(), slotted.end(), std::begin(slot_values_));
  auto slot_of = [&](std::size_t segment) {
    if (segment == kNone) return kEscapeSlot;
    auto it = std::lower_bound(slotted.begin(), slotted.end(), values_[segment]);
    return it != slotted.end() && *it == values_[segment]
               ? static_cast<std::uint8_t>(it - slotted.begin())
               : kEscapeSlot;
  };
  slot_top_.assign(kBlocks, 0);
  slots_.assign(kSubsPerBlock, kEscapeSlot);  // Chunk 0: all escapes.
  std::uint16_t shared[kEscapeSlot] = {};     // The chunk of blocks wholly in a slot (0: none).
  for_each_block([&](std::size_t b, std::size_t segment, const std::vector<std::size_t>& subs) {
    const std::size_t chunks = slots_.size() / kSubsPerBlock;
    const std::uint8_t whole = slot_of(segment);
    if (segment != kNone && (whole == kEscapeSlot || shared[whole] != 0)) {
      slot_top_[b] = whole == kEscapeSlot ? 0 : shared[whole];
      return;
    }
    // Past 65,535 chunks (never with the country data) a block keeps chunk 0 and searches.
    if (chunks > 0xffff) return;
    slot_top_[b] = static_cast<std::uint16_t>(chunks);
    if (segment != kNone) {
      shared[whole] = static_cast<std::uint16_t>(chunks);
      slots_.insert(slots_.end(), kSubsPerBlock, whole);
    } else {
      for (std::size_t i : subs) slots_.push_back(slot_of(i));
    }
  });
  slots_.shrink_to_fit();
}

template <typename Key, int kTopBits, RangeSearch kSearch, std::size_t kScanStarts>
std::uint32_t RangeTable<Key, kTopBits, kSearch, kScanStarts>::BuildTrieEntry(Key block_start,
                                                                              int bits,
                                                                              std::size_t i) {
  // Starts inside the block, after its first address: those up to its last address.
  const Key block_last = static_cast<Key>(block_start + ((Key{1} << bits) - 1));
  std::size_t last = i;
  while (last + 1 < starts_.size() && starts_[last + 1] <= block_last && last - i <= kScanStarts) {
    ++last;
  }
  LIAISON_CHECK(values_[i] < kNodeEntry && starts_.size() < kNodeEntry);
  if (last == i) return kWholeBlock | values_[i];
  if (last - i <= kScanStarts || bits < kNodeBits) return static_cast<std::uint32_t>(i);
  const std::size_t at = nodes_.size();
  LIAISON_CHECK(at < kNodeEntry);
  nodes_.push_back({});
  BuildTrieNode(at, block_start, bits, i);
  return kNodeEntry | static_cast<std::uint32_t>(at);
}

template <typename Key, int kTopBits, RangeSearch kSearch, std::size_t kScanStarts>
void RangeTable<Key, kTopBits, kSearch, kScanStarts>::BuildTrieNode(std::size_t at, Key block_start,
                                                                    int bits, std::size_t i) {
  const int slot_bits = bits - kNodeBits;
  // First every slot's entry, the inner slots' nodes left to fill: a node's inner slots must
  // take consecutive places in nodes_, so they are placed before any of them is built.
  std::uint32_t entries[kNodeSlots] = {};
  std::size_t firsts[kNodeSlots] = {};
  std::uint64_t inner = 0;
  std::size_t j = i;
  for (unsigned slot = 0; slot < kNodeSlots; ++slot) {
    const Key slot_start = static_cast<Key>(block_start + (static_cast<Key>(slot) << slot_bits));
    while (j + 1 < starts_.size() && starts_[j + 1] <= slot_start) ++j;
    firsts[slot] = j;
    const Key slot_last = static_cast<Key>(slot_start + ((Key{1} << slot_bits) - 1));
    std::size_t inside = 0;
    for (std::size_t k = j + 1; k < starts_.size() && starts_[k] <= slot_last; ++k) {
      if (++inside > kScanStarts) break;
    }
    if (inside > kScanStarts && slot_bits >= kNodeBits) {
      inner |= std::uint64_t{1} << slot;
    } else {
      entries[slot] = BuildTrieEntry(slot_start, slot_bits, j);
    }
  }
  const std::size_t inner_base = nodes_.size();
  nodes_.resize(inner_base + static_cast<std::size_t>(std::popcount(inner)));
  TrieNode node{inner, 0, static_cast<std::uint32_t>(inner_base),
                static_cast<std::uint32_t>(leaves_.size())};
  bool previous_leaf = false;
  for (unsigned slot = 0; slot < kNodeSlots; ++slot) {
    if ((inner >> slot) & 1) {
      previous_leaf = false;
      continue;
    }
    if (!previous_leaf || leaves_.back() != entries[slot]) {
      node.leaf_runs |= std::uint64_t{1} << slot;
      leaves_.push_back(entries[slot]);
    }
    previous_leaf = true;
  }
  nodes_[at] = node;
  std::size_t next = inner_base;
  for (unsigned slot = 0; slot < kNodeSlots; ++slot) {
    if (!((inner >> slot) & 1)) continue;
    const Key slot_start = static_cast<Key>(block_start + (static_cast<Key>(slot) << slot_bits));
    BuildTrieNode(next++, slot_start, slot_bits, firsts[slot]);
  }
}

template <typename Key, int kTopBits, RangeSearch kSearch, std::size_t kScanStarts>
void RangeTable<Key, kTopBits, kSearch, kScanStarts>::Build(
    const std::vector<SourceRange<Key>>& ranges) {
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

  tree_.clear();
  tree_levels_.clear();
  inner_starts_.clear();
  tree_slots_.clear();
  block_firsts_.clear();
  block_entries_.clear();
  subs_.clear();
  top_.clear();
  nodes_.clear();
  leaves_.clear();
  slot_top_.clear();
  slots_.clear();
  if constexpr (kSearch == RangeSearch::kTrie) {
    static_assert(kTopBits > 0 && kTopBits < kKeyBits);
    top_.resize(std::size_t{1} << kTopBits);
    std::size_t i = 0;
    for (std::size_t b = 0; b < top_.size(); ++b) {
      Key block_start = static_cast<Key>(static_cast<Key>(b) << kShift);
      while (i + 1 < starts_.size() && starts_[i + 1] <= block_start) ++i;
      top_[b] = BuildTrieEntry(block_start, kShift, i);
    }
    nodes_.shrink_to_fit();
    leaves_.shrink_to_fit();
    return;
  }
  if constexpr (kSearch == RangeSearch::kTree) {
    BuildTree();
    return;
  }
  // kBlocks and kSlots: the first level (kSlots uses only block_firsts_, for its escapes).
  constexpr bool kSecondLevel = kSearch == RangeSearch::kBlocks;
  std::size_t blocks = std::size_t{1} << kTopBits;
  block_firsts_.assign(blocks + 1, 0);
  if (kSecondLevel) block_entries_.assign(blocks + 1, 0);
  std::size_t i = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    Key block_start = static_cast<Key>(static_cast<Key>(b) << kShift);
    Key block_last = static_cast<Key>(block_start + ((Key{1} << kShift) - 1));
    while (i + 1 < starts_.size() && starts_[i + 1] <= block_start) ++i;
    LIAISON_CHECK(values_[i] < kWholeBlock);
    const bool whole = i + 1 == starts_.size() || starts_[i + 1] > block_last;
    if (!kSecondLevel) {
      block_firsts_[b] = static_cast<std::uint32_t>(i);
      continue;
    }
    if (whole) {
      block_firsts_[b] = static_cast<std::uint32_t>(i);
      block_entries_[b] = kWholeBlock | values_[i];
      continue;
    }
    const std::size_t table = subs_.size() >> kSubBits;
    LIAISON_CHECK(table < kWholeBlock && starts_.size() < kWholeBlock);
    block_firsts_[b] = static_cast<std::uint32_t>(i);
    block_entries_[b] = static_cast<std::uint32_t>(table);
    std::size_t j = i;
    for (std::size_t sub = 0; sub < (std::size_t{1} << kSubBits); ++sub) {
      Key sub_start = static_cast<Key>(block_start + (static_cast<Key>(sub) << kSubShift));
      Key sub_last = static_cast<Key>(sub_start + ((Key{1} << kSubShift) - 1));
      while (j + 1 < starts_.size() && starts_[j + 1] <= sub_start) ++j;
      const bool sub_whole = j + 1 == starts_.size() || starts_[j + 1] > sub_last;
      subs_.push_back(sub_whole ? kWholeBlock | values_[j] : static_cast<std::uint32_t>(j));
    }
  }
  block_firsts_[blocks] = static_cast<std::uint32_t>(starts_.size() - 1);
  subs_.shrink_to_fit();
  if constexpr (kSearch == RangeSearch::kSlots) {
    BuildSlots();
  }
}

}  // namespace liaison::jurisdiction
