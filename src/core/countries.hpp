// ISO 3166-1 countries with names in the six UN official languages, UN membership and the five
// UN regional groups. Compiled in from Debian's iso-codes and data/un_membership.csv at build
// time. Immutable; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liaison {

enum class UnStatus { kMember, kObserver, kNone };

enum class RegionalGroup {
  kAfrican,
  kAsiaPacific,
  kEasternEuropean,
  kLatinAmericanCaribbean,
  kWesternEuropeanAndOthers,
  kNone,  // Not in a group (observers, non-members, and members outside any group).
};

// The six UN official languages, in the order names are stored: ar, zh, en, fr, ru, es.
inline constexpr std::array<std::string_view, 6> kUnLanguages = {"ar", "zh", "en", "fr", "ru", "es"};

struct Country {
  std::string alpha2;   // "FR"
  std::string alpha3;   // "FRA"
  std::string numeric;  // "250"
  std::array<std::string, 6> names;  // Indexed like kUnLanguages.
  UnStatus un_status = UnStatus::kNone;
  RegionalGroup group = RegionalGroup::kNone;
};

// Every ISO 3166-1 country, ordered by alpha-2.
const std::vector<Country>& Countries();

// The country with upper-case `alpha2`, or nullptr.
const Country* FindCountry(std::string_view alpha2);

// True for the 193 UN member states and the 2 observer states: the states that take part.
bool IsParticipatingState(std::string_view alpha2);

// The name in `language` (one of kUnLanguages; anything else gives English).
const std::string& CountryName(const Country& country, std::string_view language);

// "member", "observer", "none".
std::string_view UnStatusName(UnStatus status);
// "african", "asia_pacific", "eastern_european", "latin_american_caribbean",
// "western_european_and_others", "none".
std::string_view RegionalGroupName(RegionalGroup group);
// Parses a RegionalGroupName(); nullopt when unknown.
std::optional<RegionalGroup> ParseRegionalGroup(std::string_view name);

}  // namespace liaison
