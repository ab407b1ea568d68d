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

http::Response HtmlPage(int status, std::string_view language, std::string_view title,
                        std::string_view body_html) {
  std::string lang = HtmlEscape(language);
  std::string page = "<!doctype html>\n<html lang=\"" + lang + "\" dir=\"" +
                     (language == "ar" ? "rtl" : "ltr") +
                     "\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>" +
                     HtmlEscape(title) +
                     "</title>\n<style>\n"
                     "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;"
                     "padding:0 1rem;line-height:1.5;color:#1a1a1a;background:#fff}\n"
                     "button{font-size:1.1rem;padding:.6rem 1.4rem;background:#0b4f8a;color:#fff;"
                     "border:0;border-radius:.3rem;cursor:pointer}\n"
                     "button:focus{outline:3px solid #f2a900;outline-offset:2px}\n"
                     "dt{font-weight:600}dd{margin:0 0 .5rem 0}\n"
                     "</style>\n</head>\n<body>\n<main>\n<h1>" +
                     HtmlEscape(title) + "</h1>\n" + std::string(body_html) +
                     "\n</main>\n</body>\n</html>\n";
  auto response = http::Response::Text(status, std::move(page), "text/html; charset=utf-8");
  response.SetHeader("Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                     "frame-ancestors 'none'; base-uri 'none'");
  return response;
}

}  // namespace liaison::api
