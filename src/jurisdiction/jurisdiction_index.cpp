#include "jurisdiction/jurisdiction_index.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <malloc.h>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "core/text.hpp"
#include "jurisdiction/csv.hpp"

namespace liaison::jurisdiction {
namespace {

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error::Unavailable("error reading " + path.string());
  return buffer.str();
}

Error RowError(std::string_view file, std::int64_t line, const std::string& what) {
  return Error::InvalidArgument(std::string(file) + ":" + std::to_string(line) + ": " + what,
                                "data", "invalid_data");
}

template <typename Key>
Key KeyOf(const IpAddress& a) {
  return static_cast<Key>(a.value);
}

// Reads one ranges file: every row is first,last,<columns…>; `row` turns the extra columns into
// a value (or an error message). Rows are checked for family, order and sortedness.
template <typename Key, typename F>
Result<std::vector<SourceRange<Key>>> ReadRanges(const std::filesystem::path& dir,
                                                 std::string_view file, IpFamily family,
                                                 std::size_t columns, F&& row,
                                                 std::int64_t& rows) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(dir / file));
  std::vector<SourceRange<Key>> ranges;
  CsvReader reader(text);
  CsvRecord record;
  Key previous_first = 0;
  while (true) {
    auto next = reader.Next(record);
    if (!next.has_value()) {
      return Error::InvalidArgument(std::string(file) + ": " + next.error().message, "data",
                                    "invalid_data");
    }
    if (!*next) break;
    if (record.fields.size() != columns) {
      return RowError(file, record.line,
                      "expected " + std::to_string(columns) + " columns, found " +
                          std::to_string(record.fields.size()));
    }
    auto first = ParseIpAddress(record.fields[0]);
    auto last = ParseIpAddress(record.fields[1]);
    if (!first.has_value()) return RowError(file, record.line, first.error().message);
    if (!last.has_value()) return RowError(file, record.line, last.error().message);
    if (first->family != family || last->family != family) {
      return RowError(file, record.line,
                      family == IpFamily::kIpv4 ? "an IPv6 address in the IPv4 file"
                                                : "an IPv4 address in the IPv6 file");
    }
    Key a = KeyOf<Key>(*first), b = KeyOf<Key>(*last);
    if (b < a) return RowError(file, record.line, "the range ends before it starts");
    if (!ranges.empty() && a < previous_first) {
      return RowError(file, record.line, "rows are not sorted by their first address");
    }
    previous_first = a;
    std::string problem;
    std::uint32_t value = row(record.fields, problem);
    if (!problem.empty()) return RowError(file, record.line, problem);
    ranges.push_back({a, b, value});
  }
  rows = static_cast<std::int64_t>(ranges.size());
  return ranges;
}

std::uint16_t PackCountry(std::string_view code, std::string& problem) {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
    problem = "not a two-letter upper-case country code: \"" + std::string(code.substr(0, 16)) +
              "\"";
    return 0;
  }
  return static_cast<std::uint16_t>((code[0] << 8) | code[1]);
}

template <typename Table>
std::vector<CountryShare> SharesIn(const Table& countries, auto first, auto last) {
  std::map<std::uint16_t, Uint128> by_country;
  countries.ForEachIn(first, last, [&](const auto& seg) {
    by_country[static_cast<std::uint16_t>(seg.value)] +=
        static_cast<Uint128>(seg.last - seg.first) + 1;
  });
  std::vector<CountryShare> shares;
  for (const auto& [code, addresses] : by_country) {
    shares.push_back({JurisdictionIndex::UnpackCountry(code), addresses});
  }
  return shares;
}

void SortShares(std::vector<CountryShare>& shares) {
  std::sort(shares.begin(), shares.end(), [](const CountryShare& a, const CountryShare& b) {
    if (a.addresses != b.addresses) return a.addresses > b.addresses;
    return a.country < b.country;
  });
}

void MergeShares(std::vector<CountryShare>& into, const std::vector<CountryShare>& more) {
  for (const auto& share : more) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const CountryShare& s) { return s.country == share.country; });
    if (it == into.end()) {
      into.push_back(share);
    } else {
      it->addresses += share.addresses;
    }
  }
}

// Looks the addresses of each family up in its table (RangeTable::ValuesAt) and passes every
// address's value through `finish` into `out`.
template <typename T, typename V4Table, typename V6Table, typename F>
void ValuesOf(std::span<const IpAddress> addresses, std::span<T> out, const V4Table& v4_table,
              const V6Table& v6_table, F&& finish) {
  LIAISON_CHECK(out.size() == addresses.size());
  // Chunks small enough to stay on the stack, large enough to keep every lane of the tables'
  // interleaved look-ups busy; each family's keys are gathered and their answers scattered back.
  constexpr std::size_t kChunk = 256;
  std::uint32_t v4_keys[kChunk], v4_values_out[kChunk];
  Uint128 v6_keys[kChunk];
  std::uint32_t v6_values_out[kChunk];
  std::uint16_t v4_at[kChunk], v6_at[kChunk];
  for (std::size_t base = 0; base < addresses.size(); base += kChunk) {
    const std::size_t n = std::min(kChunk, addresses.size() - base);
    std::size_t v4_count = 0, v6_count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const IpAddress& address = addresses[base + i];
      if (address.family == IpFamily::kIpv4) {
        v4_at[v4_count] = static_cast<std::uint16_t>(i);
        v4_keys[v4_count++] = address.v4();
      } else {
        v6_at[v6_count] = static_cast<std::uint16_t>(i);
        v6_keys[v6_count++] = address.value;
      }
    }
    v4_table.ValuesAt(v4_keys, v4_count, v4_values_out);
    v6_table.ValuesAt(v6_keys, v6_count, v6_values_out);
    for (std::size_t i = 0; i < v4_count; ++i) out[base + v4_at[i]] = finish(v4_values_out[i]);
    for (std::size_t i = 0; i < v6_count; ++i) out[base + v6_at[i]] = finish(v6_values_out[i]);
  }
}

IpAddress V4(std::uint32_t v) { return IpAddress{IpFamily::kIpv4, v}; }
IpAddress V6(Uint128 v) { return IpAddress{IpFamily::kIpv6, v}; }

}  // namespace

std::string JurisdictionIndex::UnpackCountry(std::uint16_t code) {
  if (code == 0) return {};
  return {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
}

Result<std::shared_ptr<const JurisdictionIndex>> JurisdictionIndex::Load(
    const std::string& directory, TimePoint now) {
  auto loaded = LoadUntrimmed(directory, now);
  // The file texts and the build-time vectors are freed by now; give their pages back, so that
  // the resident size is the index's own.
  malloc_trim(0);
  return loaded;
}

Result<std::shared_ptr<const JurisdictionIndex>> JurisdictionIndex::LoadUntrimmed(
    const std::string& directory, TimePoint now) {
  auto started = std::chrono::steady_clock::now();
  std::filesystem::path dir(directory);
  std::shared_ptr<JurisdictionIndex> index(new JurisdictionIndex());
  IndexStats& stats = index->stats_;

  auto country_row = [](const std::vector<std::string_view>& f, std::string& problem) {
    return static_cast<std::uint32_t>(PackCountry(f[2], problem));
  };
  ASSIGN_OR_RETURN(auto country_v4, ReadRanges<std::uint32_t>(dir, kCountryIpv4File,
                                                              IpFamily::kIpv4, 3, country_row,
                                                              stats.country_rows_v4));
  ASSIGN_OR_RETURN(auto country_v6, ReadRanges<Uint128>(dir, kCountryIpv6File, IpFamily::kIpv6, 3,
                                                         country_row, stats.country_rows_v6));

  // AS names are interned: each distinct (number, name) pair is stored once.
  std::unordered_map<std::string, std::uint32_t> entries;
  auto as_row = [&](const std::vector<std::string_view>& f, std::string& problem) {
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), number);
    if (f[2].empty() || ec != std::errc() || end != f[2].data() + f[2].size() ||
        number > 0xffffffffull || number == 0) {
      problem = "not an AS number from 1 to 4294967295: \"" + std::string(f[2].substr(0, 16)) +
                "\"";
      return 0u;
    }
    std::string key = std::string(f[2]) + '\0' + std::string(f[3]);
    auto [it, inserted] =
        entries.try_emplace(std::move(key), static_cast<std::uint32_t>(entries.size() + 1));
    if (inserted) {
      index->as_numbers_.push_back(static_cast<std::uint32_t>(number));
      index->as_name_offsets_.push_back(static_cast<std::uint32_t>(index->as_names_.size()));
      index->as_names_.append(f[3]);
    }
    return it->second;
  };
  ASSIGN_OR_RETURN(auto as_v4, ReadRanges<std::uint32_t>(dir, kAsIpv4File, IpFamily::kIpv4, 4,
                                                         as_row, stats.as_rows_v4));
  ASSIGN_OR_RETURN(auto as_v6, ReadRanges<Uint128>(dir, kAsIpv6File, IpFamily::kIpv6, 4, as_row,
                                                   stats.as_rows_v6));
  index->as_name_offsets_.push_back(static_cast<std::uint32_t>(index->as_names_.size()));

  index->country_v4_.Build(country_v4);
  index->country_v6_.Build(country_v6);
  index->as_v4_.Build(as_v4);
  index->as_v6_.Build(as_v6);

  auto by_as = [&](const auto& table, std::vector<std::uint32_t>& out) {
    for (std::size_t i = 0; i < table.segments(); ++i) {
      if (table.SegmentAt(i).value != 0) out.push_back(static_cast<std::uint32_t>(i));
    }
    std::stable_sort(out.begin(), out.end(), [&](std::uint32_t a, std::uint32_t b) {
      return index->as_numbers_[table.SegmentAt(a).value - 1] <
             index->as_numbers_[table.SegmentAt(b).value - 1];
    });
    out.shrink_to_fit();
  };
  by_as(index->as_v4_, index->as_segments_v4_);
  by_as(index->as_v6_, index->as_segments_v6_);
  index->as_numbers_.shrink_to_fit();
  index->as_name_offsets_.shrink_to_fit();
  index->as_names_.shrink_to_fit();

  std::string version;
  if (auto text = ReadWholeFile(dir / kVersionFile); text.has_value()) version = Trim(*text);
  if (version.empty()) version = std::filesystem::absolute(dir).lexically_normal().filename();
  if (version.empty()) version = std::filesystem::absolute(dir).parent_path().filename();
  stats.version = version;
  stats.directory = std::filesystem::absolute(dir).lexically_normal().string();
  stats.loaded_at = now;
  stats.segments = static_cast<std::int64_t>(
      index->country_v4_.segments() + index->country_v6_.segments() + index->as_v4_.segments() +
      index->as_v6_.segments());
  stats.as_entries = static_cast<std::int64_t>(index->as_numbers_.size());
  stats.memory_bytes = static_cast<std::int64_t>(
      index->country_v4_.MemoryBytes() + index->country_v6_.MemoryBytes() +
      index->as_v4_.MemoryBytes() + index->as_v6_.MemoryBytes() +
      index->as_numbers_.capacity() * 4 + index->as_name_offsets_.capacity() * 4 +
      index->as_names_.capacity() + index->as_segments_v4_.capacity() * 4 +
      index->as_segments_v6_.capacity() * 4);
  stats.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::shared_ptr<const JurisdictionIndex>(std::move(index));
}

void JurisdictionIndex::CountryCodesAt(std::span<const IpAddress> addresses,
                                       std::span<std::uint16_t> out) const {
  ValuesOf(addresses, out, country_v4_, country_v6_,
           [](std::uint32_t value) { return static_cast<std::uint16_t>(value); });
}

void JurisdictionIndex::AsNumbersAt(std::span<const IpAddress> addresses,
                                    std::span<std::uint32_t> out) const {
  ValuesOf(addresses, out, as_v4_, as_v6_,
           [&](std::uint32_t entry) { return AsNumberOf(entry); });
}

IpAnswer JurisdictionIndex::Lookup(const IpAddress& address) const {
  IpAnswer answer;
  answer.address = address;
  std::uint32_t entry = 0;
  if (address.family == IpFamily::kIpv4) {
    auto country = country_v4_.Find(address.v4());
    answer.country = UnpackCountry(static_cast<std::uint16_t>(country.value));
    answer.country_first = V4(country.first);
    answer.country_last = V4(country.last);
    auto as = as_v4_.Find(address.v4());
    entry = as.value;
    answer.as_first = V4(as.first);
    answer.as_last = V4(as.last);
  } else {
    auto country = country_v6_.Find(address.value);
    answer.country = UnpackCountry(static_cast<std::uint16_t>(country.value));
    answer.country_first = V6(country.first);
    answer.country_last = V6(country.last);
    auto as = as_v6_.Find(address.value);
    entry = as.value;
    answer.as_first = V6(as.first);
    answer.as_last = V6(as.last);
  }
  if (entry != 0) {
    answer.as = AsIdentity{as_numbers_[entry - 1],
                           as_names_.substr(as_name_offsets_[entry - 1],
                                            as_name_offsets_[entry] - as_name_offsets_[entry - 1])};
  }
  return answer;
}

PrefixAnswer JurisdictionIndex::LookupPrefix(const IpPrefix& prefix) const {
  PrefixAnswer answer;
  answer.prefix = prefix;
  std::vector<std::uint32_t> numbers;
  auto collect = [&](const auto& seg) {
    if (seg.value != 0) numbers.push_back(as_numbers_[seg.value - 1]);
  };
  if (prefix.first.family == IpFamily::kIpv4) {
    answer.countries = SharesIn(country_v4_, prefix.first.v4(), prefix.Last().v4());
    as_v4_.ForEachIn(prefix.first.v4(), prefix.Last().v4(), collect);
  } else {
    answer.countries = SharesIn(country_v6_, prefix.first.value, prefix.Last().value);
    as_v6_.ForEachIn(prefix.first.value, prefix.Last().value, collect);
  }
  SortShares(answer.countries);
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  if (numbers.size() > kMaxPrefixAsNumbers) {
    numbers.resize(kMaxPrefixAsNumbers);
    answer.as_numbers_truncated = true;
  }
  answer.as_numbers = std::move(numbers);
  return answer;
}

Result<AsAnswer> JurisdictionIndex::LookupAs(std::uint32_t number) const {
  AsAnswer answer;
  answer.number = number;
  auto of_number = [&](const auto& table, const std::vector<std::uint32_t>& sorted) {
    auto less = [&](std::uint32_t seg, std::uint32_t n) {
      return as_numbers_[table.SegmentAt(seg).value - 1] < n;
    };
    auto greater = [&](std::uint32_t n, std::uint32_t seg) {
      return n < as_numbers_[table.SegmentAt(seg).value - 1];
    };
    auto lo = std::lower_bound(sorted.begin(), sorted.end(), number, less);
    auto hi = std::upper_bound(lo, sorted.end(), number, greater);
    return std::vector<std::uint32_t>(lo, hi);
  };
  auto v4 = of_number(as_v4_, as_segments_v4_);
  auto v6 = of_number(as_v6_, as_segments_v6_);
  if (v4.empty() && v6.empty()) {
    return Error::NotFound("no address range of AS" + std::to_string(number) +
                           " in the data set");
  }
  auto add_name = [&](std::uint32_t entry) {
    std::string name = as_names_.substr(as_name_offsets_[entry - 1],
                                        as_name_offsets_[entry] - as_name_offsets_[entry - 1]);
    if (std::find(answer.names.begin(), answer.names.end(), name) == answer.names.end()) {
      answer.names.push_back(std::move(name));
    }
  };
  answer.range_count = static_cast<std::int64_t>(v4.size() + v6.size());
  for (std::uint32_t i : v4) {
    auto seg = as_v4_.SegmentAt(i);
    add_name(seg.value);
    if (answer.ranges.size() < kMaxAsRanges) answer.ranges.push_back({V4(seg.first), V4(seg.last)});
    MergeShares(answer.countries_v4, SharesIn(country_v4_, seg.first, seg.last));
  }
  for (std::uint32_t i : v6) {
    auto seg = as_v6_.SegmentAt(i);
    add_name(seg.value);
    if (answer.ranges.size() < kMaxAsRanges) answer.ranges.push_back({V6(seg.first), V6(seg.last)});
    MergeShares(answer.countries_v6, SharesIn(country_v6_, seg.first, seg.last));
  }
  SortShares(answer.countries_v4);
  SortShares(answer.countries_v6);
  return answer;
}

}  // namespace liaison::jurisdiction
