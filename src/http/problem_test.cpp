#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/message.hpp"

namespace liaison::http {
namespace {

TEST(StatusFor, MapsEveryErrorCode) {
  EXPECT_EQ(StatusFor(Error::InvalidArgument("x")), 400);
  EXPECT_EQ(StatusFor(Error::InvalidArgument("x", {}, "body_too_large")), 413);
  EXPECT_EQ(StatusFor(Error::InvalidArgument("x", {}, "unsupported_media_type")), 415);
  EXPECT_EQ(StatusFor(Error::Unauthenticated("x")), 401);
  EXPECT_EQ(StatusFor(Error::PermissionDenied("x")), 403);
  EXPECT_EQ(StatusFor(Error::NotFound("x")), 404);
  EXPECT_EQ(StatusFor(Error::AlreadyExists("x")), 409);
  EXPECT_EQ(StatusFor(Error::FailedPrecondition("x")), 409);
  EXPECT_EQ(StatusFor(Error::FailedPrecondition("x", "stale_version")), 412);
  EXPECT_EQ(StatusFor(Error::FailedPrecondition("x", "version_required")), 428);
  EXPECT_EQ(StatusFor(Error::ResourceExhausted("x")), 429);
  Error too_large = Error::ResourceExhausted("x");
  too_large.reason = "too_large";
  EXPECT_EQ(StatusFor(too_large), 413);
  EXPECT_EQ(StatusFor(Error::Unavailable("x")), 503);
  EXPECT_EQ(StatusFor(Error::Internal("x")), 500);
}

TEST(ProblemResponse, IsAProblemJsonDocument) {
  Response r = ProblemResponse(
      Error::InvalidArgument("name is too long", "contact.name", "too_long"), "req123");
  EXPECT_EQ(r.status, 400);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Content-Type");
  EXPECT_EQ(r.headers[0].second, "application/problem+json");
  boost::json::object doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("type"), "about:blank");
  EXPECT_EQ(doc.at("title"), "Bad Request");
  EXPECT_EQ(doc.at("status"), 400);
  EXPECT_EQ(doc.at("code"), "invalid_argument");
  EXPECT_EQ(doc.at("reason"), "too_long");
  EXPECT_EQ(doc.at("detail"), "name is too long");
  EXPECT_EQ(doc.at("field"), "contact.name");
  EXPECT_EQ(doc.at("request_id"), "req123");
}

TEST(ProblemResponse, LeavesOutEmptyReasonAndField) {
  Response r = ProblemResponse(Error::NotFound("no such contact"));
  boost::json::object doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("title"), "Not Found");
  EXPECT_FALSE(doc.contains("reason"));
  EXPECT_FALSE(doc.contains("field"));
  EXPECT_FALSE(doc.contains("request_id"));
}

TEST(ProblemResponse, NeverLeaksInternalMessages) {
  Response r = ProblemResponse(Error::Internal("sqlite: disk I/O error at /var/secret.db"), "r1");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  boost::json::object doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("code"), "internal");
  EXPECT_EQ(doc.at("title"), "Internal Server Error");
}

TEST(ProblemResponse, AcceptsAnExplicitStatus) {
  Response r = ProblemResponse(405, Error::InvalidArgument("no", {}, "method_not_allowed"));
  EXPECT_EQ(r.status, 405);
  boost::json::object doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("title"), "Method Not Allowed");
  EXPECT_EQ(doc.at("status"), 405);
}

TEST(ProblemResponse, EscapesMessagesAsJson) {
  Response r = ProblemResponse(Error::InvalidArgument("bad \"quote\"\n"));
  boost::json::object doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("detail"), "bad \"quote\"\n");
}

}  // namespace
}  // namespace liaison::http
