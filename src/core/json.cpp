#include "core/json.hpp"

namespace liaison::json {

Result<boost::json::value> Parse(std::string_view text, boost::json::storage_ptr storage) {
  boost::json::parse_options options;
  options.max_depth = 32;
  boost::json::error_code ec;
  // One parser per thread, reset for each document: its internal buffers are allocated once
  // rather than for each of the many small documents read from the database.
  thread_local boost::json::stream_parser parser({}, options);
  parser.reset(std::move(storage));
  std::size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec || used != text.size()) {
    return Error::InvalidArgument(
        "the body is not valid JSON (" + ec.message() + " near byte " + std::to_string(used) + ")",
        "", "malformed_json");
  }
  return parser.release();
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
