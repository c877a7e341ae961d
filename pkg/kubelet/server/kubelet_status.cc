#include "pkg/kubelet/server/kubelet_status.h"

#include "pkg/api/json.h"

namespace sampan::kubelet {

std::string StatusBody(int code, std::string_view reason, std::string_view message) {
  api::Json status = {{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", api::Json::object()},
                      {"status", "Failure"},
                      {"message", std::string(message)},
                      {"reason", std::string(reason)},
                      {"code", code}};
  return api::Dump(status);
}

void SendStatus(http::ResponseWriter& out, int code, std::string_view reason,
                std::string_view message) {
  http::Headers headers;
  headers.Add("Content-Type", "application/json");
  out.Send(code, std::move(headers), StatusBody(code, reason, message));
}

void SendError(http::ResponseWriter& out, const Status& status) {
  switch (status.code()) {
    case Code::kBadRequest:
    case Code::kInvalid: return SendStatus(out, 400, "BadRequest", status.message());
    case Code::kNotFound: return SendStatus(out, 404, "NotFound", status.message());
    case Code::kForbidden: return SendStatus(out, 403, "Forbidden", status.message());
    case Code::kUnauthorized: return SendStatus(out, 401, "Unauthorized", status.message());
    case Code::kUnavailable: return SendStatus(out, 503, "ServiceUnavailable", status.message());
    default: return SendStatus(out, 500, "InternalError", status.message());
  }
}

}  // namespace sampan::kubelet
