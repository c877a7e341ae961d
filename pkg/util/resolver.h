#pragma once
// Host name resolution for a static binary: glibc's getaddrinfo needs NSS plugins that a
// static binary cannot load, so names are resolved with c-ares, which reads /etc/hosts and
// /etc/resolv.conf itself. Blocking; each call uses its own c-ares channel, so calls are
// thread-safe and share nothing.

#include <chrono>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan {

enum class AddressFamily { kAny, kIPv4, kIPv6 };

struct ResolverOptions {
  // Sources, tried in order (c-ares "lookups"): 'f' = hosts file, 'b' = DNS.
  // "f" alone never sends a packet.
  std::string lookups = "fb";
  // Hosts file for 'f'; "" = /etc/hosts.
  std::string hosts_file;
  // resolv.conf for 'b' (nameservers, search domains, ndots); "" = /etc/resolv.conf.
  std::string resolv_conf;
  // Nameservers as "IP", "IP:PORT" or "[IPv6]:PORT", replacing those of resolv.conf.
  std::vector<std::string> servers;
  AddressFamily family = AddressFamily::kAny;
};

// Addresses of `host` as strings ("10.0.0.1", "fd00::1"), best first, without duplicates.
// A literal IP address (also "[v6]") is returned as is, normalized, without any lookup.
// Errors: Invalid (empty or malformed name, bad options), NotFound (no such host, or no
// address of the wanted family), Unavailable (timeout, unreachable or failing nameservers).
Result<std::vector<std::string>> ResolveHost(const std::string& host,
                                             std::chrono::milliseconds timeout,
                                             const ResolverOptions& options = {});

}  // namespace sampan
