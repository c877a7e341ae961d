#include "net/netlink.h"

#include <netlink/errno.h>

#include <cstdlib>
#include <string>

namespace sampan::net {

Result<NlSocket> OpenNetlinkSocket(int protocol) {
  NlSocket sock(nl_socket_alloc());
  if (!sock) return Status::Unavailable("netlink: nl_socket_alloc failed");
  int err = nl_connect(sock.get(), protocol);
  if (err < 0) {
    return NlStatus(err, "netlink: connect (protocol " + std::to_string(protocol) + ")");
  }
  return sock;
}

bool NlNotFound(int nl_error) {
  int e = std::abs(nl_error);
  return e == NLE_OBJ_NOTFOUND || e == NLE_NODEV || e == NLE_NOADDR;
}

Status NlStatus(int nl_error, std::string_view context) {
  int e = std::abs(nl_error);
  std::string message = std::string(context) + ": " + nl_geterror(e);
  switch (e) {
    case NLE_EXIST: return Status::AlreadyExists(std::move(message));
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
    case NLE_NOADDR: return Status::NotFound(std::move(message));
    case NLE_PERM:
    case NLE_NOACCESS: return Status::Forbidden(std::move(message));
    case NLE_INVAL:
    case NLE_RANGE:
    case NLE_MSGSIZE: return Status::Invalid(std::move(message));
    case NLE_BUSY:
    case NLE_AGAIN:
    case NLE_NOMEM: return Status::Unavailable(std::move(message));
    default: return Status::Internal(std::move(message));
  }
}

}  // namespace sampan::net
