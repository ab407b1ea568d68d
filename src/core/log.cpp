#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include "core/text.hpp"

namespace liaison {

void ConfigureLogging(const LogConfig& config) {
  auto logger = spdlog::stderr_logger_mt("liaison");
  if (config.format == "json") {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  json_messages() = config.format == "json";
}

bool& json_messages() {
  static bool value = false;
  return value;
}

namespace {
std::string Message(std::string_view text) {
  if (!json_messages()) return std::string(text);
  return "\"msg\":\"" + JsonEscape(text) + "\"";
}
}  // namespace

void LogInfo(std::string_view text) { spdlog::info("{}", Message(text)); }
void LogWarn(std::string_view text) { spdlog::warn("{}", Message(text)); }
void LogError(std::string_view text) { spdlog::error("{}", Message(text)); }

void LogInfoFields(std::string_view object_json) {
  if (object_json.size() >= 2 && object_json.front() == '{' && object_json.back() == '}') {
    object_json = object_json.substr(1, object_json.size() - 2);
  }
  spdlog::info("{}", object_json);
}

}  // namespace liaison
