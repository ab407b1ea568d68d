// Points of contact: the people and desks of a state's organisations that other states reach, at
// policy, technical or law-enforcement level. Each contact belongs to one organisation (owned by
// security/) and takes its state from it. Functions are thread-safe; each runs in its own
// transaction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/countries.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "security/access_policy.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::directory {

// The level of a point of contact. law_enforcement contacts receive criminal-cooperation
// requests; the level is stored as text, so adding it needed no schema change.
enum class ContactLevel { kPolicy, kTechnical, kLawEnforcement };

// A contact's role within its level: requests go to a state's primary contacts of the level;
// backup contacts are reached when a request is escalated (requests/deadlines.hpp).
enum class ContactRole { kPrimary, kBackup };

// How a contact prefers to be reached.
enum class Channel { kEmail, kPhone, kLiaison };

// "policy", "technical", "law_enforcement".
std::string_view ContactLevelName(ContactLevel level);
// Parses a ContactLevelName(); nullopt when unknown.
std::optional<ContactLevel> ParseContactLevel(std::string_view name);
// "primary", "backup".
std::string_view ContactRoleName(ContactRole role);
// Parses a ContactRoleName(); nullopt when unknown.
std::optional<ContactRole> ParseContactRole(std::string_view name);
// "email", "phone", "liaison".
std::string_view ChannelName(Channel channel);
// Parses a ChannelName(); nullopt when unknown.
std::optional<Channel> ParseChannel(std::string_view name);

// Days of the week in the order working hours are stored (Monday first).
inline constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu",
                                                              "fri", "sat", "sun"};

// Per weekday (indexed like kWeekdays) the "HH:MM-HH:MM" intervals in the contact's own time
// zone, sorted and not overlapping; "24:00" may end an interval.
using WorkingHours = std::array<std::vector<std::string>, 7>;

// Limits on a contact's fields.
inline constexpr std::size_t kMaxEmails = 5;
inline constexpr std::size_t kMaxPhones = 5;
inline constexpr std::size_t kMaxLanguages = 10;
inline constexpr std::size_t kMaxIntervalsPerDay = 4;
inline constexpr std::size_t kMaxOpenPgpKeyBytes = 64 * 1024;

// What a caller supplies to create a contact.
struct ContactInput {
  std::string organization_id;
  ContactLevel level = ContactLevel::kTechnical;
  ContactRole role = ContactRole::kPrimary;
  std::string name;                    // Required, at most 200 characters.
  std::string title;                   // At most 200 characters.
  std::vector<std::string> emails;     // 1..5 addr-specs (RFC 5322 dot-atom local part).
  std::vector<std::string> phones;     // 0..5 E.164 numbers: "+" and 8-15 digits.
  std::vector<std::string> languages;  // 1..10 BCP 47 tags, most preferred first.
  std::string time_zone;               // IANA name, e.g. "Europe/Paris".
  WorkingHours working_hours;
  bool available_24_7 = false;
  std::string openpgp_fingerprint;  // Empty or 40 hex digits (spaces allowed, removed).
  std::string openpgp_key;          // Empty or an ASCII-armoured public key block, <= 64 KiB.
  std::vector<Channel> preferred_channels;
  std::string notes;  // At most 4000 characters.
};

// A partial update: each field that is set replaces the stored one. The organisation (and so the
// state) of a contact never changes; delete and create instead.
struct ContactPatch {
  std::optional<ContactLevel> level;
  std::optional<ContactRole> role;
  std::optional<std::string> name;
  std::optional<std::string> title;
  std::optional<std::vector<std::string>> emails;
  std::optional<std::vector<std::string>> phones;
  std::optional<std::vector<std::string>> languages;
  std::optional<std::string> time_zone;
  std::optional<WorkingHours> working_hours;
  std::optional<bool> available_24_7;
  std::optional<std::string> openpgp_fingerprint;
  std::optional<std::string> openpgp_key;
  std::optional<std::vector<Channel>> preferred_channels;
  std::optional<std::string> notes;
};

// A stored point of contact. Fields are normalised: language tags case-normalised, e-mail
// domains lower-case, the fingerprint upper-case without spaces.
struct PointOfContact {
  std::string id;  // "ctc_…"
  std::string organization_id;
  std::string organization_name;  // Filled on read from the organisation; not stored.
  std::string state;  // ISO 3166-1 alpha-2 of the organisation's state; empty for non-state orgs.
  ContactLevel level = ContactLevel::kTechnical;
  ContactRole role = ContactRole::kPrimary;
  std::string name;
  std::string title;
  std::vector<std::string> emails;
  std::vector<std::string> phones;
  std::vector<std::string> languages;
  std::string time_zone;
  WorkingHours working_hours;
  bool available_24_7 = false;
  std::string openpgp_fingerprint;
  std::string openpgp_key;
  std::vector<Channel> preferred_channels;
  std::string notes;
  bool stale = false;  // Set when it missed its last two closed reachability campaigns.
  std::int64_t version = 1;
  TimePoint created_at;
  TimePoint updated_at;
};

// Checks and normalises `input` without touching the database (the organisation is not looked
// up). Returns invalid_argument naming the field ("emails[1]", "working_hours.mon[0]",
// "time_zone", "languages[0]", …) with a reason code ("invalid_email", "invalid_interval", …).
Result<ContactInput> ValidateContactInput(const ContactInput& input);

// Returns `tag` case-normalised ("fr-ca" → "fr-CA", "ZH-HANT-tw" → "zh-Hant-TW") when it is a
// well-formed BCP 47 tag of the form language[-extlang][-script][-region][-variant…] (RFC 5646
// section 2.1, without extensions, private use or grandfathered tags); nullopt otherwise.
std::optional<std::string> NormalizeLanguageTag(std::string_view tag);

// True when `address` is an addr-spec with a dot-atom local part (at most 64 octets) and a
// domain of at least two LDH labels (at most 253 octets in all).
bool IsValidEmailAddress(std::string_view address);

// The contact's first language whose primary subtag is a UN official language ("fr" for
// "fr-CA"): the language to write to it in. "en" when none is.
std::string PreferredUnLanguage(const PointOfContact& contact);

// True when `phone` is "+" followed by 8 to 15 digits.
bool IsValidE164(std::string_view phone);

// The policy resource of `contact`: community audience, owned by its organisation and state.
security::Resource ContactResource(const PointOfContact& contact);

// The canonical JSON text of `contact` (fixed key order, organization_name left out) that audit
// entries digest and webhooks carry.
std::string CanonicalContactJson(const PointOfContact& contact);

// Creates a contact for `input.organization_id` after Authorize(actor, kContactCreate) on the
// organisation it will belong to. invalid_argument from validation or with field
// "organization_id" (reason "unknown_organization") when the organisation does not exist;
// not_found/permission_denied/unauthenticated from the policy. Audited ("contact.create") and
// announced to the organisation's webhooks ("contact.created") in the same transaction.
Result<PointOfContact> CreateContact(store::Database& db, const security::Principal& actor,
                                     const ContactInput& input, TimePoint now);

// The contact `id`; not_found when it does not exist or `actor` may not read it.
Result<PointOfContact> GetContact(store::Database& db, const security::Principal& actor,
                                  const std::string& id);

// Applies `patch` when `expected_version` is the stored version, incrementing it. not_found as for
// GetContact; permission_denied when `actor` may read but not update; failed_precondition with
// reason "stale_version" when the version moved on; invalid_argument as for CreateContact.
// Audited ("contact.update") and announced ("contact.updated").
Result<PointOfContact> UpdateContact(store::Database& db, const security::Principal& actor,
                                     const std::string& id, const ContactPatch& patch,
                                     std::int64_t expected_version, TimePoint now);

// Deletes the contact when `expected_version` is current; errors as for UpdateContact. Audited
// ("contact.delete") and announced ("contact.deleted").
Status DeleteContact(store::Database& db, const security::Principal& actor, const std::string& id,
                     std::int64_t expected_version, TimePoint now);

// Which contacts to list. Empty or unset members do not filter.
struct ContactFilter {
  std::string state;  // Alpha-2.
  std::optional<RegionalGroup> regional_group;
  std::optional<ContactLevel> level;
  std::optional<ContactRole> role;
  std::string language;  // A tag prefix on subtag boundaries: "fr" matches "fr" and "fr-CA".
  std::optional<bool> available_24_7;
  std::optional<security::OrgKind> org_kind;
  std::string text;      // Case-insensitive substring of name, title, e-mails or organisation name.
  std::string after_id;  // Cursor: the next_cursor of the previous page.
  int limit = 100;       // 1..1000; clamped.
};

// One page of contacts, ordered by id.
struct ContactPage {
  std::vector<PointOfContact> contacts;
  std::string next_cursor;  // Empty on the last page.
};

// The contacts of state `state` at `level` (and of `role` when set), ordered by id, with their
// organisations' names, read inside `tx` without a policy check: for modules that route work to
// a state's contacts (requests). Empty when the state has none.
Result<std::vector<PointOfContact>> ContactsOfState(store::Transaction& tx,
                                                    const std::string& state, ContactLevel level,
                                                    std::optional<ContactRole> role = std::nullopt);

// The contacts of organisation `organization_id`, ordered by id, with its name, read inside `tx`
// without a policy check: for modules that notify an organisation (requests). Empty when it has
// none.
Result<std::vector<PointOfContact>> ContactsOfOrganization(store::Transaction& tx,
                                                           const std::string& organization_id);

// The directory's generation: a number that grows with every committed write to contacts or
// organisations (database triggers bump it in the writing transaction), the same for every
// server sharing the database. An answer computed from the directory after reading generation
// g is current for as long as the generation is still g. Runs one read transaction, or none
// while a listening GenerationWatch vouches for it.
Result<std::int64_t> DirectoryGeneration(store::Database& db);

// DirectoryGeneration(db) when a watch knows it without reading the database, else nullopt.
// Never blocks on the database.
std::optional<std::int64_t> KnownDirectoryGeneration(const store::Database& db);

// For a caller with a read transaction `tx` on `db` of its own: true when DirectoryGeneration(db)
// would read the database (no listening watch), and the caller should read it in `tx` with
// DirectoryGenerationIn instead of paying a transaction for it.
bool DirectoryGenerationNeedsRead(store::Database& db);
Result<std::int64_t> DirectoryGenerationIn(store::Database& db, store::Transaction& tx);

// Lists the contacts `actor` may read that match `filter`. Records the actor may not read are
// left out, never reported.
Result<ContactPage> ListContacts(store::Database& db, const security::Principal& actor,
                                 const ContactFilter& filter);

}  // namespace liaison::directory
