#include "jurisdiction/attribution_output.hpp"

#include <boost/json.hpp>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "jurisdiction/feed_source.hpp"

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

// RFC 9562 UUID version 5 of `name` in the STIX namespace. One digest context per thread, and
// SHA-1 fetched once: OpenSSL 3 otherwise looks the algorithm up, under a lock, on every call.
std::string Uuid5(std::string_view name) {
  thread_local struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    ~Context() {
      EVP_MD_free(sha1);
      EVP_MD_CTX_free(ctx);
    }
  } context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context.ctx, context.sha1, nullptr);
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

bool NeedsQuotes(std::string_view s) {
  return s.find_first_of(",\"\r\n") != std::string_view::npos;
}

// Appends `s` as a CSV field, quoted when it must be (RFC 4180).
void AppendCsvField(std::string& out, std::string_view s) {
  if (!NeedsQuotes(s)) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

constexpr std::size_t kStixBuffer = 1 << 20;

// The first line of every per-group CSV.
constexpr std::string_view kGroupCsvHeader =
    "address,country,state,as_number,as_name,category,line\n";

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

namespace {

// Formats the rows of one worker thread, with its own cache of AS names.
class CsvRowFormatter final : public RowFormatter {
 public:
  explicit CsvRowFormatter(const JurisdictionIndex& index) : index_(index) {}
  void Append(const AttributedRow& row, std::string& out) override {
    const std::string_view as_name = row.as_number != 0 ? AsName(row) : kNone;
    const bool quote = NeedsQuotes(row.category);
    // One resize for the whole row, then plain stores: the most the row can take.
    const std::size_t old = out.size();
    out.resize(old + kMaxIpAddressText + row.country.size() + row.state.size() + as_name.size() +
               (quote ? 2 * row.category.size() + 2 : row.category.size()) + 64);
    char* const begin = out.data() + old;
    char* p = begin;
    auto put = [&p](std::string_view text) {
      if (text.empty()) return;  // Its data() may be null.
      std::memcpy(p, text.data(), text.size());
      p += text.size();
    };
    p += FormatIpAddressTo(row.address, p);
    *p++ = ',';
    put(row.country);
    *p++ = ',';
    put(row.state);
    *p++ = ',';
    if (row.as_number != 0) p = std::to_chars(p, p + 10, row.as_number).ptr;
    *p++ = ',';
    put(as_name);
    *p++ = ',';
    if (quote) {
      *p++ = '"';
      for (char c : row.category) {
        if (c == '"') *p++ = '"';
        *p++ = c;
      }
      *p++ = '"';
    } else {
      put(row.category);
    }
    *p++ = ',';
    p = std::to_chars(p, p + 20, row.line).ptr;
    *p++ = '\n';
    out.resize(old + static_cast<std::size_t>(p - begin));
  }

 private:
  inline static const std::string_view kNone;

  // The CSV-quoted name of the row's AS, looked up once per AS and worker. Open addressing on
  // the AS number with the names in one string: a feed touches tens of thousands of ASes, and a
  // node-based map missed the cache on every row.
  std::string_view AsName(const AttributedRow& row) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    std::size_t i = Slot(row.as_number);
    if (slots_[i].number != row.as_number) {
      auto answer = index_.Lookup(row.address);
      slots_[i].number = row.as_number;
      slots_[i].offset = static_cast<std::uint32_t>(names_.size());
      if (answer.as) AppendCsvField(names_, answer.as->name);
      slots_[i].length = static_cast<std::uint32_t>(names_.size() - slots_[i].offset);
      ++used_;
    }
    return std::string_view(names_).substr(slots_[i].offset, slots_[i].length);
  }

  struct NameSlot {
    std::uint32_t number = 0;  // 0: free (AS 0 is never named).
    std::uint32_t offset = 0, length = 0;
  };
  // The slot holding `number`, or the free slot where it goes.
  std::size_t Slot(std::uint32_t number) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = (number * 0x9E3779B1u) & mask;
    while (slots_[i].number != 0 && slots_[i].number != number) i = (i + 1) & mask;
    return i;
  }
  void Grow() {
    std::vector<NameSlot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(1024, old.size() * 2), NameSlot{});
    for (const NameSlot& slot : old) {
      if (slot.number != 0) slots_[Slot(slot.number)] = slot;
    }
  }

  const JurisdictionIndex& index_;
  std::vector<NameSlot> slots_;
  std::size_t used_ = 0;
  std::string names_;  // CSV-quoted names, back to back.
};

}  // namespace

GroupCsvWriter::GroupCsvWriter(std::filesystem::path dir, const JurisdictionIndex& index)
    : dir_(std::move(dir)), index_(index) {}

GroupCsvWriter::~GroupCsvWriter() {
  for (auto& [group, file] : files_) {
    if (file.fd >= 0) ::close(file.fd);
  }
}

std::unique_ptr<RowFormatter> GroupCsvWriter::NewFormatter() const {
  return std::make_unique<CsvRowFormatter>(index_);
}

Status GroupCsvWriter::Write(const std::string& group, std::string_view text) {
  File& file = files_[group];
  if (file.fd < 0) {
    auto path = dir_ / (group + ".csv");
    file.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file.fd < 0) {
      return Error::Unavailable("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    file.pending = kGroupCsvHeader;
  }
  file.pending.append(text);
  if (file.pending.size() >= kFileBuffer) return Drain(group, file);
  return OkStatus();
}

Status GroupCsvWriter::Drain(const std::string& group, File& file) {
  std::string_view rest = file.pending;
  while (!rest.empty()) {
    ssize_t n = ::write(file.fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error::Unavailable("cannot write " + (dir_ / (group + ".csv")).string() + ": " +
                                std::strerror(errno));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  file.pending.clear();
  return OkStatus();
}

Status GroupCsvWriter::Close() {
  for (auto& [group, file] : files_) {
    if (file.fd < 0) continue;
    Status drained = Drain(group, file);
    int closed = ::close(file.fd);
    file.fd = -1;
    RETURN_IF_ERROR(drained);
    if (closed != 0) {
      return Error::Unavailable("cannot write " + (dir_ / (group + ".csv")).string() + ": " +
                                std::strerror(errno));
    }
  }
  return OkStatus();
}

// A gzip stream being written, with what it has produced so far.
struct GroupShareCollector::Share {
  z_stream z{};
  bool open = false;
  std::string gz;             // The compressed bytes so far.
  std::size_t raw = 0;        // Bytes of the whole CSV, header included, kept or not.
  std::size_t unflushed = 0;  // Bytes given to the compressor since it last flushed.
  std::int64_t kept = 0;      // Rows given to the compressor.
  std::int64_t total = 0;     // Rows of the group.
  bool full = false;          // A row did not fit: later rows are only counted.
  ~Share() {
    if (open) deflateEnd(&z);
  }
};

namespace {

// Compresses `in` into share.gz with `flush` (Z_NO_FLUSH, Z_SYNC_FLUSH or Z_FINISH).
Status Deflate(z_stream& z, std::string& gz, std::string_view in, int flush) {
  std::array<unsigned char, 64 * 1024> buffer;
  // zlib's lengths are 32-bit: large inputs go a gigabyte at a time.
  constexpr std::size_t kStep = 1u << 30;
  do {
    const std::size_t step = std::min(in.size(), kStep);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(step);
    in.remove_prefix(step);
    const int now = in.empty() ? flush : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      z.next_out = buffer.data();
      z.avail_out = static_cast<uInt>(buffer.size());
      rc = deflate(&z, now);
      if (rc == Z_STREAM_ERROR) return Error::Internal("the gzip compressor failed");
      gz.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - z.avail_out);
    } while (z.avail_out == 0 || (now == Z_FINISH && rc != Z_STREAM_END));
  } while (!in.empty());
  return OkStatus();
}

std::int64_t CountRows(std::string_view lines) {
  return static_cast<std::int64_t>(std::count(lines.begin(), lines.end(), '\n'));
}

}  // namespace

GroupShareCollector::GroupShareCollector(const JurisdictionIndex& index, std::size_t max_bytes,
                                         GroupFilter wanted)
    : index_(index),
      max_bytes_(std::max<std::size_t>(max_bytes, 1024)),
      wanted_(std::move(wanted)) {}

GroupShareCollector::~GroupShareCollector() = default;

std::unique_ptr<RowFormatter> GroupShareCollector::NewFormatter() const {
  return std::make_unique<CsvRowFormatter>(index_);
}

Status GroupShareCollector::Write(const std::string& group, std::string_view text) {
  if (wanted_) {
    auto [decision, first] = decided_.try_emplace(group, false);
    if (first) decision->second = wanted_(group);
    if (!decision->second) return OkStatus();
  }
  std::unique_ptr<Share>& share = shares_[group];
  if (!share) {
    share = std::make_unique<Share>();
    // windowBits 15 + 16: a gzip wrapper (RFC 1952) rather than zlib's.
    if (deflateInit2(&share->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      share.reset();
      return Error::Internal("the gzip compressor could not start");
    }
    share->open = true;
    RETURN_IF_ERROR(Deflate(share->z, share->gz, kGroupCsvHeader, Z_NO_FLUSH));
    share->unflushed = kGroupCsvHeader.size();
    share->raw = kGroupCsvHeader.size();
  }
  return Add(*share, text);
}

// The compressor's output only trails its input: while the bound of everything not yet flushed
// still fits, rows go in unflushed (best compression); near the limit the stream is flushed so
// that its size is exact, and rows go in a half at a time for as long as they fit.
Status GroupShareCollector::Add(Share& share, std::string_view lines) {
  share.total += CountRows(lines);
  share.raw += lines.size();
  if (share.full || lines.empty()) return OkStatus();
  if (share.gz.size() + deflateBound(&share.z, share.unflushed + lines.size()) <= max_bytes_) {
    RETURN_IF_ERROR(Deflate(share.z, share.gz, lines, Z_NO_FLUSH));
    share.unflushed += lines.size();
    share.kept += CountRows(lines);
    return OkStatus();
  }
  RETURN_IF_ERROR(Deflate(share.z, share.gz, {}, Z_SYNC_FLUSH));
  share.unflushed = 0;
  return FitLines(share, lines);
}

Status GroupShareCollector::FitLines(Share& share, std::string_view lines) {
  if (share.full || lines.empty()) return OkStatus();
  if (share.gz.size() + deflateBound(&share.z, lines.size()) <= max_bytes_) {
    RETURN_IF_ERROR(Deflate(share.z, share.gz, lines, Z_SYNC_FLUSH));
    share.kept += CountRows(lines);
    return OkStatus();
  }
  // Cut at a line end near the middle; a single line that does not fit ends the share.
  const std::size_t last = lines.size() - 1;
  std::size_t cut = lines.find('\n', lines.size() / 2);
  if (cut >= last) cut = last == 0 ? std::string_view::npos : lines.rfind('\n', last - 1);
  if (cut == std::string_view::npos) {
    share.full = true;
    return OkStatus();
  }
  RETURN_IF_ERROR(FitLines(share, lines.substr(0, cut + 1)));
  return FitLines(share, lines.substr(cut + 1));
}

Result<std::optional<GroupShare>> GroupShareCollector::Take(const std::string& group) {
  auto it = shares_.find(group);
  if (it == shares_.end()) return std::optional<GroupShare>();
  std::unique_ptr<Share> share = std::move(it->second);
  shares_.erase(it);
  RETURN_IF_ERROR(Deflate(share->z, share->gz, {}, Z_FINISH));
  if (share->gz.size() > max_bytes_) {
    return Error::Internal("the share of " + group + " came out larger than its limit");
  }
  GroupShare out;
  out.filename = group + ".csv";
  out.rows = share->kept;
  out.total_rows = share->total;
  if (!share->full && share->raw <= max_bytes_) {
    // It fits as it is: back to plain text, unless it is not text (a feed's bytes that are not
    // UTF-8), which stays compressed so that it is not served as text/csv.
    auto source = FeedFromMemory(share->gz);
    std::string plain(share->raw, '\0');
    std::size_t have = 0;
    while (have < plain.size()) {
      ASSIGN_OR_RETURN(std::size_t n, source->Read(plain.data() + have, plain.size() - have));
      if (n == 0) break;
      have += n;
    }
    if (have != share->raw) return Error::Internal("the share of " + group + " did not inflate");
    if (plain.find('\0') == std::string::npos && IsValidUtf8(plain)) {
      out.media_type = "text/csv";
      out.content = std::move(plain);
      return std::optional<GroupShare>(std::move(out));
    }
  }
  out.filename += ".gz";
  out.media_type = "application/gzip";
  out.content = std::move(share->gz);
  return std::optional<GroupShare>(std::move(out));
}

Status WriteStixBundle(const std::filesystem::path& path, const GroupSummary& group,
                       const std::string& data_version, TimePoint now) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error::Unavailable("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  std::string out;
  bool failed = false;
  // Writes what is buffered once it is large (and at the end).
  auto drain = [&](std::size_t above) {
    if (out.size() < above || failed) return;
    std::string_view rest = out;
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed = true;
        break;
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    out.clear();
  };
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
  out += "{\"type\":\"bundle\",\"id\":\"bundle--" + uuids.Next() + "\",\"objects\":[";
  bool first = true;
  auto separate = [&] {
    out += first ? "\n" : ",\n";
    first = false;
  };
  char text[kMaxIpAddressText];
  // The observables: one per distinct address.
  auto observable = [&](const IpAddress& address) {
    std::string_view value(text, FormatIpAddressTo(address, text));
    separate();
    out += "{\"type\":\"";
    out += address.family == IpFamily::kIpv4 ? "ipv4-addr" : "ipv6-addr";
    out += "\",\"spec_version\":\"2.1\",\"id\":\"";
    out += StixAddressId(address);
    out += "\",\"value\":\"";
    out += value;
    out += "\"}";
    drain(kStixBuffer);
  };
  for (std::uint32_t v4 : group.addresses_v4) observable(IpAddress{IpFamily::kIpv4, v4});
  for (Uint128 v6 : group.addresses_v6) observable(IpAddress{IpFamily::kIpv6, v6});
  // The indicators: one per batch of addresses of a family, its pattern one observation
  // expression whose comparisons are joined by OR (STIX 2.1 patterning §9).
  auto indicators = [&](IpFamily family, std::size_t count, auto address_at) {
    const char* type = family == IpFamily::kIpv4 ? "ipv4-addr" : "ipv6-addr";
    const std::size_t batches =
        (count + kStixAddressesPerIndicator - 1) / kStixAddressesPerIndicator;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t begin = b * kStixAddressesPerIndicator;
      const std::size_t end = std::min(count, begin + kStixAddressesPerIndicator);
      std::string name = "Malicious activity from " + std::to_string(end - begin) +
                         (family == IpFamily::kIpv4 ? " IPv4" : " IPv6") + " address" +
                         (end - begin == 1 ? "" : "es") + " attributed to " + where;
      if (batches > 1) {
        name += " (" + std::to_string(b + 1) + " of " + std::to_string(batches) + ")";
      }
      separate();
      out += "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--";
      out += uuids.Next();
      out += "\",\"created\":\"" + when + "\",\"modified\":\"" + when + "\",\"name\":";
      out += JsonString(name);
      out += ",\"description\":" + description_json;
      out += ",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[";
      for (std::size_t i = begin; i < end; ++i) {
        if (i > begin) out += " OR ";
        out += type;
        out += ":value = '";
        out.append(text, FormatIpAddressTo(address_at(i), text));
        out += '\'';
      }
      out += "]\",\"pattern_type\":\"stix\",\"valid_from\":\"" + when + "\"}";
      drain(kStixBuffer);
    }
  };
  indicators(IpFamily::kIpv4, group.addresses_v4.size(), [&](std::size_t i) {
    return IpAddress{IpFamily::kIpv4, group.addresses_v4[i]};
  });
  indicators(IpFamily::kIpv6, group.addresses_v6.size(), [&](std::size_t i) {
    return IpAddress{IpFamily::kIpv6, group.addresses_v6[i]};
  });
  out += "\n]}\n";
  drain(0);
  if (::close(fd) != 0) failed = true;
  if (failed) return Error::Unavailable("cannot write " + path.string());
  return OkStatus();
}

Status WriteStixBundles(const std::filesystem::path& dir, const AttributionSummary& summary,
                        TimePoint now, int threads) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::optional<Error> failure;
  auto work = [&] {
    while (true) {
      std::size_t i = next++;
      if (i >= summary.groups.size()) return;
      const GroupSummary& g = summary.groups[i];
      Status written =
          WriteStixBundle(dir / (g.group + ".stix.json"), g, summary.data_version, now);
      if (!written.has_value()) {
        std::lock_guard lock(mutex);
        if (!failure) failure = written.error();
        next = summary.groups.size();
      }
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < std::max(1, threads); ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
  if (failure) return *failure;
  return OkStatus();
}

}  // namespace liaison::jurisdiction
