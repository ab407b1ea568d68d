#include "api/html.hpp"

namespace liaison::api {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

// The look of the server-rendered pages: the web UI's palette (web/src/styles.css), served as
// a stylesheet of its own so that the Content-Security-Policy needs no 'unsafe-inline'.
constexpr std::string_view kPageCss =
    ":root{color-scheme:light;--ink:#1a1a1a;--muted:#4a5560;--accent:#0b4f8a;--focus:#b35c00;"
    "--surface:#f4f6f8;--line:#c9d1d9}\n"
    "body{font-family:system-ui,'Noto Sans','Noto Sans Arabic','Noto Sans CJK SC',sans-serif;"
    "margin:0;color:var(--ink);background:#fff;line-height:1.5}\n"
    "header{background:var(--accent);color:#fff;padding:.6rem 1rem;font-weight:700}\n"
    "main{max-width:40rem;margin:2rem auto;padding:0 1rem}\n"
    "h1{font-size:1.5rem}\n"
    "dl{background:var(--surface);border:1px solid var(--line);border-radius:.4rem;"
    "padding:.75rem 1rem}\n"
    "dt{font-weight:600}dd{margin:0;color:var(--muted)}\n"
    "button{font:inherit;font-size:1.1rem;padding:.6rem 1.4rem;background:var(--accent);"
    "color:#fff;border:0;border-radius:.3rem;cursor:pointer}\n"
    "button:hover{background:#083a66}\n"
    ":focus-visible{outline:3px solid var(--focus);outline-offset:2px}\n"
    "a{color:var(--accent)}\n";

}  // namespace

std::string_view PageStylesheet() { return kPageCss; }

http::Response HtmlPage(int status, std::string_view language, std::string_view title,
                        std::string_view body_html) {
  std::string lang = HtmlEscape(language);
  std::string page =
      "<!doctype html>\n<html lang=\"" + lang + "\" dir=\"" + (language == "ar" ? "rtl" : "ltr") +
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      HtmlEscape(title) + "</title>\n<link rel=\"stylesheet\" href=\"" +
      std::string(kPageStylesheetPath) +
      "\">\n</head>\n<body>\n<header>liaison</header>\n<main>\n<h1>" + HtmlEscape(title) +
      "</h1>\n" + std::string(body_html) + "\n</main>\n</body>\n</html>\n";
  // The server's default Content-Security-Policy (no inline script or style, nothing from
  // another origin) covers the page.
  return http::Response::Text(status, std::move(page), "text/html; charset=utf-8");
}

}  // namespace liaison::api
