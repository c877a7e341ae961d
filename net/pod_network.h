#pragma once
// PodNetwork: the pod network of one node. A Linux bridge holds the gateway address (.1 of the
// node's pod CIDR); every sandbox gets an address from Ipam and a veth pair whose host end is a
// port of the bridge (hairpin on, so a pod reaches itself through a service address) and whose
// other end is eth0 in the sandbox's network namespace, with the default route via the gateway.
// Pod traffic leaving the cluster CIDR is masqueraded by sampan's own nftables table.
//
// Everything happens in the network namespace of the thread that called Open (the node's);
// sandboxes' namespaces are entered on helper threads only. Knows nothing of Kubernetes.
// Thread-safe: Attach/Detach/ReleaseExcept of different sandboxes may come from many pod
// workers; they are serialized by one mutex (each takes a few milliseconds).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "net/ipam.h"
#include "net/netlink.h"
#include "pkg/util/status.h"

namespace sampan::net {

struct PodNetworkConfig {
  std::string state_dir;  // IPAM state, e.g. <data-dir>/agent/net
  std::string bridge = "sampan0";
  std::string pod_cidr;      // this node's subnet, e.g. "10.42.0.0/24"; gateway = .1
  std::string cluster_cidr;  // e.g. "10.42.0.0/16": pod traffic leaving it is masqueraded
  int mtu = 1500;
  std::string nft_table = "sampan";  // `table ip <nft_table>`
};

struct PodAttachment {
  std::string ip;  // "10.42.0.2"
  int prefix_length = 0;
  std::string gateway;    // "10.42.0.1"
  std::string host_veth;  // "veth1a2b3c4d"
  std::string mac;        // eth0's MAC in the sandbox
};

class PodNetwork {
 public:
  // Creates or adopts the bridge with the gateway address and brings it up, enables IPv4
  // forwarding of the current namespace, and (re)installs the nftables table. Idempotent: a
  // second Open (a restarted process) adopts what exists and keeps the IPAM state.
  static Result<std::unique_ptr<PodNetwork>> Open(const PodNetworkConfig& config);
  // Removes everything Open and Attach made: veths on the bridge, the bridge, the nftables
  // table and the IPAM state files. For uninstall and tests; OK if nothing is there.
  static Status Uninstall(const PodNetworkConfig& config);

  // Gives the sandbox its address (the same one on every retry until Detach), creates its veth
  // pair with eth0 in the namespace at `netns_path` (/proc/PID/ns/net, /run/netns/NAME) and
  // configures eth0, lo and the default route there. Idempotent: an attached sandbox is only
  // re-checked. NotFound if the namespace is gone, Unavailable if the subnet is exhausted.
  Result<PodAttachment> Attach(const std::string& sandbox_id, const std::string& netns_path);
  // Deletes the sandbox's veth pair (its namespace may be gone already) and releases its
  // address. Idempotent.
  Status Detach(const std::string& sandbox_id);
  // After a restart: releases the addresses of sandboxes not in `live` and deletes host veths on
  // the bridge that belong to none of `live`. Call it before new sandboxes are attached (at
  // start-up, with every sandbox the runtime still has): a sandbox missing from `live` loses
  // its network.
  Status ReleaseExcept(const std::set<std::string>& live_sandbox_ids);

  std::optional<std::string> AddressOf(const std::string& sandbox_id) const;
  // address -> sandbox id ("" for an allocation a crash left without owner).
  std::map<std::string, std::string> Allocations() const;
  std::string gateway() const;
  const PodNetworkConfig& config() const { return config_; }

  // The host-side veth name of a sandbox: "veth" + 8 hex digits of a 32-bit hash (FNV-1a) of
  // the id. Two sandboxes of one node sharing a name is unlikely (~1e-6 for 100 pods); the second
  // Attach would then replace the first one's pair.
  static std::string HostVethName(const std::string& sandbox_id);

 private:
  PodNetwork(PodNetworkConfig config, Ipv4Prefix pod_cidr, NlSocket route,
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
