// Process-wide logging through spdlog: JSON lines in production, text for people.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

#include "core/config.hpp"

namespace liaison {

// Configures the default spdlog logger on stderr from `config`. Call once, early.
// In JSON format every line is one object {"ts":…,"level":…,"msg":…}; structured events (the
// access log) put their fields beside ts and level instead of msg (LogInfoFields).
void ConfigureLogging(const LogConfig& config);

// True when log messages must be JSON values (format json). Log helpers below honour it.
bool& json_messages();

// Logs an informational event: `text` as a JSON string in json format, plain otherwise.
void LogInfo(std::string_view text);
void LogWarn(std::string_view text);
void LogError(std::string_view text);

// Logs the members of the JSON object `object_json` (serialised, with its braces) as top-level
// fields of the log line, beside ts and level. Only for json format.
void LogInfoFields(std::string_view object_json);

}  // namespace liaison
