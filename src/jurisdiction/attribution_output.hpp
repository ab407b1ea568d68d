// Output files of bulk attribution: one CSV per state (or group) with every attributed row, and
// one STIX 2.1 bundle per state holding an ipv4-addr/ipv6-addr observable and an indicator per
// distinct address. Not thread-safe: used from the thread that merges results.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "jurisdiction/attribution.hpp"

namespace liaison::jurisdiction {

// Writes <dir>/<group>.csv files (address,country,state,as_number,as_name,category,line), opened
// on a group's first row. The sink() it hands out must not outlive it.
class GroupCsvWriter {
 public:
  GroupCsvWriter(std::filesystem::path dir, const JurisdictionIndex& index);
  RowSink sink();
  // Flushes and closes every file; unavailable when a write failed.
  Status Close();

 private:
  Status Write(const std::string& group, const AttributedRow& row);
  std::filesystem::path dir_;
  const JurisdictionIndex& index_;
  static constexpr std::size_t kFileBuffer = 64 * 1024;
  std::map<std::string, std::vector<char>> buffers_;  // Declared first: outlive the files.
  std::map<std::string, std::unique_ptr<std::ofstream>> files_;
  std::map<std::uint32_t, std::string> as_names_;  // Cache of AS names (CSV-quoted).
};

// Writes the STIX 2.1 bundle of `group` to `path`: for each distinct address an ipv4-addr or
// ipv6-addr object (deterministic UUIDv5 id per STIX 2.1 §2.9) and an indicator with the pattern
// [ipv4-addr:value = '…'], created at `now`. unavailable when the file cannot be written.
Status WriteStixBundle(const std::filesystem::path& path, const GroupSummary& group,
                       const std::string& data_version, TimePoint now);

// The STIX 2.1 id of the SCO for `address`, e.g. "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd".
std::string StixAddressId(const IpAddress& address);

}  // namespace liaison::jurisdiction
