#include "pkg/util/status.h"

#include <cerrno>
#include <cstring>

namespace sampan {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kConflict: return "Conflict";
    case Code::kInvalid: return "Invalid";
    case Code::kBadRequest: return "BadRequest";
    case Code::kGone: return "Gone";
    case Code::kUnauthorized: return "Unauthorized";
    case Code::kForbidden: return "Forbidden";
    case Code::kMethodNotAllowed: return "MethodNotAllowed";
    case Code::kTooLarge: return "TooLarge";
    case Code::kUnsupported: return "Unsupported";
    case Code::kUnavailable: return "Unavailable";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

Status::Status(Code code, std::string message, int err) {
  if (code != Code::kOk) rep_ = std::make_shared<const Rep>(Rep{code, err, std::move(message)});
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

Status Status::FromErrno(int err, std::string_view context) {
  std::string message = std::string(context) + ": " + std::strerror(err);
  Code code;
  switch (err) {
    case ENOENT: code = Code::kNotFound; break;
    case EEXIST: code = Code::kAlreadyExists; break;
    case EACCES:
    case EPERM: code = Code::kForbidden; break;
    case EINVAL: code = Code::kInvalid; break;
    case ENOSPC:
    case EDQUOT:
    case EAGAIN:
    case EBUSY: code = Code::kUnavailable; break;
    default: code = Code::kInternal; break;
  }
  return Status(code, std::move(message), err);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(rep_->code, std::string(context) + ": " + rep_->message, rep_->err);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(rep_->code)) + ": " + rep_->message;
}

}  // namespace sampan
