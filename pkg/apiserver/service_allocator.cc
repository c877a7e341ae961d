#include "pkg/apiserver/service_allocator.h"

#include <arpa/inet.h>
#include <fmt/core.h>

#include <random>

#include "pkg/apiserver/strategy.h"

namespace sampan::apiserver {
namespace {

using api::Json;

bool WantsNodePorts(const Json& spec) {
  std::string type = api::GetString(spec, "type");
  return type == "NodePort" || type == "LoadBalancer";
}

bool WantsClusterIp(const Json& spec) { return api::GetString(spec, "type") != "ExternalName"; }

uint32_t RandomBelow(uint32_t n) {
  thread_local std::mt19937 gen(std::random_device{}());
  return std::uniform_int_distribution<uint32_t>(0, n - 1)(gen);
}

}  // namespace

std::optional<uint32_t> ParseIpv4(const std::string& text) {
  in_addr addr;
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string FormatIpv4(uint32_t ip) {
  return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

Result<Ipv4Cidr> Ipv4Cidr::Parse(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return Status::Invalid("CIDR " + text + " has no prefix length");
  auto ip = ParseIpv4(text.substr(0, slash));
  int prefix = std::atoi(text.c_str() + slash + 1);
  if (!ip || prefix < 1 || prefix > 30) return Status::Invalid("invalid IPv4 CIDR " + text);
  Ipv4Cidr c;
  c.prefix = prefix;
  c.base = *ip & (prefix == 0 ? 0 : ~((1u << (32 - prefix)) - 1));
  return c;
}

bool Ipv4Cidr::Contains(uint32_t ip) const { return ip - base < size(); }

std::string Ipv4Cidr::ToString() const { return FormatIpv4(base) + "/" + std::to_string(prefix); }

Result<std::unique_ptr<ServiceAllocator>> ServiceAllocator::Create(
    const std::string& service_cidr, const std::string& node_port_range) {
  ASSIGN_OR_RETURN(Ipv4Cidr cidr, Ipv4Cidr::Parse(service_cidr));
  int lo = 0, hi = 0;
  if (std::sscanf(node_port_range.c_str(), "%d-%d", &lo, &hi) != 2 || lo < 1 || hi > 65535 ||
      lo > hi) {
    return Status::Invalid("invalid --service-node-port-range " + node_port_range +
                           " (want e.g. 30000-32767)");
  }
  return std::unique_ptr<ServiceAllocator>(new ServiceAllocator(cidr, lo, hi));
}

void ServiceAllocator::Restore(const Json& service) {
  std::lock_guard<std::mutex> lock(mu_);
  const Json* spec = api::Find(service, "spec");
  if (!spec) return;
  if (auto ip = ParseIpv4(api::GetString(*spec, "clusterIP")); ip && cidr_.Contains(*ip)) {
    ips_.insert(*ip);
  }
  if (const Json* ports = api::Find(*spec, "ports"); ports && ports->is_array()) {
    for (const auto& p : *ports) {
      int np = static_cast<int>(api::GetInt(p, "nodePort", 0));
      if (np) ports_.insert(np);
    }
  }
}

std::string ServiceAllocator::AllocateIpLocked() {
  // Skip the network address and the first usable one's predecessors: offset 1..size-2.
  uint32_t usable = cidr_.size() - 2;
  uint32_t start = RandomBelow(usable);
  for (uint32_t i = 0; i < usable; ++i) {
    uint32_t ip = cidr_.base + 1 + (start + i) % usable;
    if (ips_.insert(ip).second) return FormatIpv4(ip);
  }
  return "";
}

int ServiceAllocator::AllocatePortLocked() {
  int span = port_max_ - port_min_ + 1;
  int start = static_cast<int>(RandomBelow(static_cast<uint32_t>(span)));
  for (int i = 0; i < span; ++i) {
    int port = port_min_ + (start + i) % span;
    if (ports_.insert(port).second) return port;
  }
  return 0;
}

std::vector<Cause> ServiceAllocator::AllocateNodePorts(Json& service, const Json* old) {
  std::vector<Cause> causes;
  Json& spec = service["spec"];
  if (!spec.contains("ports") || !spec["ports"].is_array()) return causes;
  std::set<int> old_ports;
  if (old) {
    if (const Json* ports = api::FindPath(*old, "spec.ports"); ports && ports->is_array()) {
      for (const auto& p : *ports) old_ports.insert(static_cast<int>(api::GetInt(p, "nodePort")));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < spec["ports"].size(); ++i) {
    Json& p = spec["ports"][i];
    int requested = static_cast<int>(api::GetInt(p, "nodePort", 0));
    std::string field = fmt::format("spec.ports[{}].nodePort", i);
    if (requested == 0) {
      int port = AllocatePortLocked();
      if (port == 0) {
        causes.push_back({"FieldValueInvalid", "range is full", field});
      } else {
        p["nodePort"] = port;
      }
      continue;
    }
    if (old_ports.count(requested)) continue;  // already held by this service
    if (requested < port_min_ || requested > port_max_) {
      causes.push_back(InvalidValue(
          field, requested,
          fmt::format("provided port is not in the valid range. The range of valid ports is {}-{}",
                      port_min_, port_max_)));
    } else if (!ports_.insert(requested).second) {
      causes.push_back(InvalidValue(field, requested, "provided port is already allocated"));
    }
  }
  return causes;
}

std::vector<Cause> ServiceAllocator::AllocateForCreate(Json& service) {
  std::vector<Cause> causes;
  Json& spec = service["spec"];
  if (WantsClusterIp(spec)) {
    std::string requested = api::GetString(spec, "clusterIP");
    if (requested == "None") {
      spec["clusterIPs"] = Json::array({"None"});
    } else if (requested.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string ip = AllocateIpLocked();
      if (ip.empty()) {
        causes.push_back({"FieldValueInvalid", "range is full", "spec.clusterIPs"});
      } else {
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = Json::array({ip});
      }
    } else {
      auto ip = ParseIpv4(requested);
      std::lock_guard<std::mutex> lock(mu_);
      if (!ip) {
        causes.push_back(InvalidValue("spec.clusterIPs[0]", requested,
                                      "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
      } else if (!cidr_.Contains(*ip)) {
        causes.push_back(InvalidValue(
            "spec.clusterIPs[0]", requested,
            "failed to allocate IP " + requested +
                ": provided IP is not in the valid range. The range of valid IPs is " +
                cidr_.ToString()));
      } else if (!ips_.insert(*ip).second) {
        causes.push_back(InvalidValue("spec.clusterIPs[0]", requested,
                                      "failed to allocate IP " + requested +
                                          ": provided IP is already allocated"));
      } else {
        spec["clusterIPs"] = Json::array({requested});
      }
    }
  }
  if (causes.empty() && WantsNodePorts(spec)) {
    causes = AllocateNodePorts(service, nullptr);
  }
  if (!causes.empty()) Release(service);
  return causes;
}

std::vector<Cause> ServiceAllocator::AllocateForUpdate(Json& service, const Json& old) {
  Json& spec = service["spec"];
  const Json old_spec = old.contains("spec") ? old["spec"] : Json::object();
  // The cluster IP is kept unless the service turns into ExternalName.
  if (WantsClusterIp(spec)) {
    if (api::GetString(spec, "clusterIP").empty() && old_spec.contains("clusterIP")) {
      spec["clusterIP"] = old_spec["clusterIP"];
      if (old_spec.contains("clusterIPs")) spec["clusterIPs"] = old_spec["clusterIPs"];
    }
    if (api::GetString(spec, "clusterIP").empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string ip = AllocateIpLocked();
      spec["clusterIP"] = ip;
      spec["clusterIPs"] = Json::array({ip});
    }
  }
  std::vector<Cause> causes;
  if (WantsNodePorts(spec)) {
    // Keep the node ports of ports that did not change.
    if (spec.contains("ports") && spec["ports"].is_array()) {
      if (const Json* olds = api::Find(old_spec, "ports"); olds && olds->is_array()) {
        for (auto& p : spec["ports"]) {
          if (api::GetInt(p, "nodePort", 0) != 0) continue;
          for (const auto& o : *olds) {
            if (api::GetInt(o, "port") == api::GetInt(p, "port") &&
                api::GetString(o, "protocol", "TCP") == api::GetString(p, "protocol", "TCP") &&
                api::GetInt(o, "nodePort", 0) != 0) {
              p["nodePort"] = o["nodePort"];
            }
          }
        }
      }
    }
    causes = AllocateNodePorts(service, &old);
  } else if (spec.contains("ports") && spec["ports"].is_array()) {
    for (auto& p : spec["ports"]) p.erase("nodePort");
  }
  if (causes.empty()) ReleaseDifference(old, service);  // what the old held and the new does not
  return causes;
}

void ServiceAllocator::Release(const Json& service) {
  std::lock_guard<std::mutex> lock(mu_);
  const Json* spec = api::Find(service, "spec");
  if (!spec) return;
  if (auto ip = ParseIpv4(api::GetString(*spec, "clusterIP"))) ips_.erase(*ip);
  if (const Json* ports = api::Find(*spec, "ports"); ports && ports->is_array()) {
    for (const auto& p : *ports) ports_.erase(static_cast<int>(api::GetInt(p, "nodePort", 0)));
  }
}

void ServiceAllocator::ReleaseDifference(const Json& updated, const Json& old) {
  std::set<int> keep;
  std::string keep_ip = api::GetString(api::Find(old, "spec") ? old["spec"] : Json(), "clusterIP");
  if (const Json* ports = api::FindPath(old, "spec.ports"); ports && ports->is_array()) {
    for (const auto& p : *ports) keep.insert(static_cast<int>(api::GetInt(p, "nodePort", 0)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  const Json* spec = api::Find(updated, "spec");
  if (!spec) return;
  std::string ip = api::GetString(*spec, "clusterIP");
  if (ip != keep_ip) {
    if (auto parsed = ParseIpv4(ip)) ips_.erase(*parsed);
  }
  if (const Json* ports = api::Find(*spec, "ports"); ports && ports->is_array()) {
    for (const auto& p : *ports) {
      int np = static_cast<int>(api::GetInt(p, "nodePort", 0));
      if (np && !keep.count(np)) ports_.erase(np);
    }
  }
}

}  // namespace sampan::apiserver
