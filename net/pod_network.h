#pragma once
// PodNetwork: the pod network of one node. A Linux bridge holds the gateway address (.1 of the
// node's pod CIDR); every sandbox gets an address from Ipam and a veth pair whose host end is a
// port of the bridge (hairpin on, so a pod reaches itself through a service address) and whose
// other end is eth0 in the sandbox's network namespace, with the default route via the gateway.
// Pod traffic leaving the cluster CIDR is masqueraded by sampan's own nftables table.
// Knows nothing of Kubernetes. Implementations are thread-safe: Attach/Detach/ReleaseExcept of
// different sandboxes may come from many pod workers at once.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

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

// The pod network as the kubelet sees it (a seam: test/fakes/fake_pod_network.h fakes it).
class PodNetwork {
 public:
  virtual ~PodNetwork() = default;

  // The bridge implementation (net/bridge_network.h): creates or adopts the bridge with the
  // gateway address and brings it up, enables IPv4 forwarding of the current namespace, and
  // (re)installs the nftables table. Idempotent: a second Open (a restarted process) adopts
  // what exists and keeps the IPAM state. Works in the calling thread's network namespace (the
  // node's), which every later call uses too, from whatever thread.
  static Result<std::unique_ptr<PodNetwork>> Open(const PodNetworkConfig& config);
  // Removes everything Open and Attach made: veths on the bridge, the bridge, the nftables
  // table and the IPAM state files. For uninstall and tests; OK if nothing is there.
  static Status Uninstall(const PodNetworkConfig& config);
  // The host-side veth name of a sandbox: "veth" + 8 hex digits of a 32-bit hash (FNV-1a) of
  // the id. Two sandboxes of one node sharing a name is unlikely (~1e-6 for 100 pods); the second
  // Attach would then replace the first one's pair.
  static std::string HostVethName(const std::string& sandbox_id);

  // Gives the sandbox its address (the same one on every retry until Detach), creates its veth
  // pair with eth0 in the namespace at `netns_path` (/proc/PID/ns/net, /run/netns/NAME) and
  // configures eth0, lo and the default route there. Idempotent: an attached sandbox is only
  // re-checked. NotFound if the namespace is gone, Unavailable if the subnet is exhausted.
  virtual Result<PodAttachment> Attach(const std::string& sandbox_id,
                                       const std::string& netns_path) = 0;
  // Deletes the sandbox's veth pair (its namespace may be gone already) and releases its
  // address. Idempotent.
  virtual Status Detach(const std::string& sandbox_id) = 0;
  // After a restart: releases the addresses of sandboxes not in `live` and deletes host veths on
  // the bridge that belong to none of `live`. Call it before new sandboxes are attached (at
  // start-up, with every sandbox the runtime still has): a sandbox missing from `live` loses
  // its network.
  virtual Status ReleaseExcept(const std::set<std::string>& live_sandbox_ids) = 0;

  virtual std::optional<std::string> AddressOf(const std::string& sandbox_id) const = 0;
  // address -> sandbox id ("" for an allocation a crash left without owner).
  virtual std::map<std::string, std::string> Allocations() const = 0;
  virtual std::string gateway() const = 0;  // "10.42.0.1"
};

}  // namespace sampan::net
