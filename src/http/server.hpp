// The HTTP/1.1 server: accepts connections (plain or TLS), parses requests with limits, routes
// them to handlers on a worker pool and writes the responses, with keep-alive, request ids,
// security headers, metrics and an access log. No Boost.Beast type appears here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"

namespace liaison::http {

struct ServerOptions {
  std::string host = "127.0.0.1";           // An address or a name resolving to one.
  int port = 8080;                          // 0 picks an ephemeral port; see Server::port().
  int io_threads = 1;                       // Threads running the network I/O.
  int worker_threads = 4;                   // Threads running handlers.
  std::int64_t body_limit_bytes = 1 << 20;  // Larger bodies get 413.
  // Request paths with their own body limit (bulk endpoints, uploads), instead of the one above.
  // A path segment "{name}" matches any one non-empty segment: "/api/v1/requests/{id}/attachments".
  std::vector<std::pair<std::string, std::int64_t>> body_limit_overrides;
  std::int64_t header_limit_bytes = 16 << 10;  // Larger request heads get 431.
  // Time to receive a whole request (of a streamed body, the time spent waiting for it), and to
  // send a response.
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 60;    // Time a keep-alive connection may wait for its next request.
  int shutdown_grace_seconds = 20;  // Time in-flight requests get after Stop().
  std::string tls_certificate;      // PEM chain file; TLS is on when both files are set.
  std::string tls_private_key;      // PEM key file.
};

// The server options from the [server] section of the configuration.
ServerOptions ServerOptionsFrom(const ServerConfig& config);

namespace detail {
class ServerCore;
}  // namespace detail

// An HTTP/1.1 server. Create() listens; Run() serves until Stop(). Handlers run on a pool of
// worker threads, never on the I/O threads, and may block. Stop() is thread-safe; the other
// methods are called from one thread.
class Server {
 public:
  // Listens on options.host:options.port with the routes of `router` and records every request
  // in `metrics`; both must outlive the server and `router` must not change any more. Returns
  // invalid_argument for bad options or unreadable TLS files, unavailable when the address
  // cannot be bound.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options, const Router& router,
                                                Metrics& metrics);

  // Precondition: Run() is not running (it returned, or was never called).
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port listened on (the ephemeral one when options.port was 0).
  int port() const;

  // True when the server speaks TLS.
  bool tls() const;

  // Serves on the calling thread plus io_threads - 1 more until Stop() and the drain that
  // follows are over. Call at most once.
  void Run();

  // Stops accepting connections, closes idle keep-alive connections, and lets requests in flight
  // finish (their responses carry Connection: close); after shutdown_grace_seconds the remaining
  // connections are closed. Run() then returns once running handlers have returned: a handler
  // cannot be interrupted. Thread-safe, idempotent, may be called before Run() and from a thread
  // that waits for signals.
  void Stop();

 private:
  explicit Server(std::unique_ptr<detail::ServerCore> core);
  std::unique_ptr<detail::ServerCore> core_;
};

}  // namespace liaison::http
