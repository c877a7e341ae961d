#pragma once
// The seam between the kubelet and the node's pod network (net/): gives a sandbox's network
// namespace an interface and an IP, and takes them back. cmd/ wires net::PodNetwork into it
// once the node has its podCIDR; tests use a fake. Implementations are thread-safe
// (pod workers attach concurrently) and idempotent per sandbox.

#include <optional>
#include <set>
#include <string>

#include "pkg/util/status.h"

namespace sampan::kubelet {

class NetworkPlugin {
 public:
  virtual ~NetworkPlugin() = default;
  // Connects the sandbox whose network namespace is `netns_path`; returns its IP.
  virtual Result<std::string> Attach(const std::string& sandbox_id,
                                     const std::string& netns_path) = 0;
  // Disconnects it and frees its IP (also after its namespace is gone).
  virtual Status Detach(const std::string& sandbox_id) = 0;
  virtual std::optional<std::string> AddressOf(const std::string& sandbox_id) const = 0;
  // After a restart: frees whatever belongs to sandboxes not in `live`.
  virtual Status ReleaseExcept(const std::set<std::string>& live_sandbox_ids) = 0;
};

}  // namespace sampan::kubelet
