// port-forward TYPE/NAME [LOCAL:]REMOTE...: listens on 127.0.0.1 (or --address) and carries
// each accepted connection over a WebSocket session of its own to the pod's
// `portforward` subresource (v4.channel.k8s.io with ?ports=REMOTE: channel 0 data, channel 1
// errors, the first message on each naming the port). Services, deployments, replica sets
// and stateful sets resolve to one of their running pods; a service port to its target port.
// Runs until SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <mutex>
#include <random>
#include <thread>

#include "pkg/api/label_selector.h"
#include "pkg/api/log_options.h"
#include "pkg/kubectl/channel_reader.h"
#include "pkg/kubectl/commands.h"
#include "pkg/util/base64.h"
#include "pkg/util/socket_io.h"
#include "pkg/util/websocket.h"

namespace sampan::kubectl {
namespace {

using api::Json;

volatile std::sig_atomic_t g_stop = 0;
std::mutex g_err_mu;  // connection threads share the error stream
void OnStop(int) { g_stop = 1; }

struct Forward {
  uint16_t local = 0;
  std::string remote;  // a number, or a port name to look up in the pod
  uint16_t remote_port = 0;
};

std::optional<uint16_t> PortNumber(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return {};
  long v = std::stol(text);
  if (v < 0 || v > 65535) return {};
  return static_cast<uint16_t>(v);
}

// A container port of the pod by name.
std::optional<uint16_t> NamedPort(const Json& pod, const std::string& name) {
  const Json containers = api::ObjectField(pod, "spec").value("containers", Json::array());
  for (const Json& c : containers) {
    const Json ports = c.value("ports", Json::array());
    for (const Json& p : ports) {
      if (api::GetString(p, "name") == name)
        return static_cast<uint16_t>(api::GetInt(p, "containerPort"));
    }
  }
  return {};
}

// The pod behind TYPE/NAME, and for a service the pod-side port of each forward.
Result<Json> ResolvePod(Session& s, const std::string& arg, std::vector<Forward>* forwards) {
  std::string type = "pod", name = arg;
  if (size_t slash = arg.find('/'); slash != std::string::npos) {
    type = arg.substr(0, slash);
    name = arg.substr(slash + 1);
  }
  ASSIGN_OR_RETURN(const Discovery* d, s.discovery());
  ASSIGN_OR_RETURN(api::ResourceInfo r, d->Resolve(type));
  ASSIGN_OR_RETURN(Json obj, s.ApiCall("GET", ObjectPath(r, s.ns(), name)));
  if (r.group.empty() && r.kind == "Pod") return obj;
  Json selector;
  if (r.group.empty() && r.kind == "Service") {
    Json labels = api::ObjectField(api::ObjectField(obj, "spec"), "selector");
    selector = {{"matchLabels", labels}};
    if (labels.empty())
      return Status::Invalid("invalid service '" + name +
                             "': Service is defined without a selector");
  } else {
    selector = api::ObjectField(api::ObjectField(obj, "spec"), "selector");
  }
  ASSIGN_OR_RETURN(api::LabelSelector sel, api::LabelSelector::FromJson(selector));
  ASSIGN_OR_RETURN(
      Json pods,
      s.ApiCall("GET", fmt::format("/api/v1/namespaces/{}/pods?labelSelector={}",
                                   api::UrlEncode(s.ns()), api::UrlEncode(sel.ToString()))));
  const Json* chosen = nullptr;
  const Json items = pods.value("items", Json::array());
  for (const Json& p : items) {
    if (api::GetString(api::ObjectField(p, "status"), "phase") == "Running") {
      chosen = &p;
      break;
    }
  }
  if (chosen == nullptr) return Status::NotFound("timed out waiting for the condition");
  if (r.group.empty() && r.kind == "Service") {
    for (Forward& f : *forwards) {
      const Json* match = nullptr;
      const Json ports = api::ObjectField(obj, "spec").value("ports", Json::array());
      for (const Json& p : ports) {
        if (std::to_string(api::GetInt(p, "port")) == f.remote ||
            api::GetString(p, "name") == f.remote) {
          match = &p;
        }
      }
      if (match == nullptr) {
        return Status::Invalid(
            fmt::format("Service {} does not have a service port {}", name, f.remote));
      }
      const Json* target = api::Find(*match, "targetPort");
      if (target == nullptr) {
        f.remote = std::to_string(api::GetInt(*match, "port"));
      } else if (target->is_number()) {
        f.remote = std::to_string(target->get<int64_t>());
      } else if (target->is_string()) {
        f.remote = target->get<std::string>();
      }
    }
  }
  return *chosen;
}

// One local connection carried to the pod until either side ends.
void Carry(Session* s, int fd, std::string pod_path, Forward f, std::ostream* err) {
  std::unique_ptr<http::HttpClient> client;
  auto finish = [&] { ::close(fd); };
  Result<std::unique_ptr<http::HttpClient>> made = http::HttpClient::New(s->client_options());
  if (!made.ok()) return finish();
  client = std::move(*made);
  http::Headers headers = WebSocketUpgradeHeaders("v4.channel.k8s.io");
  Result<http::Response> head = client->Upgrade(
      "GET", pod_path + "/portforward?ports=" + std::to_string(f.remote_port), headers);
  if (!head.ok() || head->status != 101) {
    std::lock_guard<std::mutex> lock(g_err_mu);
    *err << "error: "
         << (head.ok() ? ServerError(head->status, head->body) : head.status().message()) << "\n";
    err->flush();
    return finish();
  }
  std::mt19937 masks(std::random_device{}());
  ws::FrameParser parser;
  bool seen_port[2] = {false, false};
  char buf[32 * 1024];
  for (bool done = false; !done;) {
    pollfd fds[2] = {{client->socket_fd(), POLLIN, 0}, {fd, POLLIN, 0}};
    if (!client->HasBufferedInput() && ::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        (void)client->WriteUpgraded(
            ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseNormal), masks()));
        break;
      }
      std::string payload(1, '\0');
      payload.append(buf, static_cast<size_t>(n));
      if (!client->WriteUpgraded(ws::EncodeFrame(ws::Opcode::kBinary, payload, masks())).ok())
        break;
    }
    if (!client->HasBufferedInput() && !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ChannelRead read = ReadChannelMessages(
        *client, parser, /*accept_text=*/false, [&](uint8_t channel, std::string_view data) {
          if (channel > 1) return;
          if (!seen_port[channel]) {  // the first message on a channel names the port
            seen_port[channel] = true;
            return;
          }
          if (channel == 0) {
            if (!SendAll(fd, data)) done = true;
          } else if (!data.empty()) {
            std::lock_guard<std::mutex> lock(g_err_mu);
            *err << fmt::format("error: an error occurred forwarding {} -> {}: {}\n", f.local,
                                f.remote_port, data);
            err->flush();
            done = true;
          }
        });
    if (read != ChannelRead::kOpen) break;
  }
  finish();
}

}  // namespace

int RunPortForward(Session& s, const Options& o, Io io) {
  if (o.positional().size() < 2) {
    io.err << "error: TYPE/NAME and list of ports are required for port-forward\n";
    return 1;
  }
  std::vector<Forward> forwards;
  for (size_t i = 1; i < o.positional().size(); ++i) {
    std::string spec = o.positional()[i];
    Forward f;
    size_t colon = spec.find(':');
    std::string local = colon == std::string::npos ? spec : spec.substr(0, colon);
    f.remote = colon == std::string::npos ? spec : spec.substr(colon + 1);
    std::optional<uint16_t> lp = local.empty() ? std::optional<uint16_t>(0) : PortNumber(local);
    if (!lp) {
      io.err << "error: Error parsing local port '" << local
             << "': should be unsigned 16-bit integer\n";
      return 1;
    }
    f.local = *lp;
    forwards.push_back(f);
  }
  Result<Json> pod = ResolvePod(s, o.positional()[0], &forwards);
  if (!pod.ok()) {
    io.err << (pod.status().message().rfind("Error from server", 0) == 0 ? "" : "error: ")
           << pod.status().message() << "\n";
    return 1;
  }
  const Json& meta = api::ObjectField(*pod, "metadata");
  std::string pod_name = api::GetString(meta, "name");
  if (api::GetString(api::ObjectField(*pod, "status"), "phase") != "Running") {
    io.err << "error: unable to forward port because pod is not running. Current status="
           << api::GetString(api::ObjectField(*pod, "status"), "phase") << "\n";
    return 1;
  }
  for (Forward& f : forwards) {
    std::optional<uint16_t> rp = PortNumber(f.remote);
    if (!rp) rp = NamedPort(*pod, f.remote);
    if (!rp || *rp == 0) {
      io.err << "error: Pod '" << pod_name << "' does not have a named port '" << f.remote << "'\n";
      return 1;
    }
    f.remote_port = *rp;
    if (f.local == 0 && f.remote.find_first_not_of("0123456789") == std::string::npos &&
        o.positional().size() > 1) {
      // "PORT" alone forwards the same port; ":PORT" picks a free one (left 0).
    }
  }
  std::string address = o.Get("address", "localhost");
  if (address == "localhost") address = "127.0.0.1";
  std::vector<int> listeners;
  for (size_t i = 0; i < forwards.size(); ++i) {
    Forward& f = forwards[i];
    std::string spec = o.positional()[i + 1];
    if (spec.find(':') == std::string::npos) f.local = f.remote_port;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(f.local);
    if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
      io.err << fmt::format(
          "Unable to listen on port {}: Listeners failed to create with the "
          "following errors: [unable to create listener: Error listen tcp4 "
          "{}:{}: bind: {}]\nerror: unable to listen on any of the requested ports: "
          "[{{{} {}}}]\n",
          f.local, address, f.local, std::strerror(errno), f.local, f.remote_port);
      ::close(fd);
      return 1;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    f.local = ntohs(addr.sin_port);
    io.out << fmt::format("Forwarding from {}:{} -> {}\n", address, f.local, f.remote_port);
    listeners.push_back(fd);
  }
  io.out.flush();
  std::string pod_path = fmt::format("/api/v1/namespaces/{}/pods/{}", api::UrlEncode(s.ns()),
                                     api::UrlEncode(pod_name));
  g_stop = 0;
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::vector<pollfd> fds;
  for (int fd : listeners) fds.push_back({fd, POLLIN, 0});
  while (!g_stop) {
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      int conn = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      io.out << "Handling connection for " << forwards[i].local << "\n";
      io.out.flush();
      std::thread(Carry, &s, conn, pod_path, forwards[i], &io.err).detach();
    }
  }
  for (int fd : listeners) ::close(fd);
  return 0;
}

}  // namespace sampan::kubectl
