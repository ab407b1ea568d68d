// Exports of the directory as files: JSON, CSV (RFC 4180) and vCard 4.0 (RFC 6350). Each covers
// exactly the contacts ListContacts() gives the caller for the same filter. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "directory/contacts.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::directory {

// Most contacts one export holds; more is resource_exhausted (narrow the filter).
inline constexpr std::size_t kMaxExportContacts = 50000;

// Every contact `actor` may read and export that matches `filter` (its cursor and limit are
// ignored), in id order. unauthenticated for an anonymous actor; the policy's error when
// kContactExport is refused; resource_exhausted above kMaxExportContacts.
Result<std::vector<PointOfContact>> CollectContactsForExport(store::Database& db,
                                                             const security::Principal& actor,
                                                             const ContactFilter& filter);

// A JSON array of contact objects (the canonical form plus "organization_name"). Errors as for
// CollectContactsForExport.
Result<std::string> ExportJson(store::Database& db, const security::Principal& actor,
                               const ContactFilter& filter);
// CSV with a header row, CRLF line ends, UTF-8. Errors as for CollectContactsForExport.
Result<std::string> ExportCsv(store::Database& db, const security::Principal& actor,
                              const ContactFilter& filter);
// One vCard 4.0 per contact. Errors as for CollectContactsForExport.
Result<std::string> ExportVcard(store::Database& db, const security::Principal& actor,
                                const ContactFilter& filter);

// Renders `contacts` as ExportJson does.
std::string ContactsToJson(const std::vector<PointOfContact>& contacts);

// Renders `contacts` as RFC 4180 CSV: the header
// id,organization_id,organization,state,level,name,title,emails,phones,languages,time_zone,
// working_hours,available_24_7,openpgp_fingerprint,preferred_channels,notes,stale,version,
// updated_at — then one row per contact. Lists are joined with ";" and working hours read
// "mon 09:00-17:00; tue …". A field is quoted when it holds a comma, quote, CR or LF, with quotes
// doubled. Free-text fields (organization, name, title, notes) that begin with = + - @ are
// prefixed with an apostrophe so that spreadsheets do not run them as formulas.
std::string ContactsToCsv(const std::vector<PointOfContact>& contacts);

// Renders `contacts` as vCard 4.0: BEGIN, VERSION:4.0, FN, ORG, TITLE, EMAIL, TEL;VALUE=uri:tel:…,
// LANG;PREF=n, TZ, KEY (a data: URI of the armoured key, else openpgp4fpr:<fingerprint>), NOTE
// (level, working hours, fingerprint, notes), END. Text values escape \ , ; and newlines; lines
// end in CRLF and are folded at 75 octets without splitting a UTF-8 character.
std::string ContactsToVcard(const std::vector<PointOfContact>& contacts);

}  // namespace liaison::directory
