#include "directory/export.hpp"

#include <boost/json.hpp>

#include "core/json.hpp"
#include "security/access_policy.hpp"

namespace liaison::directory {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string HoursText(const WorkingHours& hours) {
  std::vector<std::string> days;
  for (std::size_t day = 0; day < kWeekdays.size(); ++day) {
    if (hours[day].empty()) continue;
    days.push_back(std::string(kWeekdays[day]) + " " + Join(hours[day], " "));
  }
  return Join(days, "; ");
}

std::string ChannelsText(const std::vector<Channel>& channels) {
  std::vector<std::string> names;
  for (Channel c : channels) names.emplace_back(ChannelName(c));
  return Join(names, ";");
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// Free text typed by people: neutralise a leading formula character for spreadsheets.
std::string CsvText(std::string_view value) {
  if (!value.empty() && std::string_view("=+-@").find(value.front()) != std::string_view::npos) {
    return CsvField("'" + std::string(value));
  }
  return CsvField(value);
}

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// RFC 6350 section 3.4: backslash, comma, semicolon and newline in text values.
std::string VcardText(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\' || c == ',' || c == ';') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      if (i + 1 < value.size() && value[i + 1] == '\n') ++i;
      out += "\\n";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// RFC 6350 section 3.2: lines longer than 75 octets continue on lines that begin with a space.
void AppendFolded(std::string& out, std::string_view line) {
  std::size_t limit = 75;
  while (line.size() > limit) {
    std::size_t cut = limit;
    // Never split a UTF-8 sequence: back up to the start of the character.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = 74;  // The leading space counts.
  }
  out.append(line);
  out += "\r\n";
}

}  // namespace

Result<std::vector<PointOfContact>> CollectContactsForExport(store::Database& db,
                                                             const security::Principal& actor,
                                                             const ContactFilter& filter) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to export contacts");
  security::Resource directory;
  directory.audience = security::Audience::kCommunity;
  RETURN_IF_ERROR(security::Authorize(actor, security::Action::kContactExport, directory));
  std::vector<PointOfContact> contacts;
  ContactFilter page_filter = filter;
  page_filter.after_id.clear();
  page_filter.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(ContactPage page, ListContacts(db, actor, page_filter));
    for (auto& contact : page.contacts) {
      if (!security::Allows(actor, security::Action::kContactExport, ContactResource(contact))) {
        continue;
      }
      contacts.push_back(std::move(contact));
      if (contacts.size() > kMaxExportContacts) {
        return Error::ResourceExhausted("more than 50000 contacts: narrow the filter");
      }
    }
    if (page.next_cursor.empty()) break;
    page_filter.after_id = page.next_cursor;
  }
  return contacts;
}

Result<std::string> ExportJson(store::Database& db, const security::Principal& actor,
                               const ContactFilter& filter) {
  ASSIGN_OR_RETURN(auto contacts, CollectContactsForExport(db, actor, filter));
  return ContactsToJson(contacts);
}

Result<std::string> ExportCsv(store::Database& db, const security::Principal& actor,
                              const ContactFilter& filter) {
  ASSIGN_OR_RETURN(auto contacts, CollectContactsForExport(db, actor, filter));
  return ContactsToCsv(contacts);
}

Result<std::string> ExportVcard(store::Database& db, const security::Principal& actor,
                                const ContactFilter& filter) {
  ASSIGN_OR_RETURN(auto contacts, CollectContactsForExport(db, actor, filter));
  return ContactsToVcard(contacts);
}

std::string ContactsToJson(const std::vector<PointOfContact>& contacts) {
  boost::json::array out;
  for (const auto& contact : contacts) {
    auto parsed = json::Parse(CanonicalContactJson(contact));
    if (!parsed.has_value() || !parsed->is_object()) continue;
    parsed->get_object()["organization_name"] = contact.organization_name;
    out.push_back(std::move(*parsed));
  }
  return json::Serialize(out);
}

std::string ContactsToCsv(const std::vector<PointOfContact>& contacts) {
  std::string out =
      "id,organization_id,organization,state,level,name,title,emails,phones,languages,"
      "time_zone,working_hours,available_24_7,openpgp_fingerprint,preferred_channels,notes,"
      "stale,version,updated_at\r\n";
  for (const auto& c : contacts) {
    std::vector<std::string> fields = {
        CsvField(c.id),
        CsvField(c.organization_id),
        CsvText(c.organization_name),
        CsvField(c.state),
        CsvField(ContactLevelName(c.level)),
        CsvText(c.name),
        CsvText(c.title),
        CsvField(Join(c.emails, ";")),
        CsvField(Join(c.phones, ";")),
        CsvField(Join(c.languages, ";")),
        CsvField(c.time_zone),
        CsvField(HoursText(c.working_hours)),
        c.available_24_7 ? "true" : "false",
        CsvField(c.openpgp_fingerprint),
        CsvField(ChannelsText(c.preferred_channels)),
        CsvText(c.notes),
        c.stale ? "true" : "false",
        std::to_string(c.version),
        FormatRfc3339(c.updated_at),
    };
    out += Join(fields, ",");
    out += "\r\n";
  }
  return out;
}

std::string ContactsToVcard(const std::vector<PointOfContact>& contacts) {
  std::string out;
  for (const auto& c : contacts) {
    AppendFolded(out, "BEGIN:VCARD");
    AppendFolded(out, "VERSION:4.0");
    AppendFolded(out, "FN:" + VcardText(c.name));
    if (!c.organization_name.empty()) AppendFolded(out, "ORG:" + VcardText(c.organization_name));
    if (!c.title.empty()) AppendFolded(out, "TITLE:" + VcardText(c.title));
    for (const auto& email : c.emails) AppendFolded(out, "EMAIL:" + email);
    for (const auto& phone : c.phones) AppendFolded(out, "TEL;VALUE=uri:tel:" + phone);
    for (std::size_t i = 0; i < c.languages.size(); ++i) {
      AppendFolded(out, "LANG;PREF=" + std::to_string(i + 1) + ":" + c.languages[i]);
    }
    AppendFolded(out, "TZ:" + VcardText(c.time_zone));
    if (!c.openpgp_key.empty()) {
      AppendFolded(out, "KEY:data:application/pgp-keys;base64," + Base64(c.openpgp_key));
    } else if (!c.openpgp_fingerprint.empty()) {
      AppendFolded(out, "KEY:openpgp4fpr:" + c.openpgp_fingerprint);
    }
    std::vector<std::string> note = {"Level: " + std::string(ContactLevelName(c.level))};
    if (c.available_24_7) note.push_back("Available 24/7");
    std::string hours = HoursText(c.working_hours);
    if (!hours.empty()) note.push_back("Working hours (" + c.time_zone + "): " + hours);
    if (!c.openpgp_fingerprint.empty()) {
      note.push_back("OpenPGP fingerprint: " + c.openpgp_fingerprint);
    }
    if (!c.notes.empty()) note.push_back(c.notes);
    AppendFolded(out, "NOTE:" + VcardText(Join(note, "\n")));
    AppendFolded(out, "END:VCARD");
  }
  return out;
}

}  // namespace liaison::directory
