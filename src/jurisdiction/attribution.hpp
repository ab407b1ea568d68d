// Bulk attribution: reads a feed of observations (CSV with a header row, or NDJSON; plain or
// gzip), finds each address's country, AS and responsible state with a JurisdictionIndex, and
// summarises the feed per state. Streaming and multi-threaded: one thread reads chunks that end
// on record boundaries, worker threads parse and attribute them (a chunk's distinct addresses
// looked up in ascending order, so that neighbouring look-ups share the index's cache lines;
// distinct addresses collected per worker, then united per group and their AS numbers found by
// the workers side by side at the end), and the calling thread merges their counts in input
// order (so outputs are deterministic) and hands each group's formatted rows to an optional
// GroupOutput. Attribute() is thread-safe; the index must outlive the call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "jurisdiction/feed_source.hpp"
#include "jurisdiction/ip_address.hpp"
#include "jurisdiction/jurisdiction_index.hpp"

namespace liaison::jurisdiction {

enum class FeedFormat { kCsv, kNdjson };
enum class Strictness { kReportAndSkip, kFailOnFirst };

// The address field names tried, in order, when none is given.
inline constexpr const char* kAddressFieldNames[] = {"ip", "address", "ip_address", "src_ip",
                                                     "source_ip", "addr", "ip_addr"};
// The category field names tried, in order, when none is given (a feed may have none).
inline constexpr const char* kCategoryFieldNames[] = {"category", "type", "tag",
                                                      "classification", "infection"};
// The time field names tried, in order, when none is given (a feed may have none). Values are
// RFC 3339 date-times ("2026-11-01T00:00:00Z"; a space for the "T" is accepted).
inline constexpr const char* kTimeFieldNames[] = {"timestamp",   "time",       "seen",
                                                  "observed_at", "first_seen", "date"};

struct AttributionOptions {
  FeedFormat format = FeedFormat::kCsv;
  std::string address_field;   // Empty: the first of kAddressFieldNames present.
  std::string category_field;  // Empty: the first of kCategoryFieldNames present, if any.
  std::string time_field;      // Empty: the first of kTimeFieldNames present, if any.
  Strictness strictness = Strictness::kReportAndSkip;
  int threads = 2;                         // Worker threads (at least 1).
  std::size_t chunk_bytes = 4 << 20;       // Bytes per chunk handed to a worker.
  std::size_t max_errors_kept = 100;       // Malformed lines listed; all are counted.
  std::int64_t max_observations = 0;      // Refuse feeds with more rows (0: no limit).
};

// One attributed observation, as given to a RowFormatter.
struct AttributedRow {
  std::int64_t line = 0;
  IpAddress address;
  std::string_view country;  // "" when the data has none.
  std::string_view state;    // The responsible state; "" when none or disputed.
  std::uint32_t as_number = 0;
  std::string_view category;
};

// Per-group text output (the per-state CSV files), formatted in the worker threads so that the
// merging thread only appends text: a formatter per worker turns rows into text, and Write
// receives, on the calling thread and in input order, the text of each group's rows of a chunk.
class RowFormatter {
 public:
  virtual ~RowFormatter() = default;
  // Appends the text of `row` to `out`.
  virtual void Append(const AttributedRow& row, std::string& out) = 0;
};

class GroupOutput {
 public:
  virtual ~GroupOutput() = default;
  // A formatter for one worker thread (called once per worker, before the workers start).
  virtual std::unique_ptr<RowFormatter> NewFormatter() const = 0;
  virtual Status Write(const std::string& group, std::string_view text) = 0;
};

// A malformed line.
struct FeedError {
  std::int64_t line = 0;
  std::string message;
};

// The per-state (or per-group) figures.
struct GroupSummary {
  std::string group;       // "FR", "no-state-TW", "unattributed".
  std::string state;       // "" when no state answers.
  std::vector<std::string> countries;  // Country codes seen (e.g. FR, GP, RE for France).
  std::int64_t observations = 0;
  std::int64_t distinct_addresses = 0;
  std::int64_t distinct_as_numbers = 0;
  std::map<std::string, std::int64_t> categories;  // Empty category counted as "".
  std::vector<std::uint32_t> as_numbers;    // Distinct, ascending.
  std::vector<std::uint32_t> addresses_v4;  // Distinct, ascending; for STIX output.
  std::vector<Uint128> addresses_v6;
  // The earliest and latest time of the group's observations, when the feed has a time field;
  // values that are not RFC 3339 date-times are left out of the window (the row still counts).
  std::optional<TimePoint> first_seen, last_seen;
};

struct AttributionSummary {
  std::string data_version;
  std::int64_t lines = 0;          // Records read, header excluded.
  std::int64_t observations = 0;   // Well-formed records.
  std::int64_t malformed = 0;
  std::vector<FeedError> errors;   // The first max_errors_kept malformed lines.
  std::vector<GroupSummary> groups;  // Most observations first.
  std::string address_field, category_field;
  std::string time_field;  // "" when the feed has none.
};

// Progress: bytes consumed of the source and its total (0 if unknown).
using ProgressCallback = std::function<void(std::uint64_t consumed, std::uint64_t total)>;

// Attributes every record of `source`. Errors: invalid_argument for a missing address column
// (reason "missing_column", also for a category or time column named but absent), an empty
// feed (reason "empty_feed"), a malformed line under kFailOnFirst (reason "malformed_line",
// message with the line), too many rows (reason "too_many_observations"), a damaged gzip stream
// (its own reasons).
Result<AttributionSummary> Attribute(FeedSource& source, const JurisdictionIndex& index,
                                     const AttributionOptions& options,
                                     const ProgressCallback& progress = {});
// The same, with each group's rows formatted by `output` in the worker threads and handed to it
// a chunk at a time (the per-group files); an error of output.Write ends the feed with it.
Result<AttributionSummary> Attribute(FeedSource& source, const JurisdictionIndex& index,
                                     const AttributionOptions& options, GroupOutput& output,
                                     const ProgressCallback& progress = {});

// Adds `more` (the summary of another feed) into `into`: counts add up, distinct addresses and
// AS numbers are united, errors are kept up to `max_errors_kept`.
void MergeSummaries(AttributionSummary& into, AttributionSummary more,
                    std::size_t max_errors_kept = 100);

}  // namespace liaison::jurisdiction
