// Minimal server-rendered HTML for the pages a person opens from an e-mail (the reachability
// acknowledgement page). Everything else in the browser is the web UI speaking the API.
#pragma once

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace liaison::api {

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(std::string_view text);

// Where the server-rendered pages' stylesheet is served (PageStylesheet()).
inline constexpr std::string_view kPageStylesheetPath = "/page.css";

// The stylesheet of the server-rendered pages, in the web UI's colours.
std::string_view PageStylesheet();

// A complete page in `language` (dir="rtl" for Arabic) with `title` and the already-escaped
// `body_html`, styled by kPageStylesheetPath; no inline script or style, so the server's strict
// Content-Security-Policy applies unchanged.
http::Response HtmlPage(int status, std::string_view language, std::string_view title,
                        std::string_view body_html);

}  // namespace liaison::api
