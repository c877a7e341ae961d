#pragma once
// The attach socket: how a process (the kubelet, `sampan ctr attach`) attaches to the stdio of
// a running container held by its shim. Shared by both ends.
//
// The shim listens on <bundle>/attach.sock (SOCK_SEQPACKET, unix) while its container runs.
// An attacher makes its own pipes (or a socketpair for a terminal), connects and sends one
// request message "attach FLAGS" with the far ends of its descriptors as SCM_RIGHTS, in the
// order the FLAGS letters appear among 'i' (the container's input: the shim reads it), 'o'
// (stdout: the shim writes it) and 'e' (stderr). The shim answers "ok" or "error MESSAGE".
// Afterwards the attacher may send "resize ROWS COLS"; closing the connection detaches. The
// shim writes output without ever blocking (a slow attacher loses output, the container
// never waits) and closes everything once the container has exited and its output drained.
//
// Socket paths are bound and connected through /proc/self/fd/N of the bundle directory, so
// that long data directories do not hit sun_path's 108 bytes.

#include <sys/un.h>

#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

inline constexpr char kAttachSocketName[] = "attach.sock";
inline constexpr size_t kAttachMaxMessage = 256;

// A unix address for `name` inside the directory `dir_fd` refers to.
Result<sockaddr_un> AttachAddress(int dir_fd, std::string_view name);

// Sends `text` with `fds` attached (SCM_RIGHTS) as one message.
Status SendAttachMessage(int socket, std::string_view text, const std::vector<int>& fds);

// Receives one message (text and up to 3 fds). An empty text with *eof set means the peer
// closed the connection.
struct AttachMessage {
  std::string text;
  std::vector<UniqueFd> fds;
  bool eof = false;
};
Result<AttachMessage> ReceiveAttachMessage(int socket);

}  // namespace sampan::runtime
