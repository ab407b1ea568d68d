// Output files of bulk attribution: one CSV per state (or group) with every attributed row, and
// one STIX 2.1 bundle per state holding an ipv4-addr/ipv6-addr observable per distinct address
// and indicators whose patterns name the addresses a batch at a time. Not thread-safe: used from
// the thread that merges results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "jurisdiction/attribution.hpp"

namespace liaison::jurisdiction {

// Writes <dir>/<group>.csv files (address,country,state,as_number,as_name,category,line), opened
// on a group's first row. Rows are formatted in Attribute's worker threads (NewFormatter) and
// appended here in large writes.
class GroupCsvWriter final : public GroupOutput {
 public:
  GroupCsvWriter(std::filesystem::path dir, const JurisdictionIndex& index);
  ~GroupCsvWriter() override;
  std::unique_ptr<RowFormatter> NewFormatter() const override;
  Status Write(const std::string& group, std::string_view text) override;
  // Writes what is buffered and closes every file; unavailable when a write failed.
  Status Close();

 private:
  struct File {
    int fd = -1;
    std::string pending;
  };
  Status Drain(const std::string& group, File& file);
  std::filesystem::path dir_;
  const JurisdictionIndex& index_;
  static constexpr std::size_t kFileBuffer = 256 * 1024;
  std::map<std::string, File> files_;
};

// One group's rows as a file to attach to a request: the per-group CSV of GroupCsvWriter, plain
// when it fits the size limit, else gzip-compressed, else the gzip of its first rows that fit.
struct GroupShare {
  std::string filename;         // "<group>.csv" or "<group>.csv.gz".
  std::string media_type;       // "text/csv" or "application/gzip".
  std::string content;          // At most the collector's max_bytes.
  std::int64_t rows = 0;        // Rows in `content`, header excluded.
  std::int64_t total_rows = 0;  // Rows of the group in the feed.
  bool truncated() const { return rows < total_rows; }
};

// Collects each group's rows (GroupCsvWriter's CSV format) in memory for GroupShare files,
// compressing them as they arrive: at most about `max_bytes` plus a compressor's state (256 KiB)
// per group, whatever the feed's size. Rows that no longer fit are counted, not kept. Used as
// Attribute's GroupOutput; Write and Take run on the merging thread. Not thread-safe.
class GroupShareCollector final : public GroupOutput {
 public:
  // Which groups to keep; the others' rows are dropped as they come (Take gives nothing).
  using GroupFilter = std::function<bool(const std::string& group)>;
  // `max_bytes`: the most a share's file may hold (at least 1024). `wanted`: empty keeps all.
  GroupShareCollector(const JurisdictionIndex& index, std::size_t max_bytes,
                      GroupFilter wanted = {});
  ~GroupShareCollector() override;
  GroupShareCollector(const GroupShareCollector&) = delete;
  GroupShareCollector& operator=(const GroupShareCollector&) = delete;
  std::unique_ptr<RowFormatter> NewFormatter() const override;
  Status Write(const std::string& group, std::string_view text) override;
  // The share of `group`, once all of the feed is written, and forgets it: nullopt when the group
  // had no row (or was taken already). The CSV is plain when it fits max_bytes and is UTF-8 text,
  // gzip-compressed otherwise. internal when the compressor fails.
  Result<std::optional<GroupShare>> Take(const std::string& group);

 private:
  struct Share;
  Status Add(Share& share, std::string_view lines);
  Status FitLines(Share& share, std::string_view lines);
  const JurisdictionIndex& index_;
  std::size_t max_bytes_;
  GroupFilter wanted_;
  std::map<std::string, std::unique_ptr<Share>> shares_;
  std::map<std::string, bool> decided_;  // wanted_'s answer per group seen.
};

// The addresses named by one indicator's pattern in a STIX bundle.
inline constexpr std::size_t kStixAddressesPerIndicator = 1000;

// Writes the STIX 2.1 bundle of `group` to `path`: for each distinct address an ipv4-addr or
// ipv6-addr object (deterministic UUIDv5 id per STIX 2.1 §2.9), and indicators created at `now`
// whose patterns name up to kStixAddressesPerIndicator addresses of one family each
// ("[ipv4-addr:value = '…' OR ipv4-addr:value = '…']"). unavailable when the file cannot be
// written.
Status WriteStixBundle(const std::filesystem::path& path, const GroupSummary& group,
                       const std::string& data_version, TimePoint now);

// Writes <dir>/<group>.stix.json for every group of `summary`, `threads` bundles at a time (the
// observables' ids are SHA-1 digests, the costly part). The first error, if any.
Status WriteStixBundles(const std::filesystem::path& dir, const AttributionSummary& summary,
                        TimePoint now, int threads);

// The STIX 2.1 id of the SCO for `address`, e.g. "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd".
std::string StixAddressId(const IpAddress& address);

}  // namespace liaison::jurisdiction
