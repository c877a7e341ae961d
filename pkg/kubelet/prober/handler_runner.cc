#include "pkg/kubelet/prober/handler_runner.h"

#include <charconv>
#include <thread>

#include "pkg/kubelet/prober/exec_probe.h"
#include "pkg/kubelet/prober/grpc_probe.h"
#include "pkg/kubelet/prober/http_probe.h"
#include "pkg/kubelet/prober/tcp_probe.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;

std::vector<std::string> Command(const Json& exec) {
  std::vector<std::string> args;
  const Json* command = api::Find(exec, "command");
  if (command == nullptr || !command->is_array()) return args;
  for (const Json& arg : *command) {
    if (arg.is_string()) args.push_back(arg.get<std::string>());
  }
  return args;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<NamedPort> ContainerPorts(const Json& container) {
  std::vector<NamedPort> ports;
  const Json* list = api::Find(container, "ports");
  if (list == nullptr || !list->is_array()) return ports;
  for (const Json& p : *list) {
    if (!p.is_object()) continue;
    ports.push_back({api::GetString(p, "name"), static_cast<int>(api::GetInt(p, "containerPort"))});
  }
  return ports;
}

Result<int> ResolvePort(const Json& port, const std::vector<NamedPort>& ports) {
  int value = -1;
  if (port.is_number_integer()) {
    value = port.get<int>();
  } else if (port.is_string()) {
    const std::string name = port.get<std::string>();
    bool found = false;
    for (const NamedPort& p : ports) {
      if (!p.name.empty() && p.name == name) {
        value = p.port;
        found = true;
        break;
      }
    }
    if (!found) {
      // Not a name: perhaps a number in a string. Go's strconv.Atoi words the errors.
      const char* begin = name.data() + (!name.empty() && name[0] == '+' ? 1 : 0);
      auto [end, ec] = std::from_chars(begin, name.data() + name.size(), value);
      if (ec == std::errc::result_out_of_range && end == name.data() + name.size()) {
        return Status::Invalid("strconv.Atoi: parsing " + GoQuote(name) + ": value out of range");
      }
      if (ec != std::errc() || end != name.data() + name.size() || name.empty()) {
        return Status::Invalid("strconv.Atoi: parsing " + GoQuote(name) + ": invalid syntax");
      }
    }
  } else {
    return Status::Invalid("intOrString had no kind: " + api::Dump(port));
  }
  if (value > 0 && value < 65536) return value;
  return Status::Invalid("invalid port number: " + std::to_string(value));
}

Result<HttpGetRequest> BuildHttpGetRequest(const Json& http_get, const ProbeTarget& target) {
  HttpGetRequest request;
  std::string scheme = Lower(api::GetString(http_get, "scheme", "HTTP"));
  if (scheme.empty()) scheme = "http";
  if (scheme != "http" && scheme != "https") {
    return Status::Invalid("unsupported protocol scheme \"" + scheme + "\"");
  }
  request.https = scheme == "https";
  request.host = api::GetString(http_get, "host");
  if (request.host.empty()) request.host = target.pod_ip;
  const Json* port = api::Find(http_get, "port");
  ASSIGN_OR_RETURN(request.port, ResolvePort(port ? *port : Json(), target.ports));
  request.path = api::GetString(http_get, "path");
  if (const Json* headers = api::Find(http_get, "httpHeaders"); headers && headers->is_array()) {
    for (const Json& h : *headers) {
      if (!h.is_object()) continue;
      std::string name = api::GetString(h, "name");
      if (!name.empty()) request.headers.emplace_back(name, api::GetString(h, "value"));
    }
  }
  return request;
}

ProbeOutcome RunHandler(const Json& handler, const ProbeTarget& target,
                        std::chrono::milliseconds timeout) {
  if (const Json* exec = api::Find(handler, "exec"); exec && exec->is_object()) {
    return DoExecProbe(target.exec, target.container_id, Command(*exec), timeout);
  }
  if (const Json* http_get = api::Find(handler, "httpGet"); http_get && http_get->is_object()) {
    Result<HttpGetRequest> request = BuildHttpGetRequest(*http_get, target);
    if (!request.ok()) return ProbeOutcome::Unknown(request.status().message());
    return DoHttpProbe(*request, timeout);
  }
  if (const Json* tcp = api::Find(handler, "tcpSocket"); tcp && tcp->is_object()) {
    const Json* port = api::Find(*tcp, "port");
    Result<int> resolved = ResolvePort(port ? *port : Json(), target.ports);
    if (!resolved.ok()) return ProbeOutcome::Unknown(resolved.status().message());
    std::string host = api::GetString(*tcp, "host");
    return DoTcpProbe(host.empty() ? target.pod_ip : host, *resolved, timeout);
  }
  if (const Json* grpc = api::Find(handler, "grpc"); grpc && grpc->is_object()) {
    int64_t port = api::GetInt(*grpc, "port", -1);
    if (port <= 0 || port > 65535) {
      return ProbeOutcome::Unknown("invalid port number: " + std::to_string(port));
    }
    return DoGrpcProbe(target.pod_ip, static_cast<int>(port), api::GetString(*grpc, "service"),
                       timeout);
  }
  if (const Json* sleep = api::Find(handler, "sleep"); sleep && sleep->is_object()) {
    std::chrono::milliseconds duration = std::chrono::seconds(api::GetInt(*sleep, "seconds"));
    if (timeout.count() > 0 && duration > timeout) duration = timeout;
    if (duration.count() > 0) {
      if (target.sleep) {
        target.sleep(duration);
      } else {
        std::this_thread::sleep_for(duration);
      }
    }
    return ProbeOutcome::Success();
  }
  return ProbeOutcome::Unknown("missing probe handler");
}

}  // namespace sampan::kubelet::prober
