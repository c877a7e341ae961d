#pragma once
// One `sampan kubectl` invocation's connection to the cluster: kubeconfig, HTTPS transport,
// discovery (loaded on first use) and the namespace in effect. ApiCall() turns non-2xx
// answers into kubectl's error text: `Error from server (NotFound): pods "x" not found`.

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "pkg/api/json.h"
#include "pkg/client/transport.h"
#include "pkg/kubectl/discovery.h"
#include "pkg/kubectl/kubeconfig.h"
#include "pkg/kubectl/options.h"

namespace sampan::kubectl {

class Session {
 public:
  static Result<std::unique_ptr<Session>> Open(const Options& options);

  client::Transport& transport() { return *transport_; }
  // For connections of their own (exec's WebSocket).
  const http::ClientOptions& client_options() const { return config_.client; }
  std::shared_ptr<client::Transport> shared_transport() { return transport_; }
  Result<const Discovery*> discovery();
  // `-n`, else the context's namespace, else "default".
  const std::string& ns() const { return namespace_; }
  bool namespace_given() const { return namespace_given_; }

  // A JSON request; `accept` defaults to JSON.
  Result<api::Json> ApiCall(const std::string& method, const std::string& target,
                            const std::string& content_type = "", const std::string& body = "",
                            const std::string& accept = "application/json");

 private:
  Kubeconfig config_;
  std::shared_ptr<client::Transport> transport_;
  std::optional<Discovery> discovery_;
  std::string namespace_;
  bool namespace_given_ = false;
};

// kubectl's text for an API error body (a Status object or anything else).
std::string ServerError(int http_status, std::string_view body);

}  // namespace sampan::kubectl
