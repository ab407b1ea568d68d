#include "notify/templates.hpp"

#include <set>

namespace liaison::notify {
namespace internal {
// Defined in the source generated from data/templates/ by embed_templates.cmake.
const std::map<std::string, std::string>& EmbeddedTemplates();
}  // namespace internal

namespace {

constexpr std::string_view kSubjectPrefix = "Subject: ";

bool IsParamChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

// Replaces every {{name}} in `text`. Text between braces that is not a parameter name is kept.
Result<std::string> Substitute(std::string_view text,
                               const std::map<std::string, std::string>& params) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = text.substr(open + 2, close - open - 2);
    bool is_name = !name.empty();
    for (char c : name) is_name = is_name && IsParamChar(c);
    out.append(text.substr(pos, open - pos));
    if (!is_name) {
      out.append("{{");
      pos = open + 2;
      continue;
    }
    auto it = params.find(std::string(name));
    if (it == params.end()) {
      return Error::InvalidArgument("missing template parameter \"" + std::string(name) + "\"",
                                    "params." + std::string(name));
    }
    out.append(it->second);
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

const std::vector<std::string>& TemplateLanguages() {
  static const auto* const languages =
      new std::vector<std::string>{"ar", "zh", "en", "fr", "ru", "es"};
  return *languages;
}

std::vector<std::string> TemplateNames() {
  std::set<std::string> names;
  for (const auto& [key, text] : internal::EmbeddedTemplates()) {
    names.insert(key.substr(0, key.rfind('.')));
  }
  return {names.begin(), names.end()};
}

Result<RenderedMessage> RenderTemplate(std::string_view name, std::string_view language,
                                       const std::map<std::string, std::string>& params) {
  const auto& templates = internal::EmbeddedTemplates();
  std::string lang(language);
  auto it = templates.find(std::string(name) + "." + lang);
  if (it == templates.end()) {
    lang = "en";
    it = templates.find(std::string(name) + ".en");
  }
  if (it == templates.end()) {
    return Error::InvalidArgument("unknown template \"" + std::string(name) + "\"",
                                  "template_name");
  }
  std::string_view text = it->second;
  // A template file is checked at build time only for its name; a malformed one is a bug.
  std::size_t first_end = text.find('\n');
  LIAISON_CHECK(text.substr(0, kSubjectPrefix.size()) == kSubjectPrefix &&
                first_end != std::string_view::npos);
  std::string_view subject = text.substr(kSubjectPrefix.size(), first_end - kSubjectPrefix.size());
  std::string_view body = text.substr(first_end + 1);
  if (!body.empty() && body.front() == '\n') body.remove_prefix(1);

  RenderedMessage message;
  message.language = lang;
  ASSIGN_OR_RETURN(message.subject, Substitute(subject, params));
  ASSIGN_OR_RETURN(message.body, Substitute(body, params));
  if (message.subject.find_first_of("\r\n") != std::string::npos) {
    return Error::InvalidArgument("a parameter used in the subject contains a line break",
                                  "params");
  }
  return message;
}

}  // namespace liaison::notify
