// JurisdictionIndex: one loaded IP data set — IPv4 and IPv6 ranges to country and to autonomous
// system — answering address, prefix and AS look-ups. Loaded from the ip-location-db CSVs of a
// data directory and validated whole before use; immutable afterwards, so one instance is shared
// by every thread without locks (see JurisdictionService for swapping in a new one).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "jurisdiction/ip_address.hpp"
#include "jurisdiction/range_table.hpp"

namespace liaison::jurisdiction {

// The CSV files a data directory holds (address form, as published by ip-location-db).
inline constexpr std::string_view kCountryIpv4File = "geo-whois-asn-country-ipv4.csv";
inline constexpr std::string_view kCountryIpv6File = "geo-whois-asn-country-ipv6.csv";
inline constexpr std::string_view kAsIpv4File = "asn-ipv4.csv";
inline constexpr std::string_view kAsIpv6File = "asn-ipv6.csv";
// Optional: one line naming the data version; without it the directory's name is the version.
inline constexpr std::string_view kVersionFile = "VERSION";

// Figures about a loaded data set.
struct IndexStats {
  std::string version;
  std::string directory;
  TimePoint loaded_at;
  double load_seconds = 0;
  std::int64_t country_rows_v4 = 0, country_rows_v6 = 0, as_rows_v4 = 0, as_rows_v6 = 0;
  std::int64_t segments = 0;      // Across the four tables, gaps included.
  std::int64_t as_entries = 0;    // Distinct (AS number, AS name) pairs.
  std::int64_t memory_bytes = 0;  // Held by the index's arrays and strings.
};

struct AsIdentity {
  std::uint32_t number = 0;
  std::string name;
};

// The answer for one address: its country (empty when the data has none) and the range over
// which that answer holds; likewise its AS.
struct IpAnswer {
  IpAddress address;
  std::string country;
  IpAddress country_first, country_last;
  std::optional<AsIdentity> as;
  IpAddress as_first, as_last;
};

// How many addresses of a prefix each country (or none: empty code) holds.
struct CountryShare {
  std::string country;
  Uint128 addresses = 0;
};

struct PrefixAnswer {
  IpPrefix prefix;
  std::vector<CountryShare> countries;    // Most addresses first; "" for addresses without data.
  std::vector<std::uint32_t> as_numbers;  // Distinct, ascending; at most kMaxPrefixAsNumbers.
  bool as_numbers_truncated = false;
};
inline constexpr std::size_t kMaxPrefixAsNumbers = 1000;

// A range announced by an AS.
struct IpRange {
  IpAddress first, last;
};

struct AsAnswer {
  std::uint32_t number = 0;
  std::vector<std::string> names;          // Usually one.
  std::vector<IpRange> ranges;             // IPv4 then IPv6, ascending; at most kMaxAsRanges.
  std::int64_t range_count = 0;            // All of them.
  std::vector<CountryShare> countries_v4;  // Addresses of its IPv4 ranges by country.
  std::vector<CountryShare> countries_v6;  // Addresses of its IPv6 ranges by country.
};
inline constexpr std::size_t kMaxAsRanges = 1000;

class JurisdictionIndex {
 public:
  // Loads and validates the four CSVs of `directory`. invalid_argument naming the file and line
  // for a malformed row (bad address, family mismatch, first > last, unsorted rows, bad country
  // code or AS number); not_found when a file is missing.
  static Result<std::shared_ptr<const JurisdictionIndex>> Load(const std::string& directory,
                                                               TimePoint now);

  const IndexStats& stats() const { return stats_; }

  IpAnswer Lookup(const IpAddress& address) const;
  PrefixAnswer LookupPrefix(const IpPrefix& prefix) const;
  // not_found when the data has no range for AS `number`.
  Result<AsAnswer> LookupAs(std::uint32_t number) const;

  // The fast paths used by bulk attribution: the packed country code (0: none; else the two
  // letters as (first << 8) | second) and the AS number (0: none) of an address.
  std::uint16_t CountryCodeAt(const IpAddress& address) const {
    return address.family == IpFamily::kIpv4
               ? CountryCodeAtV4(address.v4())
               : static_cast<std::uint16_t>(country_v6_.ValueAt(address.value));
  }
  std::uint32_t AsNumberAt(const IpAddress& address) const {
    return address.family == IpFamily::kIpv4 ? AsNumberAtV4(address.v4())
                                             : AsNumberOf(as_v6_.ValueAt(address.value));
  }
  // The same for an IPv4 address given as its 32-bit value (IpAddress::v4()): no 32-byte
  // IpAddress to read, for callers that hold IPv4 addresses as integers.
  std::uint16_t CountryCodeAtV4(std::uint32_t address) const {
    return static_cast<std::uint16_t>(country_v4_.ValueAt(address));
  }
  std::uint32_t AsNumberAtV4(std::uint32_t address) const {
    return AsNumberOf(as_v4_.ValueAt(address));
  }

  // The same for many addresses at once: out[i] answers addresses[i] (out.size() must equal
  // addresses.size()). The look-ups are interleaved so that their cache misses overlap: several
  // times the single-address rate on large inputs (bench/README.md). IPv4 and IPv6 may be mixed.
  void CountryCodesAt(std::span<const IpAddress> addresses, std::span<std::uint16_t> out) const;
  void AsNumbersAt(std::span<const IpAddress> addresses, std::span<std::uint32_t> out) const;

  // "FR" for a packed code; empty for 0.
  static std::string UnpackCountry(std::uint16_t code);

 private:
  JurisdictionIndex() = default;
  static Result<std::shared_ptr<const JurisdictionIndex>> LoadUntrimmed(
      const std::string& directory, TimePoint now);

  std::uint32_t AsNumberOf(std::uint32_t entry) const {
    return entry == 0 ? 0 : as_numbers_[entry - 1];
  }

  // Chosen by bench/jurisdiction_lookup_bench's layout comparison (bench/README.md): IPv4
  // countries a byte per /24 (a slot among the ~250 country values, or "split: search"), in
  // 256-byte chunks named by a first level on the top 16 bits; IPv4 AS numbers (90,000 values,
  // too many for byte slots) a first level on the top 16 bits with whole-block values and a
  // 6-bit second level; IPv6 a static B+-tree over the top 64 bits, whose look-ups all take
  // the same few steps without a branch (its ranges crowd into a few /20 blocks, up to 40,000
  // in one, and a third of the sampled look-ups need a trie's eighth 6-bit level: a trie's walk
  // of varying depth waits on each of its reads in turn, where the tree's fixed steps let a
  // loop's look-ups overlap; bench/README.md).
  using CountryV4Table = RangeTable<std::uint32_t, 16, RangeSearch::kSlots>;
  using AsV4Table = RangeTable<std::uint32_t, 16>;
  using V6Table = RangeTable<Uint128, 0, RangeSearch::kTree>;

  CountryV4Table country_v4_;
  AsV4Table as_v4_;
  V6Table country_v6_, as_v6_;
  // AS entries: index i + 1 is the value in as_v4_/as_v6_.
  std::vector<std::uint32_t> as_numbers_;
  std::vector<std::uint32_t> as_name_offsets_;  // Into as_names_; one more than entries.
  std::string as_names_;
  // Segment indices of as_v4_ / as_v6_ with an AS, ordered by AS number, for LookupAs.
  std::vector<std::uint32_t> as_segments_v4_, as_segments_v6_;
  IndexStats stats_;
};

}  // namespace liaison::jurisdiction
