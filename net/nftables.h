#pragma once
// sampan's own nftables table, written as raw nf_tables netlink messages (libnl builds them;
// no libnftnl). The table is replaced as a whole in one nf_tables transaction, so rules are
// never seen half-installed and a restart converges to the same rules whatever was there.
// Works in the calling thread's network namespace. Thread-compatible (no shared state).

#include <string>

#include "net/ipv4.h"
#include "pkg/util/status.h"

namespace sampan::net {

// Replaces `table ip <table>` with:
//   chain forward { type filter hook forward priority filter; policy accept;
//                   ip saddr <cluster> accept; ip daddr <cluster> accept }
//   chain postrouting { type nat hook postrouting priority srcnat; policy accept;
//                       ip saddr <cluster> ip daddr != <cluster> masquerade }
Status InstallPodNatTable(const std::string& table, Ipv4Prefix cluster);
// Deletes `table ip <table>`; OK if it does not exist.
Status DeleteNftTable(const std::string& table);

}  // namespace sampan::net
