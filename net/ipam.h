#pragma once
// Ipam: hands out the IPv4 addresses of one node's pod subnet to sandboxes, persisted the way
// CNI's host-local plugin does it: one file per allocated address in `state_dir`, named by the
// address ("10.42.0.7") and holding the owner's sandbox id. A file is created with O_EXCL and
// made durable (file fsync + directory fsync) before the address is handed out, so a crash
// never hands one address to two sandboxes; a crash between create and write leaves a file
// with an empty owner, which ReleaseExcept reclaims. The network, gateway and broadcast
// addresses are never handed out. Allocation is round-robin from the last address handed out
// (remembered in `last_reserved_ip`), so a released address is not reused at once.
//
// Thread-safe: every method takes one mutex. One Ipam per state_dir and process.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "pkg/util/status.h"

namespace sampan::net {

class Ipam {
 public:
  // Loads the allocations under `state_dir` (created if missing). Files of addresses outside
  // `subnet` (the node's pod CIDR changed) are dropped with a warning. The subnet must leave at
  // least one address besides network, broadcast and `gateway` (so /31 and /32 are Invalid).
  static Result<std::unique_ptr<Ipam>> Open(const std::string& state_dir, Ipv4Prefix subnet,
                                            uint32_t gateway);

  // The address of `owner`, allocating one if it has none (the same owner always gets the same
  // address back until it is released). Unavailable when the subnet is exhausted.
  Result<uint32_t> Allocate(const std::string& owner);
  // Releases the address of `owner`; OK if it has none.
  Status Release(const std::string& owner);
  // Releases every address whose owner is not in `live` (also empty owners left by a crash).
  // Returns the owners released.
  Result<std::vector<std::string>> ReleaseExcept(const std::set<std::string>& live);

  std::optional<uint32_t> AddressOf(const std::string& owner) const;
  // address -> owner, for status and tests.
  std::map<uint32_t, std::string> Allocations() const;
  Ipv4Prefix subnet() const { return subnet_; }

 private:
  Ipam(std::string dir, Ipv4Prefix subnet, uint32_t gateway)
      : dir_(std::move(dir)), subnet_(subnet), gateway_(gateway) {}
  Status Load();
  Status ReleaseLocked(uint32_t address);
  std::string PathOf(uint32_t address) const;

  const std::string dir_;
  const Ipv4Prefix subnet_;
  const uint32_t gateway_;
  mutable std::mutex mu_;
  std::map<uint32_t, std::string> allocated_;  // guarded by mu_
  uint32_t last_ = 0;                          // guarded by mu_; 0: none yet
};

}  // namespace sampan::net
