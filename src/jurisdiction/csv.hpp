// An RFC 4180 CSV reader over text in memory: quoted fields with "" escapes and line breaks,
// LF or CRLF record ends, a UTF-8 byte-order mark skipped at the start. Records longer than a
// limit are refused. Not thread-safe per instance; one reader per chunk of text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace liaison::jurisdiction {

// The default longest record accepted (64 KiB): observation rows are far shorter, and a 1 MiB
// line means the file is not what it claims to be.
inline constexpr std::size_t kMaxCsvRecordBytes = 64 * 1024;

// One record: its fields (views into the text or into the record's own storage, valid until
// the next call to Next) and the line it starts on.
struct CsvRecord {
  std::vector<std::string_view> fields;
  std::int64_t line = 0;
  std::string storage;  // Unescaped quoted fields.
};

class CsvReader {
 public:
  // Reads `text`, whose first byte starts a record on line `first_line`.
  explicit CsvReader(std::string_view text, std::int64_t first_line = 1,
                     std::size_t max_record_bytes = kMaxCsvRecordBytes);

  // Reads the next record into `record`. Returns false at the end of the text. On a malformed
  // record returns invalid_argument (reason "malformed_csv", message naming the line) and skips
  // to the start of the next line, so the caller may continue. Blank lines are skipped.
  Result<bool> Next(CsvRecord& record);

  // The line the reader is on (for errors after the last record).
  std::int64_t line() const { return line_; }

 private:
  Error Malformed(std::int64_t line, const std::string& what);
  // Skips the rest of the line and reports the record starting on `line` as too long.
  Error TooLong(std::int64_t line);
  void SkipRestOfLine();

  std::string_view text_;
  std::size_t pos_ = 0;
  std::int64_t line_;
  std::size_t max_record_bytes_;
};

// The end of the last complete record in `text` (just after its line break), assuming `text`
// starts at a record boundary: a line break inside quotes does not end a record. 0 when `text`
// holds no complete record.
std::size_t CompleteRecordsEnd(std::string_view text);

}  // namespace liaison::jurisdiction
