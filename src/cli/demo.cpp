#include "cli/demo.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>

#include "directory/contacts.hpp"
#include "security/accounts.hpp"
#include "security/organizations.hpp"

namespace liaison::cli {
namespace {

// One demo state: where its people are and what they speak. Every person and address is
// invented; the domains are under the reserved .test top-level domain.
struct DemoState {
  const char* alpha2;
  const char* time_zone;
  const char* language;
  const char* policy_name;
  const char* technical_name;
  bool cert_24_7;
};

constexpr DemoState kStates[] = {
    {"FR", "Europe/Paris", "fr", "Camille Demo-Laurent", "Hugo Demo-Bernard", true},
    {"DE", "Europe/Berlin", "de", "Lena Demo-Fischer", "Jonas Demo-Weber", true},
    {"KE", "Africa/Nairobi", "en", "Amina Demo-Otieno", "Brian Demo-Kamau", false},
    {"BR", "America/Sao_Paulo", "pt", "Mariana Demo-Souza", "Rafael Demo-Lima", true},
    {"JP", "Asia/Tokyo", "ja", "Haruka Demo-Sato", "Kenji Demo-Tanaka", true},
    {"IN", "Asia/Kolkata", "en", "Priya Demo-Sharma", "Arjun Demo-Iyer", true},
    {"ZA", "Africa/Johannesburg", "en", "Thandi Demo-Nkosi", "Pieter Demo-Botha", false},
    {"NO", "Europe/Oslo", "nb", "Ingrid Demo-Hansen", "Lars Demo-Johansen", false},
    {"AR", "America/Argentina/Buenos_Aires", "es", "Lucía Demo-Fernández",
     "Martín Demo-Gómez", false},
    {"EG", "Africa/Cairo", "ar", "Nour Demo-Hassan", "Omar Demo-Mahmoud", true},
    {"ID", "Asia/Jakarta", "id", "Siti Demo-Rahma", "Budi Demo-Santoso", false},
    {"CA", "America/Toronto", "en-CA", "Emily Demo-Tremblay", "Noah Demo-Roy", true},
    {"SN", "Africa/Dakar", "fr", "Awa Demo-Diop", "Moussa Demo-Ndiaye", false},
    {"RU", "Europe/Moscow", "ru", "Anna Demo-Ivanova", "Dmitry Demo-Petrov", true},
    {"CN", "Asia/Shanghai", "zh", "Wang Demo-Fang", "Li Demo-Wei", true},
};

constexpr const char* kDemoPassword = "demo-password-not-secret";

directory::WorkingHours OfficeHours() {
  directory::WorkingHours hours;
  for (int d = 0; d < 5; ++d) hours[d] = {"09:00-12:30", "13:30-17:30"};
  return hours;
}

}  // namespace

Result<std::string> SeedDemoData(store::Database& db, const std::string& operator_account_id,
                                 const std::string& operator_email, TimePoint now) {
  const auto system = security::Principal::System();
  RETURN_IF_ERROR(
      security::SetPassword(db, system, operator_account_id, std::string(kDemoPassword), now));
  std::string out = "demo password for every account below: " + std::string(kDemoPassword) + "\n";
  out += "  " + operator_email + " (operator)\n";
  for (const auto& s : kStates) {
    std::string domain = AsciiLower(s.alpha2) + ".demo.test";
    ASSIGN_OR_RETURN(auto ministry,
                     security::CreateOrganization(
                         db, system,
                         {.name = std::string("Ministry of Foreign Affairs (demo, ") + s.alpha2 + ")",
                          .category = security::OrgCategory::kState,
                          .kind = security::OrgKind::kForeignMinistry,
                          .state = s.alpha2,
                          .website = "https://mfa." + domain},
                         now));
    ASSIGN_OR_RETURN(auto cert,
                     security::CreateOrganization(
                         db, system,
                         {.name = std::string("National CERT (demo, ") + s.alpha2 + ")",
                          .category = security::OrgCategory::kState,
                          .kind = security::OrgKind::kNationalCert,
                          .state = s.alpha2,
                          .website = "https://cert." + domain},
                         now));
    std::string language = s.language;
    std::vector<std::string> languages = {language};
    if (language != "en") languages.push_back("en");

    directory::ContactInput policy;
    policy.organization_id = ministry.id;
    policy.level = directory::ContactLevel::kPolicy;
    policy.name = s.policy_name;
    policy.title = "Cyber diplomacy desk officer";
    policy.emails = {"cyber-desk@mfa." + domain};
    policy.phones = {"+10005550100"};
    policy.languages = languages;
    policy.time_zone = s.time_zone;
    policy.working_hours = OfficeHours();
    policy.preferred_channels = {directory::Channel::kEmail};
    policy.notes = "Fictional demo contact.";
    RETURN_IF_ERROR(directory::CreateContact(db, system, policy, now));

    directory::ContactInput technical = policy;
    technical.organization_id = cert.id;
    technical.level = directory::ContactLevel::kTechnical;
    technical.name = s.technical_name;
    technical.title = "Incident handler";
    technical.emails = {"incident@cert." + domain, "duty@cert." + domain};
    technical.available_24_7 = s.cert_24_7;
    RETURN_IF_ERROR(directory::CreateContact(db, system, technical, now));

    // The CERT's shift lead stands in when a request is not acknowledged in time.
    directory::ContactInput backup = technical;
    backup.role = directory::ContactRole::kBackup;
    backup.name = std::string("Shift lead (demo, ") + s.alpha2 + ")";
    backup.title = "Incident response shift lead";
    backup.emails = {"shift-lead@cert." + domain};
    backup.available_24_7 = false;
    RETURN_IF_ERROR(directory::CreateContact(db, system, backup, now));

    if (std::string_view(s.alpha2) == "FR" || std::string_view(s.alpha2) == "KE") {
      std::string policy_email = "policy@mfa." + domain;
      std::string technical_email = "analyst@cert." + domain;
      RETURN_IF_ERROR(security::CreateAccount(db, system,
                                              {.organization_id = ministry.id,
                                               .email = policy_email,
                                               .display_name = s.policy_name,
                                               .roles = {security::Role::kPolicy},
                                               .password = std::string(kDemoPassword),
                                               .language = s.alpha2 == std::string("FR") ? "fr" : "en",
                                               .time_zone = s.time_zone},
                                              now));
      RETURN_IF_ERROR(security::CreateAccount(db, system,
                                              {.organization_id = cert.id,
                                               .email = technical_email,
                                               .display_name = s.technical_name,
                                               .roles = {security::Role::kTechnical},
                                               .password = std::string(kDemoPassword),
                                               .language = "en",
                                               .time_zone = s.time_zone},
                                              now));
      out += "  " + policy_email + " (policy, " + s.alpha2 + ")\n";
      out += "  " + technical_email + " (technical, " + s.alpha2 + ")\n";
    }
  }
  out += "demo data: 15 states, 30 organisations, 45 points of contact (all fictional)\n";
  return out;
}

}  // namespace liaison::cli
