#include "pkg/kubelet/server/kubelet_server.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <strings.h>

#include <algorithm>
#include <vector>

#include "pkg/api/log_options.h"
#include "pkg/kubelet/server/container_logs.h"
#include "pkg/kubelet/server/exec_session.h"
#include "pkg/kubelet/server/kubelet_status.h"
#include "pkg/util/http_server.h"
#include "pkg/util/log.h"
#include "pkg/util/thread_group.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

// "/containerLogs/ns/pod/c" -> {"ns", "pod", "c"} after `prefix`.
std::vector<std::string> PathParts(std::string_view path, std::string_view prefix) {
  std::vector<std::string> parts;
  std::string_view rest = path.substr(prefix.size());
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (!part.empty()) parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return parts;
}

// Whether a comma-separated header value holds `token` (case-insensitive).
bool ContainsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view part = value.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.size() == token.size() && strncasecmp(part.data(), token.data(), token.size()) == 0) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

class KubeletServerImpl final : public KubeletServer {
 public:
  KubeletServerImpl(const KubeletServerOptions& options, runtime::Runtime& runtime)
      : options_(options), runtime_(runtime) {}
  ~KubeletServerImpl() override { Stop(); }

  Status Init() {
    http::ServerOptions http;
    http.bind_address = options_.bind_address;
    http.port = options_.port;
    http.worker_threads = 4;
    http.tls = http::TlsOptions{options_.cert_file, options_.key_file, options_.client_ca_file};
    ASSIGN_OR_RETURN(
        server_, http::HttpServer::Start(
                     http, [this](http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
                       Handle(req, std::move(out));
                     }));
    kLog.Info("kubelet API on {}:{}", options_.bind_address, server_->port());
    return Status::Ok();
  }

  int port() const override { return server_ ? server_->port() : 0; }

  void Stop() override {
    if (server_) server_->Stop();  // closes connections: streams see OnClose and end
    streams_.JoinAll();
  }

 private:
  void Handle(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    if (!req.peer.verified) {
      return SendStatus(*out, 401, "Unauthorized", "Unauthorized");
    }
    const auto& groups = req.peer.organizations;
    bool allowed = req.peer.common_name == options_.api_server_user ||
                   std::find(groups.begin(), groups.end(), "system:masters") != groups.end();
    if (!allowed) {
      return SendStatus(
          *out, 403, "Forbidden",
          fmt::format("Forbidden (user={}, verb={}, resource=nodes, subresource=proxy)",
                      req.peer.common_name, req.method == "GET" ? "get" : "create"));
    }
    if (req.path == "/healthz") {
      http::Headers h;
      h.Add("Content-Type", "text/plain; charset=utf-8");
      return out->Send(200, std::move(h), "ok");
    }
    if (req.path.starts_with("/containerLogs/")) return ContainerLogs(req, std::move(out));
    if (req.path.starts_with("/exec/")) return Exec(req, std::move(out));
    if (req.path.starts_with("/attach/")) return Attach(req, std::move(out));
    SendStatus(*out, 404, "NotFound", "404 page not found");
  }

  void ContainerLogs(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    if (req.method != "GET") return SendStatus(*out, 405, "MethodNotAllowed", "use GET");
    std::vector<std::string> parts = PathParts(req.path, "/containerLogs/");
    if (parts.size() < 2 || parts.size() > 3) {
      return SendStatus(*out, 400, "BadRequest",
                        "want /containerLogs/{namespace}/{pod}/{container}");
    }
    Result<api::LogQuery> query = api::ParseLogQuery(req.query);
    if (!query.ok()) return SendError(*out, query.status());
    if (parts.size() == 3) query->container = parts[2];
    Result<std::vector<runtime::ContainerStatus>> all = runtime_.ListContainers();
    if (!all.ok()) return SendError(*out, all.status());
    Result<std::string> id =
        ResolveLogContainer(*all, parts[0], parts[1], query->container, query->previous);
    if (!id.ok()) return SendError(*out, id.status());
    kLog.Debug("logs of pod {}/{} container {} ({}){}", parts[0], parts[1], query->container, *id,
               query->follow ? ", following" : "");
    // A log may take long (follow): it gets a thread, the worker goes back to the pool.
    streams_.Spawn([this, id = *id, q = std::move(*query), out = std::move(out)] {
      StreamContainerLogs(runtime_, id, q, out);
    });
  }

  void Exec(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    std::vector<std::string> parts = PathParts(req.path, "/exec/");
    if (parts.size() < 2 || parts.size() > 3) {
      return SendStatus(*out, 400, "BadRequest", "want /exec/{namespace}/{pod}/{container}");
    }
    if (!ContainsToken(req.headers.Get("Upgrade"), "websocket")) {
      return SendStatus(*out, 400, "BadRequest",
                        "exec needs a WebSocket upgrade (v5.channel.k8s.io or "
                        "v4.channel.k8s.io); SPDY is not supported");
    }
    std::string protocol = NegotiateChannelProtocol(req.headers.Get("Sec-WebSocket-Protocol"));
    std::string key(req.headers.Get("Sec-WebSocket-Key"));
    if (protocol.empty() || key.empty()) {
      return SendStatus(*out, 400, "BadRequest",
                        "unsupported WebSocket subprotocol: want v5.channel.k8s.io or "
                        "v4.channel.k8s.io");
    }
    Result<ExecRequest> request = ParseExecQuery(req.query);
    if (!request.ok()) return SendError(*out, request.status());
    if (parts.size() == 3) request->container = parts[2];
    Result<std::vector<runtime::ContainerStatus>> all = runtime_.ListContainers();
    if (!all.ok()) return SendError(*out, all.status());
    Result<std::string> id =
        ResolveLogContainer(*all, parts[0], parts[1], request->container, false);
    if (!id.ok()) return SendError(*out, id.status());
    Result<runtime::ContainerStatus> status = runtime_.GetContainerStatus(*id);
    if (!status.ok()) return SendError(*out, status.status());
    if (status->state != runtime::ContainerState::kRunning) {
      return SendStatus(*out, 400, "BadRequest",
                        fmt::format("container {} is not running ({})", *id,
                                    runtime::ContainerStateName(status->state)));
    }
    runtime::ExecOptions exec;
    exec.args = request->command;
    exec.tty = request->tty;
    exec.stdin_open = request->stdin;
    exec.rows = 24;
    exec.cols = 80;
    Result<std::unique_ptr<runtime::ExecProcess>> process = runtime_.Exec(*id, exec);
    if (!process.ok()) return SendError(*out, process.status());
    Result<std::unique_ptr<ByteQueue>> queue = ByteQueue::New();
    if (!queue.ok()) return SendError(*out, queue.status());
    std::shared_ptr<ByteQueue> input = std::move(*queue);
    kLog.Debug("exec in pod {}/{} container {}: {} ({})", parts[0], parts[1], request->container,
               fmt::join(request->command, " "), protocol);
    http::Headers headers;
    headers.Add("Upgrade", "websocket");
    headers.Add("Connection", "Upgrade");
    headers.Add("Sec-WebSocket-Accept", ws::AcceptKey(key));
    headers.Add("Sec-WebSocket-Protocol", protocol);
    out->OnClose([input] { input->Close(); });
    out->Upgrade(101, std::move(headers), [input](std::string_view bytes) { input->Push(bytes); });
    streams_.Spawn([process = std::shared_ptr<runtime::ExecProcess>(std::move(*process)),
                    request = std::move(*request), protocol, input,
                    out = std::move(out)]() mutable {
      RunExecSession(*process, request, protocol, *input, out);
    });
  }

  // /attach/{ns}/{pod}/{container}: the container's own stdio through its shim, over the
  // same WebSocket session as exec. The terminal setting is the container's, as upstream's.
  void Attach(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    std::vector<std::string> parts = PathParts(req.path, "/attach/");
    if (parts.size() < 2 || parts.size() > 3) {
      return SendStatus(*out, 400, "BadRequest", "want /attach/{namespace}/{pod}/{container}");
    }
    if (!ContainsToken(req.headers.Get("Upgrade"), "websocket")) {
      return SendStatus(*out, 400, "BadRequest",
                        "attach needs a WebSocket upgrade (v5.channel.k8s.io or "
                        "v4.channel.k8s.io); SPDY is not supported");
    }
    std::string protocol = NegotiateChannelProtocol(req.headers.Get("Sec-WebSocket-Protocol"));
    std::string key(req.headers.Get("Sec-WebSocket-Key"));
    if (protocol.empty() || key.empty()) {
      return SendStatus(*out, 400, "BadRequest",
                        "unsupported WebSocket subprotocol: want v5.channel.k8s.io or "
                        "v4.channel.k8s.io");
    }
    Result<ExecRequest> request = ParseAttachQuery(req.query);
    if (!request.ok()) return SendError(*out, request.status());
    if (parts.size() == 3) request->container = parts[2];
    Result<std::vector<runtime::ContainerStatus>> all = runtime_.ListContainers();
    if (!all.ok()) return SendError(*out, all.status());
    Result<std::string> id =
        ResolveLogContainer(*all, parts[0], parts[1], request->container, false);
    if (!id.ok()) return SendError(*out, id.status());
    Result<runtime::ContainerSpec> spec = runtime_.GetContainerSpec(*id);
    if (!spec.ok()) return SendError(*out, spec.status());
    request->tty = spec->process.tty;
    if (request->tty) request->stderr = false;
    runtime::AttachOptions options;
    options.stdin = request->stdin;
    options.stdout = request->stdout;
    options.stderr = request->stderr;
    Result<std::unique_ptr<runtime::ExecProcess>> process = runtime_.Attach(*id, options);
    if (!process.ok()) {
      if (process.status().code() == Code::kConflict) {
        return SendStatus(*out, 400, "BadRequest",
                          fmt::format("container {} is not running", request->container));
      }
      return SendError(*out, process.status());
    }
    Result<std::unique_ptr<ByteQueue>> queue = ByteQueue::New();
    if (!queue.ok()) return SendError(*out, queue.status());
    std::shared_ptr<ByteQueue> input = std::move(*queue);
    kLog.Debug("attach to pod {}/{} container {} ({})", parts[0], parts[1], request->container,
               protocol);
    http::Headers headers;
    headers.Add("Upgrade", "websocket");
    headers.Add("Connection", "Upgrade");
    headers.Add("Sec-WebSocket-Accept", ws::AcceptKey(key));
    headers.Add("Sec-WebSocket-Protocol", protocol);
    out->OnClose([input] { input->Close(); });
    out->Upgrade(101, std::move(headers), [input](std::string_view bytes) { input->Push(bytes); });
    streams_.Spawn([process = std::shared_ptr<runtime::ExecProcess>(std::move(*process)),
                    request = std::move(*request), protocol, input,
                    out = std::move(out)]() mutable {
      RunExecSession(*process, request, protocol, *input, out);
    });
  }

  const KubeletServerOptions options_;
  runtime::Runtime& runtime_;
  std::unique_ptr<http::HttpServer> server_;
  ThreadGroup streams_;
};

}  // namespace

Result<std::unique_ptr<KubeletServer>> KubeletServer::Start(const KubeletServerOptions& options,
                                                            runtime::Runtime& runtime) {
  auto server = std::make_unique<KubeletServerImpl>(options, runtime);
  RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<KubeletServer>(std::move(server));
}

}  // namespace sampan::kubelet
