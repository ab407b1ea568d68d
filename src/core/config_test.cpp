#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace liaison {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/liaison-config-XXXXXX";
  int fd = mkstemp(name);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(Config, ReadsTomlThenEnvironment) {
  std::string path = WriteTemp("[server]\nport = 9000\n[database]\nurl = \"sqlite:///tmp/x.db\"\n");
  auto config = LoadConfig(path, {{"LIAISON_SERVER_PORT", "9100"}});
  std::remove(path.c_str());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server.port, 9100);
  EXPECT_EQ(config->database.url, "sqlite:///tmp/x.db");
}

TEST(Config, RejectsUnknownKeysWrongTypesAndRanges) {
  struct Case {
    std::string toml;
    std::string field;
  } cases[] = {
      {"[server]\nprot = 1\n", "server.prot"},
      {"[server]\nport = \"80\"\n", "server.port"},
      {"[server]\nport = 70000\n", "server.port"},
      {"[log]\nformat = \"xml\"\n", "log.format"},
      {"[security]\nsecret_key = \"short\"\n", "security.secret_key"},
      {"[notify]\nworkers = 0\n", "notify.workers"},
      {"[notify]\nlease_seconds = 30\ndelivery_timeout_seconds = 30\n", "notify.lease_seconds"},
  };
  for (const auto& c : cases) {
    std::string path = WriteTemp(c.toml);
    auto config = LoadConfig(path, {});
    std::remove(path.c_str());
    ASSERT_FALSE(config.has_value()) << c.toml;
    EXPECT_EQ(config.error().field, c.field);
  }
}

TEST(Config, ReadsRequestDeadlinesFromTomlAndEnvironment) {
  auto defaults = LoadConfig("", {});
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->requests.acknowledge_critical_minutes, 120);
  EXPECT_EQ(defaults->requests.acknowledge_urgent_minutes, 24 * 60);
  EXPECT_EQ(defaults->requests.acknowledge_routine_minutes, 72 * 60);
  std::string path = WriteTemp("[requests]\nacknowledge_critical_minutes = 30\n");
  auto config = LoadConfig(path, {{"LIAISON_REQUESTS_ANSWER_URGENT_MINUTES", "600"}});
  std::remove(path.c_str());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->requests.acknowledge_critical_minutes, 30);
  EXPECT_EQ(config->requests.answer_urgent_minutes, 600);
  auto zero = LoadConfig("", {{"LIAISON_REQUESTS_ACKNOWLEDGE_ROUTINE_MINUTES", "0"}});
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().field, "LIAISON_REQUESTS_ACKNOWLEDGE_ROUTINE_MINUTES");
}

TEST(Config, RejectsBadEnvironmentValues) {
  auto config = LoadConfig("", {{"LIAISON_SERVER_PORT", "eighty"}});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().field, "LIAISON_SERVER_PORT");
}

TEST(Config, ReportsTomlSyntaxErrors) {
  std::string path = WriteTemp("[server\nport = 1\n");
  auto config = LoadConfig(path, {});
  std::remove(path.c_str());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().reason, "invalid_config");
}

}  // namespace
}  // namespace liaison
