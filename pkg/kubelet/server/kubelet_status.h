#pragma once
// Error answers of the kubelet server: Kubernetes Status objects (as the API server's), so
// that the API server can pass code, reason and message on to clients unchanged.

#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

// {"kind":"Status","apiVersion":"v1","status":"Failure","message","reason","code"}.
std::string StatusBody(int code, std::string_view reason, std::string_view message);
void SendStatus(http::ResponseWriter& out, int code, std::string_view reason,
                std::string_view message);
// The HTTP code and reason of a Status (BadRequest 400, NotFound 404, ...).
void SendError(http::ResponseWriter& out, const Status& status);

}  // namespace sampan::kubelet
