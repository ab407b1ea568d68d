#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.hpp"

namespace liaison::http {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("liaison_static_" + RandomHex(8));
    root_ = base_ / "www";
    WriteFile(root_ / "index.html", "<!doctype html><title>liaison</title>");
    WriteFile(root_ / "assets" / "app.3f2a.js", "console.log(1)");
    WriteFile(root_ / "robots.txt", "User-agent: *");
    WriteFile(base_ / "secret.txt", "do not serve");
    fs::create_symlink(base_ / "secret.txt", root_ / "link.txt");
    handler_ = StaticFiles(root_.string());
  }
  void TearDown() override { fs::remove_all(base_); }

  Response Get(std::string path, std::string method = "GET") {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.request_id = "rid";
    return handler_(request);
  }

  static std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return {};
  }

  fs::path base_;
  fs::path root_;
  Handler handler_;
};

TEST_F(StaticFilesTest, ServesIndexForRoot) {
  Response r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>liaison</title>");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_FALSE(HeaderOf(r, "ETag").empty());
}

TEST_F(StaticFilesTest, ServesIndexForClientSideRoutes) {
  Response r = Get("/requests/req_1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>liaison</title>");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/assets/unknown-route").status, 200);
  EXPECT_EQ(HeaderOf(Get("/assets/unknown-route"), "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, AnswersMissingFilesWith404) {
  Response r = Get("/assets/missing.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/problem+json");
}

TEST_F(StaticFilesTest, CachesAssetsForever) {
  Response r = Get("/assets/app.3f2a.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(Get("/robots.txt"), "Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(StaticFilesTest, AnswersIfNoneMatchWith304) {
  std::string etag = HeaderOf(Get("/robots.txt"), "ETag");
  Request request;
  request.method = "GET";
  request.path = "/robots.txt";
  request.headers.emplace("If-None-Match", "\"other\", W/" + etag);
  Response r = handler_(request);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(HeaderOf(r, "ETag"), etag);
  request.headers.clear();
  request.headers.emplace("If-None-Match", "\"other\"");
  EXPECT_EQ(handler_(request).status, 200);
}

TEST_F(StaticFilesTest, RefusesPathTraversal) {
  EXPECT_EQ(Get("/../secret.txt").status, 404);
  EXPECT_EQ(Get("/assets/../../secret.txt").status, 404);
  EXPECT_EQ(Get("/..\\secret.txt").status, 404);
  EXPECT_EQ(Get("/link.txt").status, 404);  // A symbolic link out of the root.
}

TEST_F(StaticFilesTest, ServesOnlyGetAndHead) {
  EXPECT_EQ(Get("/robots.txt", "HEAD").status, 200);
  EXPECT_EQ(Get("/robots.txt", "POST").status, 404);
}

TEST(ContentTypeFor, KnowsCommonWebTypes) {
  EXPECT_EQ(ContentTypeFor("a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("font.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("blob"), "application/octet-stream");
}

}  // namespace
}  // namespace liaison::http
