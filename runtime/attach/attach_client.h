#pragma once
// The attacher's side of the attach socket (attach_protocol.h): connects to the shim of a
// running container and returns its live streams as an ExecProcess (terminal() for a TTY
// container; stdin/stdout/stderr pipes otherwise). Blocking; any thread. The returned
// object owns its descriptors; destroying it detaches.

#include <sys/types.h>

#include <memory>
#include <string>

#include "runtime/runtime.h"

namespace sampan::runtime {

struct AttachTarget {
  std::string bundle;      // the container's state directory (holds attach.sock)
  pid_t pid = 0;           // the container's first process (informational)
  bool tty = false;        // the container has a terminal
  bool has_input = false;  // the container was started with an input (stdin: true)
};

Result<std::unique_ptr<ExecProcess>> AttachToShim(const AttachTarget& target,
                                                  const AttachOptions& options);

}  // namespace sampan::runtime
