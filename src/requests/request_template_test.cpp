#include "requests/request_template.hpp"

#include <gtest/gtest.h>

namespace liaison::requests {
namespace {

const TimePoint kNow = FromUnixMillis(1'767'225'600'000LL);  // 2026-01-01T00:00:00Z

TEST(Indicators, NormalisesValidValuesOfEveryType) {
  struct Case {
    IndicatorType type;
    std::string in;
    std::string out;
  } cases[] = {
      {IndicatorType::kIpv4, "198.51.100.7", "198.51.100.7"},
      {IndicatorType::kIpv6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {IndicatorType::kIpv4Prefix, "203.0.113.0/24", "203.0.113.0/24"},
      {IndicatorType::kIpv6Prefix, "2001:DB8::/32", "2001:db8::/32"},
      {IndicatorType::kDomain, "C2.Example.NET.", "c2.example.net"},
      {IndicatorType::kDomain, "xn--bcher-kva.example", "xn--bcher-kva.example"},
      {IndicatorType::kUrl, "HTTPS://evil.example:8443/a/B?x=1",
       "https://evil.example:8443/a/B?x=1"},
      {IndicatorType::kUrl, "http://[2001:db8::1]/x", "http://[2001:db8::1]/x"},
      {IndicatorType::kMd5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
      {IndicatorType::kSha1, std::string(40, 'a'), std::string(40, 'a')},
      {IndicatorType::kSha256, std::string(64, 'F'), std::string(64, 'f')},
      {IndicatorType::kSha512, std::string(128, '0'), std::string(128, '0')},
      {IndicatorType::kEmail, "Phish@Bad.Example", "Phish@bad.example"},
  };
  for (const auto& c : cases) {
    auto got = NormalizeIndicator(c.type, c.in, "indicators[0].value");
    ASSERT_TRUE(got.has_value()) << IndicatorTypeName(c.type) << " " << c.in << ": "
                                 << got.error().message;
    EXPECT_EQ(*got, c.out);
  }
}

TEST(Indicators, RefusesMalformedValuesNamingTheField) {
  struct Case {
    IndicatorType type;
    std::string in;
  } cases[] = {
      {IndicatorType::kIpv4, "198.51.100.256"},
      {IndicatorType::kIpv4, "2001:db8::1"},
      {IndicatorType::kIpv6, "198.51.100.7"},
      {IndicatorType::kIpv6, "2001:db8:::1"},
      {IndicatorType::kIpv4Prefix, "203.0.113.1/24"},
      {IndicatorType::kIpv4Prefix, "10.0.0.0/33"},
      {IndicatorType::kIpv4Prefix, "10.0.0.0"},
      {IndicatorType::kIpv6Prefix, "2001:db8::/129"},
      {IndicatorType::kDomain, "localhost"},
      {IndicatorType::kDomain, "-bad.example"},
      {IndicatorType::kDomain, "bücher.example"},
      {IndicatorType::kDomain, "1.2.3.4"},
      {IndicatorType::kUrl, "javascript:alert(1)"},
      {IndicatorType::kUrl, "http://a b.example/"},
      {IndicatorType::kUrl, "http://host/"},
      {IndicatorType::kUrl, "http://evil.example:99999/"},
      {IndicatorType::kMd5, "xyz"},
      {IndicatorType::kSha1, std::string(41, 'a')},
      {IndicatorType::kSha256, std::string(64, 'g')},
      {IndicatorType::kSha512, std::string(64, 'a')},
      {IndicatorType::kEmail, "no-at-sign"},
      {IndicatorType::kIpv4, "  "},
  };
  for (const auto& c : cases) {
    auto got = NormalizeIndicator(c.type, c.in, "indicators[3].value");
    ASSERT_FALSE(got.has_value()) << IndicatorTypeName(c.type) << " " << c.in;
    EXPECT_EQ(got.error().field, "indicators[3].value");
    EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
  }
}

RequestContent Preservation() {
  RequestContent c;
  c.subject = "Preserve subscriber and traffic data";
  c.description = "Ransomware investigation";
  c.language = "fr";
  c.tlp = Tlp::kAmber;
  CriminalCooperationDetails d;
  d.kind = CriminalKind::kPreservation;
  d.authority = "Parquet de Paris, J3 section";
  d.offence = "Extortion (art. 312-1 code pénal)";
  d.facts = "Hospital systems encrypted on 3 January";
  d.data_to_preserve = "Logs of server 203.0.113.9";
  d.relation_to_offence = "The server hosted the leak site";
  d.data_location = "Example Hosting Ltd";
  d.necessity = "Logs are kept 30 days";
  d.mutual_assistance_to_follow = true;
  c.criminal_cooperation = d;
  return c;
}

TEST(RequestTemplate, PreservationRequestNeedsEveryArticle29Field) {
  ASSERT_TRUE(ValidateContent(RequestType::kCriminalCooperation, Preservation(),
                              Completeness::kSubmission, kNow)
                  .has_value());
  struct Case {
    void (*clear)(CriminalCooperationDetails&);
    std::string field;
  } cases[] = {
      {[](auto& d) { d.authority.clear(); }, "criminal_cooperation.authority"},
      {[](auto& d) { d.offence.clear(); }, "criminal_cooperation.offence"},
      {[](auto& d) { d.facts = "  "; }, "criminal_cooperation.facts"},
      {[](auto& d) { d.data_to_preserve.clear(); }, "criminal_cooperation.data_to_preserve"},
      {[](auto& d) { d.relation_to_offence.clear(); }, "criminal_cooperation.relation_to_offence"},
      {[](auto& d) { d.data_location.clear(); }, "criminal_cooperation.data_location"},
      {[](auto& d) { d.necessity.clear(); }, "criminal_cooperation.necessity"},
      {[](auto& d) { d.mutual_assistance_to_follow.reset(); },
       "criminal_cooperation.mutual_assistance_to_follow"},
      {[](auto& d) { d.mutual_assistance_to_follow = false; },
       "criminal_cooperation.mutual_assistance_to_follow"},
  };
  for (const auto& c : cases) {
    RequestContent content = Preservation();
    c.clear(*content.criminal_cooperation);
    auto got = ValidateContent(RequestType::kCriminalCooperation, content,
                               Completeness::kSubmission, kNow);
    ASSERT_FALSE(got.has_value()) << c.field;
    EXPECT_EQ(got.error().field, c.field);
  }
  // A draft may still lack them, but not hold a wrong value.
  RequestContent draft = Preservation();
  draft.criminal_cooperation->necessity.clear();
  EXPECT_TRUE(ValidateContent(RequestType::kCriminalCooperation, draft, Completeness::kDraft, kNow)
                  .has_value());
  draft.criminal_cooperation->mutual_assistance_to_follow = false;
  EXPECT_FALSE(ValidateContent(RequestType::kCriminalCooperation, draft, Completeness::kDraft, kNow)
                   .has_value());
}

TEST(RequestTemplate, TypesAcceptOnlyTheirOwnDetailsAndRequireThem) {
  RequestContent c = Preservation();
  auto wrong = ValidateContent(RequestType::kMitigation, c, Completeness::kDraft, kNow);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().field, "criminal_cooperation");
  EXPECT_EQ(wrong.error().reason, "unexpected_field");
  c.criminal_cooperation.reset();
  auto missing = ValidateContent(RequestType::kAssistance, c, Completeness::kSubmission, kNow);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().field, "assistance");
  EXPECT_TRUE(
      ValidateContent(RequestType::kInformation, c, Completeness::kSubmission, kNow).has_value());
  c.mitigation = MitigationDetails{"pcap", kNow - std::chrono::hours(1),
                                   kNow - std::chrono::hours(2), "outage"};
  auto window = ValidateContent(RequestType::kMitigation, c, Completeness::kSubmission, kNow);
  ASSERT_FALSE(window.has_value());
  EXPECT_EQ(window.error().field, "mitigation.observed_to");
}

TEST(RequestTemplate, ChecksLanguageActionsAndIndicatorPaths) {
  RequestContent c;
  c.subject = "s";
  c.description = "d";
  c.language = "ZH-hant";
  auto ok = ValidateContent(RequestType::kInformation, c, Completeness::kSubmission, kNow);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->language, "zh-Hant");
  c.language = "klingon!";
  EXPECT_EQ(
      ValidateContent(RequestType::kInformation, c, Completeness::kSubmission, kNow).error().field,
      "language");
  c.language = "es-419";
  c.indicators = {{IndicatorType::kIpv4, "192.0.2.1", ""},
                  {IndicatorType::kIpv4, "192.0.2.2", ""},
                  {IndicatorType::kSha256, std::string(64, 'a'), ""},
                  {IndicatorType::kUrl, "not a url", ""}};
  auto bad = ValidateContent(RequestType::kInformation, c, Completeness::kSubmission, kNow);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "indicators[3].value");
  c.indicators.pop_back();
  c.requested_actions = {RequestedAction::kTakeDown};
  auto incident =
      ValidateContent(RequestType::kIncidentNotification, c, Completeness::kSubmission, kNow);
  ASSERT_FALSE(incident.has_value());
  EXPECT_EQ(incident.error().field, "requested_actions");
  c.requested_actions = {RequestedAction::kTakeDown, RequestedAction::kTakeDown};
  EXPECT_EQ(
      ValidateContent(RequestType::kInformation, c, Completeness::kSubmission, kNow).error().field,
      "requested_actions[1]");
  c.requested_actions.clear();
  c.activity_started_at = kNow + std::chrono::hours(1);
  EXPECT_EQ(
      ValidateContent(RequestType::kInformation, c, Completeness::kSubmission, kNow).error().field,
      "activity_started_at");
}

TEST(RequestTemplate, JsonRoundTripsAndParseErrorsNameTheField) {
  RequestContent c = Preservation();
  c.indicators = {{IndicatorType::kIpv6Prefix, "2001:db8::/48", "leak site"}};
  c.sector = Sector::kHealth;
  boost::json::value v = ContentToJson(c);
  auto reader = json::ObjectReader::Create(v);
  ASSERT_TRUE(reader.has_value());
  auto parsed = ParseContent(*reader);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().field << parsed.error().message;
  EXPECT_TRUE(reader->RejectUnknown().has_value());
  EXPECT_EQ(json::Serialize(ContentToJson(*parsed)), json::Serialize(v));

  struct Case {
    std::string json;
    std::string field;
  } cases[] = {
      {R"({"tlp":"PURPLE"})", "tlp"},
      {R"({"subject":"x"})", "tlp"},
      {R"({"tlp":"RED","sector":"mining"})", "sector"},
      {R"({"tlp":"RED","indicators":[{"type":"ipv4","value":"1.2.3.4"},{"type":"asn","value":"1"}]})",
       "indicators[1].type"},
      {R"({"tlp":"RED","indicators":[{"type":"ipv4","value":"1.2.3.4","x":1}]})",
       "indicators[0].x"},
      {R"({"tlp":"RED","requested_actions":["nuke"]})", "requested_actions[0]"},
      {R"({"tlp":"RED","criminal_cooperation":{"kind":"preservation","offence":7}})",
       "criminal_cooperation.offence"},
      {R"({"tlp":"RED","mitigation":{"observed_from":"yesterday"}})", "mitigation.observed_from"},
      {R"({"tlp":"RED","assistance":[]})", "assistance"},
  };
  for (const auto& c : cases) {
    auto value = json::Parse(c.json);
    ASSERT_TRUE(value.has_value());
    auto r = json::ObjectReader::Create(*value);
    auto got = ParseContent(*r);
    ASSERT_FALSE(got.has_value()) << c.json;
    EXPECT_EQ(got.error().field, c.field) << c.json;
  }
}

TEST(RequestTemplate, VocabulariesRoundTripAndRolesFitTypes) {
  for (auto t : AllRequestTypes()) EXPECT_EQ(ParseRequestType(RequestTypeName(t)), t);
  for (auto s : AllSectors()) EXPECT_EQ(ParseSector(SectorName(s)), s);
  for (auto a : AllRequestedActions()) EXPECT_EQ(ParseRequestedAction(RequestedActionName(a)), a);
  for (auto i : AllIndicatorTypes()) EXPECT_EQ(ParseIndicatorType(IndicatorTypeName(i)), i);
  EXPECT_EQ(AllSectors().size(), 12u);
  EXPECT_EQ(TlpName(Tlp::kAmberStrict), "AMBER+STRICT");
  EXPECT_EQ(ParseTlp("CLEAR"), Tlp::kClear);
  EXPECT_TRUE(
      FittingRoles(RequestType::kCriminalCooperation).count(security::Role::kLawEnforcement));
  EXPECT_FALSE(FittingRoles(RequestType::kCriminalCooperation).count(security::Role::kTechnical));
  EXPECT_EQ(FittingRoles(RequestType::kInformation),
            (std::set<security::Role>{security::Role::kPolicy}));
}

}  // namespace
}  // namespace liaison::requests
