#include "core/json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>

namespace liaison::json {
namespace {

TEST(JsonParse, RejectsMalformedAndInvalidUtf8) {
  EXPECT_TRUE(Parse(R"({"a":1})").has_value());
  EXPECT_FALSE(Parse("{\"a\":").has_value());
  EXPECT_FALSE(Parse("{\"a\":1} x").has_value());
  EXPECT_FALSE(Parse("\"\xff\xfe\"").has_value());
  EXPECT_EQ(Parse("[").error().reason, "malformed_json");
}

TEST(ObjectReader, ChecksTypesLengthsAndUnknownFields) {
  auto v = *Parse(R"({"name":"Ana","age":"x","langs":["fr",3],"extra":true})");
  auto reader = *ObjectReader::Create(v, "contact");
  EXPECT_EQ(*reader.RequiredString("name", 10), "Ana");
  EXPECT_EQ(reader.RequiredString("missing", 10).error().field, "contact.missing");
  EXPECT_EQ(reader.OptionalInt("age", 0, 200).error().reason, "wrong_type");
  EXPECT_EQ(reader.StringArray("langs", 5, 10).error().field, "contact.langs[1]");
  auto unknown = reader.RejectUnknown();
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().field, "contact.extra");
}

TEST(ObjectReader, CountsCodePointsNotBytes) {
  auto v = *Parse(R"({"name":"Зоя"})");
  auto reader = *ObjectReader::Create(v);
  EXPECT_TRUE(reader.RequiredString("name", 3).has_value());
  EXPECT_EQ(reader.RequiredString("name", 2).error().reason, "too_long");
}

std::string Canonical(std::string_view text) {
  auto value = Parse(text);
  EXPECT_TRUE(value.has_value()) << text;
  auto canonical = CanonicalJson(value.value_or(nullptr));
  EXPECT_TRUE(canonical.has_value()) << canonical.error().message;
  return canonical.value_or("");
}

// RFC 8785 section 3.2.2: whitespace removed, literals, numbers and string escapes.
TEST(CanonicalJson, MatchesTheRfc8785Example) {
  EXPECT_EQ(Canonical(R"({
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    })"),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 section 3.2.3: names sort by UTF-16 code units, so the emoji (a surrogate pair,
// 0xD83D...) sorts before U+FB33 although its code point is larger.
TEST(CanonicalJson, SortsNamesByUtf16CodeUnits) {
  EXPECT_EQ(Canonical(R"({
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    })"),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
            "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
            "\"\U0001F600\":\"Emoji: Grinning Face\","
            "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(CanonicalJson, SortsNestedObjectsAndKeepsArrayOrder) {
  EXPECT_EQ(Canonical(R"({"b":[3,{"z":1,"a":2}],"a":{"d":null,"c":"x"},"":0})"),
            R"({"":0,"a":{"c":"x","d":null},"b":[3,{"a":2,"z":1}]})");
  EXPECT_EQ(Canonical("[]"), "[]");
  EXPECT_EQ(Canonical("{}"), "{}");
  EXPECT_EQ(Canonical(R"("\u007f\u2028\u001f")"), "\"\x7f\u2028\\u001f\"");
}

// RFC 8785 appendix B: IEEE-754 bit patterns and their ECMAScript serialisations (the expected
// strings are what Node.js's JSON.stringify prints for each pattern).
TEST(CanonicalJson, SerialisesDoublesLikeEcmaScript) {
  struct Case {
    std::uint64_t bits;
    const char* text;
  };
  const Case cases[] = {
      {0x0000000000000000ULL, "0"},
      {0x8000000000000000ULL, "0"},
      {0x0000000000000001ULL, "5e-324"},
      {0x8000000000000001ULL, "-5e-324"},
      {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
      {0xffefffffffffffffULL, "-1.7976931348623157e+308"},
      {0x4340000000000000ULL, "9007199254740992"},
      {0xc340000000000000ULL, "-9007199254740992"},
      {0x4430000000000000ULL, "295147905179352830000"},
      {0x44b52d02c7e14af5ULL, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6ULL, "1e+23"},
      {0x44b52d02c7e14af7ULL, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4eULL, "999999999999999700000"},
      {0x444b1ae4d6e2ef4fULL, "999999999999999900000"},
      {0x444b1ae4d6e2ef50ULL, "1e+21"},
      {0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8dULL, "0.000001"},
      {0x41b3de4355555553ULL, "333333333.3333332"},
      {0x41b3de4355555554ULL, "333333333.33333325"},
      {0x41b3de4355555555ULL, "333333333.3333333"},
      {0x41b3de4355555556ULL, "333333333.3333334"},
      {0x41b3de4355555557ULL, "333333333.33333343"},
      {0xbecbf647612f3696ULL, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959ULL, "1424953923781206.2"},
  };
  for (const auto& c : cases) {
    double d = 0;
    std::memcpy(&d, &c.bits, sizeof d);
    auto canonical = CanonicalJson(boost::json::value(d));
    ASSERT_TRUE(canonical.has_value()) << c.text;
    EXPECT_EQ(*canonical, c.text) << std::hex << c.bits;
  }
}

TEST(CanonicalJson, WritesIntegersExactlyUpTo2To53) {
  EXPECT_EQ(*CanonicalJson(boost::json::value(std::int64_t{9007199254740992})), "9007199254740992");
  EXPECT_EQ(*CanonicalJson(boost::json::value(std::int64_t{-42})), "-42");
  EXPECT_EQ(*CanonicalJson(boost::json::value(std::uint64_t{7})), "7");
  EXPECT_EQ(Canonical("[1.0, -0.0, 1e2, 100]"), "[1,0,100,100]");
}

TEST(CanonicalJson, RefusesWhatJcsCannotRepresent) {
  const boost::json::value refused[] = {
      boost::json::value(std::numeric_limits<double>::quiet_NaN()),
      boost::json::value(std::numeric_limits<double>::infinity()),
      boost::json::value(std::int64_t{9007199254740993}),
      boost::json::value(std::uint64_t{18446744073709551615ULL}),
      boost::json::value(boost::json::string("\xff")),
      boost::json::value(boost::json::string("\xed\xa0\x80")),  // A UTF-8-encoded surrogate.
      boost::json::value(boost::json::string("\xc0\xaf")),      // An overlong '/'.
      boost::json::object{{"\xe2\x82", 1}},
      boost::json::array{1, boost::json::object{{"a", std::numeric_limits<double>::infinity()}}},
  };
  for (const auto& v : refused) {
    auto canonical = CanonicalJson(v);
    ASSERT_FALSE(canonical.has_value()) << *canonical;
    EXPECT_EQ(canonical.error().reason, "not_canonicalizable");
  }
}

}  // namespace
}  // namespace liaison::json
