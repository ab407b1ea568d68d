#include "core/json.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace liaison::json
