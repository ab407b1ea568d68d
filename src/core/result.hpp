// Result<T>, Status and Error: the error vocabulary every module speaks.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace liaison {

// The small, stable set of error codes. One function in http/ maps them to statuses.
enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // Includes a stale record version.
  kPermissionDenied,
  kUnauthenticated,
  kUnavailable,
  kResourceExhausted,
  kInternal,
};

// Returns the snake_case name of `code`, e.g. "invalid_argument".
const char* ErrorCodeName(ErrorCode code);

// An error: a code, a message for people, and the offending input field when there is one.
// `reason` is an optional finer machine code (e.g. "stale_version", "invalid_time_zone").
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;
  std::string reason;

  static Error InvalidArgument(std::string message, std::string field = {},
                               std::string reason = {}) {
    return {ErrorCode::kInvalidArgument, std::move(message), std::move(field), std::move(reason)};
  }
  static Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
  static Error AlreadyExists(std::string message, std::string field = {}) {
    return {ErrorCode::kAlreadyExists, std::move(message), std::move(field)};
  }
  static Error FailedPrecondition(std::string message, std::string reason = {}) {
    return {ErrorCode::kFailedPrecondition, std::move(message), {}, std::move(reason)};
  }
  static Error PermissionDenied(std::string message) {
    return {ErrorCode::kPermissionDenied, std::move(message)};
  }
  static Error Unauthenticated(std::string message) {
    return {ErrorCode::kUnauthenticated, std::move(message)};
  }
  static Error Unavailable(std::string message) {
    return {ErrorCode::kUnavailable, std::move(message)};
  }
  static Error ResourceExhausted(std::string message) {
    return {ErrorCode::kResourceExhausted, std::move(message)};
  }
  static Error Internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }
};

// Wraps an error for constructing a failed Result, like std::unexpected.
struct Unexpected {
  Error error;
};

// A value or an Error. Method names follow std::expected so a later switch is an alias.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(Unexpected u) : data_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U, T> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Error>>>
  Result(U&& value) : data_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(data_); }
  Error&& error() && { return std::get<1>(std::move(data_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : T(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  Result(Unexpected u) : error_(std::move(u.error)) {}  // NOLINT

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const {}
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

namespace internal {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);
}  // namespace internal

}  // namespace liaison

#define LIAISON_CONCAT_INNER(a, b) a##b
#define LIAISON_CONCAT(a, b) LIAISON_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result or Status) from the enclosing function if it failed.
#define RETURN_IF_ERROR(expr)                                                 \
  do {                                                                        \
    auto&& liaison_status_ = (expr);                                          \
    if (!liaison_status_.has_value()) return std::move(liaison_status_).error(); \
  } while (false)

#define LIAISON_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()

// Evaluates `expr` (a Result<T>); on error returns it, otherwise assigns the value to `lhs`.
#define ASSIGN_OR_RETURN(lhs, expr) \
  LIAISON_ASSIGN_OR_RETURN_IMPL(LIAISON_CONCAT(liaison_result_, __LINE__), lhs, expr)

// Aborts on a broken invariant: a bug, never user input.
#define LIAISON_CHECK(expr) \
  ((expr) ? (void)0 : ::liaison::internal::CheckFailed(#expr, __FILE__, __LINE__))
