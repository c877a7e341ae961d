#pragma once
// IPv4 addresses and prefixes as host-order integers, with parsing and formatting. Pure
// values: no I/O, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::net {

// Parses dotted-quad "10.42.0.1"; nullopt if malformed.
std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t address);

// A prefix such as 10.42.0.0/24. `address` is normalized to the network address.
struct Ipv4Prefix {
  uint32_t address = 0;
  int length = 0;

  // "10.42.0.0/24"; host bits set ("10.42.0.7/24") are Invalid, so are lengths outside 0..32.
  static Result<Ipv4Prefix> Parse(std::string_view cidr);

  uint32_t Mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  uint32_t Broadcast() const { return address | ~Mask(); }
  bool Contains(uint32_t a) const { return (a & Mask()) == address; }
  std::string ToString() const;  // "10.42.0.0/24"
};

}  // namespace sampan::net
