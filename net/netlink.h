#pragma once
// RAII owners for libnl objects and the mapping of libnl error codes to Status. A socket is
// bound to the network namespace of the thread that opened it, for its whole life; libnl
// sockets are not thread-safe, so each is used by one thread at a time.

#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include <memory>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::net {

struct NlSocketDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct NlLinkDeleter {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct NlAddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct NlRtAddrDeleter {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlRouteDeleter {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct NlMsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
struct NlCacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};

using NlSocket = std::unique_ptr<nl_sock, NlSocketDeleter>;
using NlLink = std::unique_ptr<rtnl_link, NlLinkDeleter>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrDeleter>;
using NlRtAddr = std::unique_ptr<rtnl_addr, NlRtAddrDeleter>;
using NlRoute = std::unique_ptr<rtnl_route, NlRouteDeleter>;
using NlMsg = std::unique_ptr<nl_msg, NlMsgDeleter>;
using NlCache = std::unique_ptr<nl_cache, NlCacheDeleter>;

// A connected netlink socket of `protocol` (NETLINK_ROUTE, NETLINK_NETFILTER) in the calling
// thread's network namespace.
Result<NlSocket> OpenNetlinkSocket(int protocol);

// Maps a (negative or positive) libnl error code to a Status "context: libnl message":
// exists -> AlreadyExists, no such object/device -> NotFound, permission -> Forbidden,
// invalid/range -> Invalid, busy/again/no memory -> Unavailable, others Internal.
Status NlStatus(int nl_error, std::string_view context);
bool NlNotFound(int nl_error);

}  // namespace sampan::net
