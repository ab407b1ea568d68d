#include "directory/contacts.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <set>

#include "audit/audit_log.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "core/vocabulary.hpp"
#include "directory/contact_records.hpp"
#include "directory/generation_watch.hpp"
#include "notify/outbox.hpp"
#include "security/organizations.hpp"

namespace liaison::directory {
namespace {

using store::Params;
using store::Transaction;
using store::TxMode;

constexpr std::size_t kMaxNameLength = 200;
constexpr std::size_t kMaxNotesLength = 4000;
constexpr int kMaxPageSize = 1000;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string Indexed(std::string_view field, std::size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

std::vector<std::string> SplitOn(std::string_view s, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(separator, start);
    parts.emplace_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

// Checks a free-text field, turning CheckText's error into one with our field name and reason.
Status CheckFreeText(std::string_view text, std::size_t max_length, const std::string& field) {
  return json::CheckText(text, max_length, field);
}

bool IsAtext(char c) {
  if (IsAlnum(c)) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

// Parses "HH:MM" into minutes after midnight; "24:00" only when `allow_24` is set.
std::optional<int> ParseClock(std::string_view s, bool allow_24) {
  if (s.size() != 5 || s[2] != ':' || !IsDigit(s[0]) || !IsDigit(s[1]) || !IsDigit(s[3]) ||
      !IsDigit(s[4])) {
    return std::nullopt;
  }
  int hours = (s[0] - '0') * 10 + (s[1] - '0');
  int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  if (minutes > 59) return std::nullopt;
  if (hours == 24 && minutes == 0 && allow_24) return 24 * 60;
  if (hours > 23) return std::nullopt;
  return hours * 60 + minutes;
}

Result<std::vector<std::string>> ValidateEmails(const std::vector<std::string>& emails) {
  if (emails.empty()) {
    return Error::InvalidArgument("at least one e-mail address is required", "emails", "required");
  }
  if (emails.size() > kMaxEmails) {
    return Error::InvalidArgument("at most 5 e-mail addresses", "emails", "too_many");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < emails.size(); ++i) {
    const std::string& address = emails[i];
    if (!IsValidEmailAddress(address)) {
      return Error::InvalidArgument("not an e-mail address (local-part@domain)",
                                    Indexed("emails", i), "invalid_email");
    }
    std::size_t at = address.rfind('@');
    // The domain is case-insensitive; the local part is kept as given (RFC 5321 section 2.4).
    std::string normalized = address.substr(0, at + 1) + LowerAscii(address.substr(at + 1));
    if (!seen.insert(LowerAscii(normalized)).second) {
      return Error::InvalidArgument("listed twice", Indexed("emails", i), "duplicate");
    }
    out.push_back(std::move(normalized));
  }
  return out;
}

Result<std::vector<std::string>> ValidatePhones(const std::vector<std::string>& phones) {
  if (phones.size() > kMaxPhones) {
    return Error::InvalidArgument("at most 5 phone numbers", "phones", "too_many");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < phones.size(); ++i) {
    if (!IsValidE164(phones[i])) {
      return Error::InvalidArgument("not an E.164 number: '+' and 8 to 15 digits",
                                    Indexed("phones", i), "invalid_phone");
    }
    if (!seen.insert(phones[i]).second) {
      return Error::InvalidArgument("listed twice", Indexed("phones", i), "duplicate");
    }
  }
  return phones;
}

Result<std::vector<std::string>> ValidateLanguages(const std::vector<std::string>& languages) {
  if (languages.empty()) {
    return Error::InvalidArgument("at least one language is required", "languages", "required");
  }
  if (languages.size() > kMaxLanguages) {
    return Error::InvalidArgument("at most 10 languages", "languages", "too_many");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < languages.size(); ++i) {
    auto tag = NormalizeLanguageTag(languages[i]);
    if (!tag) {
      return Error::InvalidArgument("not a well-formed BCP 47 language tag such as fr or fr-CA",
                                    Indexed("languages", i), "invalid_language");
    }
    if (!seen.insert(*tag).second) {
      return Error::InvalidArgument("listed twice", Indexed("languages", i), "duplicate");
    }
    out.push_back(std::move(*tag));
  }
  return out;
}

Result<WorkingHours> ValidateWorkingHours(const WorkingHours& hours) {
  WorkingHours out;
  for (std::size_t day = 0; day < kWeekdays.size(); ++day) {
    std::string day_field = "working_hours." + std::string(kWeekdays[day]);
    const auto& intervals = hours[day];
    if (intervals.size() > kMaxIntervalsPerDay) {
      return Error::InvalidArgument("at most 4 intervals a day", day_field, "too_many");
    }
    struct Parsed {
      int begin;
      int end;
      std::size_t index;
    };
    std::vector<Parsed> parsed;
    for (std::size_t i = 0; i < intervals.size(); ++i) {
      const std::string& text = intervals[i];
      std::optional<int> begin;
      std::optional<int> end;
      if (text.size() == 11 && text[5] == '-') {
        begin = ParseClock(std::string_view(text).substr(0, 5), false);
        end = ParseClock(std::string_view(text).substr(6, 5), true);
      }
      if (!begin || !end) {
        return Error::InvalidArgument("expected HH:MM-HH:MM, e.g. 09:00-17:30",
                                      Indexed(day_field, i), "invalid_interval");
      }
      if (*begin >= *end) {
        return Error::InvalidArgument(
            "the interval must end after it starts on the same day (split it at midnight)",
            Indexed(day_field, i), "invalid_interval");
      }
      parsed.push_back({*begin, *end, i});
    }
    std::sort(parsed.begin(), parsed.end(),
              [](const Parsed& a, const Parsed& b) { return a.begin < b.begin; });
    for (std::size_t k = 1; k < parsed.size(); ++k) {
      if (parsed[k].begin < parsed[k - 1].end) {
        std::size_t index = std::max(parsed[k].index, parsed[k - 1].index);
        return Error::InvalidArgument("overlaps another interval of the same day",
                                      Indexed(day_field, index), "overlapping_interval");
      }
    }
    for (const Parsed& p : parsed) out[day].push_back(intervals[p.index]);
  }
  return out;
}

Result<std::string> ValidateFingerprint(std::string_view fingerprint) {
  std::string out;
  for (char c : fingerprint) {
    if (c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Error::InvalidArgument("expected 40 hexadecimal digits", "openpgp_fingerprint",
                                    "invalid_fingerprint");
    }
    out.push_back(Upper(c));
  }
  if (!out.empty() && out.size() != 40) {
    return Error::InvalidArgument("expected 40 hexadecimal digits", "openpgp_fingerprint",
                                  "invalid_fingerprint");
  }
  return out;
}

Status ValidateOpenPgpKey(std::string_view key) {
  if (key.empty()) return OkStatus();
  if (key.size() > kMaxOpenPgpKeyBytes) {
    return Error::InvalidArgument("at most 64 KiB", "openpgp_key", "too_long");
  }
  std::size_t begin = key.find("-----BEGIN PGP PUBLIC KEY BLOCK-----");
  std::size_t end = key.find("-----END PGP PUBLIC KEY BLOCK-----");
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return Error::InvalidArgument("expected an ASCII-armoured OpenPGP public key block",
                                  "openpgp_key", "invalid_openpgp_key");
  }
  return json::CheckText(key, kMaxOpenPgpKeyBytes, "openpgp_key");
}

boost::json::array ToJsonArray(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

std::vector<std::string> StringsFromJson(std::string_view text) {
  std::vector<std::string> out;
  unsigned char buffer[1024];
  boost::json::monotonic_resource scratch(buffer, sizeof buffer);
  auto parsed = json::Parse(text, &scratch);
  if (!parsed.has_value() || !parsed->is_array()) return out;
  out.reserve(parsed->get_array().size());
  for (const auto& v : parsed->get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

std::vector<std::string> ChannelNames(const std::vector<Channel>& channels) {
  std::vector<std::string> out;
  for (Channel c : channels) out.emplace_back(ChannelName(c));
  return out;
}

// ",fr-ca,en," so that a language filter is two LIKE patterns on subtag boundaries.
std::string LanguageKey(const std::vector<std::string>& languages) {
  std::string key = ",";
  for (const auto& tag : languages) key += LowerAscii(tag) + ",";
  return key;
}

std::string SearchText(const PointOfContact& c) {
  std::string text = c.name + "\n" + c.title;
  for (const auto& e : c.emails) text += "\n" + e;
  return internal::LowerForSearch(text);
}

std::string EscapeLike(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Params ContactColumnValues(const PointOfContact& c) {
  return {c.organization_id,
          c.state,
          std::string(ContactLevelName(c.level)),
          c.name,
          c.title,
          json::Serialize(ToJsonArray(c.emails)),
          json::Serialize(ToJsonArray(c.phones)),
          json::Serialize(ToJsonArray(c.languages)),
          LanguageKey(c.languages),
          c.time_zone,
          internal::WorkingHoursToJson(c.working_hours),
          c.available_24_7,
          c.openpgp_fingerprint,
          c.openpgp_key,
          json::Serialize(ToJsonArray(ChannelNames(c.preferred_channels))),
          c.notes,
          c.stale,
          static_cast<long long>(c.version),
          ToUnixMillis(c.created_at),
          ToUnixMillis(c.updated_at),
          SearchText(c),
          std::string(ContactRoleName(c.role))};
}

Status InsertContact(Transaction& tx, const PointOfContact& c) {
  Params params = {c.id};
  for (auto& v : ContactColumnValues(c)) params.push_back(std::move(v));
  auto inserted = tx.Execute(
      "INSERT INTO contacts (id, organization_id, state, level, name, title, emails, phones, "
      "languages, language_key, time_zone, working_hours, available_24_7, openpgp_fingerprint, "
      "openpgp_key, preferred_channels, notes, stale, version, created_at, updated_at, "
      "search_text, role) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      params);
  if (!inserted.has_value()) return std::move(inserted).error();
  return OkStatus();
}

// Writes every column of `c` when the stored version is still `expected_version`.
Result<bool> UpdateContactRow(Transaction& tx, const PointOfContact& c,
                              std::int64_t expected_version) {
  Params params = ContactColumnValues(c);
  params.push_back(c.id);
  params.push_back(static_cast<long long>(expected_version));
  ASSIGN_OR_RETURN(std::int64_t changed,
                   tx.Execute("UPDATE contacts SET organization_id = ?, state = ?, level = ?, "
                              "name = ?, title = ?, emails = ?, phones = ?, languages = ?, "
                              "language_key = ?, time_zone = ?, working_hours = ?, "
                              "available_24_7 = ?, openpgp_fingerprint = ?, openpgp_key = ?, "
                              "preferred_channels = ?, notes = ?, stale = ?, version = ?, "
                              "created_at = ?, updated_at = ?, search_text = ?, role = ? "
                              "WHERE id = ? AND version = ?",
                              params));
  return changed == 1;
}

std::string WebhookPayload(std::string_view event, const PointOfContact& c, bool with_record) {
  boost::json::object payload;
  payload["event"] = event;
  payload["contact_id"] = c.id;
  payload["organization_id"] = c.organization_id;
  if (with_record) {
    auto record = json::Parse(CanonicalContactJson(c));
    if (record.has_value()) payload["contact"] = std::move(*record);
  }
  return json::Serialize(payload);
}

// Audits a change to `contact` and announces it to the owner organisation's webhooks.
Status RecordChange(Transaction& tx, const security::Principal& actor, std::string_view action,
                    std::string_view event, const PointOfContact& contact, std::string before,
                    std::string after, TimePoint now) {
  audit::AuditEvent entry;
  entry.account_id = actor.account_id;
  entry.organization_id = actor.organization_id;
  entry.action = std::string(action);
  entry.record_type = "contact";
  entry.record_id = contact.id;
  entry.owner_organization_id = contact.organization_id;
  entry.before = std::move(before);
  entry.after = std::move(after);
  ASSIGN_OR_RETURN(auto appended, audit::Append(tx, entry, now));
  (void)appended;
  notify::WebhookEvent hook;
  hook.organization_id = contact.organization_id;
  hook.event_type = std::string(event);
  hook.payload_json = WebhookPayload(event, contact, event != "contact.deleted");
  hook.related_type = "contact";
  hook.related_id = contact.id;
  ASSIGN_OR_RETURN(auto queued, notify::EnqueueWebhookEvent(tx, hook, now));
  (void)queued;
  return OkStatus();
}

ContactInput InputFrom(const PointOfContact& c) {
  ContactInput in;
  in.organization_id = c.organization_id;
  in.level = c.level;
  in.role = c.role;
  in.name = c.name;
  in.title = c.title;
  in.emails = c.emails;
  in.phones = c.phones;
  in.languages = c.languages;
  in.time_zone = c.time_zone;
  in.working_hours = c.working_hours;
  in.available_24_7 = c.available_24_7;
  in.openpgp_fingerprint = c.openpgp_fingerprint;
  in.openpgp_key = c.openpgp_key;
  in.preferred_channels = c.preferred_channels;
  in.notes = c.notes;
  return in;
}

void ApplyInput(const ContactInput& in, PointOfContact& c) {
  c.level = in.level;
  c.role = in.role;
  c.name = in.name;
  c.title = in.title;
  c.emails = in.emails;
  c.phones = in.phones;
  c.languages = in.languages;
  c.time_zone = in.time_zone;
  c.working_hours = in.working_hours;
  c.available_24_7 = in.available_24_7;
  c.openpgp_fingerprint = in.openpgp_fingerprint;
  c.openpgp_key = in.openpgp_key;
  c.preferred_channels = in.preferred_channels;
  c.notes = in.notes;
}

// Loads a contact for a write by `actor`: not_found when absent or hidden, the policy's error
// for `action`, failed_precondition "stale_version" when the version moved on.
Result<PointOfContact> LoadForWrite(Transaction& tx, const security::Principal& actor,
                                    const std::string& id, security::Action action,
                                    std::int64_t expected_version) {
  ASSIGN_OR_RETURN(auto found, internal::LoadContact(tx, id));
  if (!found) {
    if (actor.anonymous()) return Error::Unauthenticated("sign in to change contacts");
    return Error::NotFound("no contact " + id);
  }
  RETURN_IF_ERROR(security::Authorize(actor, action, ContactResource(*found)));
  if (found->version != expected_version) {
    return Error::FailedPrecondition("the contact was changed since version " +
                                         std::to_string(expected_version) + " (now " +
                                         std::to_string(found->version) + ")",
                                     "stale_version");
  }
  return std::move(*found);
}

}  // namespace

namespace {

const Names<ContactLevel>& ContactLevelVocabulary() {
  static const Names<ContactLevel> names = {{ContactLevel::kPolicy, "policy"},
                                            {ContactLevel::kTechnical, "technical"},
                                            {ContactLevel::kLawEnforcement, "law_enforcement"}};
  return names;
}

}  // namespace

std::string_view ContactLevelName(ContactLevel v) { return NameIn(ContactLevelVocabulary(), v); }

std::optional<ContactLevel> ParseContactLevel(std::string_view name) {
  return ParseIn(ContactLevelVocabulary(), name);
}

namespace {

const Names<ContactRole>& ContactRoleVocabulary() {
  static const Names<ContactRole> names = {{ContactRole::kPrimary, "primary"},
                                           {ContactRole::kBackup, "backup"}};
  return names;
}

}  // namespace

std::string_view ContactRoleName(ContactRole v) { return NameIn(ContactRoleVocabulary(), v); }

std::optional<ContactRole> ParseContactRole(std::string_view name) {
  return ParseIn(ContactRoleVocabulary(), name);
}

namespace {

const Names<Channel>& ChannelVocabulary() {
  static const Names<Channel> names = {
      {Channel::kEmail, "email"}, {Channel::kPhone, "phone"}, {Channel::kLiaison, "liaison"}};
  return names;
}

}  // namespace

std::string_view ChannelName(Channel v) { return NameIn(ChannelVocabulary(), v); }

std::optional<Channel> ParseChannel(std::string_view name) {
  return ParseIn(ChannelVocabulary(), name);
}

std::optional<std::string> NormalizeLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 64) return std::nullopt;
  std::vector<std::string> subtags = SplitOn(tag, '-');
  for (const auto& s : subtags) {
    if (s.empty() || s.size() > 8) return std::nullopt;
    for (char c : s) {
      if (!IsAlnum(c)) return std::nullopt;
    }
  }
  auto all_alpha = [](const std::string& s) { return std::all_of(s.begin(), s.end(), IsAlpha); };
  auto all_digit = [](const std::string& s) { return std::all_of(s.begin(), s.end(), IsDigit); };
  std::size_t i = 0;
  std::string out;
  // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA; extlang = 3ALPHA *2("-" 3ALPHA).
  const std::string& language = subtags[i];
  if (!all_alpha(language) || language.size() < 2) return std::nullopt;
  out = LowerAscii(language);
  ++i;
  if (language.size() <= 3) {
    int extlangs = 0;
    while (i < subtags.size() && extlangs < 3 && subtags[i].size() == 3 && all_alpha(subtags[i])) {
      out += "-" + LowerAscii(subtags[i]);
      ++i;
      ++extlangs;
    }
  }
  // script = 4ALPHA, title case by convention.
  if (i < subtags.size() && subtags[i].size() == 4 && all_alpha(subtags[i])) {
    std::string script = LowerAscii(subtags[i]);
    script[0] = Upper(script[0]);
    out += "-" + script;
    ++i;
  }
  // region = 2ALPHA / 3DIGIT.
  if (i < subtags.size() && ((subtags[i].size() == 2 && all_alpha(subtags[i])) ||
                             (subtags[i].size() == 3 && all_digit(subtags[i])))) {
    std::string region = subtags[i];
    for (char& c : region) c = Upper(c);
    out += "-" + region;
    ++i;
  }
  // variant = 5*8alphanum / (DIGIT 3alphanum); each variant at most once.
  std::set<std::string> variants;
  while (i < subtags.size()) {
    const std::string& s = subtags[i];
    bool variant = s.size() >= 5 || (s.size() == 4 && IsDigit(s[0]));
    if (!variant) return std::nullopt;
    std::string lowered = LowerAscii(s);
    if (!variants.insert(lowered).second) return std::nullopt;
    out += "-" + lowered;
    ++i;
  }
  return out;
}

bool IsValidEmailAddress(std::string_view address) {
  if (address.size() > 254) return false;
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  for (std::size_t i = 0; i < local.size(); ++i) {
    char c = local[i];
    if (c == '.') {
      if (local[i - 1] == '.') return false;
    } else if (!IsAtext(c)) {
      return false;
    }
  }
  if (domain.empty() || domain.size() > 253) return false;
  std::vector<std::string> labels = SplitOn(domain, '.');
  if (labels.size() < 2) return false;
  for (const auto& label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
  }
  const std::string& tld = labels.back();
  return !std::all_of(tld.begin(), tld.end(), IsDigit);
}

bool IsValidE164(std::string_view phone) {
  if (phone.size() < 9 || phone.size() > 16 || phone[0] != '+') return false;
  return std::all_of(phone.begin() + 1, phone.end(), IsDigit) && phone[1] != '0';
}

Result<ContactInput> ValidateContactInput(const ContactInput& input) {
  ContactInput out;
  out.organization_id = input.organization_id;
  if (out.organization_id.empty()) {
    return Error::InvalidArgument("the organisation is required", "organization_id", "required");
  }
  out.level = input.level;
  out.role = input.role;
  out.name = Trim(input.name);
  if (out.name.empty()) {
    return Error::InvalidArgument("the name is required", "name", "required");
  }
  RETURN_IF_ERROR(CheckFreeText(out.name, kMaxNameLength, "name"));
  if (out.name.find('\n') != std::string::npos) {
    return Error::InvalidArgument("must be one line", "name", "invalid_text");
  }
  out.title = Trim(input.title);
  RETURN_IF_ERROR(CheckFreeText(out.title, kMaxNameLength, "title"));
  if (out.title.find('\n') != std::string::npos) {
    return Error::InvalidArgument("must be one line", "title", "invalid_text");
  }
  ASSIGN_OR_RETURN(out.emails, ValidateEmails(input.emails));
  ASSIGN_OR_RETURN(out.phones, ValidatePhones(input.phones));
  ASSIGN_OR_RETURN(out.languages, ValidateLanguages(input.languages));
  if (input.time_zone.empty()) {
    return Error::InvalidArgument("the time zone is required, e.g. Europe/Paris", "time_zone",
                                  "required");
  }
  if (!IsKnownTimeZone(input.time_zone)) {
    return Error::InvalidArgument("not an IANA time zone name such as Europe/Paris", "time_zone",
                                  "unknown_time_zone");
  }
  out.time_zone = input.time_zone;
  ASSIGN_OR_RETURN(out.working_hours, ValidateWorkingHours(input.working_hours));
  out.available_24_7 = input.available_24_7;
  ASSIGN_OR_RETURN(out.openpgp_fingerprint, ValidateFingerprint(input.openpgp_fingerprint));
  RETURN_IF_ERROR(ValidateOpenPgpKey(input.openpgp_key));
  out.openpgp_key = input.openpgp_key;
  std::set<Channel> channels;
  for (std::size_t i = 0; i < input.preferred_channels.size(); ++i) {
    if (!channels.insert(input.preferred_channels[i]).second) {
      return Error::InvalidArgument("listed twice", Indexed("preferred_channels", i), "duplicate");
    }
  }
  out.preferred_channels = input.preferred_channels;
  RETURN_IF_ERROR(CheckFreeText(input.notes, kMaxNotesLength, "notes"));
  out.notes = input.notes;
  return out;
}

security::Resource ContactResource(const PointOfContact& contact) {
  security::Resource resource;
  resource.audience = security::Audience::kCommunity;
  resource.owner_organization_id = contact.organization_id;
  resource.owner_state = contact.state;
  return resource;
}

std::string CanonicalContactJson(const PointOfContact& c) {
  boost::json::object o;
  o["id"] = c.id;
  o["organization_id"] = c.organization_id;
  o["state"] = c.state;
  o["level"] = ContactLevelName(c.level);
  o["role"] = ContactRoleName(c.role);
  o["name"] = c.name;
  o["title"] = c.title;
  o["emails"] = ToJsonArray(c.emails);
  o["phones"] = ToJsonArray(c.phones);
  o["languages"] = ToJsonArray(c.languages);
  o["time_zone"] = c.time_zone;
  auto hours = json::Parse(internal::WorkingHoursToJson(c.working_hours));
  o["working_hours"] = hours.has_value() ? std::move(*hours) : boost::json::object();
  o["available_24_7"] = c.available_24_7;
  o["openpgp_fingerprint"] = c.openpgp_fingerprint;
  o["openpgp_key"] = c.openpgp_key;
  o["preferred_channels"] = ToJsonArray(ChannelNames(c.preferred_channels));
  o["notes"] = c.notes;
  o["stale"] = c.stale;
  o["version"] = c.version;
  o["created_at"] = FormatRfc3339(c.created_at);
  o["updated_at"] = FormatRfc3339(c.updated_at);
  return json::Serialize(o);
}

Result<PointOfContact> CreateContact(store::Database& db, const security::Principal& actor,
                                     const ContactInput& input, TimePoint now) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to create contacts");
  ASSIGN_OR_RETURN(ContactInput valid, ValidateContactInput(input));
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<PointOfContact> {
    ASSIGN_OR_RETURN(auto org, security::FindOrganization(tx, valid.organization_id));
    if (!org) {
      // Ask the policy first so that a caller who may create nothing learns nothing.
      security::Resource unknown;
      unknown.owner_organization_id = valid.organization_id;
      RETURN_IF_ERROR(security::Authorize(actor, security::Action::kContactCreate, unknown));
      return Error::InvalidArgument("no such organisation", "organization_id",
                                    "unknown_organization");
    }
    PointOfContact contact;
    contact.id = NewId("ctc");
    contact.organization_id = org->id;
    contact.organization_name = org->name;
    contact.state = org->state;
    RETURN_IF_ERROR(
        security::Authorize(actor, security::Action::kContactCreate, ContactResource(contact)));
    ApplyInput(valid, contact);
    contact.version = 1;
    contact.created_at = now;
    contact.updated_at = now;
    RETURN_IF_ERROR(InsertContact(tx, contact));
    RETURN_IF_ERROR(RecordChange(tx, actor, "contact.create", "contact.created", contact, "",
                                 CanonicalContactJson(contact), now));
    return contact;
  });
}

Result<PointOfContact> GetContact(store::Database& db, const security::Principal& actor,
                                  const std::string& id) {
  return store::InTransaction(db, TxMode::kRead, [&](Transaction& tx) -> Result<PointOfContact> {
    ASSIGN_OR_RETURN(auto found, internal::LoadContact(tx, id));
    if (!found) {
      if (actor.anonymous()) return Error::Unauthenticated("sign in to read contacts");
      return Error::NotFound("no contact " + id);
    }
    RETURN_IF_ERROR(
        security::Authorize(actor, security::Action::kContactRead, ContactResource(*found)));
    return std::move(*found);
  });
}

Result<PointOfContact> UpdateContact(store::Database& db, const security::Principal& actor,
                                     const std::string& id, const ContactPatch& patch,
                                     std::int64_t expected_version, TimePoint now) {
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<PointOfContact> {
    ASSIGN_OR_RETURN(
        PointOfContact current,
        LoadForWrite(tx, actor, id, security::Action::kContactUpdate, expected_version));
    ContactInput merged = InputFrom(current);
    if (patch.level) merged.level = *patch.level;
    if (patch.role) merged.role = *patch.role;
    if (patch.name) merged.name = *patch.name;
    if (patch.title) merged.title = *patch.title;
    if (patch.emails) merged.emails = *patch.emails;
    if (patch.phones) merged.phones = *patch.phones;
    if (patch.languages) merged.languages = *patch.languages;
    if (patch.time_zone) merged.time_zone = *patch.time_zone;
    if (patch.working_hours) merged.working_hours = *patch.working_hours;
    if (patch.available_24_7) merged.available_24_7 = *patch.available_24_7;
    if (patch.openpgp_fingerprint) merged.openpgp_fingerprint = *patch.openpgp_fingerprint;
    if (patch.openpgp_key) merged.openpgp_key = *patch.openpgp_key;
    if (patch.preferred_channels) merged.preferred_channels = *patch.preferred_channels;
    if (patch.notes) merged.notes = *patch.notes;
    ASSIGN_OR_RETURN(ContactInput valid, ValidateContactInput(merged));
    PointOfContact updated = current;
    ApplyInput(valid, updated);
    updated.version = current.version + 1;
    updated.updated_at = now;
    ASSIGN_OR_RETURN(bool written, UpdateContactRow(tx, updated, expected_version));
    if (!written) {
      return Error::FailedPrecondition("the contact was changed concurrently", "stale_version");
    }
    RETURN_IF_ERROR(RecordChange(tx, actor, "contact.update", "contact.updated", updated,
                                 CanonicalContactJson(current), CanonicalContactJson(updated),
                                 now));
    return updated;
  });
}

Status DeleteContact(store::Database& db, const security::Principal& actor, const std::string& id,
                     std::int64_t expected_version, TimePoint now) {
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(
        PointOfContact current,
        LoadForWrite(tx, actor, id, security::Action::kContactDelete, expected_version));
    ASSIGN_OR_RETURN(std::int64_t deleted,
                     tx.Execute("DELETE FROM contacts WHERE id = ? AND version = ?",
                                {id, static_cast<long long>(expected_version)}));
    if (deleted != 1) {
      return Error::FailedPrecondition("the contact was changed concurrently", "stale_version");
    }
    return RecordChange(tx, actor, "contact.delete", "contact.deleted", current,
                        CanonicalContactJson(current), "", now);
  });
}

std::string PreferredUnLanguage(const PointOfContact& contact) {
  return internal::FirstUnLanguage(contact);
}

namespace {

// The contacts selected by `where` (on the contacts table), ordered by id, with their
// organisations' names.
Result<std::vector<PointOfContact>> SelectContacts(Transaction& tx, const std::string& where,
                                                   const Params& params) {
  ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + internal::kContactColumns +
                                                  " FROM contacts WHERE " + where + " ORDER BY id",
                                              params));
  std::vector<PointOfContact> contacts;
  std::map<std::string, std::string> names;
  for (const auto& row : rows) {
    PointOfContact contact = internal::ContactFromRow(row);
    auto it = names.find(contact.organization_id);
    if (it == names.end()) {
      ASSIGN_OR_RETURN(auto org, security::FindOrganization(tx, contact.organization_id));
      it = names.emplace(contact.organization_id, org ? org->name : std::string()).first;
    }
    contact.organization_name = it->second;
    contacts.push_back(std::move(contact));
  }
  return contacts;
}

}  // namespace

Result<std::vector<PointOfContact>> ContactsOfState(store::Transaction& tx,
                                                    const std::string& state, ContactLevel level,
                                                    std::optional<ContactRole> role) {
  if (!role)
    return SelectContacts(tx, "state = ? AND level = ?",
                          {state, std::string(ContactLevelName(level))});
  return SelectContacts(
      tx, "state = ? AND level = ? AND role = ?",
      {state, std::string(ContactLevelName(level)), std::string(ContactRoleName(*role))});
}

Result<std::vector<PointOfContact>> ContactsOfOrganization(store::Transaction& tx,
                                                           const std::string& organization_id) {
  return SelectContacts(tx, "organization_id = ?", {organization_id});
}

Result<std::int64_t> DirectoryGeneration(store::Database& db) {
  if (GenerationWatch* watch = GenerationWatch::For(db)) return watch->Current();
  return ReadDirectoryGeneration(db);
}

std::optional<std::int64_t> KnownDirectoryGeneration(const store::Database& db) {
  GenerationWatch* watch = GenerationWatch::For(db);
  return watch != nullptr ? watch->Known() : std::nullopt;
}

bool DirectoryGenerationNeedsRead(store::Database& db) {
  GenerationWatch* watch = GenerationWatch::For(db);
  return watch == nullptr || !watch->listening();
}

Result<std::int64_t> DirectoryGenerationIn(store::Database& db, store::Transaction& tx) {
  if (GenerationWatch* watch = GenerationWatch::For(db)) watch->CountRead();
  return ReadDirectoryGeneration(tx);
}

Result<ContactPage> ListContacts(store::Database& db, const security::Principal& actor,
                                 const ContactFilter& filter) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to read contacts");
  const int limit = std::clamp(filter.limit, 1, kMaxPageSize);
  std::string where = "1 = 1";
  Params params;
  if (!filter.state.empty()) {
    where += " AND state = ?";
    params.emplace_back(filter.state);
  }
  if (filter.regional_group) {
    std::string in;
    for (const Country& country : Countries()) {
      if (country.un_status == UnStatus::kNone || country.group != *filter.regional_group) {
        continue;
      }
      in += in.empty() ? "?" : ", ?";
      params.emplace_back(country.alpha2);
    }
    if (in.empty()) return ContactPage{};
    where += " AND state IN (" + in + ")";
  }
  if (filter.level) {
    where += " AND level = ?";
    params.emplace_back(std::string(ContactLevelName(*filter.level)));
  }
  if (filter.role) {
    where += " AND role = ?";
    params.emplace_back(std::string(ContactRoleName(*filter.role)));
  }
  if (!filter.language.empty()) {
    auto tag = NormalizeLanguageTag(filter.language);
    if (!tag) {
      return Error::InvalidArgument("not a BCP 47 language tag", "language", "invalid_language");
    }
    std::string lowered = LowerAscii(*tag);
    where += " AND (language_key LIKE ? OR language_key LIKE ?)";
    params.emplace_back("%," + lowered + ",%");
    params.emplace_back("%," + lowered + "-%");
  }
  if (filter.available_24_7) {
    where += " AND available_24_7 = ?";
    params.emplace_back(*filter.available_24_7);
  }
  const std::string text = internal::LowerForSearch(Trim(filter.text));

  return store::InTransaction(db, TxMode::kRead, [&](Transaction& tx) -> Result<ContactPage> {
    std::string sql_where = where;
    Params sql_params = params;
    std::map<std::string, std::optional<security::Organization>> orgs;
    auto organization = [&](const std::string& id) -> Result<const security::Organization*> {
      auto it = orgs.find(id);
      if (it == orgs.end()) {
        ASSIGN_OR_RETURN(auto found, security::FindOrganization(tx, id));
        it = orgs.emplace(id, std::move(found)).first;
      }
      return it->second ? &*it->second : nullptr;
    };
    // The organisation kind and name live in security/; resolve them to organisation ids here
    // rather than reading another module's tables.
    if (filter.org_kind || !text.empty()) {
      ASSIGN_OR_RETURN(store::Rows org_rows,
                       tx.Query("SELECT DISTINCT organization_id FROM contacts"));
      std::string kind_in;
      std::string name_in;
      Params kind_params;
      Params name_params;
      for (const auto& row : org_rows) {
        ASSIGN_OR_RETURN(const security::Organization* org, organization(row.Text(0)));
        if (org == nullptr) continue;
        if (filter.org_kind && org->kind == *filter.org_kind) {
          kind_in += kind_in.empty() ? "?" : ", ?";
          kind_params.emplace_back(org->id);
        }
        if (!text.empty() && internal::LowerForSearch(org->name).find(text) != std::string::npos) {
          name_in += name_in.empty() ? "?" : ", ?";
          name_params.emplace_back(org->id);
        }
      }
      if (filter.org_kind) {
        if (kind_in.empty()) return ContactPage{};
        sql_where += " AND organization_id IN (" + kind_in + ")";
        for (auto& p : kind_params) sql_params.push_back(std::move(p));
      }
      if (!text.empty()) {
        sql_where += " AND (search_text LIKE ? ESCAPE '\\'";
        sql_params.emplace_back("%" + EscapeLike(text) + "%");
        if (!name_in.empty()) {
          sql_where += " OR organization_id IN (" + name_in + ")";
          for (auto& p : name_params) sql_params.push_back(std::move(p));
        }
        sql_where += ")";
      }
    }

    ContactPage page;
    std::string after = filter.after_id;
    const std::string sql = std::string("SELECT ") + internal::kContactColumns +
                            " FROM contacts WHERE " + sql_where + " AND id > ? ORDER BY id LIMIT ?";
    // Fetch one more than a page so that the cursor is only set when more remain; repeat when
    // the policy leaves some rows out.
    while (static_cast<int>(page.contacts.size()) <= limit) {
      Params batch_params = sql_params;
      batch_params.emplace_back(after);
      const int want = limit + 1 - static_cast<int>(page.contacts.size());
      batch_params.emplace_back(want);
      ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, batch_params));
      for (const auto& row : rows) {
        PointOfContact contact = internal::ContactFromRow(row);
        after = contact.id;
        if (!security::Allows(actor, security::Action::kContactRead, ContactResource(contact))) {
          continue;
        }
        ASSIGN_OR_RETURN(const security::Organization* org, organization(contact.organization_id));
        if (org != nullptr) contact.organization_name = org->name;
        page.contacts.push_back(std::move(contact));
      }
      if (static_cast<int>(rows.size()) < want) break;
    }
    if (static_cast<int>(page.contacts.size()) > limit) {
      page.contacts.pop_back();
      page.next_cursor = page.contacts.back().id;
    }
    return page;
  });
}

namespace internal {

const char kContactColumns[] =
    "id, organization_id, state, level, name, title, emails, phones, languages, time_zone, "
    "working_hours, available_24_7, openpgp_fingerprint, openpgp_key, preferred_channels, notes, "
    "stale, version, created_at, updated_at, role";

PointOfContact ContactFromRow(const store::Row& row) {
  PointOfContact c;
  c.id = row.Text(0);
  c.organization_id = row.Text(1);
  c.state = row.Text(2);
  c.level = ParseContactLevel(row.Text(3)).value_or(ContactLevel::kTechnical);
  c.name = row.Text(4);
  c.title = row.Text(5);
  c.emails = StringsFromJson(row.Text(6));
  c.phones = StringsFromJson(row.Text(7));
  c.languages = StringsFromJson(row.Text(8));
  c.time_zone = row.Text(9);
  c.working_hours = WorkingHoursFromJson(row.Text(10));
  c.available_24_7 = row.Int(11) != 0;
  c.openpgp_fingerprint = row.Text(12);
  c.openpgp_key = row.Text(13);
  for (const auto& name : StringsFromJson(row.Text(14))) {
    if (auto channel = ParseChannel(name)) c.preferred_channels.push_back(*channel);
  }
  c.notes = row.Text(15);
  c.stale = row.Int(16) != 0;
  c.version = row.Int(17);
  c.created_at = FromUnixMillis(row.Int(18));
  c.updated_at = FromUnixMillis(row.Int(19));
  c.role = ParseContactRole(row.Text(20)).value_or(ContactRole::kPrimary);
  return c;
}

Result<std::optional<PointOfContact>> LoadContact(store::Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(std::string("SELECT ") + kContactColumns + " FROM contacts WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<PointOfContact>();
  PointOfContact contact = ContactFromRow(rows[0]);
  ASSIGN_OR_RETURN(auto org, security::FindOrganization(tx, contact.organization_id));
  if (org) contact.organization_name = org->name;
  return std::optional<PointOfContact>(std::move(contact));
}

std::string FirstUnLanguage(const PointOfContact& contact) {
  for (const auto& tag : contact.languages) {
    std::string primary = LowerAscii(tag.substr(0, tag.find('-')));
    for (std::string_view un : kUnLanguages) {
      if (primary == un) return primary;
    }
  }
  return "en";
}

std::string LowerForSearch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  auto append = [&out](char32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  };
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(Lower(static_cast<char>(c)));
      ++i;
      continue;
    }
    // Only two-byte sequences hold the capitals handled here; copy anything else unchanged.
    if ((c & 0xE0) == 0xC0 && i + 1 < text.size() &&
        (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
      char32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3AB) ||
          (cp >= 0x410 && cp <= 0x42F)) {
        cp += 0x20;
      } else if (cp >= 0x400 && cp <= 0x40F) {
        cp += 0x50;
      } else if (cp == 0x178) {
        cp = 0xFF;
      } else if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x138 && cp != 0x149 &&
                 cp != 0x17F) {
        // Latin Extended-A pairs capitals and small letters; the pairing flips parity at
        // U+0139-U+0148 and U+0179-U+017E.
        bool odd_capitals = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
        if ((cp % 2 == 1) == odd_capitals) cp += 1;
      }
      append(cp);
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

std::string WorkingHoursToJson(const WorkingHours& hours) {
  boost::json::object o;
  for (std::size_t day = 0; day < kWeekdays.size(); ++day) {
    if (!hours[day].empty()) o[kWeekdays[day]] = ToJsonArray(hours[day]);
  }
  return json::Serialize(o);
}

WorkingHours WorkingHoursFromJson(std::string_view json_text) {
  WorkingHours hours;
  unsigned char buffer[2048];
  boost::json::monotonic_resource scratch(buffer, sizeof buffer);
  auto parsed = json::Parse(json_text, &scratch);
  if (!parsed.has_value() || !parsed->is_object()) return hours;
  const auto& o = parsed->get_object();
  for (std::size_t day = 0; day < kWeekdays.size(); ++day) {
    const auto* v = o.if_contains(kWeekdays[day]);
    if (v == nullptr || !v->is_array()) continue;
    for (const auto& item : v->get_array()) {
      if (item.is_string()) hours[day].emplace_back(item.get_string());
    }
  }
  return hours;
}

}  // namespace internal
}  // namespace liaison::directory
