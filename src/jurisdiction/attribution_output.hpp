// Output files of bulk attribution: one CSV per state (or group) with every attributed row, and
// one STIX 2.1 bundle per state holding an ipv4-addr/ipv6-addr observable per distinct address
// and indicators whose patterns name the addresses a batch at a time. Not thread-safe: used from
// the thread that merges results.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
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
