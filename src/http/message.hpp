// Plain request and response types, free of Boost.Beast, so that api/ handlers stay simple and
// build fast. Not thread-safe per instance.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace liaison::http {

// Case-insensitive header name comparison.
struct HeaderLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};

// The body of a request whose route streams it (BodyMode::kStreamed): it arrives while the handler
// runs. The server reads from the network only when the handler asks, through a bounded queue,
// so the body never sits in memory whole. Read() is called by one thread at a time: the handler's
// or one it starts and joins before it returns.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Reads up to `size` bytes of the body into `buffer`, blocking until some arrive; 0 at the end
  // of the body. The first call lets the body come (it answers "Expect: 100-continue"): a
  // handler that refuses a request before reading never receives its body. Errors, final:
  // invalid_argument (reason "body_too_large", field "body") when the body exceeds the route's
  // limit; unavailable when the client goes away, the body does not arrive within the request
  // timeout, the server shuts down, or the handler has returned already.
  virtual Result<std::size_t> Read(char* buffer, std::size_t size) = 0;
};

struct Request {
  std::string method;                             // "GET", "POST", …
  std::string target;                             // As received: path and query.
  std::string path;                               // Percent-decoded path without the query.
  std::multimap<std::string, std::string> query;  // Decoded query parameters.
  std::multimap<std::string, std::string, HeaderLess> headers;
  std::string body;  // Empty on streamed routes: see body_stream.
  // The body of a request to a streamed route (never null there); null on other routes.
  std::shared_ptr<BodyStream> body_stream;
  std::string remote_address;
  std::string request_id;
  std::map<std::string, std::string> path_params;  // {id} etc. from the route pattern.
  std::string route;  // The matched route pattern, e.g. "/api/v1/contacts/{id}".

  // The first header named `name`, if any.
  std::optional<std::string> Header(std::string_view name) const;
  // The first query parameter named `name`, if any.
  std::optional<std::string> Query(std::string_view name) const;
  // The value of cookie `name`, if any.
  std::optional<std::string> Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  Response& SetHeader(std::string name, std::string value);
  // A JSON body (already serialised) with the JSON content type.
  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
};

// The one place error codes become HTTP statuses: invalid_argument 400 (413 for reason
// "body_too_large", 415 for "unsupported_media_type"), unauthenticated 401, permission_denied
// 403, not_found 404, already_exists 409, failed_precondition 409 (412 for reason
// "stale_version", 428 for "version_required"), resource_exhausted 429, unavailable 503,
// internal 500.
int StatusFor(const Error& error);

// An application/problem+json (RFC 9457) response for `error`:
// {"type":"about:blank"|…,"title":…,"status":…,"code":"invalid_argument","reason":…,
//  "detail":…,"field":…,"request_id":…}. Internal errors never leak their message.
Response ProblemResponse(const Error& error, std::string_view request_id = {});

// The same problem document with an explicit `status` for conditions no error code maps to
// (405 method not allowed, 431 header fields too large).
Response ProblemResponse(int status, const Error& error, std::string_view request_id = {});

// The standard reason phrase of `status` ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

using Handler = std::function<Response(Request&)>;

// How a route receives its request body. kBuffered: whole, in Request::body, before the handler
// runs. kStreamed: the handler runs as soon as the header is read and pulls the body from
// Request::body_stream; for bulk uploads that should not sit in memory. If a streamed handler
// answers before the body's end, the server closes the connection after the answer.
enum class BodyMode { kBuffered, kStreamed };

// A handler's fast path, run on the I/O thread before the request goes to a worker: it answers
// what it can answer from memory and returns nullopt for everything else (then the route's
// Handler runs on a worker, as if there were no fast path). It must not block: no database, no
// file, no lock held for long.
using FastHandler = std::function<std::optional<Response>(Request&)>;

// Maps method and path patterns ("/api/v1/contacts/{id}") to handlers. Literal segments win over
// parameters. Build it fully before the server starts; lookups are then thread-safe.
class Router {
 public:
  // Registers `handler` for `method` on `pattern`, whose segments are literals or "{name}",
  // receiving its body as `body_mode` says, with its fast path `fast` if any.
  void Add(std::string method, std::string pattern, Handler handler,
           BodyMode body_mode = BodyMode::kBuffered, FastHandler fast = nullptr);
  // The same, buffered, with a fast path.
  void Add(std::string method, std::string pattern, Handler handler, FastHandler fast) {
    Add(std::move(method), std::move(pattern), std::move(handler), BodyMode::kBuffered,
        std::move(fast));
  }

  // True when some route streams its body.
  bool has_streamed_routes() const { return has_streamed_routes_; }

  struct Match {
    const Handler* handler = nullptr;
    BodyMode body_mode = BodyMode::kBuffered;
    const FastHandler* fast = nullptr;  // The route's fast path, if it has one.
    std::string route;
    std::map<std::string, std::string> params;
    bool path_known = false;  // The path matched some route, but perhaps not this method (405).
    std::vector<std::string> allowed_methods;
  };
  // The handler for `method` on the decoded `path`, or none. HEAD falls back to GET routes.
  // A parameter matches one non-empty segment. `allowed_methods` lists every method of every
  // route whose pattern matches the path (HEAD included where GET is), sorted.
  Match Find(std::string_view method, std::string_view path) const;

  // A handler for paths no route matches (e.g. static files); 404 problem otherwise.
  void SetFallback(Handler handler) { fallback_ = std::move(handler); }
  const Handler* fallback() const { return fallback_ ? &fallback_ : nullptr; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    BodyMode body_mode;
    FastHandler fast;
  };
  std::vector<Route> routes_;
  Handler fallback_;
  bool has_streamed_routes_ = false;
};

}  // namespace liaison::http
