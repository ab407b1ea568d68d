#include "core/countries.hpp"

#include <gtest/gtest.h>

#include <map>

namespace liaison {
namespace {

TEST(Countries, ListsEveryIso3166CountryInOrder) {
  const auto& countries = Countries();
  // Debian iso-codes 4.x lists 249 entries; allow for a future addition or two.
  EXPECT_GE(countries.size(), 249u);
  EXPECT_LE(countries.size(), 255u);
  for (size_t i = 1; i < countries.size(); ++i) {
    EXPECT_LT(countries[i - 1].alpha2, countries[i].alpha2);
  }
}

TEST(Countries, Has193MembersAnd2Observers) {
  int members = 0;
  int observers = 0;
  for (const Country& country : Countries()) {
    if (country.un_status == UnStatus::kMember) ++members;
    if (country.un_status == UnStatus::kObserver) ++observers;
  }
  EXPECT_EQ(members, 193);
  EXPECT_EQ(observers, 2);
  EXPECT_EQ(FindCountry("VA")->un_status, UnStatus::kObserver);
  EXPECT_EQ(FindCountry("PS")->un_status, UnStatus::kObserver);
  EXPECT_EQ(FindCountry("VA")->group, RegionalGroup::kNone);
  EXPECT_EQ(FindCountry("PS")->group, RegionalGroup::kNone);
}

// Group sizes as recorded in data/un_membership.csv (UN DGACM list of regional groups):
// African 54, Asia-Pacific 54 (Kiribati included; the frequently quoted "53" predates the
// current list), Eastern European 23, Latin American and Caribbean 33, Western European and
// Others 28 (Israel and Türkiye included). The United States is a member in no group, which
// makes 54 + 54 + 23 + 33 + 28 + 1 = 193.
TEST(Countries, RegionalGroupsHaveTheirSizes) {
  std::map<RegionalGroup, int> members_per_group;
  for (const Country& country : Countries()) {
    if (country.un_status == UnStatus::kMember) ++members_per_group[country.group];
  }
  EXPECT_EQ(members_per_group[RegionalGroup::kAfrican], 54);
  EXPECT_EQ(members_per_group[RegionalGroup::kAsiaPacific], 54);
  EXPECT_EQ(members_per_group[RegionalGroup::kEasternEuropean], 23);
  EXPECT_EQ(members_per_group[RegionalGroup::kLatinAmericanCaribbean], 33);
  EXPECT_EQ(members_per_group[RegionalGroup::kWesternEuropeanAndOthers], 28);
  EXPECT_EQ(members_per_group[RegionalGroup::kNone], 1);
  EXPECT_EQ(FindCountry("US")->group, RegionalGroup::kNone);
  EXPECT_EQ(FindCountry("US")->un_status, UnStatus::kMember);
  EXPECT_EQ(FindCountry("KI")->group, RegionalGroup::kAsiaPacific);
  EXPECT_EQ(FindCountry("IL")->group, RegionalGroup::kWesternEuropeanAndOthers);
  EXPECT_EQ(FindCountry("TR")->group, RegionalGroup::kWesternEuropeanAndOthers);
  EXPECT_EQ(FindCountry("CY")->group, RegionalGroup::kAsiaPacific);
}

TEST(Countries, NonStatesAreNotParticipating) {
  const Country* taiwan = FindCountry("TW");
  ASSERT_NE(taiwan, nullptr);
  EXPECT_EQ(taiwan->un_status, UnStatus::kNone);
  EXPECT_FALSE(IsParticipatingState("TW"));
  EXPECT_FALSE(IsParticipatingState("AQ"));
  EXPECT_TRUE(IsParticipatingState("FR"));
  EXPECT_TRUE(IsParticipatingState("VA"));
  EXPECT_FALSE(IsParticipatingState("XX"));
}

TEST(Countries, NamesInTheSixUnLanguages) {
  const Country* france = FindCountry("FR");
  ASSERT_NE(france, nullptr);
  EXPECT_EQ(france->alpha3, "FRA");
  EXPECT_EQ(france->numeric, "250");
  EXPECT_EQ(CountryName(*france, "en"), "France");
  EXPECT_EQ(CountryName(*france, "fr"), "France");
  EXPECT_EQ(CountryName(*france, "es"), "Francia");
  EXPECT_EQ(CountryName(*france, "ru"), "Франция");
  EXPECT_EQ(CountryName(*france, "zh"), "法国");
  EXPECT_EQ(CountryName(*france, "ar"), "فرنسا");
  EXPECT_EQ(CountryName(*france, "de"), "France");  // Not a UN language: English.

  const Country* china = FindCountry("CN");
  ASSERT_NE(china, nullptr);
  EXPECT_EQ(CountryName(*china, "zh"), "中国");
  EXPECT_EQ(CountryName(*china, "fr"), "Chine");
  for (const char* code : {"FR", "CN", "RU", "SA", "ES"}) {
    const Country* country = FindCountry(code);
    ASSERT_NE(country, nullptr) << code;
    for (size_t i = 0; i < kUnLanguages.size(); ++i) {
      EXPECT_FALSE(country->names[i].empty()) << code << " " << kUnLanguages[i];
      if (kUnLanguages[i] != "en" && kUnLanguages[i] != "es" && kUnLanguages[i] != "fr") {
        // Arabic, Chinese and Russian names are not the English one.
        EXPECT_NE(country->names[i], country->names[2]) << code << " " << kUnLanguages[i];
      }
    }
  }
}

TEST(Countries, FindCountryIsCaseSensitive) {
  EXPECT_NE(FindCountry("FR"), nullptr);
  EXPECT_EQ(FindCountry("fr"), nullptr);
  EXPECT_EQ(FindCountry("Fr"), nullptr);
  EXPECT_EQ(FindCountry(""), nullptr);
  EXPECT_EQ(FindCountry("FRA"), nullptr);
}

TEST(Countries, RegionalGroupNamesRoundTrip) {
  for (RegionalGroup group :
       {RegionalGroup::kAfrican, RegionalGroup::kAsiaPacific, RegionalGroup::kEasternEuropean,
        RegionalGroup::kLatinAmericanCaribbean, RegionalGroup::kWesternEuropeanAndOthers,
        RegionalGroup::kNone}) {
    EXPECT_EQ(ParseRegionalGroup(RegionalGroupName(group)), group);
  }
  EXPECT_EQ(ParseRegionalGroup("weog"), std::nullopt);
  EXPECT_EQ(UnStatusName(UnStatus::kObserver), "observer");
}

}  // namespace
}  // namespace liaison
