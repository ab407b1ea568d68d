// A fixed vocabulary (an enum's values and their names on the wire, in files and in the
// database) as a list of (value, wire name) pairs, and lookups
// both ways. Thread-safe (no state).
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace liaison {

template <typename E>
using Names = std::vector<std::pair<E, std::string_view>>;

// The wire name of `v`; empty when `names` lacks it.
template <typename E>
std::string_view NameIn(const Names<E>& names, E v) {
  for (const auto& [value, name] : names) {
    if (value == v) return name;
  }
  return "";
}

// The value named `name`; nullopt when unknown.
template <typename E>
std::optional<E> ParseIn(const Names<E>& names, std::string_view name) {
  for (const auto& [value, n] : names) {
    if (n == name) return value;
  }
  return std::nullopt;
}

}  // namespace liaison
