#pragma once
// BridgeNetwork: the PodNetwork of net/pod_network.h on a Linux bridge. Everything happens in
// the network namespace of the thread that called Open (the node's); sandboxes' namespaces are
// entered on helper threads only. Thread-safe: Attach/Detach/ReleaseExcept are serialized by
// one mutex (each takes a few milliseconds).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "net/ipam.h"
#include "net/netlink.h"
#include "net/pod_network.h"
#include "pkg/util/status.h"

namespace sampan::net {

class BridgeNetwork final : public PodNetwork {
 public:
  // See PodNetwork::Open and PodNetwork::Uninstall.
  static Result<std::unique_ptr<BridgeNetwork>> Open(const PodNetworkConfig& config);
  static Status Uninstall(const PodNetworkConfig& config);

  Result<PodAttachment> Attach(const std::string& sandbox_id,
                               const std::string& netns_path) override;
  Status Detach(const std::string& sandbox_id) override;
  Status ReleaseExcept(const std::set<std::string>& live_sandbox_ids) override;
  std::optional<std::string> AddressOf(const std::string& sandbox_id) const override;
  std::map<std::string, std::string> Allocations() const override;
  std::string gateway() const override;

 private:
  BridgeNetwork(PodNetworkConfig config, Ipv4Prefix pod_cidr, NlSocket route,
                std::unique_ptr<Ipam> ipam, int bridge_ifindex)
      : config_(std::move(config)),
        pod_cidr_(pod_cidr),
        route_(std::move(route)),
        ipam_(std::move(ipam)),
        bridge_ifindex_(bridge_ifindex) {}

  const PodNetworkConfig config_;
  const Ipv4Prefix pod_cidr_;
  mutable std::mutex mu_;  // serializes use of route_ and the attach/detach sequences
  NlSocket route_;         // rtnetlink, in the node's namespace
  std::unique_ptr<Ipam> ipam_;
  const int bridge_ifindex_;
};

}  // namespace sampan::net
