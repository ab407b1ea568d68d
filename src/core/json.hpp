// JSON helpers over Boost.JSON: strict parsing and a reader that checks fields by name, type and
// size, and rejects unknown fields. Not thread-safe per instance.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace liaison::json {

// Parses `text` as one JSON value (UTF-8 validated, nesting limited). Returns invalid_argument
// with reason "malformed_json" and the byte offset in the message when it is not.
// `storage` is where the value's memory comes from: a boost::json::monotonic_resource over a stack
// buffer makes short-lived documents (JSON columns read and dropped at once) nearly free.
Result<boost::json::value> Parse(std::string_view text, boost::json::storage_ptr storage = {});

// Serialises `v` compactly.
std::string Serialize(const boost::json::value& v);

// RFC 8785 (JCS) canonical serialisation of `value`: object members sorted by their names' UTF-16
// code units, no whitespace, strings escaped as JCS prescribes (only '"', '\\' and control
// characters; everything else as UTF-8), numbers as ECMAScript's Number.prototype.toString
// (shortest round-trip form: 4.5, 1e+30, 0.002). Returns invalid_argument (reason
// "not_canonicalizable") for what JCS cannot represent: NaN or an infinity, an integer beyond
// ±2^53 (it would not survive the IEEE-754 double every JCS implementation reads numbers as),
// and a string or name that is not valid UTF-8. Thread-safe.
Result<std::string> CanonicalJson(const boost::json::value& value);

// Reads the members of one JSON object, each at most once, remembering which were read so that
// RejectUnknown() can refuse the rest. `path` prefixes field names in errors ("contact.emails").
class ObjectReader {
 public:
  // Returns invalid_argument when `v` is not an object.
  static Result<ObjectReader> Create(const boost::json::value& v, std::string path = {});

  // True when `key` is present (even as null); marks it as read.
  bool Has(std::string_view key);

  // The member, or nullptr when absent or null. Marks it as read.
  const boost::json::value* Find(std::string_view key);

  Result<std::string> RequiredString(std::string_view key, std::size_t max_length);
  Result<std::optional<std::string>> OptionalString(std::string_view key, std::size_t max_length);
  Result<std::optional<bool>> OptionalBool(std::string_view key);
  Result<std::optional<std::int64_t>> OptionalInt(std::string_view key, std::int64_t min,
                                                  std::int64_t max);
  // An array of strings; absent yields an empty vector.
  Result<std::vector<std::string>> StringArray(std::string_view key, std::size_t max_items,
                                               std::size_t max_length);

  // Returns invalid_argument "unknown field" naming the first member that was never read.
  Status RejectUnknown() const;

  // The field name as it appears in errors: path + "." + key.
  std::string FieldName(std::string_view key) const;

 private:
  ObjectReader(const boost::json::object* object, std::string path)
      : object_(object), path_(std::move(path)) {}
  const boost::json::object* object_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

// Checks that `s` holds at most `max_length` Unicode code points and no control characters
// other than tab and newline. Returns invalid_argument naming `field`.
Status CheckText(std::string_view s, std::size_t max_length, const std::string& field);

}  // namespace liaison::json
