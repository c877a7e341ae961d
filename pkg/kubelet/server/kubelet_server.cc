#include "pkg/kubelet/server/kubelet_server.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "pkg/api/log_options.h"
#include "pkg/kubelet/container_config.h"
#include "pkg/kubelet/server/container_logs.h"
#include "pkg/kubelet/server/exec_session.h"
#include "pkg/kubelet/server/kubelet_status.h"
#include "pkg/kubelet/server/port_forward.h"
#include "pkg/kubelet/server/remote_command_transport.h"
#include "pkg/kubelet/server/stats_handlers.h"
#include "pkg/kubelet/server/stream_upgrade.h"
#include "pkg/util/http_server.h"
#include "pkg/util/log.h"
#include "pkg/util/thread_group.h"

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
    if (req.path == "/stats/summary" || req.path == "/stats/summary/") {
      return ServeStatsSummary(req, *out, options_.stats);
    }
    if (req.path == "/metrics/resource") return ServeResourceMetrics(req, *out, options_.stats);
    if (req.path.starts_with("/exec/")) return Exec(req, std::move(out));
    if (req.path.starts_with("/attach/")) return Attach(req, std::move(out));
    if (req.path.starts_with("/portForward/")) return PortForward(req, std::move(out));
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

  // What exec and attach both start with: /{prefix}/{ns}/{pod}/{container}, the protocol,
  // the query and the container; nullopt once an error has been answered.
  struct RemoteCommandTarget {
    StreamUpgrade upgrade;
    ExecRequest request;
    std::string id;   // the container's
    std::string pod;  // namespace/name
  };
  std::optional<RemoteCommandTarget> ResolveRemoteCommand(
      http::Request& req, http::ResponseWriter& out, const std::string& prefix,
      Result<ExecRequest> (*parse_query)(std::string_view)) {
    std::vector<std::string> parts = PathParts(req.path, prefix);
    if (parts.size() < 2 || parts.size() > 3) {
      SendStatus(out, 400, "BadRequest", "want " + prefix + "{namespace}/{pod}/{container}");
      return std::nullopt;
    }
    Result<StreamUpgrade> upgrade = NegotiateRemoteCommandUpgrade(req);
    if (!upgrade.ok()) return SendError(out, upgrade.status()), std::nullopt;
    Result<ExecRequest> request = parse_query(req.query);
    if (!request.ok()) return SendError(out, request.status()), std::nullopt;
    if (parts.size() == 3) request->container = parts[2];
    Result<std::vector<runtime::ContainerStatus>> all = runtime_.ListContainers();
    if (!all.ok()) return SendError(out, all.status()), std::nullopt;
    Result<std::string> id =
        ResolveLogContainer(*all, parts[0], parts[1], request->container, false);
    if (!id.ok()) return SendError(out, id.status()), std::nullopt;
    return RemoteCommandTarget{std::move(*upgrade), std::move(*request), std::move(*id),
                               parts[0] + "/" + parts[1]};
  }

  void Exec(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    std::optional<RemoteCommandTarget> t =
        ResolveRemoteCommand(req, *out, "/exec/", &ParseExecQuery);
    if (!t) return;
    Result<runtime::ContainerStatus> status = runtime_.GetContainerStatus(t->id);
    if (!status.ok()) return SendError(*out, status.status());
    if (status->state != runtime::ContainerState::kRunning) {
      return SendStatus(*out, 400, "BadRequest",
                        fmt::format("container {} is not running ({})", t->id,
                                    runtime::ContainerStateName(status->state)));
    }
    runtime::ExecOptions exec;
    exec.args = t->request.command;
    exec.tty = t->request.tty;
    exec.stdin_open = t->request.stdin;
    exec.rows = 24;
    exec.cols = 80;
    Result<std::unique_ptr<runtime::ExecProcess>> process = runtime_.Exec(t->id, exec);
    if (!process.ok()) return SendError(*out, process.status());
    kLog.Debug("exec in pod {} container {}: {} ({})", t->pod, t->request.container,
               fmt::join(t->request.command, " "), t->upgrade.protocol);
    RunRemoteCommand(std::move(t->upgrade), std::move(t->request), std::move(*process),
                     std::move(out));
  }

  // The shared tail of exec and attach: the connection is upgraded and the session runs on a
  // thread of its own.
  void RunRemoteCommand(StreamUpgrade upgrade, ExecRequest request,
                        std::unique_ptr<runtime::ExecProcess> process,
                        std::shared_ptr<http::ResponseWriter> out) {
    Result<std::unique_ptr<ByteQueue>> queue = ByteQueue::New();
    if (!queue.ok()) return SendError(*out, queue.status());
    std::shared_ptr<ByteQueue> input = std::move(*queue);
    std::shared_ptr<RemoteCommandTransport> transport =
        upgrade.wire == StreamWire::kSpdy ? NewSpdyTransport(request, out, input)
                                          : NewWebSocketTransport(upgrade.protocol, out);
    out->OnClose([input] { input->Close(); });
    out->Upgrade(101, std::move(upgrade.response),
                 [input](std::string_view bytes) { input->Push(bytes); });
    streams_.Spawn([process = std::shared_ptr<runtime::ExecProcess>(std::move(process)),
                    request = std::move(request), transport,
                    input]() mutable { RunExecSession(*process, request, *transport, *input); });
  }

  // /attach/{ns}/{pod}/{container}: the container's own stdio through its shim, over the
  // same session as exec. The terminal setting is the container's, as upstream's.
  void Attach(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    std::optional<RemoteCommandTarget> t =
        ResolveRemoteCommand(req, *out, "/attach/", &ParseAttachQuery);
    if (!t) return;
    Result<runtime::ContainerSpec> spec = runtime_.GetContainerSpec(t->id);
    if (!spec.ok()) return SendError(*out, spec.status());
    ExecRequest& request = t->request;
    request.tty = spec->process.tty;
    if (request.tty) request.stderr = false;
    runtime::AttachOptions options;
    options.stdin = request.stdin;
    options.stdout = request.stdout;
    options.stderr = request.stderr;
    Result<std::unique_ptr<runtime::ExecProcess>> process = runtime_.Attach(t->id, options);
    if (!process.ok()) {
      if (process.status().code() == Code::kConflict) {
        return SendStatus(*out, 400, "BadRequest",
                          fmt::format("container {} is not running", request.container));
      }
      return SendError(*out, process.status());
    }
    kLog.Debug("attach to pod {} container {} ({})", t->pod, request.container,
               t->upgrade.protocol);
    RunRemoteCommand(std::move(t->upgrade), std::move(request), std::move(*process),
                     std::move(out));
  }

  void PortForward(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    std::vector<std::string> parts = PathParts(req.path, "/portForward/");
    if (parts.size() != 2) {
      return SendStatus(*out, 400, "BadRequest", "want /portForward/{namespace}/{pod}");
    }
    Result<StreamUpgrade> upgrade = NegotiatePortForwardUpgrade(req);
    if (!upgrade.ok()) return SendError(*out, upgrade.status());
    std::vector<uint16_t> ports;
    if (upgrade->wire == StreamWire::kWebSocket) {
      Result<std::vector<uint16_t>> parsed = ParsePortForwardPorts(req.query);
      if (!parsed.ok()) return SendError(*out, parsed.status());
      ports = std::move(*parsed);
    }
    Result<PortForwardTarget> target = PortForwardTargetOf(parts[0], parts[1]);
    if (!target.ok()) return SendError(*out, target.status());
    Result<std::unique_ptr<ByteQueue>> queue = ByteQueue::New();
    if (!queue.ok()) return SendError(*out, queue.status());
    std::shared_ptr<ByteQueue> input = std::move(*queue);
    kLog.Debug("port-forward to pod {} ({})", target->pod, upgrade->protocol);
    out->OnClose([input] { input->Close(); });
    out->Upgrade(101, std::move(upgrade->response),
                 [input](std::string_view bytes) { input->Push(bytes); });
    streams_.Spawn([target = std::move(*target), wire = upgrade->wire, ports, input, out] {
      if (wire == StreamWire::kWebSocket)
        return RunWebSocketPortForward(target, ports, out, *input);
      SpdyServerConnection conn(out, wire == StreamWire::kSpdyOverWebSocket);
      RunSpdyPortForward(target, conn, *input);
    });
  }

  // The pod's newest ready sandbox: its uid and how to reach its network namespace.
  Result<PortForwardTarget> PortForwardTargetOf(const std::string& ns, const std::string& name) {
    ASSIGN_OR_RETURN(std::vector<runtime::SandboxStatus> sandboxes, runtime_.ListPodSandboxes());
    const runtime::SandboxStatus* found = nullptr;
    for (const runtime::SandboxStatus& s : sandboxes) {
      if (s.state != runtime::SandboxState::kReady ||
          LabelValue(s.config.labels, kPodNamespaceLabel) != ns ||
          LabelValue(s.config.labels, kPodNameLabel) != name) {
        continue;
      }
      if (found == nullptr || s.created_at > found->created_at) found = &s;
    }
    if (found == nullptr) {
      return Status::NotFound(fmt::format("pod \"{}\" not found (no running sandbox)", name));
    }
    PortForwardTarget target;
    target.pod = ns + "/" + name;
    target.uid = LabelValue(found->config.labels, kPodUidLabel);
    target.dial = [netns = found->netns_path](uint16_t port) {
      return DialLoopbackInNetns(netns, port);
    };
    return target;
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
