#pragma once
// ServiceAllocator: ClusterIPs from --service-cidr and NodePorts from
// --service-node-port-range, as upstream's allocators: a requested value is checked (range,
// taken), otherwise a random free one is chosen. State is rebuilt from the stored Services
// at start. Thread-safe.
//
// Allocation happens before the store write; if the write fails the caller releases what was
// allocated (Release with the object it tried to write).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/apiserver/api_error.h"

namespace sampan::apiserver {

struct Ipv4Cidr {
  uint32_t base = 0;  // host order, masked
  int prefix = 0;
  static Result<Ipv4Cidr> Parse(const std::string& text);
  uint32_t size() const { return prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)); }
  bool Contains(uint32_t ip) const;
  std::string ToString() const;
};
std::optional<uint32_t> ParseIpv4(const std::string& text);
std::string FormatIpv4(uint32_t ip);

class ServiceAllocator {
 public:
  // node_port_range: "30000-32767".
  static Result<std::unique_ptr<ServiceAllocator>> Create(const std::string& service_cidr,
                                                          const std::string& node_port_range);

  // Marks what an existing (stored) service holds.
  void Restore(const api::Json& service);
  // Fills spec.clusterIP(s) and nodePorts of a new service; causes name bad requests.
  std::vector<Cause> AllocateForCreate(api::Json& service);
  // Handles an update: keeps what is kept, allocates new ports, releases dropped ones.
  std::vector<Cause> AllocateForUpdate(api::Json& service, const api::Json& old);
  // Frees everything the service holds (after delete, or after a failed create).
  void Release(const api::Json& service);
  // After a failed update: gives back what `updated` holds that `old` did not.
  void ReleaseDifference(const api::Json& updated, const api::Json& old);

  // The n-th address of the range (the `kubernetes` service gets the first: 10.43.0.1).
  std::string NthIp(uint32_t n) const { return FormatIpv4(cidr_.base + n); }
  std::string cidr() const { return cidr_.ToString(); }

 private:
  ServiceAllocator(Ipv4Cidr cidr, int port_min, int port_max)
      : cidr_(cidr), port_min_(port_min), port_max_(port_max) {}
  std::vector<Cause> AllocateNodePorts(api::Json& service, const api::Json* old);
  std::string AllocateIpLocked();
  int AllocatePortLocked();

  const Ipv4Cidr cidr_;
  const int port_min_, port_max_;
  std::mutex mu_;
  std::set<uint32_t> ips_;
  std::set<int> ports_;
};

}  // namespace sampan::apiserver
