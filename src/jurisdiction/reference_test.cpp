#include "jurisdiction/reference.hpp"

#include <gtest/gtest.h>

#include "core/countries.hpp"

namespace liaison::jurisdiction {
namespace {

TEST(ResolveCountry, AStateAnswersForItself) {
  auto j = ResolveCountry("FR");
  EXPECT_EQ(j.state, "FR");
  EXPECT_EQ(j.status, "state");
  EXPECT_EQ(ResolveCountry("PS").state, "PS");  // Observer state.
}

TEST(ResolveCountry, TerritoriesNameTheResponsibleState) {
  EXPECT_EQ(ResolveCountry("GP").state, "FR");
  EXPECT_EQ(ResolveCountry("HK").state, "CN");
  EXPECT_EQ(ResolveCountry("GL").state, "DK");
  EXPECT_EQ(ResolveCountry("CW").state, "NL");
  EXPECT_EQ(ResolveCountry("JE").state, "GB");
}

TEST(ResolveCountry, DisputesNameNoStateAndSaySo) {
  for (const char* code : {"EH", "FK", "TW", "XK", "GI", "IO", "YT", "GS"}) {
    auto j = ResolveCountry(code);
    EXPECT_EQ(j.state, "") << code;
    EXPECT_EQ(j.status, "disputed") << code;
    EXPECT_FALSE(j.note.empty()) << code;
  }
  EXPECT_EQ(ResolveCountry("FK").administered_by, "GB");
  EXPECT_EQ(ResolveCountry("AQ").state, "");
  EXPECT_EQ(ResolveCountry("ZZ").status, "unknown");
}

TEST(ResolveCountry, EveryIsoCountryThatIsNotAStateIsReviewed) {
  for (const auto& country : Countries()) {
    if (IsParticipatingState(country.alpha2)) continue;
    auto j = ResolveCountry(country.alpha2);
    EXPECT_NE(j.status, "unknown") << country.alpha2 << " is missing from data/territories.csv";
    if (!j.state.empty()) {
      EXPECT_TRUE(IsParticipatingState(j.state)) << country.alpha2;
    }
  }
}

TEST(LookupDomain, MapsIsoCctldsAndTheExceptions) {
  EXPECT_EQ(LookupDomain("www.example.fr")->jurisdiction.state, "FR");
  EXPECT_EQ(LookupDomain("Gov.UK.")->jurisdiction.country, "GB");
  EXPECT_EQ(LookupDomain("gov.uk")->jurisdiction.state, "GB");
  auto ac = LookupDomain("nic.ac");
  EXPECT_EQ(ac->jurisdiction.country, "SH");
  EXPECT_EQ(ac->jurisdiction.state, "GB");
  EXPECT_EQ(LookupDomain("europa.eu")->jurisdiction.state, "");
  EXPECT_EQ(LookupDomain("europa.eu")->jurisdiction.status, "not_a_state");
  EXPECT_EQ(LookupDomain("example.su")->jurisdiction.state, "");
  EXPECT_EQ(LookupDomain("example.gp")->jurisdiction.state, "FR");
}

TEST(LookupDomain, MapsInternationalisedCctldsInBothForms) {
  auto a = LookupDomain("пример.xn--p1ai");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->jurisdiction.state, "RU");
  EXPECT_EQ(a->tld_unicode, "рф");
  auto b = LookupDomain("пример.рф");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->tld, "xn--p1ai");
  EXPECT_EQ(b->jurisdiction.state, "RU");
  EXPECT_EQ(LookupDomain("example.xn--fiqs8s")->jurisdiction.state, "CN");
  EXPECT_EQ(LookupDomain("example.香港")->jurisdiction.state, "CN");
}

TEST(LookupDomain, GenericTldsAreNotFound) {
  auto com = LookupDomain("example.com");
  ASSERT_FALSE(com.has_value());
  EXPECT_EQ(com.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(com.error().reason, "not_cctld");
  EXPECT_FALSE(LookupDomain("example.zz").has_value());
}

TEST(LookupDomain, RejectsMalformedNames) {
  for (const char* bad : {"", ".", "a..fr", "-a.fr", "a-.fr", "a b.fr", "a/b.fr", "a,fr."}) {
    auto r = LookupDomain(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason, "invalid_domain") << bad;
  }
  EXPECT_EQ(LookupDomain(std::string(64, 'a') + ".fr").error().reason, "invalid_domain");
  EXPECT_EQ(LookupDomain(std::string(300, 'a')).error().reason, "invalid_domain");
}

}  // namespace
}  // namespace liaison::jurisdiction
