#pragma once
// Node IPAM: gives every node a pod CIDR (a /24 of the cluster CIDR by default) in
// spec.podCIDR and spec.podCIDRs, as kube-controller-manager's range allocator does. The
// CIDRs in use are learned from the nodes themselves, so nothing else needs persisting: a
// restart never hands out a CIDR twice.

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"

namespace sampan::controllers {

class NodeIpamController {
 public:
  // `cluster_cidr` like "10.42.0.0/16"; `mask_size` the node prefix length (24).
  static Result<std::unique_ptr<NodeIpamController>> New(client::Client& client,
                                                         const std::string& cluster_cidr,
                                                         int mask_size = 24);
  ~NodeIpamController();
  void Start();
  void Stop();
  Status Sync(const std::string& node_name);

 private:
  NodeIpamController(client::Client& client, uint32_t base, int cluster_bits, int mask_size);
  std::string Format(uint32_t index) const;
  // The index of a CIDR string of ours, or -1.
  int64_t IndexOf(const std::string& cidr) const;

  client::Client& client_;
  const uint32_t base_;
  const int cluster_bits_;
  const int mask_size_;
  client::Informer nodes_;
  Runner runner_;
  std::mutex mu_;
  std::set<uint32_t> used_;
  // Nodes this controller patched whose new CIDR the informer may not show yet: a second
  // sync from a stale cache must not hand out (and overwrite with) another one.
  std::map<std::string, std::string> assigned_;
};

}  // namespace sampan::controllers
