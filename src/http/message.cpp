#include "http/message.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>

namespace liaison::http {

namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits a path into its segments: "/a/b/" gives {"a", "b", ""}; "/" gives {""}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

bool HeaderLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::optional<std::string> Request::Header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  // Several Cookie headers may arrive (HTTP/2 proxies split them); the first match wins.
  auto [begin, end] = headers.equal_range("Cookie");
  for (auto it = begin; it != end; ++it) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (Trim(pair.substr(0, eq)) != name) continue;
      std::string_view value = Trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

Response& Response::SetHeader(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

int StatusFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      if (error.reason == "body_too_large") return 413;
      if (error.reason == "unsupported_media_type") return 415;
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      if (error.reason == "stale_version") return 412;
      if (error.reason == "version_required") return 428;
      return 409;
    case ErrorCode::kResourceExhausted:
      if (error.reason == "too_large") return 413;
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response ProblemResponse(const Error& error, std::string_view request_id) {
  return ProblemResponse(StatusFor(error), error, request_id);
}

Response ProblemResponse(int status, const Error& error, std::string_view request_id) {
  boost::json::object problem;
  problem["type"] = "about:blank";
  problem["title"] = ReasonPhrase(status);
  problem["status"] = status;
  problem["code"] = ErrorCodeName(error.code);
  if (!error.reason.empty()) problem["reason"] = error.reason;
  // An internal error's message may name tables, files or secrets: it goes to the log only.
  problem["detail"] =
      error.code == ErrorCode::kInternal
          ? std::string_view("internal error; the request id identifies it in the log")
          : std::string_view(error.message);
  if (!error.field.empty()) problem["field"] = error.field;
  if (!request_id.empty()) problem["request_id"] = request_id;
  Response r;
  r.status = status;
  r.body = boost::json::serialize(problem);
  r.headers.emplace_back("Content-Type", "application/problem+json");
  return r;
}

void Router::Add(std::string method, std::string pattern, Handler handler, BodyMode body_mode,
                 FastHandler fast) {
  Route route;
  route.body_mode = body_mode;
  has_streamed_routes_ = has_streamed_routes_ || body_mode == BodyMode::kStreamed;
  route.method = std::move(method);
  for (std::string_view s : Segments(pattern)) route.segments.emplace_back(s);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.fast = std::move(fast);
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  std::vector<std::string_view> segments = Segments(path);
  // Among the routes matching the path, the best has a literal at the first position where
  // the candidates differ: compare their literal masks lexicographically.
  const Route* best = nullptr;
  std::vector<bool> best_mask;
  const Route* best_get = nullptr;  // HEAD is served by GET routes when no HEAD route matches.
  std::vector<bool> best_get_mask;
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<bool> mask(segments.size());
    bool matches = true;
    for (std::size_t i = 0; i < segments.size() && matches; ++i) {
      if (IsParam(route.segments[i])) {
        matches = !segments[i].empty();
      } else {
        mask[i] = true;
        matches = route.segments[i] == segments[i];
      }
    }
    if (!matches) continue;
    match.path_known = true;
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
    if (route.method == method && (best == nullptr || mask > best_mask)) {
      best = &route;
      best_mask = mask;
    }
    if (route.method == "GET" && (best_get == nullptr || mask > best_get_mask)) {
      best_get = &route;
      best_get_mask = mask;
    }
  }
  if (best == nullptr && method == "HEAD") best = best_get;
  match.allowed_methods.assign(allowed.begin(), allowed.end());
  if (best == nullptr) return match;
  match.handler = &best->handler;
  match.body_mode = best->body_mode;
  if (best->fast) match.fast = &best->fast;
  match.route = best->pattern;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = best->segments[i];
    if (IsParam(s)) match.params[s.substr(1, s.size() - 2)] = std::string(segments[i]);
  }
  return match;
}

}  // namespace liaison::http
