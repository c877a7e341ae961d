#include "pkg/apiserver/kubelet_proxy.h"

#include <fmt/core.h>
#include <poll.h>
#include <strings.h>

#include <cerrno>

#include "pkg/api/builtin_resources.h"
#include "pkg/api/log_options.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/pod_log.h"
#include "pkg/util/byte_queue.h"
#include "pkg/util/http_client.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");

void SendApiError(http::ResponseWriter& out, const ApiError& e) {
  http::Headers headers;
  headers.Add("Content-Type", "application/json");
  out.Send(e.code, std::move(headers), e.Body());
}

// A kubelet's error answer as the API's: its Status object when it sent one, else the text.
ApiError FromKubelet(int code, const std::string& body) {
  ApiError e;
  e.code = code;
  e.reason = code == 400   ? "BadRequest"
             : code == 404 ? "NotFound"
             : code == 403 ? "Forbidden"
                           : "InternalError";
  e.message = body;
  if (Result<Json> status = api::ParseJson(body); status.ok() && status->is_object()) {
    e.message = api::GetString(*status, "message", body);
    std::string reason = api::GetString(*status, "reason");
    if (!reason.empty()) e.reason = reason;
  }
  if (code == 401 || code == 403) {
    // The API server itself was refused: a server-side problem for the client.
    e.message = fmt::format("the kubelet refused the API server ({}): {}", code, e.message);
    e.code = 500;
    e.reason = "InternalError";
  }
  return e;
}

// Whether the pod's status says the container runs (exec needs a running container).
bool ContainerRunning(const Json& pod, const std::string& container) {
  for (const char* field : {"status.containerStatuses", "status.initContainerStatuses",
                            "status.ephemeralContainerStatuses"}) {
    const Json* list = api::FindPath(pod, field);
    if (list == nullptr || !list->is_array()) continue;
    for (const Json& s : *list) {
      if (api::GetString(s, "name") != container) continue;
      const Json* state = api::Find(s, "state");
      return state != nullptr && api::Find(*state, "running") != nullptr;
    }
  }
  return false;
}

}  // namespace

KubeletProxy::KubeletProxy(RestHandler& rest, KubeletClientConfig config)
    : rest_(rest), config_(std::move(config)) {}

KubeletProxy::~KubeletProxy() { Stop(); }

void KubeletProxy::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (http::HttpClient* c : active_) c->Cancel();
  }
  threads_.JoinAll();
}

void KubeletProxy::Track(http::HttpClient* client, bool add) {
  std::lock_guard lock(mu_);
  if (add) {
    active_.insert(client);
    if (stopped_) client->Cancel();
  } else {
    active_.erase(client);
  }
}

Result<KubeletProxy::Target> KubeletProxy::Locate(const Json& pod) {
  std::string node_name = api::GetString(api::ObjectField(pod, "spec"), "nodeName");
  ASSIGN_OR_RETURN(Json node, rest_.GetObject(api::builtin::Nodes(), "", node_name));
  ASSIGN_OR_RETURN(KubeletEndpoint endpoint, KubeletEndpointOf(node));
  return Target{endpoint.host, endpoint.port};
}

Result<std::unique_ptr<http::HttpClient>> KubeletProxy::ClientFor(const Target& target) {
  http::ClientOptions options;
  options.host = target.host;
  options.port = target.port;
  options.user_agent = "sampan-apiserver";
  options.tls = http::ClientTlsOptions{config_.ca_file, config_.cert_file, config_.key_file};
  return http::HttpClient::New(options);
}

std::unique_ptr<http::HttpClient> KubeletProxy::ConnectForPod(const Json& pod,
                                                              http::ResponseWriter& out) {
  if (config_.cert_file.empty()) {
    ApiError e = Internal("this API server has no client certificate for kubelets");
    e.code = 503;
    e.reason = "ServiceUnavailable";
    SendApiError(out, e);
    return nullptr;
  }
  Result<Target> target = Locate(pod);
  if (!target.ok()) {
    SendApiError(out, FromStatus(target.status()));
    return nullptr;
  }
  Result<std::unique_ptr<http::HttpClient>> client = ClientFor(*target);
  if (!client.ok()) {
    SendApiError(out, Internal(client.status().message()));
    return nullptr;
  }
  return std::move(*client);
}

void KubeletProxy::Log(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out) {
  const std::string& ns = ctx.info.namespace_;
  const std::string& name = ctx.info.name;
  Result<api::LogQuery> query = api::ParseLogQuery(ctx.http->query);
  if (!query.ok()) return SendApiError(*out, BadRequest(query.status().message()));
  Result<Json> pod = rest_.GetObject(*ctx.resource, ns, name);
  if (!pod.ok()) return SendApiError(*out, FromStatus(pod.status(), ctx.resource, name));
  Result<std::string> container = PodLogContainer(*pod, query->container);
  if (!container.ok()) return SendApiError(*out, BadRequest(container.status().message()));
  if (Status ready = CheckContainerLogReady(*pod, *container, query->previous); !ready.ok()) {
    return SendApiError(*out, BadRequest(ready.message()));
  }
  if (api::GetString(api::ObjectField(*pod, "spec"), "nodeName").empty()) {
    return SendApiError(
        *out, BadRequest(fmt::format("container \"{}\" in pod \"{}\" is waiting to start: "
                                     "ContainerCreating",
                                     *container, name)));
  }
  std::shared_ptr<http::HttpClient> client = ConnectForPod(*pod, *out);
  if (client == nullptr) return;
  std::string target_path = fmt::format("/containerLogs/{}/{}/{}", api::UrlEncode(ns),
                                        api::UrlEncode(name), api::UrlEncode(*container));
  query->container.clear();
  if (std::string q = query->Encode(); !q.empty()) target_path += "?" + q;

  threads_.Spawn([this, client, target_path, out = std::move(out), key = ns + "/" + name] {
    Track(client.get(), true);
    out->OnClose([client] { client->Cancel(); });
    bool started = false;
    http::Response head;
    Status status = client->Stream(
        "GET", target_path, {},
        [&](std::string_view chunk) {
          if (!started) {
            http::Headers headers;
            headers.Add("Content-Type", "text/plain");
            out->StartStream(200, std::move(headers));
            started = true;
          }
          out->Write(std::string(chunk));
          return !out->Closed();
        },
        &head);
    Track(client.get(), false);
    if (started) {
      out->End();
    } else if (status.ok()) {
      http::Headers headers;
      headers.Add("Content-Type", "text/plain");
      out->Send(200, std::move(headers), "");
    } else if (head.status >= 300) {
      SendApiError(*out, FromKubelet(head.status, head.body));
    } else if (!out->Closed()) {
      kLog.Info("logs of pod {}: kubelet unreachable: {}", key, status.message());
      ApiError e = Internal(status.message());
      SendApiError(*out, e);
    }
  });
}

void KubeletProxy::Exec(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out) {
  RemoteCommand(ctx, std::move(out), "exec");
}

void KubeletProxy::Attach(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out) {
  RemoteCommand(ctx, std::move(out), "attach");
}

void KubeletProxy::RemoteCommand(const RequestContext& ctx,
                                 std::shared_ptr<http::ResponseWriter> out,
                                 const std::string& verb) {
  const std::string& ns = ctx.info.namespace_;
  const std::string& name = ctx.info.name;
  const http::Request& req = *ctx.http;
  Result<Json> pod = rest_.GetObject(*ctx.resource, ns, name);
  if (!pod.ok()) return SendApiError(*out, FromStatus(pod.status(), ctx.resource, name));
  Result<std::string> container = PodLogContainer(*pod, ctx.query.GetOr("container", ""));
  if (!container.ok()) return SendApiError(*out, BadRequest(container.status().message()));
  std::string phase = api::GetString(api::ObjectField(*pod, "status"), "phase");
  if (phase == "Succeeded" || phase == "Failed") {
    return SendApiError(*out,
                        BadRequest(fmt::format("cannot {} a container in a completed pod; current "
                                               "phase is {}",
                                               verb == "exec" ? "exec into" : verb, phase)));
  }
  if (!ContainerRunning(*pod, *container)) {
    return SendApiError(*out, BadRequest(fmt::format("container not found (\"{}\")", *container)));
  }
  std::string path = fmt::format("/{}/{}/{}/{}", verb, api::UrlEncode(ns), api::UrlEncode(name),
                                 api::UrlEncode(*container));
  if (!req.query.empty()) path += "?" + req.query;
  ProxyUpgrade(*pod, path, req, std::move(out), verb + " in pod " + ns + "/" + name);
}

void KubeletProxy::PortForward(const RequestContext& ctx,
                               std::shared_ptr<http::ResponseWriter> out) {
  const std::string& ns = ctx.info.namespace_;
  const std::string& name = ctx.info.name;
  Result<Json> pod = rest_.GetObject(*ctx.resource, ns, name);
  if (!pod.ok()) return SendApiError(*out, FromStatus(pod.status(), ctx.resource, name));
  std::string phase = api::GetString(api::ObjectField(*pod, "status"), "phase");
  if (phase != "Running") {
    return SendApiError(
        *out, BadRequest(fmt::format("pod {} is not running (phase {})", name,
                                     phase.empty() ? "Pending" : phase)));
  }
  std::string path = fmt::format("/portForward/{}/{}", api::UrlEncode(ns), api::UrlEncode(name));
  if (!ctx.http->query.empty()) path += "?" + ctx.http->query;
  ProxyUpgrade(*pod, path, *ctx.http, std::move(out), "port-forward to pod " + ns + "/" + name);
}

void KubeletProxy::ProxyUpgrade(const Json& pod, const std::string& path,
                                const http::Request& req,
                                std::shared_ptr<http::ResponseWriter> out, std::string what) {
  // After the caller's checks: kubectl 1.30+ retries with SPDY when the WebSocket upgrade is
  // refused, and should then still see why (a wrong container, a finished pod).
  if (req.headers.Get("Upgrade").empty()) {
    return SendApiError(*out, BadRequest("Upgrade request required: WebSocket or SPDY/3.1"));
  }
  if (api::GetString(api::ObjectField(pod, "spec"), "nodeName").empty()) {
    return SendApiError(
        *out, BadRequest(fmt::format("pod {} does not have a host assigned",
                                     api::GetString(api::ObjectField(pod, "metadata"), "name"))));
  }
  std::shared_ptr<http::HttpClient> client = ConnectForPod(pod, *out);
  if (client == nullptr) return;
  // The client's protocol offer goes to the kubelet as it is (every value of each header:
  // SPDY clients name their stream protocols in several X-Stream-Protocol-Version lines).
  http::Headers headers;
  for (const http::Header& h : req.headers.all()) {
    for (const char* name : {"Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                             "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version"}) {
      if (strcasecmp(h.name.c_str(), name) == 0) headers.Add(name, h.value);
    }
  }
  Result<std::unique_ptr<ByteQueue>> queue = ByteQueue::New();
  if (!queue.ok()) return SendApiError(*out, Internal(queue.status().message()));
  std::shared_ptr<ByteQueue> input = std::move(*queue);

  threads_.Spawn([this, client, path, headers, input, out = std::move(out),
                  what = std::move(what)] {
    Track(client.get(), true);
    Result<http::Response> answer = client->Upgrade("GET", path, headers);
    if (!answer.ok()) {
      Track(client.get(), false);
      kLog.Info("{}: kubelet unreachable: {}", what, answer.status().message());
      return SendApiError(*out, Internal(answer.status().message()));
    }
    if (answer->status != 101) {
      Track(client.get(), false);
      return SendApiError(*out, FromKubelet(answer->status, answer->body));
    }
    http::Headers switched;
    for (const http::Header& h : answer->headers.all()) {
      for (const char* name : {"Upgrade", "Connection", "Sec-WebSocket-Accept",
                               "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version"}) {
        if (strcasecmp(h.name.c_str(), name) == 0) switched.Add(name, h.value);
      }
    }
    out->OnClose([input, client] {
      input->Close();
      client->Cancel();
    });
    out->Upgrade(101, std::move(switched), [input](std::string_view bytes) { input->Push(bytes); });
    Splice(*client, *input, *out);
    Track(client.get(), false);
    client->Cancel();
    out->End();
  });
}

void KubeletProxy::Splice(http::HttpClient& client, ByteQueue& input, http::ResponseWriter& out) {
  // Client -> kubelet from the queue, kubelet -> client from the socket.
  while (true) {
    if (!client.HasBufferedInput()) {
      pollfd fds[2] = {{input.fd(), POLLIN, 0}, {client.socket_fd(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[0].revents != 0) {
        bool eof = false;
        std::string bytes = input.Take(&eof);
        if (!bytes.empty() && !client.WriteUpgraded(bytes).ok()) break;
        if (eof) break;
      }
      if (fds[1].revents == 0) continue;
    }
    std::string bytes;
    bool eof = false;
    if (!client.ReadUpgraded(&bytes, &eof).ok() || eof) {
      if (!bytes.empty()) out.Write(std::move(bytes));
      break;
    }
    out.Write(std::move(bytes));
  }
}

void KubeletProxy::NodeProxy(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out) {
  const http::Request& req = *ctx.http;
  const std::string& name = ctx.info.name;
  // The path after .../nodes/NAME/proxy, "/" if none.
  std::string marker = "/nodes/" + name + "/proxy";
  size_t at = req.path.find(marker);
  std::string path = at == std::string::npos ? "/" : req.path.substr(at + marker.size());
  if (path.empty()) path = "/";
  if (!req.query.empty()) path += "?" + req.query;
  if (config_.cert_file.empty()) {
    ApiError e = Internal("this API server has no client certificate for kubelets");
    e.code = 503;
    e.reason = "ServiceUnavailable";
    return SendApiError(*out, e);
  }
  Result<Json> node = rest_.GetObject(*ctx.resource, "", name);
  if (!node.ok()) return SendApiError(*out, FromStatus(node.status(), ctx.resource, name));
  Result<KubeletEndpoint> endpoint = KubeletEndpointOf(*node);
  if (!endpoint.ok()) return SendApiError(*out, FromStatus(endpoint.status()));
  Result<std::unique_ptr<http::HttpClient>> made =
      ClientFor(Target{endpoint->host, endpoint->port});
  if (!made.ok()) return SendApiError(*out, Internal(made.status().message()));
  std::shared_ptr<http::HttpClient> client = std::move(*made);
  http::Headers headers;
  for (const char* h : {"Accept", "Content-Type"}) {
    if (req.headers.Has(h)) headers.Add(h, std::string(req.headers.Get(h)));
  }
  threads_.Spawn([this, client, method = req.method, path, headers, body = req.body,
                  out = std::move(out), key = name] {
    Track(client.get(), true);
    out->OnClose([client] { client->Cancel(); });
    if (method != "GET") {  // a whole answer: bodies to send, nothing long-lived
      Result<http::Response> answer = client->Do(method, path, headers, body);
      Track(client.get(), false);
      if (!answer.ok()) return SendApiError(*out, Internal(answer.status().message()));
      http::Headers h;
      h.Add("Content-Type", std::string(answer->headers.Get("Content-Type")));
      return out->Send(answer->status, std::move(h), std::move(answer->body));
    }
    bool started = false;
    http::Response head;
    Status status = client->Stream(
        "GET", path, headers,
        [&](std::string_view chunk) {
          if (!started) {
            http::Headers h;
            std::string_view type = head.headers.Get("Content-Type");
            h.Add("Content-Type", type.empty() ? "text/plain" : std::string(type));
            out->StartStream(head.status, std::move(h));
            started = true;
          }
          out->Write(std::string(chunk));
          return !out->Closed();
        },
        &head);
    Track(client.get(), false);
    if (started) {
      out->End();
    } else if (head.status != 0) {
      http::Headers h;
      std::string_view type = head.headers.Get("Content-Type");
      h.Add("Content-Type", type.empty() ? "text/plain" : std::string(type));
      out->Send(head.status, std::move(h), head.body);
    } else if (!out->Closed()) {
      kLog.Info("proxy to node {}: kubelet unreachable: {}", key, status.message());
      SendApiError(*out, Internal(status.message()));
    }
  });
}

}  // namespace sampan::apiserver
