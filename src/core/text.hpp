// Small text helpers shared by every module. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace liaison {

// `s` with ASCII capitals lowered; other bytes (UTF-8 included) unchanged.
std::string AsciiLower(std::string_view s);

// `s` without leading and trailing spaces, tabs, carriage returns and newlines.
std::string Trim(std::string_view s);

}  // namespace liaison
