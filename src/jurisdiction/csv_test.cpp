#include "jurisdiction/csv.hpp"

#include <gtest/gtest.h>

namespace liaison::jurisdiction {
namespace {

std::vector<std::vector<std::string>> ReadAll(std::string_view text) {
  CsvReader reader(text);
  CsvRecord record;
  std::vector<std::vector<std::string>> rows;
  while (true) {
    auto next = reader.Next(record);
    EXPECT_TRUE(next.has_value()) << next.error().message;
    if (!next.has_value() || !*next) break;
    rows.emplace_back(record.fields.begin(), record.fields.end());
  }
  return rows;
}

TEST(CsvReader, ReadsQuotedFieldsWithEscapesCommasAndLineBreaks) {
  auto rows = ReadAll("\xEF\xBB\xBF" "a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,x\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b, c", "say \"hi\""}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"two\nlines", "", "x"}));
}

TEST(CsvReader, CountsLinesAcrossQuotedLineBreaksAndBlankLines) {
  CsvReader reader("h\n\n\"a\nb\"\nc\n");
  CsvRecord record;
  ASSERT_TRUE(*reader.Next(record));
  EXPECT_EQ(record.line, 1);
  ASSERT_TRUE(*reader.Next(record));
  EXPECT_EQ(record.line, 3);
  ASSERT_TRUE(*reader.Next(record));
  EXPECT_EQ(record.line, 5);
  EXPECT_FALSE(*reader.Next(record));
}

TEST(CsvReader, ReportsBrokenQuotingWithTheLineAndResumesOnTheNextLine) {
  CsvReader reader("ok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\n\"never closed,5\n");
  CsvRecord record;
  ASSERT_TRUE(*reader.Next(record));
  auto bad = reader.Next(record);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason, "malformed_csv");
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  auto junk = reader.Next(record);
  ASSERT_FALSE(junk.has_value());
  EXPECT_NE(junk.error().message.find("line 3"), std::string::npos) << junk.error().message;
  ASSERT_TRUE(*reader.Next(record));
  EXPECT_EQ(record.fields[0], "fine");
  auto open = reader.Next(record);
  ASSERT_FALSE(open.has_value());
  EXPECT_NE(open.error().message.find("line 5"), std::string::npos);
  EXPECT_NE(open.error().message.find("not closed"), std::string::npos);
  EXPECT_FALSE(*reader.Next(record));
}

TEST(CsvReader, RefusesARecordOfOneMebibyteAndContinues) {
  std::string text = "a\n" + std::string(1 << 20, 'x') + "\nb\n";
  CsvReader reader(text);
  CsvRecord record;
  ASSERT_TRUE(*reader.Next(record));
  auto big = reader.Next(record);
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().message.find("line 2"), std::string::npos);
  EXPECT_NE(big.error().message.find("longer than"), std::string::npos);
  ASSERT_TRUE(*reader.Next(record));
  EXPECT_EQ(record.fields[0], "b");
  EXPECT_EQ(record.line, 3);
}

TEST(CsvReader, RefusesAQuotedFieldOfOneMebibyte) {
  std::string text = "\"" + std::string(1 << 20, 'x') + "\"\nb\n";
  CsvReader reader(text);
  CsvRecord record;
  auto big = reader.Next(record);
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().message.find("line 1"), std::string::npos);
  ASSERT_TRUE(*reader.Next(record));
  EXPECT_EQ(record.fields[0], "b");
}

TEST(CsvReader, EmptyInputHasNoRecords) {
  CsvReader reader("");
  CsvRecord record;
  EXPECT_FALSE(*reader.Next(record));
}

TEST(CompleteRecordsEnd, StopsAfterTheLastLineBreakOutsideQuotes) {
  EXPECT_EQ(CompleteRecordsEnd("a,b\nc,d"), 4u);
  EXPECT_EQ(CompleteRecordsEnd("a,\"b\nc\"\nd"), 8u);
  EXPECT_EQ(CompleteRecordsEnd("a,\"b\nc"), 0u);
  EXPECT_EQ(CompleteRecordsEnd("no line break"), 0u);
}

}  // namespace
}  // namespace liaison::jurisdiction
