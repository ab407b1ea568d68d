// Process-wide logging through spdlog: JSON lines in production, text for people.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

#include "core/config.hpp"

namespace liaison {

// Configures the default spdlog logger on stderr from `config`. Call once, early.
// In JSON format every line is {"ts":…,"level":…,"msg":…}; callers that log structured events
// (the access log) pass a JSON object as the message and it is embedded as-is under "event".
void ConfigureLogging(const LogConfig& config);

// True when log messages must be JSON values (format json). Log helpers below honour it.
bool& json_messages();

// Logs an informational event: `text` as a JSON string in json format, plain otherwise.
void LogInfo(std::string_view text);
void LogWarn(std::string_view text);
void LogError(std::string_view text);

// Escapes `s` for inclusion inside a JSON string literal.
std::string JsonEscape(std::string_view s);

}  // namespace liaison
