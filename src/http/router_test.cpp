#include <gtest/gtest.h>

#include "http/message.hpp"

namespace liaison::http {
namespace {

Handler Returning(int status) {
  return [status](Request&) { return Response::Text(status, ""); };
}

int Call(const Router::Match& match) {
  Request request;
  return (*match.handler)(request).status;
}

TEST(Router, MatchesLiteralRoutesExactly) {
  Router router;
  router.Add("GET", "/api/v1/contacts", Returning(200));
  Router::Match match = router.Find("GET", "/api/v1/contacts");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "/api/v1/contacts");
  EXPECT_EQ(router.Find("GET", "/api/v1/contacts/").handler, nullptr);
  EXPECT_EQ(router.Find("GET", "/api/v1").handler, nullptr);
  EXPECT_FALSE(router.Find("GET", "/api/v1/other").path_known);
}

TEST(Router, CapturesParameters) {
  Router router;
  router.Add("GET", "/api/v1/requests/{id}/messages/{message}", Returning(200));
  Router::Match match = router.Find("GET", "/api/v1/requests/req_1/messages/m 2");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "/api/v1/requests/{id}/messages/{message}");
  EXPECT_EQ(match.params.at("id"), "req_1");
  EXPECT_EQ(match.params.at("message"), "m 2");
}

TEST(Router, ParameterDoesNotMatchAnEmptySegment) {
  Router router;
  router.Add("GET", "/contacts/{id}", Returning(200));
  EXPECT_EQ(router.Find("GET", "/contacts/").handler, nullptr);
}

TEST(Router, PrefersLiteralSegmentsOverParameters) {
  Router router;
  router.Add("GET", "/contacts/{id}", Returning(201));
  router.Add("GET", "/contacts/export", Returning(202));
  router.Add("GET", "/{kind}/export", Returning(203));
  EXPECT_EQ(Call(router.Find("GET", "/contacts/export")), 202);
  EXPECT_EQ(Call(router.Find("GET", "/contacts/ctc_1")), 201);
  EXPECT_EQ(Call(router.Find("GET", "/states/export")), 203);
}

TEST(Router, ReportsAllowedMethodsForAKnownPath) {
  Router router;
  router.Add("GET", "/contacts/{id}", Returning(200));
  router.Add("PATCH", "/contacts/{id}", Returning(200));
  Router::Match match = router.Find("POST", "/contacts/ctc_1");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.path_known);
  EXPECT_EQ(match.allowed_methods, (std::vector<std::string>{"GET", "HEAD", "PATCH"}));
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.Add("GET", "/health", Returning(200));
  Router::Match match = router.Find("HEAD", "/health");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.route, "/health");
}

TEST(Router, RootPathIsARoute) {
  Router router;
  router.Add("GET", "/", Returning(200));
  EXPECT_NE(router.Find("GET", "/").handler, nullptr);
  EXPECT_EQ(router.Find("GET", "/x").handler, nullptr);
}

TEST(Router, ExposesTheFallback) {
  Router router;
  EXPECT_EQ(router.fallback(), nullptr);
  router.SetFallback(Returning(299));
  ASSERT_NE(router.fallback(), nullptr);
  Request request;
  EXPECT_EQ((*router.fallback())(request).status, 299);
}

TEST(Request, ReadsHeadersCaseInsensitively) {
  Request request;
  request.headers.emplace("Content-Type", "application/json");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(request.Header("Accept").has_value());
}

TEST(Request, ReadsQueryParameters) {
  Request request;
  request.query.emplace("limit", "10");
  EXPECT_EQ(request.Query("limit"), "10");
  EXPECT_FALSE(request.Query("cursor").has_value());
}

TEST(Request, ParsesCookies) {
  Request request;
  request.headers.emplace("Cookie", "theme=dark; session=abc123;  csrf=\"x y\"");
  EXPECT_EQ(request.Cookie("session"), "abc123");
  EXPECT_EQ(request.Cookie("theme"), "dark");
  EXPECT_EQ(request.Cookie("csrf"), "x y");
  EXPECT_FALSE(request.Cookie("sess").has_value());
}

TEST(Response, SetHeaderReplacesCaseInsensitively) {
  Response response = Response::Json(201, "{}");
  response.SetHeader("content-type", "application/problem+json");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "application/problem+json");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(Response::Text(200, "hi").headers[0].second, "text/plain; charset=utf-8");
}

}  // namespace
}  // namespace liaison::http
