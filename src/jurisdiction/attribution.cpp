#include "jurisdiction/attribution.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <bitset>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/text.hpp"
#include "jurisdiction/csv.hpp"
#include "jurisdiction/reference.hpp"

namespace liaison::jurisdiction {
namespace {

struct Chunk {
  std::int64_t sequence = 0;
  std::int64_t first_line = 1;
  std::string text;
  std::optional<FeedError> oversized;  // A line too long to fit any chunk, skipped whole.
};

// Who answers for each packed country code, computed once per feed.
struct GroupTable {
  std::vector<std::string> names;       // Group keys; index 0 is "unattributed".
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

// Reads the time field of a row. Feeds repeat the same day on many consecutive rows, so the
// common form "YYYY-MM-DDTHH:MM:SS[.fff]Z" is read by hand once its day is known; anything else
// goes through ParseRfc3339. One per worker.
class TimeParser {
 public:
  std::optional<long long> Parse(std::string_view text) {
    if (text.size() >= 20 && text.back() == 'Z' && text.compare(0, 10, day_text_) == 0 &&
        (text[10] == 'T' || text[10] == ' ')) {
      if (auto ms = TimeOfDay(text.substr(11, text.size() - 12))) return day_ms_ + *ms;
    }
    std::string normal(text);
    // "2026-11-01 00:00:00Z": RFC 3339 §5.6 allows a space for the "T".
    if (normal.size() > 10 && normal[10] == ' ') normal[10] = 'T';
    auto parsed = ParseRfc3339(normal);
    if (!parsed.has_value()) return std::nullopt;
    // Remember the day of a UTC time for the rows that follow.
    if (text.size() >= 20 && text.back() == 'Z') {
      if (auto ms = TimeOfDay(text.substr(11, text.size() - 12))) {
        day_text_.assign(text.substr(0, 10));
        day_ms_ = ToUnixMillis(*parsed) - *ms;
      }
    }
    return ToUnixMillis(*parsed);
  }

 private:
  // "HH:MM:SS" with an optional fraction, as milliseconds since midnight.
  static std::optional<long long> TimeOfDay(std::string_view t) {
    auto digit = [&](std::size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
    if (t.size() < 8 || !digit(0) || !digit(1) || t[2] != ':' || !digit(3) || !digit(4) ||
        t[5] != ':' || !digit(6) || !digit(7)) {
      return std::nullopt;
    }
    auto two = [&](std::size_t i) { return (t[i] - '0') * 10 + (t[i + 1] - '0'); };
    int hours = two(0), minutes = two(3), seconds = two(6);
    if (hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
    long long ms = ((hours * 60LL + minutes) * 60 + seconds) * 1000;
    if (t.size() == 8) return ms;
    if (t[8] != '.' || t.size() == 9) return std::nullopt;
    int scale = 100;
    for (std::size_t i = 9; i < t.size(); ++i) {
      if (!digit(i)) return std::nullopt;
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
    return ms;
  }

  std::string day_text_;
  long long day_ms_ = 0;
};

// Lets the category counts be looked up by string_view, without building a string per row.
struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using CategoryCounts =
    std::unordered_map<std::string, std::int64_t, TransparentHash, std::equal_to<>>;

// A chunk's worth of work, merged by the calling thread.
struct PartialGroup {
  std::int64_t observations = 0;
  std::vector<std::uint32_t> v4;
  std::vector<Uint128> v6;
  std::vector<std::uint32_t> as_numbers;  // Sorted and made distinct at the end.
  CategoryCounts categories;
  std::bitset<26 * 26> country_slots;
  Window window;
};

struct ChunkResult {
  std::int64_t sequence = 0;
  std::int64_t lines = 0;
  std::int64_t observations = 0;
  std::vector<FeedError> errors;
  std::int64_t malformed = 0;
  std::unordered_map<std::uint16_t, PartialGroup> groups;
  // Rows for the sink, kept only when there is one.
  struct Row {
    std::uint16_t group;
    AttributedRow row;
  };
  std::vector<Row> rows;
  std::vector<std::string> categories_text;  // Owns the categories the rows point to.
};

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

class Attributor {
 public:
  Attributor(const JurisdictionIndex& index, const AttributionOptions& options,
             const GroupTable& groups, const Columns& columns, bool keep_rows)
      : index_(index), options_(options), groups_(groups), columns_(columns),
        keep_rows_(keep_rows) {}

  ChunkResult Process(const Chunk& chunk) const {
    ChunkResult result;
    result.sequence = chunk.sequence;
    if (chunk.oversized) {
      ++result.lines;
      Malformed(result, chunk.oversized->line, chunk.oversized->message);
    }
    if (options_.format == FeedFormat::kCsv) {
      CsvReader reader(chunk.text, chunk.first_line);
      CsvRecord record;
      while (true) {
        auto next = reader.Next(record);
        if (!next.has_value()) {
          ++result.lines;
          std::string message = next.error().message;
          // CsvReader says "line N: …"; the line is reported separately.
          auto colon = message.find(": ");
          Malformed(result, ParseLine(message), colon == std::string::npos ? message
                                                                           : message.substr(colon + 2));
          continue;
        }
        if (!*next) break;
        ++result.lines;
        if (static_cast<int>(record.fields.size()) <= columns_.address) {
          Malformed(result, record.line, "the row has no address column");
          continue;
        }
        std::string_view category;
        if (columns_.category >= 0 && columns_.category < static_cast<int>(record.fields.size())) {
          category = record.fields[columns_.category];
        }
        std::optional<long long> time;
        if (columns_.time >= 0 && columns_.time < static_cast<int>(record.fields.size())) {
          time = times_.Parse(record.fields[columns_.time]);
        }
        Observe(result, record.line, record.fields[columns_.address], category, time);
      }
    } else {
      std::int64_t line = chunk.first_line;
      std::string_view text = chunk.text;
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
          Malformed(result, this_line, "the record is longer than " +
                                           std::to_string(kMaxCsvRecordBytes) + " bytes");
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
        std::string category;
        if (!columns_.category_name.empty()) {
          if (const auto* c = object.if_contains(columns_.category_name); c && c->is_string()) {
            category = std::string(c->as_string());
          }
        }
        std::optional<long long> time;
        if (!columns_.time_name.empty()) {
          if (const auto* t = object.if_contains(columns_.time_name); t && t->is_string()) {
            time = times_.Parse(t->as_string());
          }
        }
        Observe(result, this_line, address->as_string(), category, time);
      }
    }
    Flush(result);
    return result;
  }

 private:
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

  // Parses one observation's address and queues it; look-ups run a batch at a time.
  void Observe(ChunkResult& result, std::int64_t line, std::string_view address_text,
               std::string_view category, std::optional<long long> time) const {
    auto address = ParseIpAddress(address_text);
    if (!address.has_value()) {
      Malformed(result, line, address.error().message);
      return;
    }
    batch_.push_back({line, *address, std::string(category), time});
    if (batch_.size() == kBatch) Flush(result);
  }

  // Looks up the queued addresses and records them. The look-ups of a batch run back to back,
  // independent of one another, so the processor overlaps their cache misses.
  void Flush(ChunkResult& result) const {
    const std::size_t n = batch_.size();
    std::array<std::uint16_t, kBatch> countries;
    std::array<std::uint32_t, kBatch> as_numbers;
    for (std::size_t i = 0; i < n; ++i) countries[i] = index_.CountryCodeAt(batch_[i].address);
    for (std::size_t i = 0; i < n; ++i) as_numbers[i] = index_.AsNumberAt(batch_[i].address);
    for (std::size_t i = 0; i < n; ++i) {
      Record(result, batch_[i].line, batch_[i].address, countries[i], as_numbers[i],
             batch_[i].category, batch_[i].time);
    }
    batch_.clear();
  }

  void Record(ChunkResult& result, std::int64_t line, const IpAddress& address,
              std::uint16_t packed, std::uint32_t as_number, std::string_view category,
              std::optional<long long> time) const {
    ++result.observations;
    int slot = GroupTable::Slot(packed);
    std::uint16_t group = slot < 0 ? 0 : groups_.by_code[slot];
    PartialGroup& g = result.groups[group];
    ++g.observations;
    if (address.family == IpFamily::kIpv4) {
      g.v4.push_back(address.v4());
    } else {
      g.v6.push_back(address.value);
    }
    if (as_number != 0 && (g.as_numbers.empty() || g.as_numbers.back() != as_number)) {
      g.as_numbers.push_back(as_number);
    }
    if (slot >= 0) g.country_slots.set(slot);
    if (time) g.window.Add(*time);
    auto it = g.categories.find(category);
    if (it == g.categories.end()) {
      g.categories.emplace(std::string(category), 1);
    } else {
      ++it->second;
    }
    if (keep_rows_) {
      AttributedRow row;
      row.line = line;
      row.address = address;
      row.country = slot < 0 ? std::string_view() : std::string_view(groups_.countries[slot]);
      row.state = groups_.states[group];
      row.as_number = as_number;
      result.categories_text.emplace_back(category);
      result.rows.push_back({group, row});
    }
  }

  static constexpr std::size_t kBatch = 32;
  struct Queued {
    std::int64_t line;
    IpAddress address;
    std::string category;
    std::optional<long long> time;
  };
  // The batch being filled and the time parser; per Attributor copy, so per worker thread (see
  // Attribute).
  mutable std::vector<Queued> batch_;
  mutable TimeParser times_;

  const JurisdictionIndex& index_;
  const AttributionOptions& options_;
  const GroupTable& groups_;
  const Columns& columns_;
  bool keep_rows_;
};

// Splits the source into chunks that end on record boundaries.
class Chunker {
 public:
  Chunker(FeedSource& source, FeedFormat format, std::size_t chunk_bytes)
      : source_(source), format_(format), chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1024)) {}

  // The next chunk, or nullopt at the end.
  Result<std::optional<Chunk>> Next() {
    while (true) {
      std::size_t end = format_ == FeedFormat::kCsv ? CompleteRecordsEnd(pending_)
                                                    : LastLineEnd(pending_);
      bool full = pending_.size() >= chunk_bytes_;
      if ((full || at_end_) && (end > 0 || at_end_)) {
        if (at_end_ && (end == 0 || end < pending_.size())) end = pending_.size();
        if (end == 0) return std::optional<Chunk>();
        Chunk chunk;
        chunk.sequence = sequence_++;
        chunk.first_line = line_;
        // The chunk takes the buffer; only the partial record after `end` is copied back.
        std::string rest = pending_.substr(end);
        chunk.text = std::move(pending_);
        chunk.text.resize(end);
        pending_ = std::move(rest);
        pending_.reserve(chunk_bytes_ + chunk_bytes_ / 4);
        line_ += std::count(chunk.text.begin(), chunk.text.end(), '\n');
        return std::optional<Chunk>(std::move(chunk));
      }
      if (full && end == 0) {
        // One record fills the whole chunk: it is far longer than any record may be.
        // Skip to the next line break and report it.
        Chunk chunk;
        chunk.sequence = sequence_++;
        chunk.first_line = line_;
        chunk.oversized = FeedError{line_, "the record is longer than " +
                                               std::to_string(chunk_bytes_) + " bytes"};
        RETURN_IF_ERROR(SkipLine());
        return std::optional<Chunk>(std::move(chunk));
      }
      RETURN_IF_ERROR(ReadMore());
    }
  }

  std::uint64_t consumed() const { return source_.consumed(); }

 private:
  static std::size_t LastLineEnd(std::string_view text) {
    auto nl = text.rfind('\n');
    return nl == std::string_view::npos ? 0 : nl + 1;
  }
  Status ReadMore() {
    std::size_t old = pending_.size();
    std::size_t want = std::max<std::size_t>(chunk_bytes_ / 4, 64 * 1024);
    pending_.resize(old + want);
    ASSIGN_OR_RETURN(std::size_t n, source_.Read(pending_.data() + old, want));
    pending_.resize(old + n);
    if (n == 0) at_end_ = true;
    return OkStatus();
  }
  Status SkipLine() {
    while (true) {
      auto nl = pending_.find('\n');
      if (nl != std::string::npos) {
        pending_.erase(0, nl + 1);
        ++line_;
        return OkStatus();
      }
      pending_.clear();
      RETURN_IF_ERROR(ReadMore());
      if (at_end_) return OkStatus();
    }
  }

  FeedSource& source_;
  FeedFormat format_;
  std::size_t chunk_bytes_;
  std::string pending_;
  std::int64_t line_ = 1;
  std::int64_t sequence_ = 0;
  bool at_end_ = false;
};

// Reads the header (CSV) or peeks at the first record (NDJSON) to find the columns.
Result<Columns> FindColumns(Chunk& first, const AttributionOptions& options) {
  Columns columns;
  std::vector<std::string> names;
  if (options.format == FeedFormat::kCsv) {
    CsvReader reader(first.text, first.first_line);
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
    for (std::int64_t i = 0; i < lines; ++i) consumed = first.text.find('\n', consumed) + 1;
    if (lines == 0) consumed = first.text.size();
    first.text.erase(0, consumed);
    first.first_line += lines;
  } else {
    auto nl = first.text.find('\n');
    std::string_view line = std::string_view(first.text).substr(0, nl);
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (!ec && value.is_object()) {
      for (const auto& [key, v] : value.as_object()) names.emplace_back(key);
    }
  }
  columns.address = FindColumn(names, options.address_field, kAddressFieldNames,
                               columns.address_name);
  if (columns.address < 0) {
    std::string wanted = options.address_field.empty() ? "one of ip, address, ip_address, "
                                                         "src_ip, source_ip, addr, ip_addr"
                                                       : "\"" + options.address_field + "\"";
    return Error::InvalidArgument(
        std::string(options.format == FeedFormat::kCsv ? "the header row" : "the first record") +
            " has no address column (" + wanted + ")",
        "column", "missing_column");
  }
  columns.category = FindColumn(names, options.category_field, kCategoryFieldNames,
                                columns.category_name);
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
void SortUnique(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

template <typename T>
void Unite(std::vector<T>& into, const std::vector<T>& more) {
  std::vector<T> out;
  out.reserve(into.size() + more.size());
  std::set_union(into.begin(), into.end(), more.begin(), more.end(), std::back_inserter(out));
  into = std::move(out);
}

void SortGroups(std::vector<GroupSummary>& groups) {
  std::sort(groups.begin(), groups.end(), [](const GroupSummary& a, const GroupSummary& b) {
    if (a.observations != b.observations) return a.observations > b.observations;
    return a.group < b.group;
  });
}

}  // namespace

Result<AttributionSummary> Attribute(FeedSource& source, const JurisdictionIndex& index,
                                     const AttributionOptions& options, const RowSink& sink,
                                     const ProgressCallback& progress) {
  static const GroupTable groups;
  Chunker chunker(source, options.format, options.chunk_bytes);
  ASSIGN_OR_RETURN(auto first, chunker.Next());
  if (!first) return Error::InvalidArgument("the feed is empty", "feed", "empty_feed");
  ASSIGN_OR_RETURN(Columns columns, FindColumns(*first, options));
  Attributor attributor(index, options, groups, columns, static_cast<bool>(sink));

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

  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, attributor]() mutable {
      while (true) {
        Chunk chunk;
        {
          std::unique_lock lock(mutex);
          changed.wait(lock, [&] { return !queue.empty() || reading_done || cancelled; });
          if (cancelled || queue.empty()) return;
          chunk = std::move(queue.front());
          queue.pop_front();
        }
        changed.notify_all();
        ChunkResult result = attributor.Process(chunk);
        {
          std::lock_guard lock(mutex);
          done.emplace(result.sequence, std::move(result));
        }
        changed.notify_all();
      }
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
  std::unordered_map<std::uint16_t, PartialGroup> merged;
  std::optional<Error> failure;
  std::int64_t expected = 0;
  while (true) {
    ChunkResult result;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock,
                   [&] { return done.count(expected) != 0 || (reading_done && expected == produced); });
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
      failure = Error::InvalidArgument("line " + std::to_string(e.line) + ": " + e.message,
                                       "feed", "malformed_line");
      break;
    }
    if (options.max_observations > 0 && summary.observations > options.max_observations) {
      failure = Error::InvalidArgument(
          "the feed has more than " + std::to_string(options.max_observations) + " observations",
          "feed", "too_many_observations");
      break;
    }
    if (sink) {
      for (std::size_t i = 0; i < result.rows.size(); ++i) {
        auto& r = result.rows[i];
        r.row.category = result.categories_text[i];
        Status written = sink(groups.names[r.group], r.row);
        if (!written.has_value()) {
          failure = written.error();
          break;
        }
      }
      if (failure) break;
    }
    for (auto& [group, partial] : result.groups) {
      PartialGroup& g = merged[group];
      g.observations += partial.observations;
      g.v4.insert(g.v4.end(), partial.v4.begin(), partial.v4.end());
      g.v6.insert(g.v6.end(), partial.v6.begin(), partial.v6.end());
      g.as_numbers.insert(g.as_numbers.end(), partial.as_numbers.begin(),
                          partial.as_numbers.end());
      g.country_slots |= partial.country_slots;
      g.window.Add(partial.window);
      for (auto& [category, count] : partial.categories) g.categories[category] += count;
      // Keep the address lists short as we go: sort and drop duplicates when they grow.
      if (g.v4.size() > (1u << 22)) SortUnique(g.v4);
      if (g.as_numbers.size() > (1u << 20)) SortUnique(g.as_numbers);
    }
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

  for (auto& [group, g] : merged) {
    GroupSummary out;
    out.group = groups.names[group];
    out.state = groups.states[group];
    out.observations = g.observations;
    SortUnique(g.v4);
    SortUnique(g.v6);
    SortUnique(g.as_numbers);
    out.distinct_addresses = static_cast<std::int64_t>(g.v4.size() + g.v6.size());
    out.as_numbers = std::move(g.as_numbers);
    out.distinct_as_numbers = static_cast<std::int64_t>(out.as_numbers.size());
    for (int slot = 0; slot < 26 * 26; ++slot) {
      if (g.country_slots.test(slot)) out.countries.push_back(groups.countries[slot]);
    }
    std::sort(out.countries.begin(), out.countries.end());
    out.categories.insert(g.categories.begin(), g.categories.end());
    out.addresses_v4 = std::move(g.v4);
    out.addresses_v6 = std::move(g.v6);
    if (g.window.first <= g.window.last) {
      out.first_seen = FromUnixMillis(g.window.first);
      out.last_seen = FromUnixMillis(g.window.last);
    }
    summary.groups.push_back(std::move(out));
  }
  SortGroups(summary.groups);
  if (summary.lines == 0 && summary.malformed == 0) {
    return Error::InvalidArgument("the feed has no records", "feed", "empty_feed");
  }
  return summary;
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
