// Small text helpers shared by every module. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace liaison {

// `s` with ASCII capitals lowered; other bytes (UTF-8 included) unchanged.
std::string AsciiLower(std::string_view s);

// `s` without leading and trailing spaces, tabs, carriage returns and newlines.
std::string Trim(std::string_view s);

// Escapes `s` for inclusion inside a JSON string literal: '"', '\\' and control characters only,
// with the short forms \b \t \n \f \r and \u00xx (lowercase) for the rest, as RFC 8785 (JCS)
// prescribes; every other byte is copied.
std::string JsonEscape(std::string_view s);

// True when `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates,
// nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s);

}  // namespace liaison
