#pragma once
// Status and Result<T>: the one error type of sampan (no exceptions cross module
// boundaries or event-loop callbacks). An OK Status is a null pointer, so passing and
// returning it costs nothing; errors carry a code, an errno (0 if none) and a message.
// Copyable, immutable, safe to share between threads.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sampan {

enum class Code : unsigned char {
  kOk = 0,
  kNotFound,          // 404
  kAlreadyExists,     // 409
  kConflict,          // 409: compare-and-swap lost, stale resourceVersion
  kInvalid,           // 422: the request is well-formed but semantically wrong
  kBadRequest,        // 400: malformed input
  kGone,              // 410: compacted revision, expired continue token
  kUnauthorized,      // 401
  kForbidden,         // 403
  kMethodNotAllowed,  // 405
  kTooLarge,          // 413
  kUnsupported,       // 415
  kUnavailable,       // 503: try again later (shutting down, disk full, ...)
  kInternal,          // 500
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status NotFound(std::string message) { return {Code::kNotFound, std::move(message)}; }
  static Status AlreadyExists(std::string message) {
    return {Code::kAlreadyExists, std::move(message)};
  }
  static Status Conflict(std::string message) { return {Code::kConflict, std::move(message)}; }
  static Status Invalid(std::string message) { return {Code::kInvalid, std::move(message)}; }
  static Status BadRequest(std::string message) {
    return {Code::kBadRequest, std::move(message)};
  }
  static Status Gone(std::string message) { return {Code::kGone, std::move(message)}; }
  static Status Unauthorized(std::string message) {
    return {Code::kUnauthorized, std::move(message)};
  }
  static Status Forbidden(std::string message) { return {Code::kForbidden, std::move(message)}; }
  static Status Unavailable(std::string message, int err = 0) {
    return {Code::kUnavailable, std::move(message), err};
  }
  static Status Internal(std::string message, int err = 0) {
    return {Code::kInternal, std::move(message), err};
  }
  // Maps an errno to the closest code; the message becomes "context: strerror(err)".
  static Status FromErrno(int err, std::string_view context);

  Status(Code code, std::string message, int err = 0);

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  int err() const { return rep_ ? rep_->err : 0; }
  const std::string& message() const;
  // "context: message", same code and errno. OK stays OK.
  Status WithContext(std::string_view context) const;
  // "NotFound: message" or "OK".
  std::string ToString() const;

  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsConflict() const { return code() == Code::kConflict; }
  bool IsGone() const { return code() == Code::kGone; }

 private:
  struct Rep {
    Code code;
    int err;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result constructed from OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sampan

#define SAMPAN_CONCAT_INNER(a, b) a##b
#define SAMPAN_CONCAT(a, b) SAMPAN_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::sampan::Status _st = (expr);            \
    if (!_st.ok()) return _st;                \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SAMPAN_CONCAT(_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
