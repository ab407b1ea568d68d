#include "requests/request_template.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "core/text.hpp"
#include "core/vocabulary.hpp"
#include "directory/contacts.hpp"

namespace liaison::requests {
namespace {

template <typename E>
std::vector<E> ValuesOf(const Names<E>& names) {
  std::vector<E> out;
  for (const auto& entry : names) out.push_back(entry.first);
  return out;
}

template <typename E>
std::string ListOf(const Names<E>& names) {
  std::string out;
  for (const auto& entry : names) {
    if (!out.empty()) out += ", ";
    out += entry.second;
  }
  return out;
}

const Names<RequestType>& TypeNames() {
  static const Names<RequestType> names = {
      {RequestType::kMitigation, "mitigation"},
      {RequestType::kAssistance, "assistance"},
      {RequestType::kCriminalCooperation, "criminal_cooperation"},
      {RequestType::kInformation, "information"},
      {RequestType::kIncidentNotification, "incident_notification"},
      {RequestType::kVulnerabilityNotification, "vulnerability_notification"}};
  return names;
}

const Names<Urgency>& UrgencyNames() {
  static const Names<Urgency> names = {{Urgency::kCritical, "critical"},
                                       {Urgency::kUrgent, "urgent"},
                                       {Urgency::kRoutine, "routine"}};
  return names;
}

const Names<Tlp>& TlpNames() {
  static const Names<Tlp> names = {{Tlp::kClear, "CLEAR"},
                                   {Tlp::kGreen, "GREEN"},
                                   {Tlp::kAmber, "AMBER"},
                                   {Tlp::kAmberStrict, "AMBER+STRICT"},
                                   {Tlp::kRed, "RED"}};
  return names;
}

const Names<Sector>& SectorNames() {
  static const Names<Sector> names = {{Sector::kEnergy, "energy"},
                                      {Sector::kWater, "water"},
                                      {Sector::kHealth, "health"},
                                      {Sector::kFinance, "finance"},
                                      {Sector::kTransport, "transport"},
                                      {Sector::kTelecommunications, "telecommunications"},
                                      {Sector::kGovernmentServices, "government_services"},
                                      {Sector::kElections, "elections"},
                                      {Sector::kEmergencyServices, "emergency_services"},
                                      {Sector::kFood, "food"},
                                      {Sector::kSpace, "space"},
                                      {Sector::kOther, "other"}};
  return names;
}

const Names<RequestedAction>& ActionNames() {
  static const Names<RequestedAction> names = {
      {RequestedAction::kBlockOrSinkhole, "block_or_sinkhole"},
      {RequestedAction::kTakeDown, "take_down"},
      {RequestedAction::kPreserveLogs, "preserve_logs"},
      {RequestedAction::kIdentifyOperator, "identify_operator"},
      {RequestedAction::kShareInformation, "share_information"},
      {RequestedAction::kInvestigate, "investigate"},
      {RequestedAction::kNone, "none"}};
  return names;
}

const Names<IndicatorType>& IndicatorNames() {
  static const Names<IndicatorType> names = {{IndicatorType::kIpv4, "ipv4"},
                                             {IndicatorType::kIpv6, "ipv6"},
                                             {IndicatorType::kIpv4Prefix, "ipv4_prefix"},
                                             {IndicatorType::kIpv6Prefix, "ipv6_prefix"},
                                             {IndicatorType::kDomain, "domain"},
                                             {IndicatorType::kUrl, "url"},
                                             {IndicatorType::kMd5, "md5"},
                                             {IndicatorType::kSha1, "sha1"},
                                             {IndicatorType::kSha256, "sha256"},
                                             {IndicatorType::kSha512, "sha512"},
                                             {IndicatorType::kEmail, "email"}};
  return names;
}

const Names<CriminalKind>& CriminalKindNames() {
  static const Names<CriminalKind> names = {{CriminalKind::kPreservation, "preservation"},
                                            {CriminalKind::kOther, "other"}};
  return names;
}

Error BadIndicator(std::string message, const std::string& field) {
  return Error::InvalidArgument(std::move(message), field, "invalid_indicator");
}

// The canonical text of an IPv4 (family AF_INET) or IPv6 address; nullopt when not one.
std::optional<std::string> CanonicalAddress(int family, const std::string& text,
                                            unsigned char* bytes) {
  if (inet_pton(family, text.c_str(), bytes) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, bytes, out, sizeof out) == nullptr) return std::nullopt;
  return std::string(out);
}

Result<std::string> NormalizePrefix(int family, std::string_view value, const std::string& field) {
  const int max_bits = family == AF_INET ? 32 : 128;
  auto slash = value.find('/');
  if (slash == std::string_view::npos) return BadIndicator("expected address/length", field);
  std::string_view length_text = value.substr(slash + 1);
  if (length_text.empty() || length_text.size() > 3 ||
      !std::all_of(length_text.begin(), length_text.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return BadIndicator("the prefix length must be a number", field);
  }
  int bits = std::stoi(std::string(length_text));
  if (bits > max_bits) {
    return BadIndicator("the prefix length is at most " + std::to_string(max_bits), field);
  }
  std::array<unsigned char, 16> bytes{};
  auto address = CanonicalAddress(family, std::string(value.substr(0, slash)), bytes.data());
  if (!address) return BadIndicator("not an address", field);
  for (int bit = bits; bit < max_bits; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return BadIndicator("host bits are set: give the network address of the prefix", field);
    }
  }
  return *address + "/" + std::to_string(bits);
}

bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
}

// A domain name of at least two LDH labels (IDNs in their A-label form), lower-cased, without a
// trailing dot; nullopt otherwise.
std::optional<std::string> NormalizeDomain(std::string_view value) {
  std::string domain = AsciiLower(value);
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.empty() || domain.size() > 253) return std::nullopt;
  std::size_t labels = 0;
  std::string_view last;
  std::string_view rest = domain;
  while (true) {
    auto dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (!IsLdhLabel(label)) return std::nullopt;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  bool numeric_tld =
      std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  if (labels < 2 || numeric_tld) return std::nullopt;
  return domain;
}

Result<std::string> NormalizeUrl(std::string_view value, const std::string& field) {
  if (value.size() > 2048) return BadIndicator("at most 2048 characters", field);
  for (unsigned char c : value) {
    if (c <= 0x20 || c >= 0x7f) {
      return BadIndicator(
          "a URL has no spaces, control or non-ASCII characters (percent-encode "
          "them)",
          field);
    }
  }
  auto colon = value.find("://");
  if (colon == std::string_view::npos) return BadIndicator("expected scheme://host/…", field);
  std::string scheme = AsciiLower(value.substr(0, colon));
  if (scheme != "http" && scheme != "https" && scheme != "ftp") {
    return BadIndicator("the scheme must be http, https or ftp", field);
  }
  std::string_view rest = value.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string host;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return BadIndicator("unclosed IPv6 literal", field);
    std::array<unsigned char, 16> bytes{};
    if (!CanonicalAddress(AF_INET6, std::string(authority.substr(1, close - 1)), bytes.data())) {
      return BadIndicator("not an IPv6 address", field);
    }
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') return BadIndicator("bad host", field);
  } else {
    host = std::string(authority.substr(0, authority.find(':')));
    authority = authority.substr(host.size());
    std::array<unsigned char, 16> bytes{};
    if (!CanonicalAddress(AF_INET, host, bytes.data()) && !NormalizeDomain(host)) {
      return BadIndicator("the host is neither a domain name nor an IPv4 address", field);
    }
  }
  if (!authority.empty()) {  // ":port"
    std::string_view port = authority.substr(1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; }) ||
        std::stoi(std::string(port)) > 65535) {
      return BadIndicator("bad port", field);
    }
  }
  // Scheme and host are case-insensitive; the path is kept as given.
  std::string out = scheme + "://" + std::string(rest);
  return out;
}

Result<std::string> NormalizeHash(std::string_view value, std::size_t hex_digits,
                                  const std::string& field) {
  if (value.size() != hex_digits || !std::all_of(value.begin(), value.end(), [](unsigned char c) {
        return std::isxdigit(c) != 0;
      })) {
    return BadIndicator("expected " + std::to_string(hex_digits) + " hex digits", field);
  }
  return AsciiLower(value);
}

// Reads an optional RFC 3339 time member.
Result<std::optional<TimePoint>> OptionalTime(json::ObjectReader& reader, std::string_view key) {
  ASSIGN_OR_RETURN(auto text, reader.OptionalString(key, 64));
  if (!text) return std::optional<TimePoint>();
  ASSIGN_OR_RETURN(TimePoint t, ParseRfc3339(*text, reader.FieldName(key)));
  return std::optional<TimePoint>(t);
}

template <typename E>
Result<std::optional<E>> OptionalName(json::ObjectReader& reader, std::string_view key,
                                      const Names<E>& names, std::string_view reason) {
  ASSIGN_OR_RETURN(auto text, reader.OptionalString(key, 64));
  if (!text) return std::optional<E>();
  auto v = ParseIn(names, *text);
  if (!v) {
    return Error::InvalidArgument("must be one of " + ListOf(names), reader.FieldName(key),
                                  std::string(reason));
  }
  return std::optional<E>(*v);
}

// Reads a type's details object, which must be an object when present.
Result<std::optional<json::ObjectReader>> DetailsReader(json::ObjectReader& reader,
                                                        std::string_view key) {
  const auto* v = reader.Find(key);
  if (!v) return std::optional<json::ObjectReader>();
  ASSIGN_OR_RETURN(auto sub, json::ObjectReader::Create(*v, std::string(key)));
  return std::optional<json::ObjectReader>(std::move(sub));
}

std::string Text(json::ObjectReader& reader, std::string_view key, Status& status) {
  if (!status.has_value()) return {};
  auto s = reader.OptionalString(key, kMaxDetailLength);
  if (!s.has_value()) {
    status = std::move(s).error();
    return {};
  }
  return s->value_or("");
}

Error Required(const std::string& field) {
  return Error::InvalidArgument("is required", field, "required");
}

Status RequireText(const std::string& value, const std::string& field, Completeness completeness) {
  if (completeness == Completeness::kSubmission && Trim(value).empty()) return Required(field);
  return OkStatus();
}

Status CheckMitigation(const MitigationDetails& d, Completeness c, TimePoint now) {
  RETURN_IF_ERROR(RequireText(d.evidence, "mitigation.evidence", c));
  RETURN_IF_ERROR(RequireText(d.impact, "mitigation.impact", c));
  if (c == Completeness::kSubmission && !d.observed_from) {
    return Required("mitigation.observed_from");
  }
  if (c == Completeness::kSubmission && !d.observed_to) return Required("mitigation.observed_to");
  if (d.observed_from && *d.observed_from > now) {
    return Error::InvalidArgument("is in the future", "mitigation.observed_from", "in_the_future");
  }
  if (d.observed_from && d.observed_to && *d.observed_to < *d.observed_from) {
    return Error::InvalidArgument("ends before observed_from", "mitigation.observed_to",
                                  "invalid_window");
  }
  return OkStatus();
}

Status CheckCriminal(const CriminalCooperationDetails& d, Completeness c) {
  const std::string p = "criminal_cooperation.";
  RETURN_IF_ERROR(RequireText(d.authority, p + "authority", c));
  RETURN_IF_ERROR(RequireText(d.offence, p + "offence", c));
  RETURN_IF_ERROR(RequireText(d.facts, p + "facts", c));
  if (d.kind != CriminalKind::kPreservation) {
    for (const auto& [value, name] :
         {std::pair{&d.data_to_preserve, "data_to_preserve"},
          std::pair{&d.relation_to_offence, "relation_to_offence"},
          std::pair{&d.data_location, "data_location"}, std::pair{&d.necessity, "necessity"}}) {
      if (!value->empty()) {
        return Error::InvalidArgument("only for kind \"preservation\"", p + name,
                                      "unexpected_field");
      }
    }
    return OkStatus();
  }
  // Budapest Convention, Article 29(2) (a)-(f).
  RETURN_IF_ERROR(RequireText(d.data_to_preserve, p + "data_to_preserve", c));
  RETURN_IF_ERROR(RequireText(d.relation_to_offence, p + "relation_to_offence", c));
  RETURN_IF_ERROR(RequireText(d.data_location, p + "data_location", c));
  RETURN_IF_ERROR(RequireText(d.necessity, p + "necessity", c));
  if (c == Completeness::kSubmission && !d.mutual_assistance_to_follow) {
    return Required(p + "mutual_assistance_to_follow");
  }
  if (d.mutual_assistance_to_follow && !*d.mutual_assistance_to_follow) {
    return Error::InvalidArgument(
        "a preservation request states that a request for mutual assistance will follow",
        p + "mutual_assistance_to_follow", "must_be_true");
  }
  return OkStatus();
}

// The details member name of each type, or empty for types without details.
std::string_view DetailsKey(RequestType type) {
  switch (type) {
    case RequestType::kMitigation:
      return "mitigation";
    case RequestType::kAssistance:
      return "assistance";
    case RequestType::kCriminalCooperation:
      return "criminal_cooperation";
    case RequestType::kVulnerabilityNotification:
      return "vulnerability_notification";
    case RequestType::kInformation:
    case RequestType::kIncidentNotification:
      return "";
  }
  return "";
}

boost::json::value TimeOrNull(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::value(FormatRfc3339(*t));
}

}  // namespace

std::string_view RequestTypeName(RequestType v) { return NameIn(TypeNames(), v); }
std::string_view UrgencyName(Urgency v) { return NameIn(UrgencyNames(), v); }
std::string_view TlpName(Tlp v) { return NameIn(TlpNames(), v); }
std::string_view SectorName(Sector v) { return NameIn(SectorNames(), v); }
std::string_view RequestedActionName(RequestedAction v) { return NameIn(ActionNames(), v); }
std::string_view IndicatorTypeName(IndicatorType v) { return NameIn(IndicatorNames(), v); }
std::string_view CriminalKindName(CriminalKind v) { return NameIn(CriminalKindNames(), v); }
std::optional<RequestType> ParseRequestType(std::string_view n) { return ParseIn(TypeNames(), n); }
std::optional<Urgency> ParseUrgency(std::string_view n) { return ParseIn(UrgencyNames(), n); }
std::optional<Tlp> ParseTlp(std::string_view n) { return ParseIn(TlpNames(), n); }
std::optional<Sector> ParseSector(std::string_view n) { return ParseIn(SectorNames(), n); }
std::optional<RequestedAction> ParseRequestedAction(std::string_view n) {
  return ParseIn(ActionNames(), n);
}
std::optional<IndicatorType> ParseIndicatorType(std::string_view n) {
  return ParseIn(IndicatorNames(), n);
}
std::optional<CriminalKind> ParseCriminalKind(std::string_view n) {
  return ParseIn(CriminalKindNames(), n);
}

const std::vector<RequestType>& AllRequestTypes() {
  static const auto all = ValuesOf(TypeNames());
  return all;
}
const std::vector<Sector>& AllSectors() {
  static const auto all = ValuesOf(SectorNames());
  return all;
}
const std::vector<RequestedAction>& AllRequestedActions() {
  static const auto all = ValuesOf(ActionNames());
  return all;
}
const std::vector<IndicatorType>& AllIndicatorTypes() {
  static const auto all = ValuesOf(IndicatorNames());
  return all;
}

std::set<security::Role> FittingRoles(RequestType type) {
  using security::Role;
  switch (type) {
    case RequestType::kCriminalCooperation:
      return {Role::kPolicy, Role::kLawEnforcement};
    case RequestType::kInformation:
      return {Role::kPolicy};
    case RequestType::kMitigation:
    case RequestType::kAssistance:
    case RequestType::kIncidentNotification:
    case RequestType::kVulnerabilityNotification:
      return {Role::kPolicy, Role::kTechnical};
  }
  return {Role::kPolicy};
}

Result<std::string> NormalizeIndicator(IndicatorType type, std::string_view value,
                                       const std::string& field) {
  std::string text = Trim(value);
  if (text.empty()) return Required(field);
  std::array<unsigned char, 16> bytes{};
  switch (type) {
    case IndicatorType::kIpv4:
    case IndicatorType::kIpv6: {
      auto address =
          CanonicalAddress(type == IndicatorType::kIpv4 ? AF_INET : AF_INET6, text, bytes.data());
      if (!address) {
        return BadIndicator(
            type == IndicatorType::kIpv4 ? "not an IPv4 address (a.b.c.d)" : "not an IPv6 address",
            field);
      }
      return *address;
    }
    case IndicatorType::kIpv4Prefix:
      return NormalizePrefix(AF_INET, text, field);
    case IndicatorType::kIpv6Prefix:
      return NormalizePrefix(AF_INET6, text, field);
    case IndicatorType::kDomain: {
      auto domain = NormalizeDomain(text);
      if (!domain) {
        return BadIndicator(
            "not a domain name (at least two labels of letters, digits and "
            "hyphens; internationalised names in their xn-- form)",
            field);
      }
      return *domain;
    }
    case IndicatorType::kUrl:
      return NormalizeUrl(text, field);
    case IndicatorType::kMd5:
      return NormalizeHash(text, 32, field);
    case IndicatorType::kSha1:
      return NormalizeHash(text, 40, field);
    case IndicatorType::kSha256:
      return NormalizeHash(text, 64, field);
    case IndicatorType::kSha512:
      return NormalizeHash(text, 128, field);
    case IndicatorType::kEmail: {
      if (!directory::IsValidEmailAddress(text))
        return BadIndicator("not an e-mail address", field);
      auto at = text.rfind('@');
      return text.substr(0, at + 1) + AsciiLower(text.substr(at + 1));
    }
  }
  return BadIndicator("unknown indicator type", field);
}

Result<RequestContent> ValidateContent(RequestType type, const RequestContent& content,
                                       Completeness completeness, TimePoint now) {
  RequestContent out = content;
  RETURN_IF_ERROR(json::CheckText(out.subject, kMaxSubjectLength, "subject"));
  RETURN_IF_ERROR(RequireText(out.subject, "subject", completeness));
  RETURN_IF_ERROR(json::CheckText(out.description, kMaxDescriptionLength, "description"));
  RETURN_IF_ERROR(RequireText(out.description, "description", completeness));
  if (out.language.empty()) {
    if (completeness == Completeness::kSubmission) return Required("language");
  } else {
    auto tag = directory::NormalizeLanguageTag(out.language);
    if (!tag) {
      return Error::InvalidArgument(
          "must be a BCP 47 language tag such as ar, zh, en, fr, ru or es", "language",
          "invalid_language");
    }
    out.language = *tag;
  }
  if (out.activity_started_at && *out.activity_started_at > now) {
    return Error::InvalidArgument("is in the future", "activity_started_at", "in_the_future");
  }
  if (out.indicators.size() > kMaxIndicators) {
    return Error::InvalidArgument("at most " + std::to_string(kMaxIndicators) + " indicators",
                                  "indicators", "too_many_items");
  }
  for (std::size_t i = 0; i < out.indicators.size(); ++i) {
    const std::string field = "indicators[" + std::to_string(i) + "]";
    ASSIGN_OR_RETURN(
        out.indicators[i].value,
        NormalizeIndicator(out.indicators[i].type, out.indicators[i].value, field + ".value"));
    RETURN_IF_ERROR(json::CheckText(out.indicators[i].note, 500, field + ".note"));
  }
  std::set<RequestedAction> seen;
  for (std::size_t i = 0; i < out.requested_actions.size(); ++i) {
    const std::string field = "requested_actions[" + std::to_string(i) + "]";
    if (!seen.insert(out.requested_actions[i]).second) {
      return Error::InvalidArgument("listed twice", field, "duplicate");
    }
  }
  if (seen.count(RequestedAction::kNone) && seen.size() > 1) {
    return Error::InvalidArgument("\"none\" goes alone", "requested_actions", "invalid_actions");
  }
  if (type == RequestType::kIncidentNotification && !seen.empty() &&
      !seen.count(RequestedAction::kNone)) {
    return Error::InvalidArgument("an incident notification requests no action",
                                  "requested_actions", "invalid_actions");
  }
  // Only the details of the request's own type may be present.
  const std::string_view own = DetailsKey(type);
  const std::pair<bool, std::string_view> present[] = {
      {out.mitigation.has_value(), "mitigation"},
      {out.assistance.has_value(), "assistance"},
      {out.criminal_cooperation.has_value(), "criminal_cooperation"},
      {out.vulnerability.has_value(), "vulnerability_notification"}};
  for (const auto& [is_present, key] : present) {
    if (is_present && key != own) {
      return Error::InvalidArgument("only for requests of type " + std::string(key),
                                    std::string(key), "unexpected_field");
    }
  }
  auto check = [&](auto& details, std::string_view key) -> Status {
    if (!details && completeness == Completeness::kSubmission) return Required(std::string(key));
    return OkStatus();
  };
  switch (type) {
    case RequestType::kMitigation:
      RETURN_IF_ERROR(check(out.mitigation, "mitigation"));
      if (out.mitigation) RETURN_IF_ERROR(CheckMitigation(*out.mitigation, completeness, now));
      break;
    case RequestType::kAssistance:
      RETURN_IF_ERROR(check(out.assistance, "assistance"));
      if (out.assistance) {
        RETURN_IF_ERROR(
            RequireText(out.assistance->help_needed, "assistance.help_needed", completeness));
      }
      break;
    case RequestType::kCriminalCooperation:
      RETURN_IF_ERROR(check(out.criminal_cooperation, "criminal_cooperation"));
      if (out.criminal_cooperation) {
        RETURN_IF_ERROR(CheckCriminal(*out.criminal_cooperation, completeness));
      }
      break;
    case RequestType::kVulnerabilityNotification:
      RETURN_IF_ERROR(check(out.vulnerability, "vulnerability_notification"));
      if (out.vulnerability) {
        RETURN_IF_ERROR(RequireText(out.vulnerability->affected,
                                    "vulnerability_notification.affected", completeness));
      }
      break;
    case RequestType::kInformation:
    case RequestType::kIncidentNotification:
      break;
  }
  return out;
}

boost::json::object ContentToJson(const RequestContent& c) {
  boost::json::object o;
  o["subject"] = c.subject;
  o["description"] = c.description;
  o["language"] = c.language;
  o["tlp"] = TlpName(c.tlp);
  o["sector"] = c.sector ? boost::json::value(SectorName(*c.sector)) : nullptr;
  o["activity_started_at"] = TimeOrNull(c.activity_started_at);
  o["activity_ongoing"] = c.activity_ongoing ? boost::json::value(*c.activity_ongoing) : nullptr;
  boost::json::array indicators;
  for (const auto& i : c.indicators) {
    boost::json::object item{{"type", IndicatorTypeName(i.type)}, {"value", i.value}};
    if (!i.note.empty()) item["note"] = i.note;
    indicators.push_back(std::move(item));
  }
  o["indicators"] = std::move(indicators);
  boost::json::array actions;
  for (auto a : c.requested_actions) actions.emplace_back(RequestedActionName(a));
  o["requested_actions"] = std::move(actions);
  if (c.mitigation) {
    o["mitigation"] = {{"evidence", c.mitigation->evidence},
                       {"observed_from", TimeOrNull(c.mitigation->observed_from)},
                       {"observed_to", TimeOrNull(c.mitigation->observed_to)},
                       {"impact", c.mitigation->impact}};
  }
  if (c.assistance) o["assistance"] = {{"help_needed", c.assistance->help_needed}};
  if (c.criminal_cooperation) {
    const auto& d = *c.criminal_cooperation;
    boost::json::object cc{{"kind", CriminalKindName(d.kind)},
                           {"authority", d.authority},
                           {"offence", d.offence},
                           {"facts", d.facts}};
    if (d.kind == CriminalKind::kPreservation) {
      cc["data_to_preserve"] = d.data_to_preserve;
      cc["relation_to_offence"] = d.relation_to_offence;
      cc["data_location"] = d.data_location;
      cc["necessity"] = d.necessity;
      cc["mutual_assistance_to_follow"] = d.mutual_assistance_to_follow
                                              ? boost::json::value(*d.mutual_assistance_to_follow)
                                              : nullptr;
    }
    o["criminal_cooperation"] = std::move(cc);
  }
  if (c.vulnerability) {
    o["vulnerability_notification"] = {{"affected", c.vulnerability->affected},
                                       {"remedies", c.vulnerability->remedies}};
  }
  return o;
}

Result<RequestContent> ParseContent(json::ObjectReader& reader) {
  RequestContent c;
  ASSIGN_OR_RETURN(auto subject, reader.OptionalString("subject", kMaxSubjectLength));
  c.subject = subject.value_or("");
  ASSIGN_OR_RETURN(auto description, reader.OptionalString("description", kMaxDescriptionLength));
  c.description = description.value_or("");
  ASSIGN_OR_RETURN(auto language, reader.OptionalString("language", 64));
  c.language = language.value_or("");
  ASSIGN_OR_RETURN(auto tlp, OptionalName(reader, "tlp", TlpNames(), "invalid_tlp"));
  if (!tlp) return Required("tlp");
  c.tlp = *tlp;
  ASSIGN_OR_RETURN(c.sector, OptionalName(reader, "sector", SectorNames(), "invalid_sector"));
  ASSIGN_OR_RETURN(c.activity_started_at, OptionalTime(reader, "activity_started_at"));
  ASSIGN_OR_RETURN(c.activity_ongoing, reader.OptionalBool("activity_ongoing"));
  if (const auto* v = reader.Find("indicators")) {
    if (!v->is_array()) {
      return Error::InvalidArgument("must be an array", "indicators", "wrong_type");
    }
    const auto& array = v->get_array();
    if (array.size() > kMaxIndicators) {
      return Error::InvalidArgument("at most " + std::to_string(kMaxIndicators) + " indicators",
                                    "indicators", "too_many_items");
    }
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string field = "indicators[" + std::to_string(i) + "]";
      ASSIGN_OR_RETURN(auto item, json::ObjectReader::Create(array[i], field));
      ASSIGN_OR_RETURN(auto type_name, item.RequiredString("type", 32));
      auto type = ParseIndicatorType(type_name);
      if (!type) {
        return Error::InvalidArgument("must be one of " + ListOf(IndicatorNames()), field + ".type",
                                      "invalid_indicator_type");
      }
      ASSIGN_OR_RETURN(auto value, item.RequiredString("value", 2048));
      ASSIGN_OR_RETURN(auto note, item.OptionalString("note", 500));
      RETURN_IF_ERROR(item.RejectUnknown());
      c.indicators.push_back({*type, std::move(value), note.value_or("")});
    }
  }
  ASSIGN_OR_RETURN(auto actions, reader.StringArray("requested_actions", 16, 64));
  for (std::size_t i = 0; i < actions.size(); ++i) {
    auto action = ParseRequestedAction(actions[i]);
    if (!action) {
      return Error::InvalidArgument("must be one of " + ListOf(ActionNames()),
                                    "requested_actions[" + std::to_string(i) + "]",
                                    "invalid_action");
    }
    c.requested_actions.push_back(*action);
  }
  Status status;
  ASSIGN_OR_RETURN(auto mitigation, DetailsReader(reader, "mitigation"));
  if (mitigation) {
    MitigationDetails d;
    d.evidence = Text(*mitigation, "evidence", status);
    d.impact = Text(*mitigation, "impact", status);
    RETURN_IF_ERROR(status);
    ASSIGN_OR_RETURN(d.observed_from, OptionalTime(*mitigation, "observed_from"));
    ASSIGN_OR_RETURN(d.observed_to, OptionalTime(*mitigation, "observed_to"));
    RETURN_IF_ERROR(mitigation->RejectUnknown());
    c.mitigation = std::move(d);
  }
  ASSIGN_OR_RETURN(auto assistance, DetailsReader(reader, "assistance"));
  if (assistance) {
    AssistanceDetails d;
    d.help_needed = Text(*assistance, "help_needed", status);
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(assistance->RejectUnknown());
    c.assistance = std::move(d);
  }
  ASSIGN_OR_RETURN(auto criminal, DetailsReader(reader, "criminal_cooperation"));
  if (criminal) {
    CriminalCooperationDetails d;
    ASSIGN_OR_RETURN(auto kind,
                     OptionalName(*criminal, "kind", CriminalKindNames(), "invalid_kind"));
    if (!kind) return Required("criminal_cooperation.kind");
    d.kind = *kind;
    d.authority = Text(*criminal, "authority", status);
    d.offence = Text(*criminal, "offence", status);
    d.facts = Text(*criminal, "facts", status);
    d.data_to_preserve = Text(*criminal, "data_to_preserve", status);
    d.relation_to_offence = Text(*criminal, "relation_to_offence", status);
    d.data_location = Text(*criminal, "data_location", status);
    d.necessity = Text(*criminal, "necessity", status);
    RETURN_IF_ERROR(status);
    ASSIGN_OR_RETURN(d.mutual_assistance_to_follow,
                     criminal->OptionalBool("mutual_assistance_to_follow"));
    RETURN_IF_ERROR(criminal->RejectUnknown());
    c.criminal_cooperation = std::move(d);
  }
  ASSIGN_OR_RETURN(auto vulnerability, DetailsReader(reader, "vulnerability_notification"));
  if (vulnerability) {
    VulnerabilityDetails d;
    d.affected = Text(*vulnerability, "affected", status);
    d.remedies = Text(*vulnerability, "remedies", status);
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(vulnerability->RejectUnknown());
    c.vulnerability = std::move(d);
  }
  return c;
}

}  // namespace liaison::requests
