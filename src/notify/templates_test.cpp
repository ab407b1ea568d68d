#include "notify/templates.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace liaison::notify {
namespace {

std::map<std::string, std::string> PingParams() {
  return {{"contact_name", "Amélie Dupont"},
          {"organization", "CERT-FR"},
          {"level", "technique"},
          {"state", "France"},
          {"ack_url", "https://node.test/ack/x"},
          {"deadline", "2026-12-01T12:00:00Z"}};
}

TEST(Templates, EveryTemplateExistsInTheSixLanguagesWithTheSamePlaceholders) {
  std::vector<std::string> names = TemplateNames();
  EXPECT_EQ(names, (std::vector<std::string>{"ping.request", "ping.stale", "request.escalated",
                                              "request.message", "request.message_restricted",
                                              "request.mitigation_draft", "request.new",
                                              "request.new_restricted", "request.update",
                                              "test.message"}));
  std::map<std::string, std::string> params = PingParams();
  params["name"] = "Ana";
  // The cooperation-request templates' parameters.
  for (const char* name :
       {"recipient_name", "request_id", "type", "urgency", "requesting_state", "requested_state",
        "link", "tlp", "acknowledge_by", "subject", "description", "status", "submitted_at",
        // request.mitigation_draft
        "observations", "distinct_addresses", "listed_addresses", "as_numbers", "categories",
        "observed_from", "observed_to", "data_version", "attachment", "attached_observations",
        // request.new, request.new_restricted
        "attachments",
        // request.message
        "author_state", "body"}) {
    params[name] = std::string("value of ") + name;
  }
  for (const std::string& name : names) {
    auto english = RenderTemplate(name, "en", params);
    ASSERT_TRUE(english.has_value()) << name << ": " << english.error().message;
    for (const std::string& lang : TemplateLanguages()) {
      auto rendered = RenderTemplate(name, lang, params);
      ASSERT_TRUE(rendered.has_value()) << name << "." << lang;
      EXPECT_EQ(rendered->language, lang) << name;
      EXPECT_FALSE(rendered->subject.empty());
      EXPECT_EQ(rendered->body.find("{{"), std::string::npos) << name << "." << lang;
      // Every language asks for the same parameters as English.
      for (const auto& [param, value] : params) {
        auto without = params;
        without.erase(param);
        bool english_needs = !RenderTemplate(name, "en", without).has_value();
        bool this_needs = !RenderTemplate(name, lang, without).has_value();
        EXPECT_EQ(english_needs, this_needs) << name << "." << lang << " {{" << param << "}}";
      }
    }
  }
}

TEST(Templates, RendersFrenchWithParametersVerbatim) {
  auto rendered = RenderTemplate("ping.request", "fr", PingParams());
  ASSERT_TRUE(rendered.has_value());
  EXPECT_EQ(rendered->subject, "Vérification de joignabilité depuis le nœud liaison");
  EXPECT_EQ(rendered->body.rfind("Bonjour Amélie Dupont,\n\nCERT-FR figure dans l'annuaire", 0), 0u)
      << rendered->body;
  EXPECT_NE(rendered->body.find("\nhttps://node.test/ack/x\n"), std::string::npos);
  EXPECT_NE(rendered->body.find("avant le 2026-12-01T12:00:00Z"), std::string::npos);
}

TEST(Templates, UnknownLanguageFallsBackToEnglish) {
  auto rendered = RenderTemplate("test.message", "de", {{"name", "<b>Ana</b>"}});
  ASSERT_TRUE(rendered.has_value());
  EXPECT_EQ(rendered->language, "en");
  EXPECT_EQ(rendered->subject, "Test message for <b>Ana</b>");
}

TEST(Templates, MissingParameterIsNamed) {
  auto params = PingParams();
  params.erase("deadline");
  auto rendered = RenderTemplate("ping.request", "ru", params);
  ASSERT_FALSE(rendered.has_value());
  EXPECT_EQ(rendered.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(rendered.error().field, "params.deadline");
  EXPECT_NE(rendered.error().message.find("deadline"), std::string::npos);
}

TEST(Templates, UnknownTemplateAndLineBreakInSubjectAreRejected) {
  auto unknown = RenderTemplate("no.such", "en", {});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().field, "template_name");
  auto injected = RenderTemplate("test.message", "en", {{"name", "x\r\nBcc: a@b.org"}});
  ASSERT_FALSE(injected.has_value());
  EXPECT_EQ(injected.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace liaison::notify
