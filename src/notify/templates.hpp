// Notification templates: data/templates/<name>.<lang>.txt, compiled into the binary. Each has a
// first line "Subject: …", a blank line, then the body, with {{param}} placeholders.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace liaison::notify {

// A template filled in with its parameters.
struct RenderedMessage {
  std::string subject;
  std::string body;      // Lines end with "\n".
  std::string language;  // The language actually used (after falling back to en).
};

// Renders template `name` in `language`; a language the template does not have falls back to
// "en". Parameter values are inserted verbatim (plain text). Returns invalid_argument with field
// "template_name" for an unknown template, with field "params.<name>" naming the first
// placeholder that `params` does not fill, and with field "params" when the rendered subject
// would contain a line break. Thread-safe.
Result<RenderedMessage> RenderTemplate(std::string_view name, std::string_view language,
                                       const std::map<std::string, std::string>& params);

// The names of all compiled-in templates (without language), sorted. Thread-safe.
std::vector<std::string> TemplateNames();

// The languages every template must exist in: ar, zh, en, fr, ru, es.
const std::vector<std::string>& TemplateLanguages();

}  // namespace liaison::notify
