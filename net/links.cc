#include "net/links.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>

namespace sampan::net {
namespace {

NlAddr Ipv4Addr(uint32_t address, int prefix_length) {
  uint32_t be = htonl(address);
  NlAddr a(nl_addr_build(AF_INET, &be, sizeof be));
  if (a) nl_addr_set_prefixlen(a.get(), prefix_length);
  return a;
}

LinkInfo InfoOf(rtnl_link* link) {
  LinkInfo info;
  info.ifindex = rtnl_link_get_ifindex(link);
  if (const char* name = rtnl_link_get_name(link)) info.name = name;
  if (const char* kind = rtnl_link_get_type(link)) info.kind = kind;
  info.master = rtnl_link_get_master(link);
  info.peer = rtnl_link_get_link(link);
  info.mtu = rtnl_link_get_mtu(link);
  info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  if (nl_addr* mac = rtnl_link_get_addr(link)) {
    char buf[64];
    info.mac = nl_addr2str(mac, buf, sizeof buf);
  }
  return info;
}

Result<NlLink> GetKernelLink(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &link);
  if (err < 0) return NlStatus(err, "get link " + name);
  return NlLink(link);
}

}  // namespace

Result<LinkInfo> GetLink(nl_sock* sock, const std::string& name) {
  ASSIGN_OR_RETURN(NlLink link, GetKernelLink(sock, name));
  return InfoOf(link.get());
}

Result<std::vector<LinkInfo>> ListLinks(nl_sock* sock) {
  nl_cache* raw = nullptr;
  int err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &raw);
  if (err < 0) return NlStatus(err, "list links");
  NlCache cache(raw);
  std::vector<LinkInfo> links;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    links.push_back(InfoOf(reinterpret_cast<rtnl_link*>(o)));
  }
  return links;
}

Result<int> EnsureBridge(nl_sock* sock, const std::string& name, unsigned mtu,
                         const uint8_t (&mac)[6]) {
  auto existing = GetLink(sock, name);
  if (existing.ok()) {
    if (existing->kind != "bridge") {
      return Status::Conflict("link " + name + " exists and is a \"" + existing->kind +
                              "\" device, not a bridge");
    }
  } else if (existing.status().IsNotFound()) {
    NlLink bridge(rtnl_link_bridge_alloc());
    if (!bridge) return Status::Unavailable("rtnl_link_bridge_alloc failed");
    rtnl_link_set_name(bridge.get(), name.c_str());
    rtnl_link_set_mtu(bridge.get(), mtu);
    NlAddr lladdr(nl_addr_build(AF_LLC, mac, sizeof mac));
    if (!lladdr) return Status::Unavailable("nl_addr_build failed");
    rtnl_link_set_addr(bridge.get(), lladdr.get());
    int err = rtnl_link_add(sock, bridge.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err < 0 && std::abs(err) != NLE_EXIST) return NlStatus(err, "create bridge " + name);
  } else {
    return existing.status();
  }
  RETURN_IF_ERROR(ConfigureLink(sock, name, 0, mtu));
  ASSIGN_OR_RETURN(LinkInfo info, GetLink(sock, name));
  return info.ifindex;
}

Status CreateVethPair(nl_sock* sock, const std::string& host_name, const std::string& peer_name,
                      int peer_netns_fd, unsigned mtu) {
  NlLink veth(rtnl_link_veth_alloc());
  if (!veth) return Status::Unavailable("rtnl_link_veth_alloc failed");
  rtnl_link_set_name(veth.get(), host_name.c_str());
  rtnl_link_set_mtu(veth.get(), mtu);
  NlLink peer(rtnl_link_veth_get_peer(veth.get()));  // a reference of its own
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  rtnl_link_set_mtu(peer.get(), mtu);
  rtnl_link_set_ns_fd(peer.get(), peer_netns_fd);
  int err = rtnl_link_add(sock, veth.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) return NlStatus(err, "create veth pair " + host_name + " <-> " + peer_name);
  return Status::Ok();
}

Status ConfigureLink(nl_sock* sock, const std::string& name, int master, unsigned mtu) {
  ASSIGN_OR_RETURN(NlLink link, GetKernelLink(sock, name));
  LinkInfo info = InfoOf(link.get());
  if (info.up && (master == 0 || info.master == master) && (mtu == 0 || info.mtu == mtu)) {
    return Status::Ok();
  }
  NlLink change(rtnl_link_alloc());
  if (!change) return Status::Unavailable("rtnl_link_alloc failed");
  if (master != 0 && info.master != master) rtnl_link_set_master(change.get(), master);
  if (mtu != 0 && info.mtu != mtu) rtnl_link_set_mtu(change.get(), mtu);
  rtnl_link_set_flags(change.get(), IFF_UP);
  int err = rtnl_link_change(sock, link.get(), change.get(), 0);
  if (err < 0) return NlStatus(err, "configure link " + name);
  return Status::Ok();
}

Status SetHairpin(nl_sock* sock, int ifindex, bool on) {
  // RTM_SETLINK of family AF_BRIDGE with the port attributes nested in IFLA_PROTINFO.
  NlMsg msg(nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST));
  if (!msg) return Status::Unavailable("nlmsg_alloc failed");
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = ifindex;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) {
    return Status::Internal("hairpin: message too small");
  }
  nlattr* protinfo = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED);
  if (protinfo == nullptr || nla_put_u8(msg.get(), IFLA_BRPORT_MODE, on ? 1 : 0) < 0) {
    return Status::Internal("hairpin: message too small");
  }
  nla_nest_end(msg.get(), protinfo);
  int err = nl_send_sync(sock, msg.release());  // frees the message
  if (err < 0) {
    return NlStatus(err, "set hairpin mode of ifindex " + std::to_string(ifindex));
  }
  return Status::Ok();
}

Status DeleteLink(nl_sock* sock, const std::string& name) {
  NlLink link(rtnl_link_alloc());
  if (!link) return Status::Unavailable("rtnl_link_alloc failed");
  rtnl_link_set_name(link.get(), name.c_str());
  int err = rtnl_link_delete(sock, link.get());
  if (err < 0 && !NlNotFound(err)) return NlStatus(err, "delete link " + name);
  return Status::Ok();
}

Status AddAddress(nl_sock* sock, int ifindex, uint32_t address, int prefix_length) {
  NlRtAddr addr(rtnl_addr_alloc());
  NlAddr local = Ipv4Addr(address, prefix_length);
  if (!addr || !local) return Status::Unavailable("rtnl_addr_alloc failed");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  int err = rtnl_addr_set_local(addr.get(), local.get());
  if (err >= 0) {
    uint32_t host_mask =
        prefix_length == 0 ? ~uint32_t{0} : ~(~uint32_t{0} << (32 - prefix_length));
    NlAddr broadcast = Ipv4Addr(address | host_mask, 32);
    if (broadcast && prefix_length < 31) rtnl_addr_set_broadcast(addr.get(), broadcast.get());
    err = rtnl_addr_add(sock, addr.get(), NLM_F_CREATE);
  }
  std::string what = FormatIpv4(address) + "/" + std::to_string(prefix_length);
  if (err < 0 && std::abs(err) != NLE_EXIST) {
    return NlStatus(err, "add address " + what + " to ifindex " + std::to_string(ifindex));
  }
  return Status::Ok();
}

Status ReplaceDefaultRoute(nl_sock* sock, int ifindex, uint32_t gateway) {
  NlRoute route(rtnl_route_alloc());
  NlAddr dst = Ipv4Addr(0, 0);
  NlAddr gw = Ipv4Addr(gateway, 32);
  if (!route || !dst || !gw) return Status::Unavailable("rtnl_route_alloc failed");
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  int err = rtnl_route_set_dst(route.get(), dst.get());
  if (err >= 0) {
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (nh == nullptr) return Status::Unavailable("rtnl_route_nh_alloc failed");
    rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_nh_set_gateway(nh, gw.get());
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
    err = rtnl_route_add(sock, route.get(), NLM_F_CREATE | NLM_F_REPLACE);
  }
  if (err < 0) return NlStatus(err, "add default route via " + FormatIpv4(gateway));
  return Status::Ok();
}

}  // namespace sampan::net
