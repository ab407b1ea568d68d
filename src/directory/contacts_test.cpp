#include "directory/contacts.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "directory/directory_test_support.hpp"

namespace liaison::directory {
namespace {

using security::OrgKind;
using security::Role;
using testing::DirectoryTest;

class ContactsTest : public DirectoryTest {};

TEST_F(ContactsTest, CreatesAndReadsBackANormalisedContact) {
  auto org = MakeOrg("CERT-FR", "FR");
  ContactInput input = ValidInput(org);
  input.emails = {"Duty.Officer@CERT.Example.FR", "backup@cert.example.fr"};
  input.languages = {"FR-ca", "en", "zh-hant-TW"};
  input.openpgp_fingerprint = "0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567";
  input.available_24_7 = true;
  PointOfContact created = MakeContact(input);
  EXPECT_EQ(created.id.rfind("ctc_", 0), 0u);
  EXPECT_EQ(created.state, "FR");
  EXPECT_EQ(created.organization_name, "CERT-FR");
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.emails,
            (std::vector<std::string>{"Duty.Officer@cert.example.fr", "backup@cert.example.fr"}));
  EXPECT_EQ(created.languages, (std::vector<std::string>{"fr-CA", "en", "zh-Hant-TW"}));
  EXPECT_EQ(created.openpgp_fingerprint, "0123456789ABCDEF0123456789ABCDEF01234567");

  auto read = GetContact(*db_, MakeAccount(org, "tech@cert.fr", {Role::kTechnical}), created.id);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(CanonicalContactJson(*read), CanonicalContactJson(created));
  EXPECT_EQ(read->organization_name, "CERT-FR");
  EXPECT_EQ(read->working_hours[0], (std::vector<std::string>{"09:00-17:00"}));
  EXPECT_TRUE(read->working_hours[5].empty());
  EXPECT_TRUE(read->available_24_7);
  EXPECT_EQ(read->preferred_channels, (std::vector<Channel>{Channel::kEmail}));
}

TEST_F(ContactsTest, RejectsBadInputNamingTheField) {
  auto org = MakeOrg("CERT-FR", "FR");
  struct Case {
    std::string what;
    std::function<void(ContactInput&)> spoil;
    std::string field;
    std::string reason;
  };
  const std::string long_key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n" +
                               std::string(64 * 1024, 'A') +
                               "\n-----END PGP PUBLIC KEY BLOCK-----\n";
  std::vector<Case> cases = {
      {"no name", [](ContactInput& c) { c.name = "  "; }, "name", "required"},
      {"long name", [](ContactInput& c) { c.name = std::string(201, 'x'); }, "name", "too_long"},
      {"no e-mail", [](ContactInput& c) { c.emails.clear(); }, "emails", "required"},
      {"six e-mails",
       [](ContactInput& c) {
         c.emails = {"a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test", "f@x.test"};
       },
       "emails", "too_many"},
      {"second e-mail bad",
       [](ContactInput& c) {
         c.emails = {"a@x.test", "not-an-address"};
       },
       "emails[1]", "invalid_email"},
      {"dot at start", [](ContactInput& c) { c.emails = {".a@x.test"}; }, "emails[0]",
       "invalid_email"},
      {"double dot", [](ContactInput& c) { c.emails = {"a..b@x.test"}; }, "emails[0]",
       "invalid_email"},
      {"single-label domain", [](ContactInput& c) { c.emails = {"a@localhost"}; }, "emails[0]",
       "invalid_email"},
      {"hyphen label", [](ContactInput& c) { c.emails = {"a@-x.test"}; }, "emails[0]",
       "invalid_email"},
      {"space", [](ContactInput& c) { c.emails = {"a b@x.test"}; }, "emails[0]", "invalid_email"},
      {"same e-mail twice",
       [](ContactInput& c) {
         c.emails = {"a@x.test", "a@X.TEST"};
       },
       "emails[1]", "duplicate"},
      {"short phone", [](ContactInput& c) { c.phones = {"+3312345"}; }, "phones[0]",
       "invalid_phone"},
      {"phone without plus",
       [](ContactInput& c) {
         c.phones = {"+33123456789", "0033123456789"};
       },
       "phones[1]", "invalid_phone"},
      {"long phone", [](ContactInput& c) { c.phones = {"+1234567890123456"}; }, "phones[0]",
       "invalid_phone"},
      {"phone with spaces", [](ContactInput& c) { c.phones = {"+33 1 23 45 67 89"}; }, "phones[0]",
       "invalid_phone"},
      {"no language", [](ContactInput& c) { c.languages.clear(); }, "languages", "required"},
      {"bad language", [](ContactInput& c) { c.languages = {"French (Canada)"}; }, "languages[0]",
       "invalid_language"},
      {"one-letter language",
       [](ContactInput& c) {
         c.languages = {"en", "f"};
       },
       "languages[1]", "invalid_language"},
      {"underscore tag", [](ContactInput& c) { c.languages = {"fr_CA"}; }, "languages[0]",
       "invalid_language"},
      {"language twice",
       [](ContactInput& c) {
         c.languages = {"fr-CA", "FR-ca"};
       },
       "languages[1]", "duplicate"},
      {"no zone", [](ContactInput& c) { c.time_zone = ""; }, "time_zone", "required"},
      {"unknown zone", [](ContactInput& c) { c.time_zone = "Europe/Atlantis"; }, "time_zone",
       "unknown_time_zone"},
      {"interval syntax", [](ContactInput& c) { c.working_hours[0] = {"9:00-17:00"}; },
       "working_hours.mon[0]", "invalid_interval"},
      {"interval backwards", [](ContactInput& c) { c.working_hours[2] = {"17:00-09:00"}; },
       "working_hours.wed[0]", "invalid_interval"},
      {"hour 25",
       [](ContactInput& c) {
         c.working_hours[6] = {"08:00-12:00", "13:00-25:00"};
       },
       "working_hours.sun[1]", "invalid_interval"},
      {"overlap",
       [](ContactInput& c) {
         c.working_hours[1] = {"09:00-12:00", "11:00-14:00"};
       },
       "working_hours.tue[1]", "overlapping_interval"},
      {"five intervals",
       [](ContactInput& c) {
         c.working_hours[4] = {"01:00-02:00", "03:00-04:00", "05:00-06:00", "07:00-08:00",
                               "09:00-10:00"};
       },
       "working_hours.fri", "too_many"},
      {"short fingerprint", [](ContactInput& c) { c.openpgp_fingerprint = "ABCDEF"; },
       "openpgp_fingerprint", "invalid_fingerprint"},
      {"non-hex fingerprint",
       [](ContactInput& c) { c.openpgp_fingerprint = std::string(39, 'A') + "G"; },
       "openpgp_fingerprint", "invalid_fingerprint"},
      {"key not armoured", [](ContactInput& c) { c.openpgp_key = "mQENBF..."; }, "openpgp_key",
       "invalid_openpgp_key"},
      {"key too big", [&](ContactInput& c) { c.openpgp_key = long_key; }, "openpgp_key",
       "too_long"},
      {"channel twice",
       [](ContactInput& c) {
         c.preferred_channels = {Channel::kPhone, Channel::kPhone};
       },
       "preferred_channels[1]", "duplicate"},
      {"notes too long", [](ContactInput& c) { c.notes = std::string(4001, 'n'); }, "notes",
       "too_long"},
      {"no organisation", [](ContactInput& c) { c.organization_id = ""; }, "organization_id",
       "required"},
      {"unknown organisation", [](ContactInput& c) { c.organization_id = "org_nope"; },
       "organization_id", "unknown_organization"},
  };
  for (const auto& test_case : cases) {
    ContactInput input = ValidInput(org);
    test_case.spoil(input);
    auto created = CreateContact(*db_, system_, input, Now());
    ASSERT_FALSE(created.has_value()) << test_case.what;
    EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument) << test_case.what;
    EXPECT_EQ(created.error().field, test_case.field) << test_case.what;
    EXPECT_EQ(created.error().reason, test_case.reason) << test_case.what;
  }
  // Bad input never changes state.
  EXPECT_TRUE(Sql("SELECT id FROM contacts").empty());
}

TEST_F(ContactsTest, AcceptsEdgesOfTheFormats) {
  auto org = MakeOrg("CERT-FR", "FR");
  ContactInput input = ValidInput(org);
  input.emails = {"o'brien+cert/desk@sub-domain.example.museum"};
  input.phones = {"+12345678", "+123456789012345"};
  input.working_hours[5] = {"18:00-24:00", "00:00-06:00"};  // Stored in order.
  PointOfContact contact = MakeContact(input);
  EXPECT_EQ(contact.working_hours[5], (std::vector<std::string>{"00:00-06:00", "18:00-24:00"}));
}

TEST(LanguageTags, NormalisesWellFormedTags) {
  EXPECT_EQ(NormalizeLanguageTag("fr"), "fr");
  EXPECT_EQ(NormalizeLanguageTag("FR-ca"), "fr-CA");
  EXPECT_EQ(NormalizeLanguageTag("zh-hant-tw"), "zh-Hant-TW");
  EXPECT_EQ(NormalizeLanguageTag("es-419"), "es-419");
  EXPECT_EQ(NormalizeLanguageTag("sl-ROZAJ-biske"), "sl-rozaj-biske");
  EXPECT_EQ(NormalizeLanguageTag("de-CH-1901"), "de-CH-1901");
  EXPECT_EQ(NormalizeLanguageTag("zh-yue-HK"), "zh-yue-HK");
  EXPECT_EQ(NormalizeLanguageTag("sr-Latn"), "sr-Latn");
  EXPECT_EQ(NormalizeLanguageTag("ast"), "ast");
  EXPECT_EQ(NormalizeLanguageTag(""), std::nullopt);
  EXPECT_EQ(NormalizeLanguageTag("f"), std::nullopt);
  EXPECT_EQ(NormalizeLanguageTag("fr-"), std::nullopt);
  EXPECT_EQ(NormalizeLanguageTag("fr--CA"), std::nullopt);
  EXPECT_EQ(NormalizeLanguageTag("fr-CA-CA"), std::nullopt);      // A region is not a variant.
  EXPECT_EQ(NormalizeLanguageTag("de-1901-1901"), std::nullopt);  // Repeated variant.
  EXPECT_EQ(NormalizeLanguageTag("en-a-bbb"), std::nullopt);      // Extensions are not supported.
  EXPECT_EQ(NormalizeLanguageTag("x-private"), std::nullopt);
  EXPECT_EQ(NormalizeLanguageTag("1fr"), std::nullopt);
  EXPECT_EQ(NormalizeLanguageTag("toolonglanguage"), std::nullopt);
}

TEST_F(ContactsTest, UpdatesWithTheCurrentVersionOnly) {
  auto org = MakeOrg("CERT-FR", "FR");
  auto policy = MakeAccount(org, "policy@cert.fr", {Role::kPolicy});
  PointOfContact contact = MakeContact(ValidInput(org));

  ContactPatch patch;
  patch.title = "Head of incident response";
  patch.languages = std::vector<std::string>{"EN"};
  clock_.Advance(std::chrono::minutes(5));
  auto updated = UpdateContact(*db_, policy, contact.id, patch, 1, Now());
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->title, "Head of incident response");
  EXPECT_EQ(updated->languages, (std::vector<std::string>{"en"}));
  EXPECT_EQ(updated->name, contact.name);  // Unpatched fields stay.
  EXPECT_EQ(updated->created_at, contact.created_at);
  EXPECT_EQ(updated->updated_at, Now());

  auto stale = UpdateContact(*db_, policy, contact.id, patch, 1, Now());
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(stale.error().reason, "stale_version");

  ContactPatch bad;
  bad.emails = std::vector<std::string>{"ok@x.test", "bad"};
  auto invalid = UpdateContact(*db_, policy, contact.id, bad, 2, Now());
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().field, "emails[1]");
  EXPECT_EQ(GetContact(*db_, policy, contact.id)->version, 2);

  auto missing = UpdateContact(*db_, policy, "ctc_missing", patch, 1, Now());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ContactsTest, DeletesWithTheCurrentVersionOnly) {
  auto org = MakeOrg("CERT-FR", "FR");
  auto policy = MakeAccount(org, "policy@cert.fr", {Role::kPolicy});
  PointOfContact contact = MakeContact(ValidInput(org));
  auto stale = DeleteContact(*db_, policy, contact.id, 7, Now());
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().reason, "stale_version");
  ASSERT_TRUE(DeleteContact(*db_, policy, contact.id, 1, Now()).has_value());
  auto gone = GetContact(*db_, policy, contact.id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(ContactsTest, OnlyTheOwnersPolicyAccountsAndOperatorsEdit) {
  auto fr = MakeOrg("CERT-FR", "FR");
  auto de = MakeOrg("Auswärtiges Amt", "DE", OrgKind::kForeignMinistry);
  auto secretariat =
      MakeOrg("Secretariat", "", OrgKind::kOther, security::OrgCategory::kSecretariat);
  auto fr_policy = MakeAccount(fr, "policy@cert.fr", {Role::kPolicy});
  auto fr_technical = MakeAccount(fr, "tech@cert.fr", {Role::kTechnical});
  auto de_policy = MakeAccount(de, "policy@aa.de", {Role::kPolicy});
  auto op = MakeAccount(secretariat, "op@node.test", {Role::kOperator});
  security::Principal anonymous;

  // Creating: the organisation's policy account yes; its technical account and another state no.
  ContactInput input = ValidInput(fr);
  auto by_technical = CreateContact(*db_, fr_technical, input, Now());
  ASSERT_FALSE(by_technical.has_value());
  EXPECT_EQ(by_technical.error().code, ErrorCode::kPermissionDenied);
  auto by_other_state = CreateContact(*db_, de_policy, input, Now());
  ASSERT_FALSE(by_other_state.has_value());
  EXPECT_EQ(by_other_state.error().code, ErrorCode::kPermissionDenied);
  auto by_anonymous = CreateContact(*db_, anonymous, input, Now());
  ASSERT_FALSE(by_anonymous.has_value());
  EXPECT_EQ(by_anonymous.error().code, ErrorCode::kUnauthenticated);
  auto created = CreateContact(*db_, fr_policy, input, Now());
  ASSERT_TRUE(created.has_value()) << created.error().message;

  // Reading: every account of the community; nobody anonymous.
  EXPECT_TRUE(GetContact(*db_, fr_technical, created->id).has_value());
  EXPECT_TRUE(GetContact(*db_, de_policy, created->id).has_value());
  EXPECT_EQ(GetContact(*db_, anonymous, created->id).error().code, ErrorCode::kUnauthenticated);

  // Editing.
  ContactPatch patch;
  patch.notes = "Reachable by phone at night.";
  auto technical_edit = UpdateContact(*db_, fr_technical, created->id, patch, 1, Now());
  ASSERT_FALSE(technical_edit.has_value());
  EXPECT_EQ(technical_edit.error().code, ErrorCode::kPermissionDenied);
  auto other_state_edit = UpdateContact(*db_, de_policy, created->id, patch, 1, Now());
  ASSERT_FALSE(other_state_edit.has_value());
  EXPECT_EQ(other_state_edit.error().code, ErrorCode::kPermissionDenied);
  auto other_state_delete = DeleteContact(*db_, de_policy, created->id, 1, Now());
  ASSERT_FALSE(other_state_delete.has_value());
  EXPECT_EQ(other_state_delete.error().code, ErrorCode::kPermissionDenied);
  auto operator_edit = UpdateContact(*db_, op, created->id, patch, 1, Now());
  ASSERT_TRUE(operator_edit.has_value()) << operator_edit.error().message;
  ASSERT_TRUE(DeleteContact(*db_, fr_policy, created->id, 2, Now()).has_value());

  // Every change, and only the changes, is in the audit log, by the right account.
  std::vector<audit::AuditEntry> contact_entries;
  for (const auto& entry : AuditEntries()) {
    if (entry.record_type == "contact") contact_entries.push_back(entry);
  }
  ASSERT_EQ(contact_entries.size(), 3u);
  EXPECT_EQ(contact_entries[0].action, "contact.create");
  EXPECT_EQ(contact_entries[0].account_id, fr_policy.account_id);
  EXPECT_EQ(contact_entries[0].owner_organization_id, fr.id);
  EXPECT_TRUE(contact_entries[0].before_digest.empty());
  EXPECT_FALSE(contact_entries[0].after_digest.empty());
  EXPECT_EQ(contact_entries[1].action, "contact.update");
  EXPECT_EQ(contact_entries[1].account_id, op.account_id);
  EXPECT_EQ(contact_entries[1].before_digest, contact_entries[0].after_digest);
  EXPECT_EQ(contact_entries[2].action, "contact.delete");
  EXPECT_EQ(contact_entries[2].before_digest, contact_entries[1].after_digest);
  EXPECT_TRUE(contact_entries[2].after_digest.empty());
  EXPECT_EQ(contact_entries[2].record_id, created->id);
}

class ContactListTest : public DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    fr_cert_ = MakeOrg("CERT-FR", "FR", OrgKind::kNationalCert);
    fr_mfa_ = MakeOrg("Ministère de l'Europe et des Affaires étrangères", "FR",
                      OrgKind::kForeignMinistry);
    ke_cert_ = MakeOrg("KE-CIRT/CC", "KE", OrgKind::kNationalCert);
    ru_mfa_ = MakeOrg("МИД России", "RU", OrgKind::kForeignMinistry);

    ContactInput a = ValidInput(fr_cert_, "Alice Durand");
    a.languages = {"fr-CA", "en"};
    alice_ = MakeContact(a).id;
    ContactInput b = ValidInput(fr_mfa_, "Bernard Petit");
    b.level = ContactLevel::kPolicy;
    b.emails = {"b.petit@diplomatie.example.fr"};
    b.languages = {"fr"};
    bernard_ = MakeContact(b).id;
    ContactInput c = ValidInput(ke_cert_, "Wanjiru Kamau");
    c.emails = {"soc@ke-cirt.example.ke"};
    c.languages = {"en", "sw"};
    c.time_zone = "Africa/Nairobi";
    c.available_24_7 = true;
    wanjiru_ = MakeContact(c).id;
    ContactInput d = ValidInput(ru_mfa_, "Иван Петров");
    d.level = ContactLevel::kPolicy;
    d.emails = {"ivan@mid.example.ru"};
    d.languages = {"ru", "fra"};  // "fra" must not match the prefix "fr".
    d.time_zone = "Europe/Moscow";
    ivan_ = MakeContact(d).id;
    reader_ = MakeAccount(ke_cert_, "analyst@ke-cirt.example.ke", {Role::kTechnical});
  }

  std::vector<std::string> Names(const ContactFilter& filter) {
    auto page = ListContacts(*db_, reader_, filter);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::string> names;
    if (page.has_value()) {
      for (const auto& c : page->contacts) names.push_back(c.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  security::Organization fr_cert_, fr_mfa_, ke_cert_, ru_mfa_;
  std::string alice_, bernard_, wanjiru_, ivan_;
  security::Principal reader_;
};

using NameList = std::vector<std::string>;

TEST_F(ContactListTest, FiltersByEachCriterion) {
  ContactFilter f;
  EXPECT_EQ(Names(f).size(), 4u);

  f = {};
  f.state = "FR";
  EXPECT_EQ(Names(f), (NameList{"Alice Durand", "Bernard Petit"}));

  f = {};
  f.regional_group = RegionalGroup::kAfrican;
  EXPECT_EQ(Names(f), (NameList{"Wanjiru Kamau"}));
  f.regional_group = RegionalGroup::kEasternEuropean;
  EXPECT_EQ(Names(f), (NameList{"Иван Петров"}));
  f.regional_group = RegionalGroup::kLatinAmericanCaribbean;
  EXPECT_TRUE(Names(f).empty());

  f = {};
  f.level = ContactLevel::kPolicy;
  EXPECT_EQ(Names(f), (NameList{"Bernard Petit", "Иван Петров"}));

  f = {};
  f.language = "fr";
  EXPECT_EQ(Names(f), (NameList{"Alice Durand", "Bernard Petit"}));
  f.language = "FR-ca";
  EXPECT_EQ(Names(f), (NameList{"Alice Durand"}));
  f.language = "sw";
  EXPECT_EQ(Names(f), (NameList{"Wanjiru Kamau"}));

  f = {};
  f.available_24_7 = true;
  EXPECT_EQ(Names(f), (NameList{"Wanjiru Kamau"}));
  f.available_24_7 = false;
  EXPECT_EQ(Names(f).size(), 3u);

  f = {};
  f.org_kind = OrgKind::kForeignMinistry;
  EXPECT_EQ(Names(f), (NameList{"Bernard Petit", "Иван Петров"}));
  f.org_kind = OrgKind::kRegulator;
  EXPECT_TRUE(Names(f).empty());

  f = {};
  f.org_kind = OrgKind::kNationalCert;
  f.state = "KE";
  EXPECT_EQ(Names(f), (NameList{"Wanjiru Kamau"}));
}

TEST_F(ContactListTest, SearchesTextCaseInsensitively) {
  ContactFilter f;
  f.text = "durand";
  EXPECT_EQ(Names(f), (NameList{"Alice Durand"}));
  f.text = "DIPLOMATIE";  // In an e-mail address.
  EXPECT_EQ(Names(f), (NameList{"Bernard Petit"}));
  f.text = "duty OFFICER";  // The title.
  EXPECT_EQ(Names(f).size(), 4u);
  f.text = "affaires ÉTRANGÈRES";  // The organisation's name, with accents in another case.
  EXPECT_EQ(Names(f), (NameList{"Bernard Petit"}));
  f.text = "ИВАН";  // Cyrillic in another case.
  EXPECT_EQ(Names(f), (NameList{"Иван Петров"}));
  f.text = "мид";  // The organisation's name in Cyrillic.
  EXPECT_EQ(Names(f), (NameList{"Иван Петров"}));
  f.text = "100%";  // LIKE wildcards are literal.
  EXPECT_TRUE(Names(f).empty());
  f.text = "_";
  EXPECT_TRUE(Names(f).empty());
}

TEST_F(ContactListTest, PagesWithACursor) {
  for (int i = 0; i < 7; ++i) MakeContact(ValidInput(fr_cert_, "Extra " + std::to_string(i)));
  ContactFilter f;
  f.limit = 3;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    auto page = ListContacts(*db_, reader_, f);
    ASSERT_TRUE(page.has_value());
    ++pages;
    EXPECT_LE(page->contacts.size(), 3u);
    for (const auto& c : page->contacts) seen.push_back(c.id);
    if (page->next_cursor.empty()) break;
    EXPECT_EQ(page->next_cursor, page->contacts.back().id);
    f.after_id = page->next_cursor;
  }
  EXPECT_EQ(pages, 4);  // 11 contacts in pages of 3.
  EXPECT_EQ(seen.size(), 11u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());

  // Exactly a page full: no cursor pointing at an empty page.
  ContactFilter fr;
  fr.state = "FR";
  fr.limit = 9;
  auto page = ListContacts(*db_, reader_, fr);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->contacts.size(), 9u);
  EXPECT_TRUE(page->next_cursor.empty());
}

TEST_F(ContactListTest, RejectsBadFiltersAndAnonymousCallers) {
  ContactFilter f;
  f.language = "not a tag";
  auto bad = ListContacts(*db_, reader_, f);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "language");
  auto anonymous = ListContacts(*db_, security::Principal{}, ContactFilter{});
  ASSERT_FALSE(anonymous.has_value());
  EXPECT_EQ(anonymous.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(ContactListTest, StateQueriesUseTheStateIndex) {
  auto plan =
      Sql("EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE 1 = 1 AND state = ? AND id > ? "
          "ORDER BY id LIMIT ?",
          {"FR", "", 101});
  std::string details;
  for (const auto& row : plan) details += row.Text(row.size() - 1) + "\n";
  EXPECT_NE(details.find("contacts_by_state"), std::string::npos) << details;
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << details;
}

TEST_F(ContactsTest, ContactsOfStateReturnsOneLevelOfOneStateWithOrganisationNames) {
  auto fr_police = MakeOrg("OFAC", "FR", OrgKind::kLawEnforcement);
  auto fr_cert = MakeOrg("CERT-FR", "FR");
  auto de_police = MakeOrg("BKA", "DE", OrgKind::kLawEnforcement);
  ContactInput officer = ValidInput(fr_police, "Liaison officer");
  officer.level = ContactLevel::kLawEnforcement;
  PointOfContact created = MakeContact(officer);
  EXPECT_EQ(created.level, ContactLevel::kLawEnforcement);
  MakeContact(ValidInput(fr_cert, "Duty officer"));
  ContactInput german = ValidInput(de_police, "Verbindungsbeamter");
  german.level = ContactLevel::kLawEnforcement;
  MakeContact(german);

  auto tx = db_->Begin(store::TxMode::kRead);
  ASSERT_TRUE(tx.has_value());
  auto found = ContactsOfState(**tx, "FR", ContactLevel::kLawEnforcement);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, created.id);
  EXPECT_EQ((*found)[0].organization_name, "OFAC");
  auto none = ContactsOfState(**tx, "FR", ContactLevel::kPolicy);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(ParseContactLevel("law_enforcement"), ContactLevel::kLawEnforcement);
  EXPECT_EQ(ContactLevelName(ContactLevel::kLawEnforcement), "law_enforcement");
  EXPECT_FALSE(ParseContactLevel("police").has_value());
}

TEST_F(ContactsTest, ARoleWithinTheLevelIsStoredPatchedAndSelectable) {
  auto org = MakeOrg("CERT-FR", "FR");
  auto policy = MakeAccount(org, "policy@cert.fr", {Role::kPolicy});
  PointOfContact primary = MakeContact(ValidInput(org, "Duty officer"));
  EXPECT_EQ(primary.role, ContactRole::kPrimary);  // The default.
  ContactInput input = ValidInput(org, "Shift lead");
  input.role = ContactRole::kBackup;
  PointOfContact backup = MakeContact(input);
  EXPECT_EQ(GetContact(*db_, policy, backup.id)->role, ContactRole::kBackup);
  EXPECT_NE(CanonicalContactJson(backup).find("\"role\":\"backup\""), std::string::npos);

  {
    auto tx = db_->Begin(store::TxMode::kRead);
    ASSERT_TRUE(tx.has_value());
    auto backups = ContactsOfState(**tx, "FR", ContactLevel::kTechnical, ContactRole::kBackup);
    ASSERT_TRUE(backups.has_value());
    ASSERT_EQ(backups->size(), 1u);
    EXPECT_EQ((*backups)[0].id, backup.id);
    EXPECT_EQ(ContactsOfState(**tx, "FR", ContactLevel::kTechnical)->size(), 2u);
  }
  ContactFilter filter;
  filter.role = ContactRole::kPrimary;
  auto page = ListContacts(*db_, policy, filter);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->contacts.size(), 1u);
  EXPECT_EQ(page->contacts[0].id, primary.id);

  ContactPatch patch;
  patch.role = ContactRole::kBackup;
  auto demoted = UpdateContact(*db_, policy, primary.id, patch, 1, Now());
  ASSERT_TRUE(demoted.has_value()) << demoted.error().message;
  EXPECT_EQ(demoted->role, ContactRole::kBackup);
  EXPECT_EQ(demoted->name, "Duty officer");
  EXPECT_EQ(ParseContactRole("backup"), ContactRole::kBackup);
  EXPECT_EQ(ContactRoleName(ContactRole::kPrimary), "primary");
  EXPECT_FALSE(ParseContactRole("deputy").has_value());
}

}  // namespace
}  // namespace liaison::directory
