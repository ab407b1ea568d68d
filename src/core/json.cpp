#include "core/json.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/text.hpp"

namespace liaison::json {
namespace {

// Builds a boost::json::value like boost::json::parser does, except that decimals are converted
// with std::from_chars, which rounds correctly: Boost.JSON 1.81's own conversion can be one unit
// in the last place off, and a canonical form (CanonicalJson) must see the number that was sent.
struct ValueBuilder {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack stack;
  std::string number;  // The text of the number being read, which may arrive in parts.

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    number.clear();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    number.clear();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, boost::json::string_view s, boost::json::error_code&) {
    number.append(s.data(), s.size());
    double precise = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), precise);
    // Out of range (1e400): keep Boost's infinity or zero.
    stack.push_double(ec == std::errc() && end == number.data() + number.size() ? precise : d);
    number.clear();
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

Error NotCanonicalizable(std::string message) {
  return Error::InvalidArgument(std::move(message), "", "not_canonicalizable");
}

// The UTF-16 code units of UTF-8 `s`, or nullopt when `s` is not valid UTF-8 (overlong forms,
// surrogates and values beyond U+10FFFF included).
std::optional<std::u16string> Utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char lead = byte(i);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > s.size()) return std::nullopt;
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += length;
  }
  return out;
}

Status AppendString(std::string_view s, std::string& out) {
  if (!Utf16(s)) return NotCanonicalizable("a string is not valid UTF-8");
  out.append("\"").append(JsonEscape(s)).append("\"");
  return OkStatus();
}

// ECMAScript Number::toString(x) (ECMA-262, 7.1.12.1) from the shortest round-trip digits.
Status AppendDouble(double x, std::string& out) {
  if (!std::isfinite(x)) return NotCanonicalizable("NaN and infinities have no JSON form");
  if (x == 0) {  // Both zeros.
    out.push_back('0');
    return OkStatus();
  }
  if (x < 0) {
    out.push_back('-');
    x = -x;
  }
  // Shortest scientific form "d.ddde±x": its digits are ECMAScript's s, and n = exponent + 1.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific);
  LIAISON_CHECK(ec == std::errc());
  std::string_view text(buffer, end - buffer);
  std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, n).append(".").append(digits, n);
  } else if (-6 < n && n <= 0) {
    out.append("0.").append(-n, '0').append(digits);
  } else {
    out.push_back(digits[0]);
    if (k > 1) out.append(".").append(digits, 1);
    out.append(n - 1 < 0 ? "e-" : "e+").append(std::to_string(std::abs(n - 1)));
  }
  return OkStatus();
}

// Integers beyond 2^53 are refused: a JCS reader holds numbers as doubles and would round them.
constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53);

Status AppendCanonical(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      return OkStatus();
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return OkStatus();
    case boost::json::kind::int64:
      if (v.get_int64() > kMaxSafeInteger || v.get_int64() < -kMaxSafeInteger) {
        return NotCanonicalizable("an integer is beyond 2^53");
      }
      out += std::to_string(v.get_int64());
      return OkStatus();
    case boost::json::kind::uint64:
      if (v.get_uint64() > static_cast<std::uint64_t>(kMaxSafeInteger)) {
        return NotCanonicalizable("an integer is beyond 2^53");
      }
      out += std::to_string(v.get_uint64());
      return OkStatus();
    case boost::json::kind::double_:
      return AppendDouble(v.get_double(), out);
    case boost::json::kind::string:
      return AppendString(v.get_string(), out);
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        RETURN_IF_ERROR(AppendCanonical(item, out));
      }
      out.push_back(']');
      return OkStatus();
    }
    case boost::json::kind::object: {
      std::vector<std::pair<std::u16string, const boost::json::key_value_pair*>> members;
      for (const auto& member : v.get_object()) {
        auto name = Utf16(member.key());
        if (!name) return NotCanonicalizable("a member name is not valid UTF-8");
        members.emplace_back(std::move(*name), &member);
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      bool first = true;
      for (const auto& [name, member] : members) {
        if (!first) out.push_back(',');
        first = false;
        RETURN_IF_ERROR(AppendString(member->key(), out));
        out.push_back(':');
        RETURN_IF_ERROR(AppendCanonical(member->value(), out));
      }
      out.push_back('}');
      return OkStatus();
    }
  }
  return NotCanonicalizable("unknown JSON value kind");
}

}  // namespace

Result<std::string> CanonicalJson(const boost::json::value& value) {
  std::string out;
  RETURN_IF_ERROR(AppendCanonical(value, out));
  return out;
}

Result<boost::json::value> Parse(std::string_view text, boost::json::storage_ptr storage) {
  boost::json::parse_options options;
  options.max_depth = 32;
  boost::json::error_code ec;
  // One parser per thread, reset for each document: its buffers are allocated once rather than
  // for each of the many small documents read from the database.
  thread_local boost::json::basic_parser<ValueBuilder> parser(options);
  parser.reset();
  parser.handler().number.clear();
  parser.handler().stack.reset(std::move(storage));
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size()) {
    return Error::InvalidArgument(
        "the body is not valid JSON (" + ec.message() + " near byte " + std::to_string(used) + ")",
        "", "malformed_json");
  }
  return parser.handler().stack.release();
}

std::string Serialize(const boost::json::value& v) { return boost::json::serialize(v); }

Result<ObjectReader> ObjectReader::Create(const boost::json::value& v, std::string path) {
  if (!v.is_object()) {
    return Error::InvalidArgument("expected a JSON object", path.empty() ? "" : path, "wrong_type");
  }
  return ObjectReader(&v.get_object(), std::move(path));
}

std::string ObjectReader::FieldName(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool ObjectReader::Has(std::string_view key) {
  read_.emplace(key);
  return object_->contains(key);
}

const boost::json::value* ObjectReader::Find(std::string_view key) {
  read_.emplace(key);
  const auto* v = object_->if_contains(key);
  return (v && !v->is_null()) ? v : nullptr;
}

Result<std::string> ObjectReader::RequiredString(std::string_view key, std::size_t max_length) {
  ASSIGN_OR_RETURN(auto s, OptionalString(key, max_length));
  if (!s || s->empty()) {
    return Error::InvalidArgument("is required", FieldName(key), "required");
  }
  return *std::move(s);
}

Result<std::optional<std::string>> ObjectReader::OptionalString(std::string_view key,
                                                                std::size_t max_length) {
  const auto* v = Find(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) {
    return Error::InvalidArgument("must be a string", FieldName(key), "wrong_type");
  }
  std::string s(v->get_string());
  RETURN_IF_ERROR(CheckText(s, max_length, FieldName(key)));
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<bool>> ObjectReader::OptionalBool(std::string_view key) {
  const auto* v = Find(key);
  if (!v) return std::optional<bool>();
  if (!v->is_bool()) {
    return Error::InvalidArgument("must be true or false", FieldName(key), "wrong_type");
  }
  return std::optional<bool>(v->get_bool());
}

Result<std::optional<std::int64_t>> ObjectReader::OptionalInt(std::string_view key,
                                                              std::int64_t min, std::int64_t max) {
  const auto* v = Find(key);
  if (!v) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else {
    return Error::InvalidArgument("must be an integer", FieldName(key), "wrong_type");
  }
  if (n < min || n > max) {
    return Error::InvalidArgument(
        "must be between " + std::to_string(min) + " and " + std::to_string(max), FieldName(key),
        "out_of_range");
  }
  return std::optional<std::int64_t>(n);
}

Result<std::vector<std::string>> ObjectReader::StringArray(std::string_view key,
                                                           std::size_t max_items,
                                                           std::size_t max_length) {
  std::vector<std::string> out;
  const auto* v = Find(key);
  if (!v) return out;
  if (!v->is_array()) {
    return Error::InvalidArgument("must be an array of strings", FieldName(key), "wrong_type");
  }
  const auto& array = v->get_array();
  if (array.size() > max_items) {
    return Error::InvalidArgument("at most " + std::to_string(max_items) + " items", FieldName(key),
                                  "too_many_items");
  }
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string field = FieldName(key) + "[" + std::to_string(i) + "]";
    if (!array[i].is_string()) {
      return Error::InvalidArgument("must be a string", field, "wrong_type");
    }
    std::string s(array[i].get_string());
    RETURN_IF_ERROR(CheckText(s, max_length, field));
    out.push_back(std::move(s));
  }
  return out;
}

Status ObjectReader::RejectUnknown() const {
  for (const auto& member : *object_) {
    if (!read_.count(member.key())) {
      return Error::InvalidArgument("unknown field", FieldName(member.key()), "unknown_field");
    }
  }
  return OkStatus();
}

Status CheckText(std::string_view s, std::size_t max_length, const std::string& field) {
  std::size_t code_points = 0;
  for (unsigned char ch : s) {
    if ((ch & 0xC0) != 0x80) ++code_points;
    if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
      return Error::InvalidArgument("contains a control character", field, "invalid_text");
    }
  }
  if (code_points > max_length) {
    return Error::InvalidArgument("at most " + std::to_string(max_length) + " characters", field,
                                  "too_long");
  }
  return OkStatus();
}

}  // namespace liaison::json
