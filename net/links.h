#pragma once
// Links, addresses and routes over rtnetlink (libnl-route): the bridge, veth pairs, hairpin
// mode, addresses and the default route. Every function works in the namespace of the socket
// it is given and is idempotent where it says so. Not thread-safe per socket.

#include <cstdint>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "net/netlink.h"
#include "pkg/util/status.h"

namespace sampan::net {

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  std::string kind;  // IFLA_INFO_KIND: "bridge", "veth", "" for plain devices
  int master = 0;    // ifindex of the bridge it is enslaved to, 0 if none
  int peer = 0;      // IFLA_LINK (a veth's peer ifindex, maybe in another namespace)
  unsigned mtu = 0;
  bool up = false;
  std::string mac;  // "aa:bb:cc:dd:ee:ff"
};

// The link named `name`; NotFound if there is none.
Result<LinkInfo> GetLink(nl_sock* sock, const std::string& name);
Result<std::vector<LinkInfo>> ListLinks(nl_sock* sock);

// Creates the bridge `name` or adopts an existing one (Conflict if `name` is not a bridge), sets
// its MTU and brings it up. Returns its ifindex. A bridge it creates gets the fixed MAC `mac`
// (6 bytes): a bridge without one takes the lowest MAC of its ports and changes it as pods come
// and go, which leaves stale gateway entries in the pods' ARP caches.
Result<int> EnsureBridge(nl_sock* sock, const std::string& name, unsigned mtu,
                         const uint8_t (&mac)[6]);
// Creates the veth pair `host_name` (in the socket's namespace) <-> `peer_name`, created
// directly inside the namespace `peer_netns_fd`, both with `mtu`. AlreadyExists if host_name is
// taken.
Status CreateVethPair(nl_sock* sock, const std::string& host_name, const std::string& peer_name,
                      int peer_netns_fd, unsigned mtu);
// Sets master (0: none), MTU (0: unchanged) and brings the link up. Idempotent.
Status ConfigureLink(nl_sock* sock, const std::string& name, int master, unsigned mtu);
// Turns hairpin mode of a bridge port on or off (IFLA_BRPORT_MODE). Idempotent.
Status SetHairpin(nl_sock* sock, int ifindex, bool on);
// Deletes the link `name`; OK if it does not exist.
Status DeleteLink(nl_sock* sock, const std::string& name);
// Adds address/prefix to the link; OK if it is already there.
Status AddAddress(nl_sock* sock, int ifindex, uint32_t address, int prefix_length);
// Adds or replaces the IPv4 default route via `gateway` out of `ifindex`.
Status ReplaceDefaultRoute(nl_sock* sock, int ifindex, uint32_t gateway);

}  // namespace sampan::net
