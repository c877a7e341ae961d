#include "net/pod_network.h"

#include <cstdint>
#include <cstdio>

#include "net/bridge_network.h"

namespace sampan::net {

Result<std::unique_ptr<PodNetwork>> PodNetwork::Open(const PodNetworkConfig& config) {
  ASSIGN_OR_RETURN(auto network, BridgeNetwork::Open(config));
  return std::unique_ptr<PodNetwork>(std::move(network));
}

Status PodNetwork::Uninstall(const PodNetworkConfig& config) {
  return BridgeNetwork::Uninstall(config);
}

std::string PodNetwork::HostVethName(const std::string& sandbox_id) {
  uint32_t h = 2166136261u;  // FNV-1a, stable across builds and restarts
  for (unsigned char c : sandbox_id) {
    h ^= c;
    h *= 16777619u;
  }
  char buf[16];
  snprintf(buf, sizeof buf, "veth%08x", h);
  return buf;
}

}  // namespace sampan::net
