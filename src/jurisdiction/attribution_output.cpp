#include "jurisdiction/attribution_output.hpp"

#include <boost/json.hpp>
#include <openssl/evp.h>

#include <cstdio>
#include <random>

#include "core/ids.hpp"

namespace liaison::jurisdiction {
namespace {

// The STIX 2.1 namespace for deterministic SCO ids (§2.9).
constexpr unsigned char kStixNamespace[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                              0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

std::string FormatUuid(const unsigned char* b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[b[i] >> 4]);
    text.push_back(kHex[b[i] & 0x0f]);
  }
  return text;
}

// RFC 9562 UUID version 5 of `name` in the STIX namespace. One digest context per thread.
std::string Uuid5(std::string_view name) {
  thread_local struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  } context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context.ctx, EVP_sha1(), nullptr);
  EVP_DigestUpdate(context.ctx, kStixNamespace, sizeof kStixNamespace);
  EVP_DigestUpdate(context.ctx, name.data(), name.size());
  EVP_DigestFinal_ex(context.ctx, digest, &length);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  return FormatUuid(digest);
}

// Version 4 UUIDs for one bundle: random bits from a generator seeded with 128 bits of the
// system CSPRNG (the ids must be unique, not secret).
class Uuid4Source {
 public:
  Uuid4Source() {
    std::string seed = RandomHex(16);
    std::seed_seq sequence(seed.begin(), seed.end());
    rng_.seed(sequence);
  }
  std::string Next() {
    unsigned char b[16];
    std::uint64_t hi = rng_(), lo = rng_();
    for (int i = 0; i < 8; ++i) {
      b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
      b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    return FormatUuid(b);
  }

 private:
  std::mt19937_64 rng_;
};

std::string JsonString(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// STIX timestamps carry milliseconds: 2026-11-29T09:51:24.000Z.
std::string StixTime(TimePoint t) {
  std::string text = FormatRfc3339(t);
  if (text.size() == 20 && text.back() == 'Z') text.insert(19, ".000");
  return text;
}

}  // namespace

std::string StixAddressId(const IpAddress& address) {
  const char* type = address.family == IpFamily::kIpv4 ? "ipv4-addr" : "ipv6-addr";
  return std::string(type) + "--" + Uuid5("{\"value\":\"" + FormatIpAddress(address) + "\"}");
}

GroupCsvWriter::GroupCsvWriter(std::filesystem::path dir, const JurisdictionIndex& index)
    : dir_(std::move(dir)), index_(index) {}

RowSink GroupCsvWriter::sink() {
  return [this](const std::string& group, const AttributedRow& row) { return Write(group, row); };
}

Status GroupCsvWriter::Write(const std::string& group, const AttributedRow& row) {
  auto& file = files_[group];
  if (!file) {
    auto path = dir_ / (group + ".csv");
    auto& buffer = buffers_[group];
    buffer.resize(kFileBuffer);
    file = std::make_unique<std::ofstream>();
    // A larger buffer than the default: hundreds of files are written at once.
    file->rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    file->open(path, std::ios::trunc | std::ios::binary);
    if (!*file) return Error::Unavailable("cannot write " + path.string());
    *file << "address,country,state,as_number,as_name,category,line\n";
  }
  std::string as_name;
  if (row.as_number != 0) {
    auto it = as_names_.find(row.as_number);
    if (it == as_names_.end()) {
      auto answer = index_.Lookup(row.address);
      it = as_names_.emplace(row.as_number, answer.as ? CsvField(answer.as->name) : "").first;
    }
    as_name = it->second;
  }
  *file << FormatIpAddress(row.address) << ',' << row.country << ',' << row.state << ','
        << (row.as_number != 0 ? std::to_string(row.as_number) : "") << ',' << as_name << ','
        << CsvField(row.category) << ',' << row.line << '\n';
  return OkStatus();
}

Status GroupCsvWriter::Close() {
  for (auto& [group, file] : files_) {
    file->flush();
    if (!*file) return Error::Unavailable("cannot write " + (dir_ / (group + ".csv")).string());
    file->close();
  }
  return OkStatus();
}

Status WriteStixBundle(const std::filesystem::path& path, const GroupSummary& group,
                       const std::string& data_version, TimePoint now) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  if (!out) return Error::Unavailable("cannot write " + path.string());
  const std::string when = StixTime(now);
  std::string categories;
  for (const auto& [category, count] : group.categories) {
    if (category.empty()) continue;
    if (!categories.empty()) categories += ", ";
    categories += category;
  }
  std::string where = group.state.empty() ? group.group : group.state;
  std::string description =
      "Observed in a feed attributed by liaison to " + where + " (IP data " + data_version + ")" +
      (categories.empty() ? "" : "; categories: " + categories);
  Uuid4Source uuids;
  const std::string description_json = JsonString(description);
  out << "{\"type\":\"bundle\",\"id\":\"bundle--" << uuids.Next() << "\",\"objects\":[";
  bool first = true;
  auto emit = [&](const IpAddress& address) {
    std::string text = FormatIpAddress(address);
    const char* type = address.family == IpFamily::kIpv4 ? "ipv4-addr" : "ipv6-addr";
    out << (first ? "\n" : ",\n");
    first = false;
    out << "{\"type\":\"" << type << "\",\"spec_version\":\"2.1\",\"id\":\""
        << StixAddressId(address) << "\",\"value\":\"" << text << "\"},\n";
    out << "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" << uuids.Next()
        << "\",\"created\":\"" << when << "\",\"modified\":\"" << when
        << "\",\"name\":" << JsonString("Malicious activity from " + text)
        << ",\"description\":" << description_json
        << ",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[" << type
        << ":value = '" << text << "']\",\"pattern_type\":\"stix\",\"valid_from\":\"" << when
        << "\"}";
  };
  for (std::uint32_t v4 : group.addresses_v4) emit(IpAddress{IpFamily::kIpv4, v4});
  for (Uint128 v6 : group.addresses_v6) emit(IpAddress{IpFamily::kIpv6, v6});
  out << "\n]}\n";
  out.flush();
  if (!out) return Error::Unavailable("cannot write " + path.string());
  return OkStatus();
}

}  // namespace liaison::jurisdiction
