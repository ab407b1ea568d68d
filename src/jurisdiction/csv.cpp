#include "jurisdiction/csv.hpp"

#include <cstring>

namespace liaison::jurisdiction {

CsvReader::CsvReader(std::string_view text, std::int64_t first_line,
                     std::size_t max_record_bytes)
    : text_(text), line_(first_line), max_record_bytes_(max_record_bytes) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

Error CsvReader::Malformed(std::int64_t line, const std::string& what) {
  return Error::InvalidArgument("line " + std::to_string(line) + ": " + what, "line",
                                "malformed_csv");
}

Error CsvReader::TooLong(std::int64_t line) {
  SkipRestOfLine();
  return Malformed(line, "the record is longer than " + std::to_string(max_record_bytes_) +
                             " bytes");
}

void CsvReader::SkipRestOfLine() {
  const void* nl = std::memchr(text_.data() + pos_, '\n', text_.size() - pos_);
  if (nl == nullptr) {
    pos_ = text_.size();
  } else {
    pos_ = static_cast<const char*>(nl) - text_.data() + 1;
    ++line_;
  }
}

Result<bool> CsvReader::Next(CsvRecord& record) {
  record.fields.clear();
  record.storage.clear();
  const char* data = text_.data();
  const std::size_t size = text_.size();
  // Skip blank lines.
  while (pos_ < size && (data[pos_] == '\n' || data[pos_] == '\r')) {
    if (data[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= size) return false;
  record.line = line_;
  const std::size_t record_start = pos_;
  // Quoted fields are unescaped into `storage`; their views are fixed up once it stops growing.
  struct Pending {
    std::size_t index, offset, length;
  };
  std::vector<Pending> pending;
  while (true) {
    if (pos_ - record_start > max_record_bytes_) {
      return TooLong(record.line);
    }
    if (pos_ < size && data[pos_] == '"') {
      ++pos_;
      std::size_t offset = record.storage.size();
      while (true) {
        const char* quote = static_cast<const char*>(std::memchr(data + pos_, '"', size - pos_));
        if (quote == nullptr || static_cast<std::size_t>(quote - data) - record_start >
                                    max_record_bytes_) {
          std::int64_t at = record.line;
          if (quote == nullptr) {
            pos_ = size;
            return Malformed(at, "a quoted field is not closed before the end of the input");
          }
          pos_ = quote - data;
          return TooLong(at);
        }
        std::string_view piece(data + pos_, quote - (data + pos_));
        for (char c : piece) line_ += c == '\n';
        record.storage.append(piece);
        pos_ = quote - data + 1;
        if (pos_ < size && data[pos_] == '"') {
          record.storage.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      pending.push_back({record.fields.size(), offset, record.storage.size() - offset});
      record.fields.emplace_back();
      if (pos_ < size && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
        // Reported at the line the record starts on, where a stray quote usually is.
        std::int64_t at = record.line;
        SkipRestOfLine();
        return Malformed(at, "a character follows the closing quote of a field");
      }
    } else {
      std::size_t start = pos_;
      while (pos_ < size && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
        if (data[pos_] == '"') {
          std::int64_t at = line_;
          SkipRestOfLine();
          return Malformed(at, "a quote inside an unquoted field");
        }
        ++pos_;
      }
      if (pos_ - record_start > max_record_bytes_) {
        return TooLong(record.line);
      }
      record.fields.emplace_back(data + start, pos_ - start);
    }
    if (pos_ >= size) break;
    char c = data[pos_];
    if (c == ',') {
      ++pos_;
      continue;
    }
    if (c == '\r') {
      ++pos_;
      if (pos_ < size && data[pos_] == '\n') {
        ++pos_;
      } else if (pos_ < size) {
        std::int64_t at = line_;
        SkipRestOfLine();
        return Malformed(at, "a carriage return not followed by a line feed");
      }
      ++line_;
      break;
    }
    ++pos_;  // '\n'
    ++line_;
    break;
  }
  for (const auto& p : pending) {
    record.fields[p.index] = std::string_view(record.storage).substr(p.offset, p.length);
  }
  return true;
}

std::size_t CompleteRecordsEnd(std::string_view text) {
  const char* data = text.data();
  if (std::memchr(data, '"', text.size()) == nullptr) {
    // No quotes (the common case): the last line break ends the last record.
    const void* nl = memrchr(data, '\n', text.size());
    return nl == nullptr ? 0 : static_cast<const char*>(nl) - data + 1;
  }
  bool quoted = false;
  std::size_t end = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = data[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\n' && !quoted) {
      end = i + 1;
    }
  }
  return end;
}

}  // namespace liaison::jurisdiction
