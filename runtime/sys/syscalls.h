#pragma once
// Small wrappers over system calls the runtime uses in several places: errors as Status
// naming the call, pipes, process start times (to tell a live pid from a reused one), and
// writing whole buffers. All functions are safe to call in a forked child (no locks held).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

// Status for a failed system call: "<phase>: <call>: <strerror>", errno kept.
Status SyscallError(std::string_view phase, std::string_view call, int err);

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};
// pipe2 with O_CLOEXEC (plus `extra_flags`, e.g. O_NONBLOCK).
Result<Pipe> MakePipe(int extra_flags = 0);

// Writes all of `data`, retrying on EINTR and short writes. Returns false on error.
bool WriteAll(int fd, std::string_view data);
// Reads until EOF (or error); EINTR retried.
std::string ReadAll(int fd);

// Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat); 0 if the
// process does not exist.
uint64_t ProcessStartTime(pid_t pid);
// True if `pid` exists, is not a zombie and started at `start_time` (0 = do not check).
bool ProcessAlive(pid_t pid, uint64_t start_time);

// Waits for `pid` and converts its status: exit code, or 128+signal with `signal` set.
struct ExitInfo {
  int exit_code = 0;
  int signal = 0;
};
ExitInfo DecodeWaitStatus(int status);

}  // namespace sampan::runtime
