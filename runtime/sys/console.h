#pragma once
// Terminals for containers, made inside the container (its own devpts instance, so
// ttyname() works there) and handed to the shim or exec caller over a unix socket
// (SCM_RIGHTS), as runc's console socket does.

#include <cstdint>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

// In the container (after /dev/pts is mounted and the root pivoted): opens a new pty, makes
// the slave stdin/stdout/stderr and the controlling terminal (the caller must already be a
// session leader), sets the size if given and sends the master over `socket`.
Status SetupConsole(int socket, uint16_t rows, uint16_t cols);

Status SendFd(int socket, int fd);
// Receives one fd; fails if none is waiting after `timeout_ms`.
Result<UniqueFd> ReceiveFd(int socket, int timeout_ms);

}  // namespace sampan::runtime
