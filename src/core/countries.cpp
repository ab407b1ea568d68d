// Accessors over the generated table (countries_data.cpp, from scripts/gen_countries.py).
#include "core/countries.hpp"

#include <algorithm>

namespace liaison {

const Country* FindCountry(std::string_view alpha2) {
  const std::vector<Country>& countries = Countries();
  // The table is ordered by alpha-2, so a binary search suffices; the comparison is byte-wise,
  // hence case-sensitive as documented.
  auto it = std::lower_bound(
      countries.begin(), countries.end(), alpha2,
      [](const Country& country, std::string_view code) { return country.alpha2 < code; });
  if (it == countries.end() || it->alpha2 != alpha2) return nullptr;
  return &*it;
}

bool IsParticipatingState(std::string_view alpha2) {
  const Country* country = FindCountry(alpha2);
  return country != nullptr && country->un_status != UnStatus::kNone;
}

const std::string& CountryName(const Country& country, std::string_view language) {
  for (size_t i = 0; i < kUnLanguages.size(); ++i) {
    if (kUnLanguages[i] == language) return country.names[i];
  }
  return country.names[2];  // English.
}

std::string_view UnStatusName(UnStatus status) {
  switch (status) {
    case UnStatus::kMember:
      return "member";
    case UnStatus::kObserver:
      return "observer";
    case UnStatus::kNone:
      return "none";
  }
  return "none";
}

std::string_view RegionalGroupName(RegionalGroup group) {
  switch (group) {
    case RegionalGroup::kAfrican:
      return "african";
    case RegionalGroup::kAsiaPacific:
      return "asia_pacific";
    case RegionalGroup::kEasternEuropean:
      return "eastern_european";
    case RegionalGroup::kLatinAmericanCaribbean:
      return "latin_american_caribbean";
    case RegionalGroup::kWesternEuropeanAndOthers:
      return "western_european_and_others";
    case RegionalGroup::kNone:
      return "none";
  }
  return "none";
}

std::optional<RegionalGroup> ParseRegionalGroup(std::string_view name) {
  for (RegionalGroup group :
       {RegionalGroup::kAfrican, RegionalGroup::kAsiaPacific, RegionalGroup::kEasternEuropean,
        RegionalGroup::kLatinAmericanCaribbean, RegionalGroup::kWesternEuropeanAndOthers,
        RegionalGroup::kNone}) {
    if (RegionalGroupName(group) == name) return group;
  }
  return std::nullopt;
}

}  // namespace liaison
