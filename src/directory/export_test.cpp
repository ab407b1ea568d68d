#include "directory/export.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "directory/directory_test_support.hpp"

namespace liaison::directory {
namespace {

using security::Role;

constexpr char kFingerprint[] = "0123456789ABCDEF0123456789ABCDEF01234567";

PointOfContact Sample() {
  PointOfContact c;
  c.id = "ctc_1";
  c.organization_id = "org_1";
  c.organization_name = "CERT-FR, \"national\"";
  c.state = "FR";
  c.level = ContactLevel::kTechnical;
  c.name = "Camille Martin";
  c.title = "Duty officer; night";
  c.emails = {"cert@fr.demo.test", "backup@fr.demo.test"};
  c.phones = {"+33123456789"};
  c.languages = {"fr", "en"};
  c.time_zone = "Europe/Paris";
  c.working_hours[0] = {"09:00-12:00", "13:00-18:00"};
  c.working_hours[1] = {"09:00-12:00", "13:00-18:00"};
  c.openpgp_fingerprint = kFingerprint;
  c.preferred_channels = {Channel::kEmail, Channel::kPhone};
  c.notes = "Line one\nLine two, with comma";
  c.version = 3;
  c.created_at = FromUnixMillis(1'767'225'600'000LL);
  c.updated_at = FromUnixMillis(1'767'225'600'000LL);
  return c;
}

// Splits on CRLF; fails the test on a bare LF or CR outside quoted CSV fields is not checked.
std::vector<std::string> CrlfLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "missing final CRLF";
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

TEST(ContactsToCsv, WritesRfc4180Rows) {
  std::string csv = ContactsToCsv({Sample()});
  std::string expected =
      "id,organization_id,organization,state,level,name,title,emails,phones,languages,time_zone,"
      "working_hours,available_24_7,openpgp_fingerprint,preferred_channels,notes,stale,version,"
      "updated_at\r\n"
      "ctc_1,org_1,\"CERT-FR, \"\"national\"\"\",FR,technical,Camille Martin,Duty officer; night,"
      "cert@fr.demo.test;backup@fr.demo.test,+33123456789,fr;en,Europe/Paris,"
      "mon 09:00-12:00 13:00-18:00; tue 09:00-12:00 13:00-18:00,false,"
      "0123456789ABCDEF0123456789ABCDEF01234567,email;phone,"
      "\"Line one\nLine two, with comma\",false,3,2026-01-01T00:00:00.000Z\r\n";
  EXPECT_EQ(csv, expected);
}

TEST(ContactsToCsv, DisarmsSpreadsheetFormulasInFreeText) {
  PointOfContact c = Sample();
  c.name = "=HYPERLINK(\"http://evil.test\")";
  c.notes = "@SUM(A1)";
  std::string csv = ContactsToCsv({c});
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://evil.test\"\")\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'@SUM(A1),"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",+33123456789,"), std::string::npos);  // Phone numbers stay as they are.
}

TEST(ContactsToCsv, KeepsUtf8) {
  PointOfContact c = Sample();
  c.name = "Иван Петров";
  c.organization_name = "外交部";
  std::string csv = ContactsToCsv({c});
  EXPECT_NE(csv.find(",外交部,FR,technical,Иван Петров,"), std::string::npos) << csv;
}

TEST(ContactsToVcard, WritesVcard4WithEscapingAndFolding) {
  std::string vcard = ContactsToVcard({Sample()});
  std::vector<std::string> lines = CrlfLines(vcard);
  for (const auto& line : lines) EXPECT_LE(line.size(), 75u) << line;
  // Unfold (RFC 6350 section 3.2) before comparing the logical lines.
  std::string unfolded;
  for (std::size_t pos = 0; pos < vcard.size();) {
    if (vcard.compare(pos, 3, "\r\n ") == 0) {
      pos += 3;
    } else {
      unfolded += vcard[pos++];
    }
  }
  std::vector<std::string> expected = {
      "BEGIN:VCARD",
      "VERSION:4.0",
      "FN:Camille Martin",
      "ORG:CERT-FR\\, \"national\"",
      "TITLE:Duty officer\\; night",
      "EMAIL:cert@fr.demo.test",
      "EMAIL:backup@fr.demo.test",
      "TEL;VALUE=uri:tel:+33123456789",
      "LANG;PREF=1:fr",
      "LANG;PREF=2:en",
      "TZ:Europe/Paris",
      "KEY:openpgp4fpr:0123456789ABCDEF0123456789ABCDEF01234567",
      "NOTE:Level: technical\\nWorking hours (Europe/Paris): mon 09:00-12:00 13:00-18:00\\; "
      "tue 09:00-12:00 13:00-18:00\\nOpenPGP fingerprint: "
      "0123456789ABCDEF0123456789ABCDEF01234567\\nLine one\\nLine two\\, with comma",
      "END:VCARD",
  };
  EXPECT_EQ(CrlfLines(unfolded), expected);
  // The NOTE is folded: its first physical line is exactly 75 octets.
  EXPECT_EQ(lines[12].size(), 75u);
  EXPECT_EQ(lines[13][0], ' ');
}

TEST(ContactsToVcard, FoldsWithoutSplittingCharactersAndEmbedsTheKey) {
  PointOfContact c = Sample();
  c.name = std::string("Jos") + "é" + " " + [] {
    std::string s;
    for (int i = 0; i < 40; ++i) s += "é";
    return s;
  }();
  c.openpgp_key =
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n";
  std::string vcard = ContactsToVcard({c});
  for (const auto& line : CrlfLines(vcard)) {
    EXPECT_LE(line.size(), 75u);
    // A continuation never starts inside a UTF-8 sequence.
    if (!line.empty() && line[0] == ' ' && line.size() > 1) {
      EXPECT_NE(static_cast<unsigned char>(line[1]) & 0xC0, 0x80) << line;
    }
  }
  std::string unfolded;
  for (std::size_t pos = 0; pos < vcard.size();) {
    if (vcard.compare(pos, 3, "\r\n ") == 0) {
      pos += 3;
    } else {
      unfolded += vcard[pos++];
    }
  }
  EXPECT_NE(unfolded.find("\r\nFN:" + c.name + "\r\n"), std::string::npos);
  EXPECT_NE(unfolded.find("\r\nKEY:data:application/pgp-keys;base64,"
                          "LS0tLS1CRUdJTiBQR1AgUFVCTElDIEtFWSBCTE9DSy0tLS0tCgptRE1FWgotLS0tLUVO"
                          "RCBQR1AgUFVCTElDIEtFWSBCTE9DSy0tLS0tCg==\r\n"),
            std::string::npos)
      << unfolded;
}

class ExportTest : public testing::DirectoryTest {};

TEST_F(ExportTest, ExportsWhatTheListShowsTheCaller) {
  auto fr = MakeOrg("CERT-FR", "FR");
  auto ke = MakeOrg("KE-CIRT", "KE");
  MakeContact(ValidInput(fr, "Camille Martin"));
  ContactInput kenyan = ValidInput(ke, "Wanjiru Kamau");
  kenyan.time_zone = "Africa/Nairobi";
  MakeContact(kenyan);
  auto reader = MakeAccount(ke, "analyst@ke-cirt.example.ke", {Role::kTechnical});

  ContactFilter filter;
  filter.state = "FR";
  auto csv = ExportCsv(*db_, reader, filter);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  auto lines = CrlfLines(*csv);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find(",CERT-FR,FR,technical,Camille Martin,"), std::string::npos);

  auto all = ExportVcard(*db_, reader, ContactFilter{});
  ASSERT_TRUE(all.has_value());
  std::size_t cards = 0;
  for (std::size_t pos = 0; (pos = all->find("BEGIN:VCARD\r\n", pos)) != std::string::npos; ++pos) {
    ++cards;
  }
  EXPECT_EQ(cards, 2u);

  auto json = ExportJson(*db_, reader, filter);
  ASSERT_TRUE(json.has_value());
  EXPECT_NE(json->find("\"organization_name\":\"CERT-FR\""), std::string::npos) << *json;
  EXPECT_EQ(json->find("Wanjiru"), std::string::npos);

  auto anonymous = ExportCsv(*db_, security::Principal{}, filter);
  ASSERT_FALSE(anonymous.has_value());
  EXPECT_EQ(anonymous.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace liaison::directory
