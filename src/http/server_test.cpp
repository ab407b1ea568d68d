#include "http/server.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace liaison::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using ClientResponse = bhttp::response<bhttp::string_body>;

// A blocking HTTP/1.1 client over one connection.
class Client {
 public:
  explicit Client(int port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  void SendRaw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  // Like SendRaw, but an error (the server closed the connection) ends the sending quietly.
  void TrySendRaw(const std::string& bytes) {
    beast::error_code ec;
    net::write(socket_, net::buffer(bytes), ec);
  }

  // Ends the connection abruptly (the client goes away).
  void Close() { socket_.close(); }

  void Send(bhttp::verb method, const std::string& target, std::string body = {},
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    bhttp::request<bhttp::string_body> req(method, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(socket_, req);
  }

  ClientResponse Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 << 20);
    parser.skip(head);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  // Reads until the server ends the connection; returns the error that ended the read.
  beast::error_code ReadUntilClosed() {
    beast::error_code ec;
    ClientResponse res;
    bhttp::read(socket_, buffer_, res, ec);
    return ec;
  }

  ClientResponse Get(const std::string& target,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    Send(bhttp::verb::get, target, {}, std::move(headers));
    return Read();
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

boost::json::object ParseProblem(const ClientResponse& res) {
  EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
  return boost::json::parse(res.body()).as_object();
}

// Runs a Server on 127.0.0.1, port 0, on its own thread.
class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    options_.host = "127.0.0.1";
    options_.port = 0;
    options_.io_threads = 1;
    options_.worker_threads = 2;
    options_.shutdown_grace_seconds = 10;
    router_.Add("GET", "/hello", [](Request&) { return Response::Text(200, "hello"); });
  }

  ~ServerTest() override { StopAndJoin(); }

  void Start() {
    auto server = Server::Create(options_, router_, metrics_);
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(server).value();
    run_thread_ = std::thread([this] { server_->Run(); });
  }

  void StopAndJoin() {
    if (server_) server_->Stop();
    if (run_thread_.joinable()) run_thread_.join();
  }

  int port() const { return server_->port(); }

  ServerOptions options_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread run_thread_;
};

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  Client client(port());
  ClientResponse first = client.Get("/hello");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(first.body(), "hello");
  EXPECT_TRUE(first.keep_alive());
  ClientResponse second = client.Get("/hello");
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_EQ(second.body(), "hello");
}

TEST_F(ServerTest, AddsSecurityHeadersToEveryResponse) {
  router_.Add("GET", "/cached", [](Request&) {
    return Response::Text(200, "x").SetHeader("Cache-Control", "max-age=60");
  });
  Start();
  Client client(port());
  for (const char* target : {"/hello", "/missing"}) {
    ClientResponse res = client.Get(target);
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(res["X-Frame-Options"], "DENY");
    EXPECT_EQ(res["Cache-Control"], "no-store");
    std::string csp(res["Content-Security-Policy"]);
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  }
  EXPECT_EQ(client.Get("/cached")["Cache-Control"], "max-age=60");
}

TEST_F(ServerTest, FramesResponsesItselfWhateverTheHandlerSays) {
  router_.Add("GET", "/framing", [](Request&) {
    Response r = Response::Text(200, "body")
                     .SetHeader("Content-Length", "99")
                     .SetHeader("Connection", "close")
                     .SetHeader("X-Frame-Options", "ALLOWALL");
    r.headers.emplace_back("Set-Cookie", "a=1");
    r.headers.emplace_back("Set-Cookie", "b=2");
    return r;
  });
  router_.Add("GET", "/empty", [](Request&) { return Response{204, {}, {}}; });
  Start();
  Client client(port());
  ClientResponse res = client.Get("/framing");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.reason(), "OK");
  EXPECT_EQ(res.body(), "body");
  EXPECT_EQ(res[bhttp::field::content_length], "4");
  EXPECT_EQ(res.count(bhttp::field::x_frame_options), 1u);
  EXPECT_EQ(res[bhttp::field::x_frame_options], "DENY");
  EXPECT_EQ(res.count(bhttp::field::set_cookie), 2u);
  EXPECT_TRUE(res.keep_alive());
  ClientResponse empty = client.Get("/empty");  // The connection stayed open.
  EXPECT_EQ(empty.result_int(), 204);
  EXPECT_EQ(empty.count(bhttp::field::content_length), 0u);
  // HTTP/1.0: closed after the answer unless the client asks to keep it.
  client.SendRaw("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ClientResponse kept = client.Read();
  EXPECT_EQ(kept.version(), 10u);
  EXPECT_EQ(kept[bhttp::field::connection], "keep-alive");
  EXPECT_EQ(kept.body(), "hello");
  client.SendRaw("GET /hello HTTP/1.0\r\n\r\n");
  ClientResponse last = client.Read();
  EXPECT_EQ(last.body(), "hello");
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(ServerTest, KeepsAContentSecurityPolicyTheHandlerSet) {
  router_.Add("GET", "/own-policy", [](Request&) {
    return Response::Text(200, "x").SetHeader("Content-Security-Policy", "default-src 'none'");
  });
  Start();
  Client client(port());
  EXPECT_EQ(client.Get("/own-policy")["Content-Security-Policy"], "default-src 'none'");
}

TEST_F(ServerTest, RejectsABodyOverTheLimitWith413) {
  options_.body_limit_bytes = 1 << 20;
  bool called = false;
  router_.Add("POST", "/upload", [&](Request&) {
    called = true;
    return Response::Text(200, "ok");
  });
  Start();
  Client client(port());
  client.Send(bhttp::verb::post, "/upload", std::string(2 << 20, 'x'));
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
  boost::json::object problem = ParseProblem(res);
  EXPECT_EQ(problem.at("reason"), "body_too_large");
  EXPECT_EQ(problem.at("status"), 413);
  EXPECT_FALSE(called);
}

TEST_F(ServerTest, AcceptsABodyWithinTheLimit) {
  options_.body_limit_bytes = 1 << 20;
  router_.Add("POST", "/upload",
              [](Request& r) { return Response::Text(200, std::to_string(r.body.size())); });
  Start();
  Client client(port());
  client.Send(bhttp::verb::post, "/upload", std::string(1 << 19, 'x'));
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), std::to_string(1 << 19));
}

TEST_F(ServerTest, AppliesAPathPatternsOwnBodyLimitToThatRouteOnly) {
  options_.body_limit_bytes = 1 << 10;
  options_.body_limit_overrides.emplace_back("/items/{id}/files", 1 << 20);
  auto size = [](Request& r) { return Response::Text(200, std::to_string(r.body.size())); };
  router_.Add("POST", "/items/{id}/files", size);
  router_.Add("POST", "/items/{id}", size);
  Start();
  {
    Client client(port());
    client.Send(bhttp::verb::post, "/items/it_1/files?name=a", std::string(1 << 19, 'x'));
    ClientResponse res = client.Read();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), std::to_string(1 << 19));
  }
  {
    Client client(port());
    client.Send(bhttp::verb::post, "/items/it_1/files", std::string((1 << 20) + 1, 'x'));
    ClientResponse res = client.Read();
    EXPECT_EQ(res.result_int(), 413);
    boost::json::object problem = ParseProblem(res);
    EXPECT_EQ(problem.at("field"), "body");
  }
  for (const char* other : {"/items/it_1", "/items//files", "/items/it_1/files/x"}) {
    Client client(port());
    client.Send(bhttp::verb::post, other, std::string(2 << 10, 'x'));
    EXPECT_EQ(client.Read().result_int(), 413) << other;
  }
}

TEST_F(ServerTest, RejectsOversizedHeadersWith431) {
  options_.header_limit_bytes = 8 << 10;
  Start();
  Client client(port());
  client.Send(bhttp::verb::get, "/hello", {}, {{"X-Padding", std::string(16 << 10, 'a')}});
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_EQ(ParseProblem(res).at("reason"), "headers_too_large");
}

TEST_F(ServerTest, AnswersMalformedRequestsWith400AndCloses) {
  Start();
  Client client(port());
  client.SendRaw("GET /hello HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(ParseProblem(res).at("reason"), "malformed_request");
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(ServerTest, StopLetsARequestInFlightFinishAndThenRefusesConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  router_.Add("GET", "/slow", [&](Request&) {
    entered.set_value();
    released.wait();
    return Response::Text(200, "done");
  });
  Start();
  Client client(port());
  Client idle(port());
  EXPECT_EQ(idle.Get("/hello").result_int(), 200);
  client.Send(bhttp::verb::get, "/slow");
  entered.get_future().wait();
  server_->Stop();
  // The idle keep-alive connection is closed by Stop() while the slow request is still running.
  EXPECT_TRUE(idle.ReadUntilClosed());
  release.set_value();
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "done");
  EXPECT_FALSE(res.keep_alive());
  run_thread_.join();

  net::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()), ec);
  EXPECT_EQ(ec, net::error::connection_refused);
}

TEST_F(ServerTest, AnswersAThrowingHandlerWith500AndKeepsServing) {
  router_.Add("GET", "/boom",
              [](Request&) -> Response { throw std::runtime_error("secret detail"); });
  Start();
  Client client(port());
  ClientResponse res = client.Get("/boom");
  EXPECT_EQ(res.result_int(), 500);
  boost::json::object problem = ParseProblem(res);
  EXPECT_EQ(problem.at("code"), "internal");
  EXPECT_EQ(res.body().find("secret"), std::string::npos);
  EXPECT_EQ(client.Get("/hello").result_int(), 200);
  EXPECT_EQ(Client(port()).Get("/hello").result_int(), 200);
}

TEST_F(ServerTest, ClosesAnIdleKeepAliveConnectionAfterTheIdleTimeout) {
  options_.idle_timeout_seconds = 1;
  Start();
  Client client(port());
  EXPECT_EQ(client.Get("/hello").result_int(), 200);
  // Blocks until the server closes the connection: about one second.
  EXPECT_EQ(client.ReadUntilClosed(), bhttp::error::end_of_stream);
}

TEST_F(ServerTest, RunsHandlersOffTheIoThread) {
  std::thread::id handler_thread;
  router_.Add("GET", "/thread", [&](Request&) {
    handler_thread = std::this_thread::get_id();
    return Response::Text(200, "");
  });
  Start();
  EXPECT_EQ(Client(port()).Get("/thread").result_int(), 200);
  EXPECT_NE(handler_thread, std::thread::id());
  EXPECT_NE(handler_thread, run_thread_.get_id());
}

TEST_F(ServerTest, AnswersFromAFastPathOnTheIoThreadAndFallsBackToTheHandler) {
  std::atomic<int> handled{0};
  std::thread::id fast_thread;
  router_.Add(
      "GET", "/items/{id}",
      [&](Request& request) {
        ++handled;
        return Response::Text(200, "slow " + request.path_params["id"]);
      },
      [&](Request& request) -> std::optional<Response> {
        fast_thread = std::this_thread::get_id();
        if (request.path_params["id"] == "throws") throw std::runtime_error("fast path bug");
        if (request.Query("fast") != "1") return std::nullopt;
        return Response::Text(200, "fast " + request.path_params["id"]);
      });
  Start();
  Client client(port());
  ClientResponse fast = client.Get("/items/1?fast=1", {{"X-Request-Id", "fast-1"}});
  EXPECT_EQ(fast.result_int(), 200);
  EXPECT_EQ(fast.body(), "fast 1");
  EXPECT_EQ(fast["X-Request-Id"], "fast-1");  // Framed and headed like any answer.
  EXPECT_EQ(fast["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(fast_thread, run_thread_.get_id());  // io_threads = 1: the thread running Run().
  EXPECT_EQ(handled, 0);
  EXPECT_EQ(client.Get("/items/2").body(), "slow 2");
  EXPECT_EQ(client.Get("/items/throws?fast=1").body(), "slow throws");
  EXPECT_EQ(handled, 2);
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(
      text.find(
          "liaison_http_requests_total{route=\"/items/{id}\",method=\"GET\",status=\"200\"} 3"),
      std::string::npos)
      << text;
}

TEST_F(ServerTest, DecodesThePathAndParsesTheQuery) {
  router_.Add("GET", "/items/{id}", [](Request& r) {
    boost::json::object out;
    out["path"] = r.path;
    out["target"] = r.target;
    out["id"] = r.path_params.at("id");
    out["route"] = r.route;
    boost::json::array ys;
    auto [begin, end] = r.query.equal_range("y");
    for (auto it = begin; it != end; ++it) ys.emplace_back(it->second);
    out["y"] = ys;
    out["z"] = r.Query("z").value_or("-");
    out["flag"] = r.Query("flag").value_or("-");
    return Response::Json(200, boost::json::serialize(out));
  });
  Start();
  Client client(port());
  ClientResponse res = client.Get("/items/a%20b%C3%A9?y=hello+world&y=2&z=%26%3D&flag");
  ASSERT_EQ(res.result_int(), 200);
  boost::json::object out = boost::json::parse(res.body()).as_object();
  EXPECT_EQ(out.at("path"), "/items/a b\xC3\xA9");
  EXPECT_EQ(out.at("id"), "a b\xC3\xA9");
  EXPECT_EQ(out.at("route"), "/items/{id}");
  EXPECT_EQ(out.at("target"), "/items/a%20b%C3%A9?y=hello+world&y=2&z=%26%3D&flag");
  EXPECT_EQ(out.at("y"), (boost::json::array{"hello world", "2"}));
  EXPECT_EQ(out.at("z"), "&=");
  EXPECT_EQ(out.at("flag"), "");
}

TEST_F(ServerTest, RejectsInvalidPercentEncodingAndNul) {
  Start();
  Client client(port());
  ClientResponse bad = client.Get("/items/%zz");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(ParseProblem(bad).at("reason"), "invalid_target");
  ClientResponse nul = client.Get("/items/a%00b");
  EXPECT_EQ(nul.result_int(), 400);
  EXPECT_EQ(ParseProblem(nul).at("reason"), "invalid_target");
}

TEST_F(ServerTest, AnswersUnknownPathsWith404AndWrongMethodsWith405) {
  router_.Add("PUT", "/hello", [](Request&) { return Response::Text(200, ""); });
  Start();
  Client client(port());
  ClientResponse missing = client.Get("/nowhere");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(ParseProblem(missing).at("code"), "not_found");
  client.Send(bhttp::verb::delete_, "/hello");
  ClientResponse wrong = client.Read();
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(wrong[bhttp::field::allow], "GET, HEAD, PUT");
  EXPECT_EQ(ParseProblem(wrong).at("reason"), "method_not_allowed");
}

TEST_F(ServerTest, HandsUnmatchedPathsToTheFallback) {
  router_.SetFallback([](Request& r) { return Response::Text(200, "fallback " + r.path); });
  Start();
  ClientResponse res = Client(port()).Get("/app/page");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "fallback /app/page");
}

TEST_F(ServerTest, AnswersHeadLikeGetWithoutABody) {
  Start();
  Client client(port());
  client.Send(bhttp::verb::head, "/hello");
  ClientResponse res = client.Read(/*head=*/true);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_length], "5");
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(client.Get("/hello").body(), "hello");  // The connection is still in step.
}

TEST_F(ServerTest, EchoesAValidRequestIdAndReplacesAnInvalidOne) {
  std::string seen;
  router_.Add("GET", "/id", [&](Request& r) {
    seen = r.request_id;
    return Response::Text(200, "");
  });
  Start();
  Client client(port());
  ClientResponse echoed = client.Get("/id", {{"X-Request-Id", "abc-123_X.y"}});
  EXPECT_EQ(echoed["X-Request-Id"], "abc-123_X.y");
  EXPECT_EQ(seen, "abc-123_X.y");
  ClientResponse replaced = client.Get("/id", {{"X-Request-Id", "has space<script>"}});
  EXPECT_EQ(replaced["X-Request-Id"].size(), 16u);
  EXPECT_EQ(seen, replaced["X-Request-Id"]);
  EXPECT_EQ(client.Get("/id", {{"X-Request-Id", std::string(65, 'a')}})["X-Request-Id"].size(),
            16u);
  EXPECT_EQ(client.Get("/id")["X-Request-Id"].size(), 16u);
  EXPECT_EQ(client.Get("/nowhere")["X-Request-Id"].size(), 16u);
}

TEST_F(ServerTest, RecordsEveryRequestInTheMetrics) {
  router_.Add("GET", "/items/{id}", [](Request&) { return Response::Text(200, ""); });
  Start();
  Client client(port());
  client.Get("/items/1");
  client.Get("/items/2");
  client.Get("/nowhere");
  std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(
      text.find(
          "liaison_http_requests_total{route=\"/items/{id}\",method=\"GET\",status=\"200\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("liaison_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
      std::string::npos)
      << text;
  EXPECT_EQ(metrics_.in_flight(), 0);
}

TEST_F(ServerTest, ReportsABusyPortAsUnavailable) {
  Start();
  ServerOptions again = options_;
  again.port = port();
  auto second = Server::Create(again, router_, metrics_);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

TEST(ServerOptions, RejectsInvalidValues) {
  Router router;
  Metrics metrics;
  ServerOptions options;
  options.port = 0;
  options.worker_threads = 0;
  auto server = Server::Create(options, router, metrics);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().field, "server.worker_threads");
  options.worker_threads = 1;
  options.tls_certificate = "/nonexistent/cert.pem";
  server = Server::Create(options, router, metrics);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ServerTest, ServesConcurrentConnectionsWithSeveralIoThreads) {
  options_.io_threads = 2;
  Start();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      Client client(port());
      for (int j = 0; j < 5; ++j) {
        if (client.Get("/hello").body() == "hello") ++ok;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 20);
}

// Posts "ping" to `path` with "Expect: 100-continue", sending it only after the 100, and expects
// it echoed.
void ExpectContinueThenEcho(int port, const std::string& path) {
  Client client(port);
  client.SendRaw("POST " + path +
                 " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 100);
  client.SendRaw("ping");
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ping");
}

TEST_F(ServerTest, AnswersExpectContinueBeforeTheBody) {
  router_.Add("POST", "/echo", [](Request& r) { return Response::Text(200, r.body); });
  Start();
  ExpectContinueThenEcho(port(), "/echo");
}

TEST_F(ServerTest, WritesOneJsonAccessLogLinePerRequestWithoutQueryOrHeaders) {
  auto previous = spdlog::default_logger();
  std::ostringstream lines;
  auto logger = std::make_shared<spdlog::logger>(
      "access_test", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  logger->set_pattern("{%v}");  // As ConfigureLogging frames JSON lines.
  spdlog::set_default_logger(logger);
  json_messages() = true;
  router_.Add("GET", "/items/{id}", [](Request&) { return Response::Text(201, "abc"); });
  Start();
  ClientResponse res =
      Client(port()).Get("/items/7?token=secret",
                         {{"Authorization", "Bearer hidden"}, {"X-Request-Id", "log-test-1"}});
  EXPECT_EQ(res.result_int(), 201);
  StopAndJoin();
  json_messages() = false;
  spdlog::set_default_logger(previous);

  std::string text = lines.str();
  EXPECT_EQ(text.find("secret"), std::string::npos);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  boost::json::object event = boost::json::parse(text).as_object();
  EXPECT_EQ(event.at("type"), "access");
  EXPECT_EQ(event.at("request_id"), "log-test-1");
  EXPECT_EQ(event.at("method"), "GET");
  EXPECT_EQ(event.at("path"), "/items/7");
  EXPECT_EQ(event.at("route"), "/items/{id}");
  EXPECT_EQ(event.at("status"), 201);
  EXPECT_EQ(event.at("bytes"), 3u);
  EXPECT_TRUE(event.at("duration_ms").is_double());
  EXPECT_EQ(event.at("remote"), "127.0.0.1");
}

TEST_F(ServerTest, ServesHttpsWithTheConfiguredCertificate) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("liaison_tls_" + RandomHex(8));
  fs::create_directories(dir);
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  options_.tls_certificate = cert;
  options_.tls_private_key = key;
  Start();
  EXPECT_TRUE(server_->tls());

  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(cert);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
  stream.handshake(ssl::stream_base::client);
  bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/hello", 11);
  req.set(bhttp::field::host, "localhost");
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  ClientResponse res;
  bhttp::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "hello");
  beast::error_code ec;
  stream.shutdown(ec);
  fs::remove_all(dir);
}

// Streamed request bodies ------------------------------------------------------------------------

// A body of `size` bytes whose every byte depends on its position, so that a lost, repeated or
// reordered byte shows.
std::string PatternBody(std::size_t size) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 4099) % 26);
  return body;
}

// `body` in chunked transfer coding, in chunks of the given sizes taken in turn.
std::string Chunked(const std::string& body, const std::vector<std::size_t>& sizes) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < body.size(); ++i) {
    std::size_t n = std::min(sizes[i % sizes.size()], body.size() - pos);
    char length[32];
    std::snprintf(length, sizeof length, "%zx\r\n", n);
    out += length;
    out.append(body, pos, n);
    out += "\r\n";
    pos += n;
  }
  return out + "0\r\n\r\n";
}

// What a streamed handler read: the bytes, or the error that ended the reading.
struct ReadOutcome {
  std::string bytes;
  std::optional<Error> error;
};

// Reads `stream` to its end or first error, `buffer_size` bytes at a time.
ReadOutcome ReadAll(BodyStream& stream, std::size_t buffer_size = 7001) {
  ReadOutcome out;
  std::vector<char> buffer(buffer_size);
  while (true) {
    Result<std::size_t> n = stream.Read(buffer.data(), buffer.size());
    if (!n.has_value()) {
      out.error = n.error();
      return out;
    }
    if (*n == 0) return out;
    out.bytes.append(buffer.data(), *n);
  }
}

// An echo of the body's size and content, or the problem that ended its reading.
Response EchoStream(Request& request) {
  if (request.body_stream == nullptr || !request.body.empty()) {
    return Response::Text(500, "no stream");
  }
  ReadOutcome read = ReadAll(*request.body_stream);
  if (read.error) return ProblemResponse(*read.error, request.request_id);
  return Response::Text(200, read.bytes);
}

// Adds POST /stream, whose handler reads the body to its end and hands the error that ended it,
// if any, to the returned future. Once only.
std::future<std::optional<Error>> AddReadToEndRoute(Router& router) {
  auto seen = std::make_shared<std::promise<std::optional<Error>>>();
  router.Add(
      "POST", "/stream",
      [seen](Request& request) {
        ReadOutcome read = ReadAll(*request.body_stream);
        seen->set_value(read.error);
        // Whatever the handler answers after an error, the server knows what went wrong.
        return Response::Text(200, "read " + std::to_string(read.bytes.size()));
      },
      BodyMode::kStreamed);
  return seen->get_future();
}

TEST_F(ServerTest, StreamsABodyLargerThanTheQueueToAHandlerThatRunsBeforeItArrives) {
  std::promise<void> handler_started;
  router_.Add(
      "POST", "/stream",
      [&](Request& request) {
        handler_started.set_value();
        return EchoStream(request);
      },
      BodyMode::kStreamed);
  options_.body_limit_bytes = 16 << 20;
  Start();
  const std::string body = PatternBody((6 << 20) + 12345);
  Client client(port());
  client.SendRaw("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 1000));
  // The handler runs although most of the body has not been sent.
  handler_started.get_future().wait();
  for (std::size_t pos = 1000; pos < body.size(); pos += 65536) {
    client.SendRaw(body.substr(pos, 65536));
  }
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body().size(), body.size());
  EXPECT_TRUE(res.body() == body);
  EXPECT_TRUE(res.keep_alive());
  // The connection serves its next request.
  EXPECT_EQ(client.Get("/hello").body(), "hello");
}

TEST_F(ServerTest, StreamsAChunkedBody) {
  router_.Add("POST", "/stream", EchoStream, BodyMode::kStreamed);
  options_.body_limit_bytes = 4 << 20;
  Start();
  const std::string body = PatternBody((3 << 20) + 777);
  Client client(port());
  client.SendRaw("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                 Chunked(body, {1, 100000, 3, 65536, 300000}));
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.body() == body);
  EXPECT_EQ(client.Get("/hello").result_int(), 200);
}

TEST_F(ServerTest, GivesAStreamedRouteAnEmptyBodyAsAStream) {
  router_.Add("POST", "/stream", EchoStream, BodyMode::kStreamed);
  Start();
  Client client(port());
  client.Send(bhttp::verb::post, "/stream");
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "");
}

TEST_F(ServerTest, AnswersContinueOnlyWhenAStreamedHandlerReads) {
  router_.Add("POST", "/stream", EchoStream, BodyMode::kStreamed);
  router_.Add(
      "POST", "/refuse",
      [](Request& request) {
        return ProblemResponse(Error::Unauthenticated("no credentials"), request.request_id);
      },
      BodyMode::kStreamed);
  options_.body_limit_bytes = 8 << 20;
  Start();
  ExpectContinueThenEcho(port(), "/stream");
  {
    // A handler that refuses before reading is heard without the body being sent at all.
    Client client(port());
    client.SendRaw(
        "POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n"
        "Expect: 100-continue\r\n\r\n");
    ClientResponse res = client.Read();
    EXPECT_EQ(res.result_int(), 401);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(client.ReadUntilClosed());
  }
}

TEST_F(ServerTest, AnswersAStreamedBodyOverTheLimitMidwayWith413) {
  std::future<std::optional<Error>> seen = AddReadToEndRoute(router_);
  options_.body_limit_bytes = 1 << 20;
  Start();
  Client client(port());
  // Chunked: the size is not known before the limit is crossed.
  client.TrySendRaw("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    Chunked(PatternBody(3 << 20), {65536}));
  ClientResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
  boost::json::object problem = ParseProblem(res);
  EXPECT_EQ(problem.at("code"), "invalid_argument");
  EXPECT_EQ(problem.at("reason"), "body_too_large");
  EXPECT_EQ(problem.at("field"), "body");
  std::optional<Error> error = seen.get();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, "body_too_large");
  EXPECT_EQ(Client(port()).Get("/hello").result_int(), 200);
}

TEST_F(ServerTest, EndsAStreamedReadWithAnErrorWhenTheClientGoesAway) {
  std::future<std::optional<Error>> seen = AddReadToEndRoute(router_);
  options_.body_limit_bytes = 64 << 20;
  Start();
  {
    Client client(port());
    client.SendRaw("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" +
                   PatternBody(1 << 20));
    client.Close();
  }
  std::optional<Error> error = seen.get();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, ErrorCode::kUnavailable);
  Client next(port());
  EXPECT_EQ(next.Get("/hello").result_int(), 200);
}

TEST_F(ServerTest, ClosesTheConnectionAfterAnAnswerGivenBeforeTheBodyEnds) {
  // One handler refuses without reading; the other stops after the first bytes while the server
  // is reading on.
  router_.Add(
      "POST", "/refuse",
      [](Request& request) {
        return ProblemResponse(Error::PermissionDenied("not yours"), request.request_id);
      },
      BodyMode::kStreamed);
  router_.Add(
      "POST", "/first-bytes",
      [](Request& request) {
        char buffer[10];
        Result<std::size_t> n = request.body_stream->Read(buffer, sizeof buffer);
        return Response::Text(400, "stopped after " + std::to_string(n.value_or(0)));
      },
      BodyMode::kStreamed);
  options_.body_limit_bytes = 64 << 20;
  Start();
  const std::string body = PatternBody(4 << 20);
  for (const char* path : {"/refuse", "/first-bytes"}) {
    Client client(port());
    client.SendRaw(std::string("POST ") + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n");
    std::thread sender([&] { client.TrySendRaw(body); });
    ClientResponse res = client.Read();
    EXPECT_EQ(res.result_int(), std::string(path) == "/refuse" ? 403 : 400) << path;
    EXPECT_FALSE(res.keep_alive()) << path;
    EXPECT_TRUE(client.ReadUntilClosed()) << path;
    sender.join();
    // A fresh connection is served.
    EXPECT_EQ(Client(port()).Get("/hello").result_int(), 200) << path;
  }
}

TEST_F(ServerTest, EndsAStalledStreamedReadAtTheRequestTimeout) {
  std::future<std::optional<Error>> seen = AddReadToEndRoute(router_);
  options_.request_timeout_seconds = 1;
  Start();
  Client client(port());
  client.SendRaw("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this");
  std::optional<Error> error = seen.get();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, ErrorCode::kUnavailable);
  EXPECT_NE(error->message.find("did not arrive"), std::string::npos) << error->message;
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(ServerTest, StopDuringAStreamedBodyEndsItsReadAndFinishes) {
  std::promise<void> reading;
  std::promise<std::optional<Error>> seen;
  router_.Add(
      "POST", "/stream",
      [&](Request& request) {
        char byte;
        (void)request.body_stream->Read(&byte, 1);
        reading.set_value();
        ReadOutcome read = ReadAll(*request.body_stream);
        seen.set_value(read.error);
        return Response::Text(200, "done");
      },
      BodyMode::kStreamed);
  options_.shutdown_grace_seconds = 1;
  options_.request_timeout_seconds = 600;
  Start();
  Client client(port());
  client.SendRaw("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nsome");
  reading.get_future().wait();
  server_->Stop();
  // The client sends no more: after the grace period the server closes the connection, which
  // ends the handler's read, and Run() returns.
  run_thread_.join();
  std::optional<Error> error = seen.get_future().get();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace liaison::http
