#include "pkg/kubectl/session.h"

#include <fmt/format.h>

#include "pkg/client/https_transport.h"

namespace sampan::kubectl {

Result<std::unique_ptr<Session>> Session::Open(const Options& options) {
  auto s = std::make_unique<Session>();
  ASSIGN_OR_RETURN(s->config_, LoadKubeconfig(options.Get("kubeconfig"), options.Get("context")));
  if (options.Bool("insecure-skip-tls-verify") && s->config_.client.tls) {
    s->config_.client.tls->insecure_skip_verify = true;
  }
  s->config_.client.user_agent = "kubectl/v1.33.0 (linux/amd64) sampan";
  s->transport_ = std::make_shared<client::HttpsTransport>(s->config_.client);
  s->namespace_given_ = options.Has("namespace");
  s->namespace_ = options.Get("namespace", s->config_.namespace_);
  if (s->namespace_.empty()) s->namespace_ = "default";
  return s;
}

Result<const Discovery*> Session::discovery() {
  if (!discovery_) {
    ASSIGN_OR_RETURN(Discovery d, Discovery::Load(*transport_));
    discovery_ = std::move(d);
  }
  return &*discovery_;
}

std::string ServerError(int http_status, std::string_view body) {
  // A transport's stream error reads "HTTP 400: BODY".
  if (body.rfind("HTTP ", 0) == 0) {
    if (size_t colon = body.find(": "); colon != std::string_view::npos && colon < 9) {
      http_status = std::atoi(std::string(body.substr(5, 3)).c_str());
      body.remove_prefix(colon + 2);
    }
  }
  Result<api::Json> status = api::ParseJson(body);
  if (status.ok() && api::GetString(*status, "kind") == "Status") {
    std::string reason = api::GetString(*status, "reason");
    std::string message = api::GetString(*status, "message");
    if (reason.empty()) reason = "Unknown";
    return fmt::format("Error from server ({}): {}", reason, message);
  }
  return fmt::format(
      "Error from server: an error on the server (\"{}\") has prevented the "
      "request from succeeding (HTTP {})",
      std::string(body.substr(0, 200)), http_status);
}

Result<api::Json> Session::ApiCall(const std::string& method, const std::string& target,
                                   const std::string& content_type, const std::string& body,
                                   const std::string& accept) {
  client::Request req{method, target, {}, body};
  req.headers.Add("Accept", accept);
  if (!content_type.empty()) req.headers.Add("Content-Type", content_type);
  Result<http::Response> resp = transport_->Do(req);
  if (!resp.ok()) {
    return Status::Unavailable(
        fmt::format("Unable to connect to the server: {}", resp.status().message()));
  }
  if (resp->status < 200 || resp->status >= 300) {
    return Status(http::CodeForHttpStatus(resp->status), ServerError(resp->status, resp->body));
  }
  if (resp->body.empty()) return api::Json::object();
  return api::ParseJson(resp->body);
}

}  // namespace sampan::kubectl
