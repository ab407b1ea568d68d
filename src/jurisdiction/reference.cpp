#include "jurisdiction/reference.hpp"

#include <map>

#include "core/countries.hpp"
#include "core/text.hpp"
#include "jurisdiction/csv.hpp"

namespace liaison::jurisdiction {
namespace internal {
extern const std::string_view kTerritoriesCsv;
extern const std::string_view kCctldCsv;
}  // namespace internal
namespace {

struct Cctld {
  std::string unicode;
  std::string country;
  std::string note;
};

struct Tables {
  std::map<std::string, Jurisdiction, std::less<>> territories;
  std::map<std::string, Cctld, std::less<>> cctlds;          // By ASCII (xn--) form.
  std::map<std::string, std::string, std::less<>> unicode;   // Unicode form → ASCII form.
};

// Reads a compiled-in table. Its rows were reviewed; a malformed one is a build defect.
template <typename F>
void ReadTable(std::string_view text, std::size_t columns, F&& row) {
  CsvReader reader(text);
  CsvRecord record;
  bool header = true;
  while (true) {
    auto next = reader.Next(record);
    if (!next.has_value() || (*next && record.fields.size() != columns)) {
      std::fprintf(stderr, "liaison: malformed reference table near line %lld\n",
                   static_cast<long long>(reader.line()));
      std::abort();
    }
    if (!*next) return;
    if (header) {
      header = false;
      continue;
    }
    row(record.fields);
  }
}

const Tables& GetTables() {
  static const Tables* const tables = [] {
    auto* t = new Tables;
    ReadTable(internal::kTerritoriesCsv, 5, [t](const std::vector<std::string_view>& f) {
      t->territories[std::string(f[0])] = Jurisdiction{std::string(f[0]), std::string(f[1]),
                                                       std::string(f[2]), std::string(f[3]),
                                                       std::string(f[4])};
    });
    ReadTable(internal::kCctldCsv, 4, [t](const std::vector<std::string_view>& f) {
      t->cctlds[std::string(f[0])] = Cctld{std::string(f[1]), std::string(f[2]), std::string(f[3])};
      if (!f[1].empty()) t->unicode[std::string(f[1])] = std::string(f[0]);
    });
    return t;
  }();
  return *tables;
}

bool IsLdh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Error InvalidDomain(std::string_view name, const std::string& why) {
  return Error::InvalidArgument(
      "not a domain name (" + why + "): \"" + std::string(name.substr(0, 64)) + "\"", "name",
      "invalid_domain");
}

}  // namespace

Jurisdiction ResolveCountry(std::string_view country) {
  if (IsParticipatingState(country)) {
    return Jurisdiction{std::string(country), std::string(country), std::string(country), "state",
                        ""};
  }
  const auto& territories = GetTables().territories;
  if (auto it = territories.find(country); it != territories.end()) return it->second;
  return Jurisdiction{std::string(country), "", "", "unknown",
                      "This code is not in liaison's reference data"};
}

Result<DomainJurisdiction> LookupDomain(std::string_view raw) {
  std::string name = AsciiLower(raw);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return InvalidDomain(raw, "empty");
  if (name.size() > 253) return InvalidDomain(raw, "longer than 253 characters");
  std::size_t start = 0;
  std::string_view last_label;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = std::string_view(name).substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty()) return InvalidDomain(raw, "an empty label");
    if (label.size() > 63) return InvalidDomain(raw, "a label longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') {
      return InvalidDomain(raw, "a label starting or ending with a hyphen");
    }
    for (char c : label) {
      if (!IsLdh(c) && static_cast<unsigned char>(c) < 0x80) {
        return InvalidDomain(raw, "a character not allowed in a host name");
      }
    }
    last_label = label;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const Tables& tables = GetTables();
  std::string tld(last_label);
  if (auto it = tables.unicode.find(tld); it != tables.unicode.end()) tld = it->second;
  DomainJurisdiction answer;
  answer.name = name.substr(0, name.size() - last_label.size()) + tld;
  answer.tld = tld;
  std::string country;
  if (auto it = tables.cctlds.find(tld); it != tables.cctlds.end()) {
    answer.tld_unicode = it->second.unicode;
    answer.note = it->second.note;
    country = it->second.country;
  } else if (tld.size() == 2) {
    std::string upper = {static_cast<char>(tld[0] - 'a' + 'A'), static_cast<char>(tld[1] - 'a' + 'A')};
    if (tld[0] >= 'a' && tld[0] <= 'z' && tld[1] >= 'a' && tld[1] <= 'z' &&
        FindCountry(upper) != nullptr) {
      country = upper;
    }
  }
  if (country.empty()) {
    Error error = Error::NotFound("." + tld + " is not a country-code top-level domain");
    error.reason = "not_cctld";
    error.field = "name";
    return error;
  }
  answer.jurisdiction = ResolveCountry(country);
  return answer;
}

std::size_t TerritoryCount() { return GetTables().territories.size(); }
std::size_t CctldExceptionCount() { return GetTables().cctlds.size(); }

}  // namespace liaison::jurisdiction
