#pragma once
// KubeletServer: the kubelet's HTTPS API (port 10250 by default), what the API server calls
// for pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy:
//   GET /healthz
//   GET /containerLogs/{namespace}/{pod}/{container}?follow=&tailLines=&sinceSeconds=...
//   GET /exec/{namespace}/{pod}/{container}?command=..&stdin=&stdout=&stderr=&tty= (WebSocket
//       or SPDY/3.1, stream_upgrade.h)
//   GET /attach/{namespace}/{pod}/{container}?stdin=&stdout=&stderr= (as exec)
//   GET /portForward/{namespace}/{pod} (SPDY/3.1, SPDY in WebSocket, WebSocket ?ports=)
//   GET /stats/summary, GET /metrics/resource (resource usage, stats_handlers.h)
// TLS with a certificate signed by the cluster's server CA; every request must carry a client
// certificate that verifies against the client CA (401 otherwise), and only the API server's
// kubelet client (kApiServerUser) or a member of system:masters may use it (403 otherwise).
//
// Threading: Start()/Stop() from one controlling thread. Requests run on the HTTP server's
// workers; long-lived streams (followed logs, exec sessions) on threads of their own, which
// Stop() ends and joins. The runtime must outlive the server.

#include <functional>
#include <memory>
#include <string>

#include "pkg/kubelet/stats/summary.h"
#include "pkg/util/status.h"
#include "runtime/runtime.h"

namespace sampan::kubelet {

struct KubeletServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 10250;  // 0 = any free port (tests)
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  // The client certificate CN allowed besides members of system:masters.
  std::string api_server_user = "kube-apiserver-kubelet-client";
  // Resource usage for /stats/summary and /metrics/resource (503 without).
  std::function<Result<stats::Summary>()> stats;
};

class KubeletServer {
 public:
  static Result<std::unique_ptr<KubeletServer>> Start(const KubeletServerOptions& options,
                                                      runtime::Runtime& runtime);
  virtual ~KubeletServer() = default;
  virtual int port() const = 0;
  // Closes every connection, ends the streams and joins their threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace sampan::kubelet
