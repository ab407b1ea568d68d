#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace liaison::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

ServerOptions ServerOptionsFrom(const ServerConfig& config) {
  ServerOptions o;
  o.host = config.host;
  o.port = config.port;
  o.io_threads = config.io_threads;
  o.worker_threads = config.worker_threads;
  o.body_limit_bytes = config.body_limit_bytes;
  o.header_limit_bytes = config.header_limit_bytes;
  o.request_timeout_seconds = config.request_timeout_seconds;
  o.idle_timeout_seconds = config.idle_timeout_seconds;
  o.shutdown_grace_seconds = config.shutdown_grace_seconds;
  o.tls_certificate = config.tls_certificate;
  o.tls_private_key = config.tls_private_key;
  return o;
}

namespace {

// True when `path` matches `pattern`, whose "{name}" segments match any one non-empty segment.
bool PathMatches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    const std::size_t p_end = std::min(pattern.find('/', 1), pattern.size());
    const std::size_t t_end = std::min(path.find('/', 1), path.size());
    const std::string_view p = pattern.substr(0, p_end);
    const std::string_view t = path.substr(0, t_end);
    const bool param = p.size() > 3 && p[1] == '{' && p.back() == '}';
    if (param ? t.size() < 2 : p != t) return false;
    pattern.remove_prefix(p_end);
    path.remove_prefix(t_end);
  }
  return pattern.empty() && path.empty();
}

}  // namespace

namespace detail {

namespace {

// How long a closing connection may take to finish TLS shutdown or to have the unread rest of a
// refused request discarded, and how much of it is discarded before giving up.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::uint64_t kMinLingerBytes = 8u << 20;

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

bool IsValidHeaderText(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool IEquals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// True for errors of the HTTP parser (malformed or over-limit requests), as opposed to transport
// errors.
bool IsParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::need_more).category();
}

// Headers the server owns: a handler's copies would contradict the framing it computes.
bool IsFramingHeader(std::string_view name) {
  return IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding") ||
         IEquals(name, "Connection") || IEquals(name, "Keep-Alive") || IEquals(name, "Upgrade");
}

// Headers the server sets on every response, whatever a handler says.
bool IsServerHeader(std::string_view name) {
  return IEquals(name, "X-Content-Type-Options") || IEquals(name, "Referrer-Policy") ||
         IEquals(name, "X-Frame-Options") || IEquals(name, "X-Request-Id");
}

// A response rendered for writing: the status line and headers, and the body.
struct Outgoing {
  std::string head;
  std::string body;
};

Error BodyTooLarge(std::int64_t limit) {
  return Error::InvalidArgument("the request body exceeds " + std::to_string(limit) + " bytes",
                                "body", "body_too_large");
}

// A streamed body is read from the socket in chunks of this size, and at most this many chunks
// wait for the handler: a streamed request holds at most 1.25 MiB of its body (the queue and the
// chunk being read into).
constexpr std::size_t kStreamChunkBytes = 256u << 10;
constexpr std::size_t kStreamQueueChunks = 4;

// The queue between a streamed request's connection (the producer, on its strand) and its handler
// (the consumer, on a worker). When kStreamQueueChunks chunks wait, the producer is paused: it
// stops reading from the socket until the handler takes a chunk and asks for more. Thread-safe.
class StreamedBody final : public BodyStream {
 public:
  // `want_more` is called, from the handler's thread, when the producer should read (again): on
  // the first Read and when a paused producer may resume. It must not block.
  explicit StreamedBody(std::function<void()> want_more) : want_more_(std::move(want_more)) {}

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    std::unique_lock lock(mu_);
    bool wake = !started_;
    started_ = true;
    if (wake) {
      lock.unlock();
      want_more_();
      lock.lock();
    }
    if (size == 0) return std::size_t{0};
    ready_.wait(lock, [this] { return !chunks_.empty() || ended_ || error_ || abandoned_; });
    if (abandoned_) return Error::Unavailable("the request is answered already");
    if (chunks_.empty()) {
      if (error_) return *error_;
      return std::size_t{0};
    }
    std::vector<char>& front = chunks_.front();
    std::size_t n = std::min(size, front.size() - front_offset_);
    std::memcpy(buffer, front.data() + front_offset_, n);
    front_offset_ += n;
    if (front_offset_ == front.size()) {
      spare_.push_back(std::move(front));
      chunks_.pop_front();
      front_offset_ = 0;
      wake = paused_;
      paused_ = false;
      if (wake) {
        lock.unlock();
        want_more_();
      }
    }
    return n;
  }

  // Producer side, on the connection's strand. A buffer of kStreamChunkBytes for the next read.
  std::vector<char> TakeBuffer() {
    std::lock_guard lock(mu_);
    std::vector<char> buffer;
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    buffer.resize(kStreamChunkBytes);
    return buffer;
  }

  // True when the handler has nothing left to read: a partly filled chunk is worth queueing.
  bool Starving() {
    std::lock_guard lock(mu_);
    return chunks_.empty();
  }

  // Queues the first `size` bytes of `chunk`. Returns true when the producer may read on, false
  // when it must wait for want_more (the queue is full) or stop (the handler has returned).
  bool Push(std::vector<char> chunk, std::size_t size) {
    std::lock_guard lock(mu_);
    if (abandoned_) return false;
    if (size > 0) {
      chunk.resize(size);
      chunks_.push_back(std::move(chunk));
      ready_.notify_one();
    } else {
      spare_.push_back(std::move(chunk));
    }
    paused_ = chunks_.size() >= kStreamQueueChunks;
    return !paused_;
  }

  // The body is complete: Read returns 0 once the queue is empty.
  void End() {
    std::lock_guard lock(mu_);
    ended_ = true;
    ready_.notify_one();
  }

  // The body cannot be completed: Read returns `error` once the queue is empty.
  void Fail(Error error) {
    std::lock_guard lock(mu_);
    if (ended_ || error_) return;
    error_ = std::move(error);
    ready_.notify_one();
  }

  // The handler has returned: the queued chunks are freed and nothing more is queued.
  void Abandon() {
    std::lock_guard lock(mu_);
    abandoned_ = true;
    chunks_.clear();
    spare_.clear();
    ready_.notify_all();
  }

 private:
  const std::function<void()> want_more_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::vector<char>> chunks_;  // By mu_, as all below.
  std::vector<std::vector<char>> spare_;  // Chunks read already, reused to spare allocations.
  std::size_t front_offset_ = 0;          // Bytes of chunks_.front() read already.
  bool started_ = false;
  bool paused_ = false;
  bool ended_ = false;
  bool abandoned_ = false;
  std::optional<Error> error_;
};

}  // namespace

// What the core needs from a connection, whatever its stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is waiting for a request; a request in progress finishes.
  virtual void CloseIfIdle() = 0;
  // Closes the connection whatever it is doing.
  virtual void ForceClose() = 0;
};

// State shared by the listener and all connections. Members are declared so that destruction
// joins the workers first, then destroys the I/O objects (and any connection they still hold)
// while the TLS context and the registry are alive.
class ServerCore {
 public:
  ServerCore(ServerOptions options, const Router& router, Metrics& metrics)
      : options_(std::move(options)),
        router_(router),
        metrics_(metrics),
        ioc_(options_.io_threads),
        control_(net::make_strand(ioc_)),
        acceptor_(control_),
        grace_timer_(control_),
        retry_timer_(control_),
        workers_(static_cast<std::size_t>(options_.worker_threads)) {}

  Status SetUpTls();
  Status Listen();
  void Run();
  void Stop();

  std::uint64_t Register(std::weak_ptr<SessionBase> session);
  void Unregister(std::uint64_t id);

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  Metrics& metrics() { return metrics_; }
  bool stopping() const { return stopping_.load(); }
  net::io_context& ioc() { return ioc_; }
  net::thread_pool& workers() { return workers_; }
  int port() const { return port_; }
  bool tls() const { return ssl_ctx_.has_value(); }

 private:
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void DoStop();
  std::vector<std::shared_ptr<SessionBase>> Snapshot();

  ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  int port_ = 0;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
  std::mutex sessions_mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions_;  // By sessions_mu_.
  std::uint64_t next_session_id_ = 0;                                       // By sessions_mu_.
  std::optional<ssl::context> ssl_ctx_;
  net::io_context ioc_;
  net::strand<net::io_context::executor_type> control_;  // Acceptor, timers and stopping.
  tcp::acceptor acceptor_;
  net::steady_timer grace_timer_;
  net::steady_timer retry_timer_;
  net::thread_pool workers_;
};

// One HTTP/1.1 connection over `Stream` (beast::tcp_stream or its TLS wrapper). All its methods
// run on the connection's strand, except the handler, which runs on the worker pool with its own
// copy of the request.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(ServerCore& core, std::string remote, Args&&... stream_args)
      : core_(core),
        stream_(std::forward<Args>(stream_args)...),
        remote_(std::move(remote)),
        executor_(stream_.get_executor()) {}

  ~Session() override { core_.Unregister(id_); }

  void Start(std::uint64_t id) {
    id_ = id;
    net::dispatch(executor_, [self = this->shared_from_this()] { self->Begin(); });
  }

  void CloseIfIdle() override {
    net::post(executor_, [self = this->shared_from_this()] {
      if (self->phase_ == Phase::kWaiting) self->Lowest().close();
    });
  }

  void ForceClose() override {
    net::post(executor_, [self = this->shared_from_this()] { self->Lowest().close(); });
  }

 private:
  enum class Phase { kWaiting, kReading, kHandling, kWriting, kClosing };

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  std::chrono::seconds Seconds(int s) const { return std::chrono::seconds(s); }

  void Begin() {
    if constexpr (kTls) {
      Lowest().expires_after(Seconds(core_.options().request_timeout_seconds));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  void ReadHeader() {
    phase_ = Phase::kWaiting;
    if (core_.stopping()) {
      Close();
      return;
    }
    parser_.emplace();
    stream_parser_.reset();
    const ServerOptions& o = core_.options();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::int64_t>(o.header_limit_bytes, std::numeric_limits<std::uint32_t>::max())));
    // The path is not known before the header is read, and Beast checks a Content-Length
    // against the limit as soon as it reads it: start with the largest limit and apply the
    // path's own in OnHeader.
    body_limit_ = o.body_limit_bytes;
    std::int64_t largest = o.body_limit_bytes;
    for (const auto& [path, limit] : o.body_limit_overrides) largest = std::max(largest, limit);
    parser_->body_limit(static_cast<std::uint64_t>(largest));
    // The first request must come within the request timeout; later ones within the idle one.
    Lowest().expires_after(
        Seconds(served_ == 0 ? o.request_timeout_seconds : o.idle_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    phase_ = Phase::kReading;
    Lowest().expires_after(Seconds(core_.options().request_timeout_seconds));
    auto& msg = parser_->get();
    std::string_view target(msg.target().data(), msg.target().size());
    target = target.substr(0, target.find('?'));
    for (const auto& [path, limit] : core_.options().body_limit_overrides) {
      if (PathMatches(path, target)) body_limit_ = limit;
    }
    parser_->body_limit(static_cast<std::uint64_t>(body_limit_));
    if (auto length = parser_->content_length();
        length && *length > static_cast<std::uint64_t>(body_limit_)) {
      return OnReadError(bhttp::error::body_limit);
    }
    // Only a request with a body still to come is worth the extra route look-up; a streamed
    // route that gets its body with its header is served by OnRequest.
    if (core_.router().has_streamed_routes() && !parser_->is_done()) {
      if (auto url = boost::urls::parse_origin_form(target); url) {
        std::string_view method(msg.method_string().data(), msg.method_string().size());
        Router::Match match = core_.router().Find(method, url->path());
        if (match.handler != nullptr && match.body_mode == BodyMode::kStreamed) {
          return OnStreamedRequest(std::move(match));
        }
      }
    }
    auto expect = msg.find(bhttp::field::expect);
    if (expect != msg.end() && IEquals(expect->value(), "100-continue") && !parser_->is_done()) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       msg.version());
      bhttp::async_write(
          stream_, *cont,
          [self = this->shared_from_this(), cont](beast::error_code ec, std::size_t) {
            if (ec) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->OnRequest();
                      });
  }

  // Answers what can be answered about a request that could not be read, then closes.
  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || !IsParseError(ec)) {
      // A clean close, a timeout (the stream is closed already), a stop, or a transport error.
      if (ec != net::error::operation_aborted && ec != beast::error::timeout) Close();
      return;
    }
    int status = 400;
    Error error = Error::InvalidArgument("malformed HTTP request", {}, "malformed_request");
    if (ec == bhttp::error::body_limit) {
      status = 413;
      error = BodyTooLarge(body_limit_);
    } else if (ec == bhttp::error::header_limit) {
      status = 431;
      error =
          Error::ResourceExhausted("the request header fields exceed " +
                                   std::to_string(core_.options().header_limit_bytes) + " bytes");
      error.reason = "headers_too_large";
    } else if (ec == bhttp::error::partial_message) {
      Close();  // The client went away mid-request; there is no one to answer.
      return;
    }
    BeginRequest();
    version_ = 11;
    head_ = false;
    if (parser_ && parser_->is_header_done()) {
      const auto& msg = parser_->get();
      method_ = std::string(msg.method_string());
      log_path_ = std::string(msg.target().substr(0, msg.target().find('?')));
      head_ = msg.method() == bhttp::verb::head;
      auto rid = msg.find("X-Request-Id");
      if (rid != msg.end() && IsValidRequestId(rid->value())) request_id_ = rid->value();
    }
    linger_ = true;
    Write(ProblemResponse(status, error, request_id_), /*close=*/true);
  }

  void BeginRequest() {
    phase_ = Phase::kHandling;
    ++served_;
    start_ = std::chrono::steady_clock::now();
    core_.metrics().RequestStarted();
    request_id_ = RandomHex(8);
    method_ = "-";
    log_path_ = "-";
    route_ = "unmatched";
  }

  void OnRequest() {
    BeginRequest();
    bhttp::request<bhttp::string_body> msg = parser_->release();
    parser_.reset();
    Result<Request> parsed = RequestFromHeader(msg);
    if (!parsed.has_value()) return Write(ProblemResponse(parsed.error(), request_id_), false);
    Request& request = *parsed;
    request.body = std::move(msg.body());

    Router::Match match = core_.router().Find(request.method, request.path);
    const Handler* handler = match.handler;
    if (handler != nullptr) {
      request.route = match.route;
      request.path_params = std::move(match.params);
      if (match.body_mode == BodyMode::kStreamed) {
        // A streamed route whose body came whole with its header: its handler still reads it
        // through a stream.
        auto body = std::make_shared<StreamedBody>([] {});
        std::vector<char> bytes(request.body.begin(), request.body.end());
        std::size_t size = bytes.size();
        body->Push(std::move(bytes), size);
        body->End();
        request.body.clear();
        request.body_stream = std::move(body);
      }
    } else if (match.path_known) {
      std::string allow;
      for (const std::string& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      Response r = ProblemResponse(
          405,
          Error::InvalidArgument("method " + request.method + " is not allowed here", {},
                                 "method_not_allowed"),
          request_id_);
      r.SetHeader("Allow", allow);
      return Write(std::move(r), false);
    } else {
      handler = core_.router().fallback();
      if (handler == nullptr) {
        return Write(ProblemResponse(Error::NotFound("no such resource"), request_id_), false);
      }
    }
    if (match.fast != nullptr) {
      if (std::optional<Response> fast = RunFastHandler(*match.fast, request)) {
        route_ = std::move(request.route);
        return Write(std::move(*fast), false);
      }
    }
    Dispatch(*handler, std::move(request));
  }

  // A request to a streamed route whose header has just been read: its handler runs at once and
  // pulls the body through a StreamedBody, which PumpBody fills when the handler asks.
  void OnStreamedRequest(Router::Match match) {
    BeginRequest();
    const auto& msg = parser_->get();
    Result<Request> parsed = RequestFromHeader(msg);
    if (!parsed.has_value()) {
      linger_ = true;
      return Write(ProblemResponse(parsed.error(), request_id_), true);
    }
    Request& request = *parsed;
    request.route = std::move(match.route);
    request.path_params = std::move(match.params);
    auto expect = msg.find(bhttp::field::expect);
    expect_continue_ = expect != msg.end() && IEquals(expect->value(), "100-continue");
    body_complete_ = parser_->is_done();
    body_too_large_ = false;
    stream_parser_.emplace(std::move(*parser_));
    parser_.reset();
    stream_parser_->body_limit(static_cast<std::uint64_t>(body_limit_));
    // The client has the request timeout to send the body, counted only while the server waits
    // for it: not while the handler has not asked yet or the queue is full.
    read_budget_ = Seconds(core_.options().request_timeout_seconds);
    Lowest().expires_never();
    streamed_ =
        std::make_shared<StreamedBody>([weak = this->weak_from_this(), executor = executor_] {
          net::post(executor, [weak] {
            if (auto self = weak.lock()) self->PumpBody();
          });
        });
    if (body_complete_) streamed_->End();
    request.body_stream = streamed_;
    Dispatch(*match.handler, std::move(request));
  }

  // Reads the next chunk of a streamed body into its queue, after answering 100-continue first
  // if the client waits for it. At most one read or write of this kind is in flight (pumping_).
  void PumpBody() {
    if (!streamed_ || pumping_ || body_complete_ || phase_ != Phase::kHandling) return;
    pumping_ = true;
    if (expect_continue_) {
      expect_continue_ = false;
      auto cont =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
      Lowest().expires_after(Seconds(core_.options().request_timeout_seconds));
      bhttp::async_write(
          stream_, *cont,
          [self = this->shared_from_this(), cont](beast::error_code ec, std::size_t) {
            self->pumping_ = false;
            if (self->OnPumpStopped()) return;
            if (ec) return self->OnBodyError(ec);
            self->PumpBody();
          });
      return;
    }
    if (pump_chunk_.empty()) {
      pump_chunk_ = streamed_->TakeBuffer();
      pump_filled_ = 0;
    }
    auto& body = stream_parser_->get().body();
    body.data = pump_chunk_.data() + pump_filled_;
    body.size = pump_chunk_.size() - pump_filled_;
    body.more = true;
    pump_started_ = std::chrono::steady_clock::now();
    Lowest().expires_after(
        std::max<std::chrono::steady_clock::duration>(read_budget_, std::chrono::milliseconds(1)));
    bhttp::async_read_some(stream_, buffer_, *stream_parser_,
                           [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->OnBodyChunk(ec);
                           });
  }

  void OnBodyChunk(beast::error_code ec) {
    pumping_ = false;
    read_budget_ -= std::chrono::steady_clock::now() - pump_started_;
    if (OnPumpStopped()) return;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return OnBodyError(ec);
    body_complete_ = stream_parser_->is_done();
    pump_filled_ = pump_chunk_.size() - stream_parser_->get().body().size;
    // A chunk is queued when full, at the end, or when the handler waits for it; otherwise the
    // next read goes on filling it, so that a fast client makes few large chunks.
    bool more = true;
    if (body_complete_ || pump_filled_ == pump_chunk_.size() || streamed_->Starving()) {
      more = streamed_->Push(std::move(pump_chunk_), pump_filled_);
      pump_chunk_.clear();
    }
    if (body_complete_) {
      streamed_->End();
    } else if (more) {
      PumpBody();
    }
  }

  // After a read or write of PumpBody: true when the handler has answered meanwhile (the read
  // was cancelled), in which case its answer is written now.
  bool OnPumpStopped() {
    if (!deferred_response_) return false;
    Response response = std::move(*deferred_response_);
    deferred_response_.reset();
    Write(std::move(response), /*close=*/true);
    return true;
  }

  void OnBodyError(beast::error_code ec) {
    keep_alive_ = false;
    Error error = Error::Unavailable("the connection ended before the end of the request body");
    if (ec == bhttp::error::body_limit) {
      body_too_large_ = true;
      error = BodyTooLarge(body_limit_);
    } else if (ec == beast::error::timeout) {
      error =
          Error::Unavailable("the request body did not arrive within " +
                             std::to_string(core_.options().request_timeout_seconds) + " seconds");
    } else if (ec == net::error::operation_aborted && core_.stopping()) {
      error = Error::Unavailable("the server is shutting down");
    } else if (IsParseError(ec) && ec != bhttp::error::partial_message) {
      error = Error::InvalidArgument("the request body is malformed: " + ec.message(), "body",
                                     "malformed_request");
    }
    streamed_->Fail(std::move(error));
  }

  // The handler's answer, back on the strand. A streamed body not read to its end cannot be
  // skipped reliably: the connection closes after the answer (lingering to let it arrive).
  void OnHandled(Response response, std::string route) {
    if (!route.empty()) route_ = std::move(route);
    bool close = false;
    if (streamed_) {
      streamed_->Abandon();
      streamed_.reset();
      if (body_too_large_) response = ProblemResponse(BodyTooLarge(body_limit_), request_id_);
      if (!body_complete_) {
        close = true;
        linger_ = true;
        if (pumping_) {
          deferred_response_ = std::move(response);
          Lowest().cancel();
          return;
        }
      }
    }
    Write(std::move(response), close);
  }

  void Dispatch(const Handler& handler, Request request) {
    net::post(core_.workers(), [self = this->shared_from_this(), &handler,
                                request = std::move(request),
                                work = net::make_work_guard(core_.ioc())]() mutable {
      Response response = RunHandler(handler, request);
      request.body_stream.reset();
      net::post(self->executor_,
                [self, response = std::move(response), route = std::move(request.route)]() mutable {
                  self->OnHandled(std::move(response), std::move(route));
                });
    });
  }

  // The request of `msg`'s header, without its body; records its id, method and path for the
  // access log. invalid_argument for a target that is not a valid path.
  Result<Request> RequestFromHeader(const bhttp::request<bhttp::string_body>& msg) {
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;

    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    request.remote_address = remote_;
    for (const auto& field : msg) {
      request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    if (auto rid = request.Header("X-Request-Id"); rid && IsValidRequestId(*rid)) {
      request_id_ = *rid;
    }
    request.request_id = request_id_;
    method_ = request.method;
    log_path_ = request.target.substr(0, request.target.find('?'));

    auto url = boost::urls::parse_origin_form(request.target);
    if (!url) {
      return Error::InvalidArgument("the request target is not a valid path", {}, "invalid_target");
    }
    request.path = url->path();
    if (request.path.find('\0') != std::string::npos) {
      return Error::InvalidArgument("the path contains a NUL character", {}, "invalid_target");
    }
    for (auto param : url->params(boost::urls::encoding_opts(/*space_as_plus=*/true))) {
      request.query.emplace(param.key, param.has_value ? param.value : std::string());
    }
    return request;
  }

  // A fast path's answer, or nullopt (also when it throws: the handler then runs as usual).
  static std::optional<Response> RunFastHandler(const FastHandler& fast, Request& request) {
    try {
      return fast(request);
    } catch (const std::exception& e) {
      LogError("fast path failed for request " + request.request_id + ": " + e.what());
    } catch (...) {
      LogError("fast path failed for request " + request.request_id +
               " with a non-standard exception");
    }
    return std::nullopt;
  }

  static Response RunHandler(const Handler& handler, Request& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      LogError("handler failed for request " + request.request_id + ": " + e.what());
    } catch (...) {
      LogError("handler failed for request " + request.request_id +
               " with a non-standard exception");
    }
    return ProblemResponse(Error::Internal("handler threw"), request.request_id);
  }

  void Write(Response response, bool close) {
    phase_ = Phase::kWriting;
    keep_alive_ = keep_alive_ && !close && !core_.stopping();
    if (response.status < 100 || response.status > 599) {
      LogError("handler returned invalid status " + std::to_string(response.status) +
               " for request " + request_id_);
      response = ProblemResponse(Error::Internal("invalid status"), request_id_);
    }
    // The response is rendered here as the head's text and the body, and written as those two
    // buffers: cheaper than Beast's header container and serializer on this hot path.
    auto out = std::make_shared<Outgoing>();
    std::string& head = out->head;
    head.reserve(640);
    head += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(response.status);
    head += ' ';
    head += bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
    head += "\r\n";
    auto add = [&head](std::string_view name, std::string_view value) {
      head += name;
      head += ": ";
      head += value;
      head += "\r\n";
    };
    bool cache_control = false;
    bool content_security_policy = false;
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || IsFramingHeader(name) || IsServerHeader(name) ||
          !IsValidHeaderText(name) || !IsValidHeaderText(value)) {
        continue;
      }
      cache_control = cache_control || IEquals(name, "Cache-Control");
      content_security_policy = content_security_policy || IEquals(name, "Content-Security-Policy");
      add(name, value);
    }
    if (!cache_control) add("Cache-Control", "no-store");
    // Only this origin's own scripts, styles, images and API: no inline code, nothing from
    // elsewhere. The web UI is built to need nothing more.
    if (!content_security_policy) {
      add("Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; manifest-src 'self'; form-action 'self'; "
          "frame-ancestors 'none'; base-uri 'none'");
    }
    add("X-Content-Type-Options", "nosniff");
    add("Referrer-Policy", "no-referrer");
    add("X-Frame-Options", "DENY");
    add("X-Request-Id", request_id_);
    status_ = response.status;
    bytes_ = 0;
    bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
    if (bodiless) {
      // No body and no Content-Length.
    } else {
      add("Content-Length", std::to_string(response.body.size()));
      if (!head_) {
        bytes_ = response.body.size();
        out->body = std::move(response.body);
      }
    }
    // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
    if (version_ >= 11 && !keep_alive_) add("Connection", "close");
    if (version_ < 11 && keep_alive_) add("Connection", "keep-alive");
    head += "\r\n";
    // Recorded when the response is complete and before any byte of it leaves, so that whoever
    // reads the response also sees it counted.
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    core_.metrics().RequestFinished(route_, method_, status_, seconds);
    LogAccess(seconds);
    Lowest().expires_after(Seconds(core_.options().request_timeout_seconds));
    const std::array<net::const_buffer, 2> buffers = {net::buffer(out->head),
                                                      net::buffer(out->body)};
    net::async_write(stream_, buffers,
                     [self = this->shared_from_this(), out](beast::error_code ec, std::size_t) {
                       self->OnWrite(ec);
                     });
  }

  void OnWrite(beast::error_code ec) {
    if (ec || !keep_alive_) return Close();
    ReadHeader();
  }

  void LogAccess(double seconds) {
    // Below the info level (warn, error) there is no access log: nothing to build.
    if (!spdlog::should_log(spdlog::level::info)) return;
    if (json_messages()) {
      boost::json::object event;
      event["type"] = "access";
      event["request_id"] = request_id_;
      event["method"] = method_;
      event["path"] = log_path_;
      event["route"] = route_;
      event["status"] = status_;
      event["bytes"] = bytes_;
      event["duration_ms"] = std::round(seconds * 1e6) / 1e3;
      event["remote"] = remote_;
      LogInfoFields(boost::json::serialize(event));
    } else {
      spdlog::info("access {} {} {} {} {} {}B {:.3f}ms {}", request_id_, method_, log_path_, route_,
                   status_, bytes_, seconds * 1e3, remote_);
    }
  }

  // Ends the connection. After refusing a request whose rest was not read, the unread bytes are
  // discarded for a while first: closing with unread data would reset the connection and could
  // destroy the response before the client reads it.
  void Close() {
    phase_ = Phase::kClosing;
    if constexpr (kTls) {
      Lowest().expires_after(kLingerTime);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Lowest().close(); });
    } else {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (!linger_ || ec) {
        Lowest().close();
        return;
      }
      Lowest().expires_after(kLingerTime);
      discard_.resize(16 << 10);
      Discard();
    }
  }

  void Discard() {
    Lowest().async_read_some(net::buffer(discard_), [self = this->shared_from_this()](
                                                        beast::error_code ec, std::size_t n) {
      self->discarded_ += n;
      std::uint64_t limit = std::max<std::uint64_t>(
          kMinLingerBytes, 2 * static_cast<std::uint64_t>(std::max(
                                   self->core_.options().body_limit_bytes, self->body_limit_)));
      if (ec || self->discarded_ > limit) return self->Lowest().close();
      self->Discard();
    });
  }

  ServerCore& core_;
  Stream stream_;
  std::string remote_;
  net::any_io_executor executor_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::int64_t body_limit_ = 0;  // The limit of the request being read.
  // A streamed request: its parser once the header is read, the queue its handler reads, the
  // chunk being read into, and what is left of its request timeout.
  std::optional<bhttp::request_parser<bhttp::buffer_body>> stream_parser_;
  std::shared_ptr<StreamedBody> streamed_;  // Until its handler returns.
  std::vector<char> pump_chunk_;            // Empty when no chunk is being filled.
  std::size_t pump_filled_ = 0;             // Bytes of pump_chunk_ read already.
  bool pumping_ = false;                    // A read of the body or the 100 Continue is in flight.
  bool expect_continue_ = false;
  bool body_complete_ = false;
  bool body_too_large_ = false;
  std::chrono::steady_clock::duration read_budget_{};
  std::chrono::steady_clock::time_point pump_started_;
  std::optional<Response> deferred_response_;  // The answer waiting for the read to stop.
  Phase phase_ = Phase::kWaiting;
  std::uint64_t served_ = 0;
  bool keep_alive_ = false;
  bool head_ = false;
  bool linger_ = false;
  unsigned version_ = 11;
  // The request being answered, for metrics and the access log.
  std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  std::string method_;
  std::string log_path_;
  std::string route_;
  int status_ = 0;
  std::uint64_t bytes_ = 0;
  std::vector<char> discard_;
  std::uint64_t discarded_ = 0;
};

Status ServerCore::SetUpTls() {
  if (options_.tls_certificate.empty() && options_.tls_private_key.empty()) return OkStatus();
  if (options_.tls_certificate.empty() || options_.tls_private_key.empty()) {
    return Error::InvalidArgument(
        "TLS needs both a certificate and a private key",
        options_.tls_certificate.empty() ? "server.tls_certificate" : "server.tls_private_key");
  }
  ssl_ctx_.emplace(ssl::context::tls_server);
  ssl_ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                        ssl::context::single_dh_use);
  beast::error_code ec;
  ssl_ctx_->use_certificate_chain_file(options_.tls_certificate, ec);
  if (ec) {
    return Error::InvalidArgument(
        "cannot load TLS certificate " + options_.tls_certificate + ": " + ec.message(),
        "server.tls_certificate");
  }
  ssl_ctx_->use_private_key_file(options_.tls_private_key, ssl::context::pem, ec);
  if (ec) {
    return Error::InvalidArgument(
        "cannot load TLS private key " + options_.tls_private_key + ": " + ec.message(),
        "server.tls_private_key");
  }
  return OkStatus();
}

Status ServerCore::Listen() {
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(options_.port));
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      return Error::Unavailable("cannot resolve listen host " + options_.host + ": " +
                                ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](const char* what) -> Status {
    return Error::Unavailable(std::string("cannot ") + what + " " + options_.host + ":" +
                              std::to_string(options_.port) + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("configure");
  if (acceptor_.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  net::post(control_, [this] { DoAccept(); });
  return OkStatus();
}

void ServerCore::DoAccept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_ || ec == net::error::operation_aborted) return;
  if (ec) {
    // Usually out of file descriptors: pause rather than spin.
    LogWarn("accept failed: " + ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping_) DoAccept();
    });
    return;
  }
  beast::error_code remote_ec;
  std::string remote = socket.remote_endpoint(remote_ec).address().to_string();
  socket.set_option(tcp::no_delay(true), remote_ec);
  if (ssl_ctx_) {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    auto session = std::make_shared<Session<TlsStream>>(*this, std::move(remote), std::move(socket),
                                                        *ssl_ctx_);
    session->Start(Register(session));
  } else {
    auto session =
        std::make_shared<Session<beast::tcp_stream>>(*this, std::move(remote), std::move(socket));
    session->Start(Register(session));
  }
  DoAccept();
}

std::uint64_t ServerCore::Register(std::weak_ptr<SessionBase> session) {
  std::lock_guard lock(sessions_mu_);
  std::uint64_t id = ++next_session_id_;
  sessions_.emplace(id, std::move(session));
  return id;
}

void ServerCore::Unregister(std::uint64_t id) {
  bool drained = false;
  {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(id);
    drained = sessions_.empty() && stopping_;
  }
  // The last connection of a stopping server is gone: the grace timer must not hold Run().
  if (drained && running_) net::post(control_, [this] { grace_timer_.cancel(); });
}

std::vector<std::shared_ptr<SessionBase>> ServerCore::Snapshot() {
  std::vector<std::shared_ptr<SessionBase>> out;
  std::lock_guard lock(sessions_mu_);
  for (auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) out.push_back(std::move(session));
  }
  return out;
}

void ServerCore::Run() {
  running_ = true;
  std::vector<std::thread> threads;
  for (int i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (std::thread& t : threads) t.join();
  workers_.join();
  running_ = false;
}

void ServerCore::Stop() {
  if (stop_requested_.exchange(true)) return;
  net::post(control_, [this] { DoStop(); });
}

void ServerCore::DoStop() {
  {
    std::lock_guard lock(sessions_mu_);
    stopping_ = true;
  }
  beast::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  std::vector<std::shared_ptr<SessionBase>> sessions = Snapshot();
  if (sessions.empty()) return;
  for (const auto& session : sessions) session->CloseIfIdle();
  sessions.clear();
  grace_timer_.expires_after(std::chrono::seconds(options_.shutdown_grace_seconds));
  grace_timer_.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec) return;
    std::vector<std::shared_ptr<SessionBase>> remaining = Snapshot();
    if (!remaining.empty()) {
      LogWarn("closing " + std::to_string(remaining.size()) +
              " connections still busy after the shutdown grace period");
    }
    for (const auto& session : remaining) session->ForceClose();
  });
}

}  // namespace detail

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, const Router& router,
                                               Metrics& metrics) {
  if (options.port < 0 || options.port > 65535) {
    return Error::InvalidArgument("port must be within 0..65535", "server.port");
  }
  if (options.io_threads < 1) {
    return Error::InvalidArgument("io_threads must be at least 1", "server.io_threads");
  }
  if (options.worker_threads < 1) {
    return Error::InvalidArgument("worker_threads must be at least 1", "server.worker_threads");
  }
  if (options.body_limit_bytes < 0) {
    return Error::InvalidArgument("body_limit_bytes must not be negative",
                                  "server.body_limit_bytes");
  }
  if (options.header_limit_bytes < 1) {
    return Error::InvalidArgument("header_limit_bytes must be positive",
                                  "server.header_limit_bytes");
  }
  if (options.request_timeout_seconds < 1 || options.idle_timeout_seconds < 1) {
    return Error::InvalidArgument("timeouts must be at least one second",
                                  options.request_timeout_seconds < 1
                                      ? "server.request_timeout_seconds"
                                      : "server.idle_timeout_seconds");
  }
  if (options.shutdown_grace_seconds < 0) {
    return Error::InvalidArgument("shutdown_grace_seconds must not be negative",
                                  "server.shutdown_grace_seconds");
  }
  auto core = std::make_unique<detail::ServerCore>(std::move(options), router, metrics);
  RETURN_IF_ERROR(core->SetUpTls());
  RETURN_IF_ERROR(core->Listen());
  return std::unique_ptr<Server>(new Server(std::move(core)));
}

Server::Server(std::unique_ptr<detail::ServerCore> core) : core_(std::move(core)) {}

Server::~Server() = default;

int Server::port() const { return core_->port(); }

bool Server::tls() const { return core_->tls(); }

void Server::Run() { core_->Run(); }

void Server::Stop() { core_->Stop(); }

}  // namespace liaison::http
