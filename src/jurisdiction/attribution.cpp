#include "jurisdiction/attribution.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <bitset>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.hpp"
#include "jurisdiction/csv.hpp"
#include "jurisdiction/reference.hpp"

namespace liaison::jurisdiction {
namespace {

// Bytes read from the feed: unlike a std::string it is not zeroed when it grows (the reading
// thread overwrites it at once), and its storage is reused for chunk after chunk.
class TextBuffer {
 public:
  char* data() { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {bytes_.get(), size_}; }
  // Makes room for `capacity` bytes, keeping the contents. kPadding more bytes may always be
  // read past the end (ParseIpAddressPadded).
  void Reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    capacity = std::max(capacity, capacity_ + capacity_ / 2);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity + kPadding);
    std::memset(bigger.get() + capacity, 0, kPadding);
    if (size_ > 0) std::memcpy(bigger.get(), bytes_.get(), size_);
    bytes_ = std::move(bigger);
    capacity_ = capacity;
  }
  // Sets the size, which must be within the capacity; new bytes are left as they are.
  void Resize(std::size_t size) {
    LIAISON_CHECK(size <= capacity_);
    size_ = size;
  }
  static constexpr std::size_t kPadding = kIpAddressReadAhead;

  // Drops the first `count` bytes.
  void Erase(std::size_t count) {
    std::memmove(bytes_.get(), bytes_.get() + count, size_ - count);
    size_ -= count;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0, capacity_ = 0;
};

struct Chunk {
  std::int64_t sequence = 0;
  std::int64_t first_line = 1;
  TextBuffer buffer;
  std::size_t begin = 0;    // Where the chunk's records start in the buffer (after the header).
  bool quote_free = false;  // True when the reading thread found no '"' in the buffer.
  std::optional<FeedError> oversized;  // A line too long to fit any chunk, skipped whole.
  std::string_view text() const { return buffer.view().substr(begin); }
};

// Who answers for each packed country code, computed once per feed.
struct GroupTable {
  std::vector<std::string> names;  // Group keys; index 0 is "unattributed".
  std::vector<std::string> states;
  std::array<std::uint16_t, 26 * 26> by_code{};  // Packed code → group index.
  std::array<std::string, 26 * 26> countries;

  GroupTable() {
    names.push_back("unattributed");
    states.push_back("");
    std::map<std::string, std::uint16_t> index;
    for (int a = 0; a < 26; ++a) {
      for (int b = 0; b < 26; ++b) {
        std::string code = {static_cast<char>('A' + a), static_cast<char>('A' + b)};
        Jurisdiction j = ResolveCountry(code);
        std::string key = j.state.empty() ? "no-state-" + code : j.state;
        auto [it, inserted] = index.try_emplace(key, static_cast<std::uint16_t>(names.size()));
        if (inserted) {
          names.push_back(key);
          states.push_back(j.state);
        }
        by_code[a * 26 + b] = it->second;
        countries[a * 26 + b] = code;
      }
    }
  }
  static int Slot(std::uint16_t packed) {
    int a = (packed >> 8) - 'A', b = (packed & 0xff) - 'A';
    return a >= 0 && a < 26 && b >= 0 && b < 26 ? a * 26 + b : -1;
  }
};

struct Columns {
  int address = -1;
  int category = -1;
  int time = -1;
  std::string address_name, category_name, time_name;
};

// The observation window as Unix milliseconds; empty while first > last.
struct Window {
  long long first = std::numeric_limits<long long>::max();
  long long last = std::numeric_limits<long long>::min();
  void Add(long long t) {
    first = std::min(first, t);
    last = std::max(last, t);
  }
  void Add(const Window& w) {
    first = std::min(first, w.first);
    last = std::max(last, w.last);
  }
};

// A row without a time (no time column, or a value that is not a date-time).
constexpr long long kNoTime = std::numeric_limits<long long>::min();

// Reads the time field of a row. Feeds repeat the same day on many consecutive rows, so the
// common form "YYYY-MM-DDTHH:MM:SS[.fff]Z" is read by hand once its day is known; anything else
// goes through ParseRfc3339. One per worker.
class TimeParser {
 public:
  // Unix milliseconds, or kNoTime when `text` is not an RFC 3339 date-time. The common case is
  // inline; the rest goes to ParseWhole.
  long long Parse(std::string_view text) {
    if (text.size() == 20 && text[19] == 'Z' && has_day_ && SameDay(text) &&
        (text[10] == 'T' || text[10] == ' ')) {
      // Whole seconds on the known day.
      if (const long long ms = ClockTime(text.data() + 11); ms >= 0) return day_ms_ + ms;
    }
    return ParseWhole(text);
  }

 private:
  [[gnu::noinline]] long long ParseWhole(std::string_view text) {
    if (text.size() > 20 && text.back() == 'Z' && has_day_ && SameDay(text) &&
        (text[10] == 'T' || text[10] == ' ')) {
      if (auto ms = TimeOfDay(text.substr(11, text.size() - 12))) return day_ms_ + *ms;
    }
    std::string normal(text);
    // "2026-11-01 00:00:00Z": RFC 3339 §5.6 allows a space for the "T".
    if (normal.size() > 10 && normal[10] == ' ') normal[10] = 'T';
    auto parsed = ParseRfc3339(normal);
    if (!parsed.has_value()) return kNoTime;
    // Remember the day of a UTC time for the rows that follow.
    if (text.size() >= 20 && text.back() == 'Z') {
      if (auto ms = TimeOfDay(text.substr(11, text.size() - 12))) {
        std::memcpy(day_.data(), text.data(), day_.size());
        has_day_ = true;
        day_ms_ = ToUnixMillis(*parsed) - *ms;
      }
    }
    return ToUnixMillis(*parsed);
  }

  // "HH:MM:SS" with an optional fraction, as milliseconds since midnight.
  static std::optional<long long> TimeOfDay(std::string_view t) {
    if (t.size() < 8) return std::nullopt;
    long long ms = ClockTime(t.data());
    if (ms < 0) return std::nullopt;
    if (t.size() == 8) return ms;
    if (t[8] != '.' || t.size() == 9) return std::nullopt;
    int scale = 100;
    for (std::size_t i = 9; i < t.size(); ++i) {
      // A byte that is not a digit gives a value over 9.
      if (static_cast<unsigned>(t[i]) - '0' > 9) return std::nullopt;
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
    return ms;
  }

  // The eight bytes "HH:MM:SS" at `p` as milliseconds since midnight, -1 if they are not a time
  // of day. Read as one word: the colons, the six digits and the ranges are checked with a few
  // word operations rather than a branch per byte.
  static long long ClockTime(const char* p) {
    if constexpr (std::endian::native != std::endian::little) {
      auto digit = [&](int i) { return static_cast<unsigned>(p[i]) - '0'; };
      for (int i : {0, 1, 3, 4, 6, 7}) {
        if (digit(i) > 9) return -1;
      }
      if (p[2] != ':' || p[5] != ':') return -1;
      return FromDigits(digit(0) * 10 + digit(1), digit(3) * 10 + digit(4),
                        digit(6) * 10 + digit(7));
    }
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    constexpr std::uint64_t kColons = 0x0000ff0000ff0000;  // Bytes 2 and 5.
    if ((v & kColons) != 0x00003a00003a0000) return -1;
    const std::uint64_t digits = (v & ~kColons) | 0x0000300000300000;
    // Every byte is '0'-'9': its high nibble is 3, and adding 6 does not change that.
    constexpr std::uint64_t kHigh = 0xf0f0f0f0f0f0f0f0;
    if (((digits & kHigh) | (((digits + 0x0606060606060606) & kHigh) >> 4)) !=
        0x3333333333333333) {
      return -1;
    }
    const std::uint64_t d = digits - 0x3030303030303030;
    auto at = [&](int i) { return static_cast<unsigned>((d >> (8 * i)) & 0xff); };
    return FromDigits(at(0) * 10 + at(1), at(3) * 10 + at(4), at(6) * 10 + at(7));
  }
  static long long FromDigits(unsigned hours, unsigned minutes, unsigned seconds) {
    if (hours > 23 || minutes > 59 || seconds > 59) return -1;
    return ((hours * 60LL + minutes) * 60 + seconds) * 1000;
  }

  // Whether `text` (at least 10 bytes) starts with day_, compared as two words.
  bool SameDay(std::string_view text) const {
    std::uint64_t a, b;
    std::uint16_t c, d;
    std::memcpy(&a, text.data(), 8);
    std::memcpy(&b, day_.data(), 8);
    std::memcpy(&c, text.data() + 8, 2);
    std::memcpy(&d, day_.data() + 8, 2);
    return a == b && c == d;
  }

  std::array<char, 10> day_{};  // "YYYY-MM-DD" of the last UTC time read whole.
  bool has_day_ = false;
  long long day_ms_ = 0;
};

// The categories of one chunk as small numbers. A category is found by its length and first and
// last eight bytes in a small open-addressing table, so that a row costs one comparison rather
// than a search whose length the processor cannot predict.
class CategoryIds {
 public:
  std::uint32_t Id(std::string_view category) {
    const Key key = KeyOf(category);
    if (slots_.empty()) Rehash(64);
    std::size_t i = Slot(key);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      const std::uint32_t id = slots_[i];
      if (id == kEmpty) break;
      if (keys_[id] == key && (category.size() <= 16 || names_[id] == category)) return id;
    }
    const auto id = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(category);
    keys_.push_back(key);
    slots_[i] = id;
    if (names_.size() * 2 > slots_.size()) Rehash(slots_.size() * 2);
    return id;
  }
  std::string_view Name(std::uint32_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }
  std::vector<std::string> Release() { return std::move(names_); }

 private:
  // A category's length and its first and last eight bytes (zero-padded): equal keys are equal
  // text up to 16 bytes, compared without a library call.
  struct Key {
    std::uint64_t first = 0, last = 0;
    std::size_t size = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  static Key KeyOf(std::string_view text) {
    Key key;
    key.size = text.size();
    if (text.size() >= 8) {
      std::memcpy(&key.first, text.data(), 8);
      std::memcpy(&key.last, text.data() + text.size() - 8, 8);
    } else {
      for (std::size_t i = 0; i < text.size(); ++i) {
        key.first |= std::uint64_t{static_cast<unsigned char>(text[i])} << (8 * i);
      }
    }
    return key;
  }
  std::size_t Slot(const Key& key) const {
    const std::uint64_t mixed =
        (key.first ^ std::rotl(key.last, 29) ^ key.size) * 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>(mixed >> shift_);
  }
  void Rehash(std::size_t size) {
    slots_.assign(size, kEmpty);
    shift_ = 64 - std::countr_zero(size);
    for (std::uint32_t id = 0; id < keys_.size(); ++id) {
      std::size_t i = Slot(keys_[id]);
      while (slots_[i] != kEmpty) i = (i + 1) & (size - 1);
      slots_[i] = id;
    }
  }

  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::string> names_;  // By id.
  std::vector<Key> keys_;           // By id.
  std::vector<std::uint32_t> slots_;  // A power of two, at most half full.
  int shift_ = 58;
};

// A chunk's counts for one group, merged by the calling thread.
struct GroupCounts {
  std::int64_t observations = 0;
  std::vector<std::int64_t> categories;  // By the chunk's category id.
  std::bitset<26 * 26> country_slots;
  Window window;
};

struct ChunkResult {
  std::int64_t sequence = 0;
  std::int64_t lines = 0;
  std::int64_t observations = 0;
  std::vector<FeedError> errors;
  std::int64_t malformed = 0;
  std::vector<std::string> categories;  // The chunk's category ids' text.
  std::vector<GroupCounts> groups;      // By group index; only `touched` ones hold anything.
  std::vector<std::uint16_t> touched;   // Groups with rows, in order of first row.
  std::vector<std::string> texts;       // By group index: formatted rows (GroupOutput).
};

// Sorts values[from, end) by the 32-bit key that key_of reads from each: a stable
// least-significant-digit radix sort on three 11-bit digits (several times faster than comparison
// sorting on the millions of addresses of a large feed; the counts fit the first-level cache).
// `scratch` is working space.
template <typename T, typename KeyOf>
void RadixSort(std::vector<T>& values, std::vector<T>& scratch, KeyOf key_of,
               std::size_t from = 0) {
  const std::size_t n = values.size() - from;
  // Short lists (and lists too long for 32-bit counts) by comparison.
  if (n < 256 || n > std::numeric_limits<std::uint32_t>::max()) {
    std::stable_sort(values.begin() + static_cast<std::ptrdiff_t>(from), values.end(),
                     [&](const T& a, const T& b) { return key_of(a) < key_of(b); });
    return;
  }
  constexpr int kDigits = 3, kBits = 11;
  std::array<std::array<std::uint32_t, 1 << kBits>, kDigits> counts{};
  auto digit = [&](const T& v, int d) { return (key_of(v) >> (kBits * d)) & ((1u << kBits) - 1); };
  T* const start = values.data() + from;
  for (std::size_t i = 0; i < n; ++i) {
    for (int d = 0; d < kDigits; ++d) ++counts[d][digit(start[i], d)];
  }
  scratch.resize(n);
  T* source = start;
  T* target = scratch.data();
  for (int d = 0; d < kDigits; ++d) {
    // A digit on which every value agrees moves nothing.
    if (counts[d][digit(source[0], d)] == n) continue;
    std::uint32_t sum = 0;
    for (auto& c : counts[d]) {
      const std::uint32_t count = c;
      c = sum;
      sum += count;
    }
    for (std::size_t i = 0; i < n; ++i) target[counts[d][digit(source[i], d)]++] = source[i];
    std::swap(source, target);
  }
  if (source != start) std::copy(source, source + n, start);
}

// Sorts values[from, end) and drops its duplicates; `scratch` is working space.
void SortUnique(std::vector<std::uint32_t>& values, std::size_t from,
                std::vector<std::uint32_t>& scratch) {
  RadixSort(
      values, scratch, [](std::uint32_t v) { return v; }, from);
  values.erase(std::unique(values.begin() + static_cast<std::ptrdiff_t>(from), values.end()),
               values.end());
}

// IPv6 addresses: by their top 32 bits with the radix sort, then each run that shares them by
// comparison (the runs are short: feeds spread over many /32 networks).
void SortUnique(std::vector<Uint128>& values, std::size_t from, std::vector<Uint128>& scratch) {
  auto top = [](Uint128 v) { return static_cast<std::uint32_t>(v >> 96); };
  RadixSort(values, scratch, top, from);
  const auto begin = values.begin() + static_cast<std::ptrdiff_t>(from);
  for (auto run = begin; run != values.end();) {
    const std::uint32_t key = top(*run);
    auto next = run + 1;
    while (next != values.end() && top(*next) == key) ++next;
    if (next - run > 1) std::sort(run, next);
    run = next;
  }
  values.erase(std::unique(begin, values.end()), values.end());
}

template <typename T>
void SortUnique(std::vector<T>& values) {
  std::vector<T> scratch;
  SortUnique(values, 0, scratch);
}

// Appends to `out` the union of the ascending, distinct ranges [a, a_end) and [b, b_end), without
// a branch per value that the processor cannot predict.
template <typename T>
void MergeDistinct(const T* a, const T* a_end, const T* b, const T* b_end, std::vector<T>& out) {
  std::size_t k = out.size();
  out.resize(k + static_cast<std::size_t>((a_end - a) + (b_end - b)));
  T* const o = out.data();
  while (a != a_end && b != b_end) {
    const T x = *a, y = *b;
    o[k++] = y < x ? y : x;
    a += !(y < x);
    b += !(x < y);
  }
  k = static_cast<std::size_t>(std::copy(a, a_end, o + k) - o);
  k = static_cast<std::size_t>(std::copy(b, b_end, o + k) - o);
  out.resize(k);
}

// A value list whose first `sorted` values are ascending and distinct, followed by the values
// added since. The added ones are sorted and merged in whenever the list has doubled since it
// last was (so that memory follows the distinct values rather than the rows), and once at the
// end: each value is sorted once, the sorted part only merged.
// `scratch` is the worker's working space for the sorts and merges (reused, so that they do not
// allocate and fault in fresh pages each time).
template <typename T>
struct DistinctList {
  std::vector<T> values;
  std::size_t sorted = 0;
  std::size_t limit = 1 << 16;
  void Add(T value, std::vector<T>& scratch) {
    values.push_back(value);
    if (values.size() >= limit) {
      Compact(scratch);
      limit = std::max<std::size_t>(limit, values.size() * 2);
    }
  }
  // Makes the whole list ascending and distinct.
  void Compact(std::vector<T>& scratch) {
    if (sorted == values.size()) return;
    SortUnique(values, sorted, scratch);
    if (sorted > 0) {
      scratch.clear();
      scratch.reserve(values.size());
      MergeDistinct(values.data(), values.data() + sorted, values.data() + sorted,
                    values.data() + values.size(), scratch);
      values.swap(scratch);
    }
    sorted = values.size();
  }
};

// Distinct addresses looked up together (the batch look-ups work on 256 at a time).
constexpr std::size_t kLookUpBlock = 512;

// The distinct addresses of one group seen by one worker. The group's AS numbers are those of
// its distinct addresses, found once the workers' lists are united (FinishGroups).
struct GroupSets {
  DistinctList<std::uint32_t> v4;
  DistinctList<Uint128> v6;
};

// The positions of ',', '\n' and '\r' among the `n` (at most 64) bytes at `p`, as bits.
std::uint64_t SeparatorsIn(const char* p, std::size_t n) {
  std::uint64_t mask = 0;
#if defined(__SSE2__)
  if (n == 64) {
    const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n'),
                  cr = _mm_set1_epi8('\r');
    for (int i = 0; i < 4; ++i) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      const __m128i hits =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, newline)),
                       _mm_cmpeq_epi8(bytes, cr));
      mask |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(hits)))
              << (16 * i);
    }
    return mask;
  }
#endif
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == ',' || p[i] == '\n' || p[i] == '\r') mask |= std::uint64_t{1} << i;
  }
  return mask;
}

// The line breaks in `text` (the reading thread counts every chunk's), and in `quoted` whether
// it holds a '"', found in the same pass.
std::int64_t CountLineBreaks(std::string_view text, bool& quoted) {
  const char* const p = text.data();
  const std::size_t n = text.size();
  std::size_t count = 0, i = 0;
  bool quotes = false;
#if defined(__SSE2__)
  // Each byte lane counts matches down from zero for up to 255 blocks; psadbw then adds them.
  const __m128i newline = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
  __m128i seen = _mm_setzero_si128();
  while (n - i >= 16) {
    const std::size_t end = i + std::min<std::size_t>((n - i) / 16, 255) * 16;
    __m128i lanes = _mm_setzero_si128();
    for (; i < end; i += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(bytes, newline));
      seen = _mm_or_si128(seen, _mm_cmpeq_epi8(bytes, quote));
    }
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    count += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
  quotes = _mm_movemask_epi8(seen) != 0;
#endif
  for (; i < n; ++i) {
    count += p[i] == '\n';
    quotes |= p[i] == '"';
  }
  quoted = quotes;
  return static_cast<std::int64_t>(count);
}

// Finds `wanted` (or the first of `candidates`) among `names`.
int FindColumn(const std::vector<std::string>& names, const std::string& wanted,
               const auto& candidates, std::string& chosen) {
  auto find = [&](std::string_view name) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  if (!wanted.empty()) {
    chosen = wanted;
    return find(wanted);
  }
  for (const char* candidate : candidates) {
    int i = find(candidate);
    if (i >= 0) {
      chosen = candidate;
      return i;
    }
  }
  return -1;
}

// One worker thread's attribution: parses chunks, looks addresses up a batch at a time, counts
// per chunk and collects distinct values for the whole feed.
class Attributor {
 public:
  Attributor(const JurisdictionIndex& index, const AttributionOptions& options,
             const GroupTable& groups, const Columns& columns,
             std::unique_ptr<RowFormatter> formatter)
      : index_(index),
        options_(options),
        groups_(groups),
        columns_(columns),
        formatter_(std::move(formatter)),
        sets_(groups.names.size()),
        text_sizes_(groups.names.size()) {
    last_column_ = std::max({columns_.address, columns_.category, columns_.time});
  }

  ChunkResult Process(const Chunk& chunk) {
    ChunkResult result;
    result.sequence = chunk.sequence;
    result.groups.resize(groups_.names.size());
    if (formatter_) result.texts.resize(groups_.names.size());
    categories_ = CategoryIds();
    if (chunk.oversized) {
      ++result.lines;
      Malformed(result, chunk.oversized->line, chunk.oversized->message);
    }
    if (options_.format == FeedFormat::kCsv) {
      const std::string_view text = chunk.text();
      if (chunk.quote_free || text.empty() ||
          std::memchr(text.data(), '"', text.size()) == nullptr) {
        ProcessPlainCsv(text, chunk.first_line, result);
      } else {
        ProcessCsv(text, chunk.first_line, result);
      }
    } else {
      ProcessNdjson(chunk, result);
    }
    LookUp(result);
    result.categories = categories_.Release();
    if (formatter_) {
      for (std::uint16_t group : result.touched) text_sizes_[group] = result.texts[group].size();
    }
    return result;
  }

  // Makes the collected addresses ascending and distinct (at the end of the feed, the workers
  // side by side).
  std::vector<GroupSets> TakeSets() {
    for (auto& s : sets_) {
      s.v4.Compact(v4_scratch_);
      s.v6.Compact(v6_values_scratch_);
    }
    return std::move(sets_);
  }

 private:
  // CSV without any quote: records are lines and fields are split at commas, with no copies.
  // The line breaks, commas and carriage returns of 64 bytes at a time are found together as a
  // bit mask (SeparatorsIn), so a row costs a few bit operations rather than a library call per
  // separator. A line with a stray carriage return or too long for a record goes through
  // CsvReader alone, so its error is the same as on the general path.
  void ProcessPlainCsv(std::string_view text, std::int64_t first_line, ChunkResult& result) {
    const char* const base = text.data();
    const std::size_t size = text.size();
    std::int64_t line = first_line;
    std::array<std::string_view, 64> fields;
    const std::size_t wanted = static_cast<std::size_t>(last_column_) + 1;
    std::size_t row_start = 0, field_start = 0, count = 0, returns = 0, last_return = 0;
    // The row [row_start, end) ends at a line break at `end` (or at the end of the text).
    auto end_row = [&](std::size_t end) {
      const std::size_t next = std::min(end + 1, size);
      const std::int64_t this_line = line++;
      std::size_t row_end = end;
      if (returns == 1 && last_return + 1 == end) {
        row_end = end - 1;
        returns = 0;
      }
      const std::size_t start = row_start;
      const std::size_t last_field = field_start;
      const std::size_t fields_seen = count;
      row_start = field_start = next;
      count = 0;
      if (row_end == start && returns == 0) return;  // A blank line.
      if (returns != 0 || row_end - start > kMaxCsvRecordBytes || wanted > fields.size()) {
        returns = 0;
        ProcessCsv(std::string_view(base + start, next - start), this_line, result);
        return;
      }
      ++result.lines;
      std::size_t n = fields_seen;
      if (n < wanted) fields[n++] = std::string_view(base + last_field, row_end - last_field);
      Fields(result, this_line, fields.data(), n, Padding::kPadded);
    };
    for (std::size_t block = 0; block < size; block += 64) {
      std::uint64_t mask = SeparatorsIn(base + block, std::min<std::size_t>(64, size - block));
      while (mask != 0) {
        const std::size_t pos = block + static_cast<std::size_t>(std::countr_zero(mask));
        mask &= mask - 1;
        const char c = base[pos];
        if (c == ',') {
          if (count < wanted && count < fields.size()) {
            fields[count++] = std::string_view(base + field_start, pos - field_start);
          }
          field_start = pos + 1;
        } else if (c == '\r') {
          ++returns;
          last_return = pos;
        } else {
          end_row(pos);
        }
      }
    }
    if (row_start < size) end_row(size);
  }

  // The general RFC 4180 path (quoted fields, line breaks inside quotes).
  void ProcessCsv(std::string_view text, std::int64_t first_line, ChunkResult& result) {
    CsvReader reader(text, first_line);
    while (true) {
      auto next = reader.Next(record_);
      if (!next.has_value()) {
        ++result.lines;
        const std::string& message = next.error().message;
        // CsvReader says "line N: …"; the line is reported separately.
        auto colon = message.find(": ");
        Malformed(result, ParseLine(message),
                  colon == std::string::npos ? message : message.substr(colon + 2));
        continue;
      }
      if (!*next) break;
      ++result.lines;
      Fields(result, record_.line, record_.fields.data(), record_.fields.size(),
             Padding::kNone);
    }
  }

  // Whether the bytes after a field may be read (it lies in a chunk's TextBuffer).
  enum class Padding { kNone, kPadded };

  // One CSV record's fields.
  void Fields(ChunkResult& result, std::int64_t line, const std::string_view* fields,
              std::size_t count, Padding padding) {
    if (static_cast<int>(count) <= columns_.address) {
      Malformed(result, line, "the row has no address column");
      return;
    }
    std::string_view category;
    if (columns_.category >= 0 && columns_.category < static_cast<int>(count)) {
      category = fields[columns_.category];
    }
    long long time = kNoTime;
    if (columns_.time >= 0 && columns_.time < static_cast<int>(count)) {
      time = times_.Parse(fields[columns_.time]);
    }
    Observe(result, line, fields[columns_.address], category, time, padding);
  }

  void ProcessNdjson(const Chunk& chunk, ChunkResult& result) {
    std::int64_t line = chunk.first_line;
    std::string_view text = chunk.text();
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      std::string_view row = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      std::int64_t this_line = line++;
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      if (row.find_first_not_of(" \t") == std::string_view::npos) continue;
      ++result.lines;
      if (row.size() > kMaxCsvRecordBytes) {
        Malformed(result, this_line,
                  "the record is longer than " + std::to_string(kMaxCsvRecordBytes) + " bytes");
        continue;
      }
      boost::system::error_code ec;
      boost::json::value value = boost::json::parse(row, ec);
      if (ec || !value.is_object()) {
        Malformed(result, this_line, "not a JSON object");
        continue;
      }
      const auto& object = value.as_object();
      const auto* address = object.if_contains(columns_.address_name);
      if (address == nullptr || !address->is_string()) {
        Malformed(result, this_line, "no string field \"" + columns_.address_name + "\"");
        continue;
      }
      std::string_view category;
      if (!columns_.category_name.empty()) {
        if (const auto* c = object.if_contains(columns_.category_name); c && c->is_string()) {
          category = c->as_string();
        }
      }
      long long time = kNoTime;
      if (!columns_.time_name.empty()) {
        if (const auto* t = object.if_contains(columns_.time_name); t && t->is_string()) {
          time = times_.Parse(t->as_string());
        }
      }
      Observe(result, this_line, address->as_string(), category, time, Padding::kNone);
    }
  }

  static std::int64_t ParseLine(const std::string& message) {
    // "line 12: …"
    if (message.rfind("line ", 0) != 0) return 0;
    return std::strtoll(message.c_str() + 5, nullptr, 10);
  }

  void Malformed(ChunkResult& result, std::int64_t line, std::string message) const {
    ++result.malformed;
    if (result.errors.size() < options_.max_errors_kept) {
      result.errors.push_back({line, std::move(message)});
    }
  }

  // Parses one observation's address and queues the row; the look-ups run once the chunk is
  // parsed (LookUp).
  void Observe(ChunkResult& result, std::int64_t line, std::string_view address_text,
               std::string_view category, long long time, Padding padding) {
    const auto row = static_cast<std::uint32_t>(rows_.size());
    std::uint64_t v4 = kNotDottedQuad;
    if (padding == Padding::kPadded) {
      v4 = ParseDottedQuadPadded(address_text);
    } else if (auto parsed = ParseDottedQuad(address_text)) {
      v4 = *parsed;
    }
    if (v4 != kNotDottedQuad) {
      v4_.push_back(v4 << 32 | row);
    } else {
      auto address = padding == Padding::kPadded ? ParseIpAddressPadded(address_text)
                                                 : ParseIpAddress(address_text);
      if (!address.has_value()) {
        Malformed(result, line, address.error().message);
        return;
      }
      if (address->family == IpFamily::kIpv4) {
        v4_.push_back(std::uint64_t{address->v4()} << 32 | row);
      } else {
        v6_.push_back({address->value, row});
      }
    }
    rows_.push_back({line, time, categories_.Id(category)});
  }

  // Looks up the chunk's distinct addresses in ascending order, a block at a time with the
  // index's batch look-ups: neighbouring addresses share the index's blocks and nodes, so the
  // look-ups mostly hit the cache where rows in feed order miss it at every level
  // (bench/README.md). Collects each address's group, distinct values and country, then counts
  // the rows in feed order. IPv6 rows are ordered by their top 32 bits only, which gives the
  // same locality for a fraction of a full sort; an address that recurs apart from itself is then
  // looked up more than once, and the distinct lists drop the repeats.
  void LookUp(ChunkResult& result) {
    // (address << 32) | row: by address.
    RadixSort(v4_, scratch_, [](std::uint64_t v) { return static_cast<std::uint32_t>(v >> 32); });
    RadixSort(v6_, v6_scratch_,
              [](const V6Row& v) { return static_cast<std::uint32_t>(v.address >> 96); });
    row_groups_.resize(rows_.size());
    if (formatter_) looked_.resize(rows_.size());
    LookUpSorted(
        result, std::span<const std::uint64_t>(v4_),
        [](std::uint64_t e) {
          return IpAddress{IpFamily::kIpv4, e >> 32};
        },
        [](std::uint64_t e) { return static_cast<std::uint32_t>(e); });
    LookUpSorted(
        result, std::span<const V6Row>(v6_),
        [](const V6Row& e) {
          return IpAddress{IpFamily::kIpv6, e.address};
        },
        [](const V6Row& e) { return e.row; });
    // Each country seen, in its group (a small bitset while looking up, rather than a write to
    // the group's counts per address).
    for (int slot = 0; slot < 26 * 26; ++slot) {
      if (slots_seen_.test(slot)) result.groups[groups_.by_code[slot]].country_slots.set(slot);
    }
    slots_seen_.reset();
    result.observations += static_cast<std::int64_t>(rows_.size());
    if (!formatter_ && categories_.size() <= kFlatCategories) {
      CountFlat(result);
    } else {
      CountInOrder(result);
    }
    rows_.clear();
    v4_.clear();
    v6_.clear();
  }

  // Counts the rows per group and category in small flat tables that stay in the first-level
  // cache (a feed has a handful of categories), then hands the groups with rows to `result`.
  // The summary's counts do not depend on the rows' order, so the groups are listed in index
  // order.
  void CountFlat(ChunkResult& result) {
    const std::size_t categories = categories_.size();
    flat_counts_.assign(groups_.names.size() * categories, 0);
    flat_windows_.assign(groups_.names.size(), Window());
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      const Pending& row = rows_[r];
      const std::uint16_t group = row_groups_[r];
      ++flat_counts_[group * categories + row.category];
      if (row.time != kNoTime) flat_windows_[group].Add(row.time);
    }
    for (std::size_t group = 0; group < groups_.names.size(); ++group) {
      const std::uint32_t* counts = flat_counts_.data() + group * categories;
      std::int64_t observations = 0;
      for (std::size_t c = 0; c < categories; ++c) observations += counts[c];
      if (observations == 0) continue;
      GroupCounts& g = result.groups[group];
      g.observations = observations;
      g.categories.assign(counts, counts + categories);
      g.window = flat_windows_[group];
      result.touched.push_back(static_cast<std::uint16_t>(group));
    }
  }

  // Counts the rows in feed order, formatting each for the GroupOutput if there is one.
  void CountInOrder(ChunkResult& result) {
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      const Pending& row = rows_[r];
      const std::uint16_t group = row_groups_[r];
      GroupCounts& g = result.groups[group];
      if (g.observations++ == 0) result.touched.push_back(group);
      if (row.time != kNoTime) g.window.Add(row.time);
      if (g.categories.size() <= row.category) g.categories.resize(row.category + 1);
      ++g.categories[row.category];
      if (formatter_) Format(result, row, group, looked_[r]);
    }
  }

  // `entries` sorted by address; address_of and row_of read an entry.
  template <typename Entry, typename AddressOf, typename RowOf>
  void LookUpSorted(ChunkResult& result, std::span<const Entry> entries, AddressOf address_of,
                    RowOf row_of) {
    std::array<IpAddress, kLookUpBlock> addresses;
    std::array<std::size_t, kLookUpBlock + 1> starts;  // Each address's first entry.
    std::array<std::uint16_t, kLookUpBlock> countries;
    std::array<std::uint32_t, kLookUpBlock> as_numbers;
    std::size_t next = 0;
    while (next < entries.size()) {
      std::size_t n = 0;
      while (next < entries.size() && n < kLookUpBlock) {
        addresses[n] = address_of(entries[next]);
        starts[n++] = next;
        const Uint128 value = addresses[n - 1].value;
        do {
          ++next;
        } while (next < entries.size() && address_of(entries[next]).value == value);
      }
      starts[n] = next;
      if constexpr (std::is_same_v<Entry, std::uint64_t>) {
        // IPv4 through the 32-bit entry point, one address at a time: in ascending order its
        // tables answer from the cache, and it skips the batch's sorting of the block by family.
        for (std::size_t i = 0; i < n; ++i) {
          countries[i] = index_.CountryCodeAtV4(addresses[i].v4());
        }
      } else {
        index_.CountryCodesAt(std::span(addresses.data(), n), std::span(countries.data(), n));
      }
      // The rows' AS numbers are needed only by the formatter; the summary's come from the
      // distinct addresses at the end (FinishGroups).
      if (formatter_) {
        index_.AsNumbersAt(std::span(addresses.data(), n), std::span(as_numbers.data(), n));
      }
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t packed = countries[i];
        const std::uint32_t as_number = formatter_ ? as_numbers[i] : 0;
        const int slot = GroupTable::Slot(packed);
        const std::uint16_t group = slot < 0 ? 0 : groups_.by_code[slot];
        if (slot >= 0) slots_seen_.set(slot);
        GroupSets& s = sets_[group];
        if (addresses[i].family == IpFamily::kIpv4) {
          s.v4.Add(addresses[i].v4(), v4_scratch_);
        } else {
          s.v6.Add(addresses[i].value, v6_values_scratch_);
        }
        for (std::size_t e = starts[i]; e < starts[i + 1]; ++e) {
          const std::uint32_t row = row_of(entries[e]);
          row_groups_[row] = group;
          if (formatter_) looked_[row] = {addresses[i], packed, as_number};
        }
      }
    }
  }

  // A parsed row waiting for its look-up.
  struct Pending {
    std::int64_t line;
    long long time;  // kNoTime when the row has none.
    std::uint32_t category;
  };
  struct V6Row {
    Uint128 address;
    std::uint32_t row;
  };
  // A row's look-up, kept for the formatter.
  struct Looked {
    IpAddress address;
    std::uint16_t country;
    std::uint32_t as_number;
  };

  void Format(ChunkResult& result, const Pending& pending, std::uint16_t group,
              const Looked& looked) {
    const int slot = GroupTable::Slot(looked.country);
    AttributedRow row;
    row.line = pending.line;
    row.address = looked.address;
    row.country = slot < 0 ? std::string_view() : std::string_view(groups_.countries[slot]);
    row.state = groups_.states[group];
    row.as_number = looked.as_number;
    row.category = categories_.Name(pending.category);
    std::string& text = result.texts[group];
    // Room for about what the group took in the previous chunk, to grow it once.
    if (text.empty()) text.reserve(text_sizes_[group] + text_sizes_[group] / 4);
    formatter_->Append(row, text);
  }

  const JurisdictionIndex& index_;
  const AttributionOptions& options_;
  const GroupTable& groups_;
  const Columns& columns_;
  std::unique_ptr<RowFormatter> formatter_;
  int last_column_ = 0;
  std::vector<GroupSets> sets_;          // By group index.
  std::vector<std::size_t> text_sizes_;  // By group index: its text in the last chunk.
  // The chunk's rows, and their IPv4 ((address << 32) | row) and IPv6 addresses.
  std::vector<Pending> rows_;
  std::vector<std::uint64_t> v4_, scratch_;
  std::vector<V6Row> v6_, v6_scratch_;
  std::vector<std::uint32_t> v4_scratch_;  // Working space of the distinct lists.
  std::vector<Uint128> v6_values_scratch_;
  std::vector<std::uint16_t> row_groups_;  // By row.
  std::bitset<26 * 26> slots_seen_;        // The chunk's countries.
  // CountFlat's tables: rows by group and category, and windows by group.
  static constexpr std::size_t kFlatCategories = 16;
  std::vector<std::uint32_t> flat_counts_;
  std::vector<Window> flat_windows_;
  std::vector<Looked> looked_;             // By row, when there is a formatter.
  CategoryIds categories_;
  TimeParser times_;
  CsvRecord record_;
};

// The AS numbers of `v4` and `v6` (ascending addresses), a block at a time, ascending and
// distinct. Neighbouring addresses mostly share their AS, so only changes are kept before the
// sort.
std::vector<std::uint32_t> AsNumbersOf(const JurisdictionIndex& index,
                                       const std::vector<std::uint32_t>& v4,
                                       const std::vector<Uint128>& v6) {
  std::vector<std::uint32_t> out;
  std::array<IpAddress, kLookUpBlock> addresses;
  std::array<std::uint32_t, kLookUpBlock> numbers;
  std::size_t n = 0;
  std::uint32_t last = 0;
  auto flush = [&] {
    index.AsNumbersAt(std::span(addresses.data(), n), std::span(numbers.data(), n));
    for (std::size_t i = 0; i < n; ++i) {
      if (numbers[i] != 0 && numbers[i] != last) out.push_back(numbers[i]);
      last = numbers[i];
    }
    n = 0;
  };
  // IPv4 one address at a time through the 32-bit entry point (as in LookUpSorted).
  for (std::uint32_t v : v4) {
    const std::uint32_t number = index.AsNumberAtV4(v);
    if (number != 0 && number != last) out.push_back(number);
    last = number;
  }
  for (Uint128 v : v6) {
    addresses[n++] = IpAddress{IpFamily::kIpv6, v};
    if (n == kLookUpBlock) flush();
  }
  if (n > 0) flush();
  SortUnique(out);
  return out;
}

// Unites the workers' distinct values of `lists` (each ascending) into `out`, emptying them.
template <typename T>
void UniteWorkers(std::vector<DistinctList<T>*>& lists, std::vector<T>& out) {
  for (DistinctList<T>* list : lists) {
    if (out.empty()) {
      out = std::move(list->values);
    } else if (!list->values.empty()) {
      std::vector<T> merged;
      merged.reserve(out.size() + list->values.size());
      MergeDistinct(out.data(), out.data() + out.size(), list->values.data(),
                    list->values.data() + list->values.size(), merged);
      out = std::move(merged);
    }
    *list = DistinctList<T>();
  }
}

// Fills each group's distinct addresses (the union of the workers') and AS numbers, `threads`
// groups at a time, the largest first.
void FinishGroups(std::vector<std::vector<GroupSets>>& sets, const JurisdictionIndex& index,
                  std::vector<GroupSummary*>& groups, std::size_t threads) {
  std::vector<std::size_t> order;
  std::vector<std::size_t> sizes(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (groups[g] == nullptr) continue;
    order.push_back(g);
    for (auto& worker : sets) sizes[g] += worker[g].v4.values.size() + worker[g].v6.values.size();
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b;
  });
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < order.size(); i = next++) {
      const std::size_t g = order[i];
      GroupSummary& out = *groups[g];
      std::vector<DistinctList<std::uint32_t>*> v4;
      std::vector<DistinctList<Uint128>*> v6;
      for (auto& worker : sets) {
        v4.push_back(&worker[g].v4);
        v6.push_back(&worker[g].v6);
      }
      UniteWorkers(v4, out.addresses_v4);
      UniteWorkers(v6, out.addresses_v6);
      out.as_numbers = AsNumbersOf(index, out.addresses_v4, out.addresses_v6);
      out.distinct_addresses =
          static_cast<std::int64_t>(out.addresses_v4.size() + out.addresses_v6.size());
      out.distinct_as_numbers = static_cast<std::int64_t>(out.as_numbers.size());
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < std::min(threads, order.size()); ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
}

// Splits the source into chunks that end on record boundaries.
class Chunker {
 public:
  Chunker(FeedSource& source, FeedFormat format, std::size_t chunk_bytes)
      : source_(source), format_(format), chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1024)) {}

  // The next chunk, or nullopt at the end.
  Result<std::optional<Chunk>> Next() {
    while (true) {
      const bool full = pending_.size() >= chunk_bytes_;
      // Where the last whole record ends, looked for only once there is a chunk's worth, and the
      // line breaks before it. Quote-free CSV (the common case) ends at the last line break, and
      // one pass over it both finds that it has no quote and counts its lines.
      std::size_t end = 0;
      std::int64_t lines = -1;
      bool quote_free = false;
      if (full || at_end_) {
        bool quoted = true;
        if (format_ == FeedFormat::kCsv) lines = CountLineBreaks(pending_.view(), quoted);
        if (quoted) lines = -1;
        quote_free = format_ == FeedFormat::kCsv && !quoted;
        end = format_ == FeedFormat::kCsv && quoted ? CompleteRecordsEnd(pending_.view())
                                                    : LastLineEnd(pending_.view());
      }
      if ((full || at_end_) && (end > 0 || at_end_)) {
        if (at_end_ && (end == 0 || end < pending_.size())) end = pending_.size();
        if (end == 0) return std::optional<Chunk>();
        Chunk chunk;
        chunk.sequence = sequence_++;
        chunk.first_line = line_;
        chunk.quote_free = quote_free;
        // The chunk takes the buffer; only the partial record after `end` is copied to another.
        // (The rest may be longer than a chunk: reads are at least 64 KiB.)
        const std::size_t rest_size = pending_.size() - end;
        TextBuffer rest = TakeBuffer();
        rest.Reserve(std::max(chunk_bytes_ + chunk_bytes_ / 4, rest_size));
        rest.Resize(rest_size);
        std::memcpy(rest.data(), pending_.data() + end, rest_size);
        chunk.buffer = std::move(pending_);
        chunk.buffer.Resize(end);
        pending_ = std::move(rest);
        bool quoted = true;
        line_ += lines >= 0 ? lines : CountLineBreaks(chunk.text(), quoted);
        return std::optional<Chunk>(std::move(chunk));
      }
      if (full && end == 0) {
        // One record fills the whole chunk: it is far longer than any record may be.
        // Skip to the next line break and report it.
        Chunk chunk;
        chunk.sequence = sequence_++;
        chunk.first_line = line_;
        chunk.oversized = FeedError{
            line_, "the record is longer than " + std::to_string(chunk_bytes_) + " bytes"};
        RETURN_IF_ERROR(SkipLine());
        return std::optional<Chunk>(std::move(chunk));
      }
      RETURN_IF_ERROR(ReadMore());
    }
  }

  // Takes back the buffer of a chunk that has been processed, for a later chunk (any thread).
  void Recycle(TextBuffer buffer) {
    std::lock_guard lock(free_mutex_);
    if (free_.size() < kBuffersKept) free_.push_back(std::move(buffer));
  }

  std::uint64_t consumed() const { return source_.consumed(); }

 private:
  static constexpr std::size_t kBuffersKept = 16;

  static std::size_t LastLineEnd(std::string_view text) {
    auto nl = text.rfind('\n');
    return nl == std::string_view::npos ? 0 : nl + 1;
  }
  TextBuffer TakeBuffer() {
    std::lock_guard lock(free_mutex_);
    if (free_.empty()) return TextBuffer();
    TextBuffer buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
  }
  Status ReadMore() {
    std::size_t old = pending_.size();
    std::size_t want = std::max<std::size_t>(chunk_bytes_ / 4, 64 * 1024);
    pending_.Reserve(old + want);
    ASSIGN_OR_RETURN(std::size_t n, source_.Read(pending_.data() + old, want));
    pending_.Resize(old + n);
    if (n == 0) at_end_ = true;
    return OkStatus();
  }
  Status SkipLine() {
    while (true) {
      auto nl = pending_.view().find('\n');
      if (nl != std::string::npos) {
        pending_.Erase(nl + 1);
        ++line_;
        return OkStatus();
      }
      pending_.Resize(0);
      RETURN_IF_ERROR(ReadMore());
      if (at_end_) return OkStatus();
    }
  }

  FeedSource& source_;
  FeedFormat format_;
  std::size_t chunk_bytes_;
  TextBuffer pending_;
  std::int64_t line_ = 1;
  std::int64_t sequence_ = 0;
  bool at_end_ = false;
  std::mutex free_mutex_;
  std::vector<TextBuffer> free_;  // Buffers of processed chunks.
};

// Reads the header (CSV) or peeks at the first record (NDJSON) to find the columns.
Result<Columns> FindColumns(Chunk& first, const AttributionOptions& options) {
  Columns columns;
  std::vector<std::string> names;
  if (options.format == FeedFormat::kCsv) {
    CsvReader reader(first.text(), first.first_line);
    CsvRecord record;
    auto header = reader.Next(record);
    if (!header.has_value()) {
      return Error::InvalidArgument("the header row is malformed: " + header.error().message,
                                    "feed", "malformed_line");
    }
    if (!*header) return Error::InvalidArgument("the feed is empty", "feed", "empty_feed");
    for (auto f : record.fields) names.emplace_back(Trim(f));
    // The rest of the chunk starts after the header record, which took this many line breaks.
    std::size_t consumed = 0;
    std::int64_t lines = reader.line() - first.first_line;
    const std::string_view text = first.text();
    for (std::int64_t i = 0; i < lines; ++i) consumed = text.find('\n', consumed) + 1;
    if (lines == 0) consumed = text.size();
    first.begin += consumed;
    first.first_line += lines;
  } else {
    std::string_view line = first.text().substr(0, first.text().find('\n'));
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (!ec && value.is_object()) {
      for (const auto& [key, v] : value.as_object()) names.emplace_back(key);
    }
  }
  columns.address =
      FindColumn(names, options.address_field, kAddressFieldNames, columns.address_name);
  if (columns.address < 0) {
    std::string wanted = options.address_field.empty() ? "one of ip, address, ip_address, "
                                                         "src_ip, source_ip, addr, ip_addr"
                                                       : "\"" + options.address_field + "\"";
    return Error::InvalidArgument(
        std::string(options.format == FeedFormat::kCsv ? "the header row" : "the first record") +
            " has no address column (" + wanted + ")",
        "column", "missing_column");
  }
  columns.category =
      FindColumn(names, options.category_field, kCategoryFieldNames, columns.category_name);
  if (columns.category < 0) {
    if (!options.category_field.empty()) {
      return Error::InvalidArgument("no column named \"" + options.category_field + "\"",
                                    "category_column", "missing_column");
    }
    columns.category_name.clear();
  }
  columns.time = FindColumn(names, options.time_field, kTimeFieldNames, columns.time_name);
  if (columns.time < 0) {
    if (!options.time_field.empty()) {
      return Error::InvalidArgument("no column named \"" + options.time_field + "\"", "time_column",
                                    "missing_column");
    }
    columns.time_name.clear();
  }
  return columns;
}

template <typename T>
void Unite(std::vector<T>& into, const std::vector<T>& more) {
  if (more.empty()) return;
  if (into.empty()) {
    into = more;
    return;
  }
  std::vector<T> out;
  out.reserve(into.size() + more.size());
  MergeDistinct(into.data(), into.data() + into.size(), more.data(), more.data() + more.size(),
                out);
  into = std::move(out);
}

void SortGroups(std::vector<GroupSummary>& groups) {
  std::sort(groups.begin(), groups.end(), [](const GroupSummary& a, const GroupSummary& b) {
    if (a.observations != b.observations) return a.observations > b.observations;
    return a.group < b.group;
  });
}

// The merged counts of one group.
struct MergedGroup {
  std::int64_t observations = 0;
  std::map<std::string, std::int64_t> categories;
  std::bitset<26 * 26> country_slots;
  Window window;
};

Result<AttributionSummary> Run(FeedSource& source, const JurisdictionIndex& index,
                               const AttributionOptions& options, GroupOutput* output,
                               const ProgressCallback& progress) {
  static const GroupTable groups;
  Chunker chunker(source, options.format, options.chunk_bytes);
  ASSIGN_OR_RETURN(auto first, chunker.Next());
  if (!first) return Error::InvalidArgument("the feed is empty", "feed", "empty_feed");
  ASSIGN_OR_RETURN(Columns columns, FindColumns(*first, options));

  // A bounded queue of chunks to workers, and their results back, merged in order.
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Chunk> queue;
  std::map<std::int64_t, ChunkResult> done;
  bool reading_done = false, cancelled = false;
  std::int64_t produced = 0;  // Chunks handed to the workers.
  std::optional<Error> read_error;
  const std::size_t threads = static_cast<std::size_t>(std::max(1, options.threads));
  const std::size_t max_in_flight = threads * 2 + 2;

  std::vector<Attributor> attributors;
  attributors.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    attributors.emplace_back(index, options, groups, columns,
                             output != nullptr ? output->NewFormatter() : nullptr);
  }
  std::vector<std::vector<GroupSets>> sets(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t]() {
      while (true) {
        Chunk chunk;
        {
          std::unique_lock lock(mutex);
          changed.wait(lock, [&] { return !queue.empty() || reading_done || cancelled; });
          // The end of the feed (the merging thread may already have said it is done), or a
          // failure.
          if (queue.empty() && reading_done) break;
          if (cancelled) return;
          chunk = std::move(queue.front());
          queue.pop_front();
        }
        changed.notify_all();
        ChunkResult result = attributors[t].Process(chunk);
        chunker.Recycle(std::move(chunk.buffer));
        {
          std::lock_guard lock(mutex);
          done.emplace(result.sequence, std::move(result));
        }
        changed.notify_all();
      }
      // Every chunk is taken: the workers make their values distinct side by side.
      sets[t] = attributors[t].TakeSets();
    });
  }
  std::thread reader([&, first = std::move(*first)]() mutable {
    std::optional<Chunk> next = std::move(first);
    while (next) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return queue.size() + done.size() < max_in_flight || cancelled; });
        if (cancelled) return;
        queue.push_back(std::move(*next));
        ++produced;
      }
      changed.notify_all();
      auto more = chunker.Next();
      if (!more.has_value()) {
        std::lock_guard lock(mutex);
        read_error = more.error();
        break;
      }
      next = std::move(*more);
    }
    {
      std::lock_guard lock(mutex);
      reading_done = true;
    }
    changed.notify_all();
  });

  AttributionSummary summary;
  summary.data_version = index.stats().version;
  summary.address_field = columns.address_name;
  summary.category_field = columns.category_name;
  summary.time_field = columns.time_name;
  std::vector<MergedGroup> merged(groups.names.size());
  std::optional<Error> failure;
  std::int64_t expected = 0;
  while (true) {
    ChunkResult result;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] {
        return done.count(expected) != 0 || (reading_done && expected == produced);
      });
      auto it = done.find(expected);
      if (it == done.end()) break;
      result = std::move(it->second);
      done.erase(it);
    }
    changed.notify_all();
    ++expected;
    summary.lines += result.lines;
    summary.observations += result.observations;
    summary.malformed += result.malformed;
    for (auto& e : result.errors) {
      if (summary.errors.size() < options.max_errors_kept) summary.errors.push_back(std::move(e));
    }
    if (options.strictness == Strictness::kFailOnFirst && result.malformed > 0) {
      const FeedError& e = summary.errors.front();
      failure = Error::InvalidArgument("line " + std::to_string(e.line) + ": " + e.message, "feed",
                                       "malformed_line");
      break;
    }
    if (options.max_observations > 0 && summary.observations > options.max_observations) {
      failure = Error::InvalidArgument(
          "the feed has more than " + std::to_string(options.max_observations) + " observations",
          "feed", "too_many_observations");
      break;
    }
    for (std::uint16_t group : result.touched) {
      if (output != nullptr) {
        Status written = output->Write(groups.names[group], result.texts[group]);
        if (!written.has_value()) {
          failure = written.error();
          break;
        }
      }
      const GroupCounts& partial = result.groups[group];
      MergedGroup& g = merged[group];
      g.observations += partial.observations;
      g.country_slots |= partial.country_slots;
      g.window.Add(partial.window);
      for (std::size_t c = 0; c < partial.categories.size(); ++c) {
        if (partial.categories[c] != 0) g.categories[result.categories[c]] += partial.categories[c];
      }
    }
    if (failure) break;
    if (progress) progress(chunker.consumed(), source.total());
  }
  {
    std::lock_guard lock(mutex);
    cancelled = true;
  }
  changed.notify_all();
  reader.join();
  for (auto& w : workers) w.join();
  if (failure) return *failure;
  if (read_error) return *read_error;

  std::vector<GroupSummary*> outputs(merged.size(), nullptr);
  summary.groups.reserve(merged.size());
  for (std::size_t group = 0; group < merged.size(); ++group) {
    MergedGroup& g = merged[group];
    if (g.observations == 0) continue;
    GroupSummary& out = summary.groups.emplace_back();
    out.group = groups.names[group];
    out.state = groups.states[group];
    out.observations = g.observations;
    for (int slot = 0; slot < 26 * 26; ++slot) {
      if (g.country_slots.test(slot)) out.countries.push_back(groups.countries[slot]);
    }
    std::sort(out.countries.begin(), out.countries.end());
    out.categories = std::move(g.categories);
    if (g.window.first <= g.window.last) {
      out.first_seen = FromUnixMillis(g.window.first);
      out.last_seen = FromUnixMillis(g.window.last);
    }
    outputs[group] = &out;
  }
  FinishGroups(sets, index, outputs, threads);
  SortGroups(summary.groups);
  if (summary.lines == 0 && summary.malformed == 0) {
    return Error::InvalidArgument("the feed has no records", "feed", "empty_feed");
  }
  return summary;
}

}  // namespace

Result<AttributionSummary> Attribute(FeedSource& source, const JurisdictionIndex& index,
                                     const AttributionOptions& options,
                                     const ProgressCallback& progress) {
  return Run(source, index, options, nullptr, progress);
}

Result<AttributionSummary> Attribute(FeedSource& source, const JurisdictionIndex& index,
                                     const AttributionOptions& options, GroupOutput& output,
                                     const ProgressCallback& progress) {
  return Run(source, index, options, &output, progress);
}

void MergeSummaries(AttributionSummary& into, AttributionSummary more,
                    std::size_t max_errors_kept) {
  into.lines += more.lines;
  into.observations += more.observations;
  into.malformed += more.malformed;
  for (auto& e : more.errors) {
    if (into.errors.size() < max_errors_kept) into.errors.push_back(std::move(e));
  }
  if (into.data_version.empty()) into.data_version = more.data_version;
  for (auto& g : more.groups) {
    auto it = std::find_if(into.groups.begin(), into.groups.end(),
                           [&](const GroupSummary& x) { return x.group == g.group; });
    if (it == into.groups.end()) {
      into.groups.push_back(std::move(g));
      continue;
    }
    it->observations += g.observations;
    for (const auto& [category, count] : g.categories) it->categories[category] += count;
    Unite(it->countries, g.countries);
    Unite(it->as_numbers, g.as_numbers);
    Unite(it->addresses_v4, g.addresses_v4);
    Unite(it->addresses_v6, g.addresses_v6);
    it->distinct_as_numbers = static_cast<std::int64_t>(it->as_numbers.size());
    it->distinct_addresses =
        static_cast<std::int64_t>(it->addresses_v4.size() + it->addresses_v6.size());
    if (g.first_seen && (!it->first_seen || *g.first_seen < *it->first_seen)) {
      it->first_seen = g.first_seen;
    }
    if (g.last_seen && (!it->last_seen || *g.last_seen > *it->last_seen)) {
      it->last_seen = g.last_seen;
    }
  }
  SortGroups(into.groups);
}

}  // namespace liaison::jurisdiction
