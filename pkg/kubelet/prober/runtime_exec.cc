#include "pkg/kubelet/prober/runtime_exec.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "pkg/kubelet/prober/dial.h"

namespace sampan::kubelet::prober {

Result<ExecResult> CollectExec(runtime::ExecProcess& process, std::chrono::milliseconds timeout) {
  const Deadline deadline = DeadlineAfter(timeout);
  ExecResult result;
  pollfd fds[2] = {{process.stdout_fd(), POLLIN, 0}, {process.stderr_fd(), POLLIN, 0}};
  int open = (fds[0].fd >= 0) + (fds[1].fd >= 0);
  char buf[4096];
  while (open > 0) {
    int rc = ::poll(fds, 2, PollTimeoutMs(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Status::FromErrno(errno, "poll on exec output");
    if (rc == 0) {
      result.timed_out = true;
      if (process.pid() > 0) ::kill(process.pid(), SIGKILL);
      break;
    }
    for (pollfd& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      ssize_t n = ::read(p.fd, buf, sizeof(buf));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        p.fd = -1;  // EOF or error: stop watching (ExecProcess owns and closes the fd)
        --open;
        continue;
      }
      size_t room = kMaxProbeOutput - result.output.size();
      result.output.append(buf, std::min(room, static_cast<size_t>(n)));
    }
  }
  const std::string& start_error = process.start_error();
  if (!start_error.empty() && result.output.size() < kMaxProbeOutput) {
    result.output.append(start_error.substr(0, kMaxProbeOutput - result.output.size()));
  }
  Result<int> code = process.Wait();
  if (!code.ok()) return code.status();
  result.exit_code = *code;
  if (result.timed_out) result.output.clear();
  return result;
}

ExecFn MakeRuntimeExecFn(runtime::Runtime& runtime) {
  return [&runtime](const std::string& container_id, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout) -> Result<ExecResult> {
    runtime::ExecOptions options;
    options.args = args;
    ASSIGN_OR_RETURN(std::unique_ptr<runtime::ExecProcess> process,
                     runtime.Exec(container_id, options));
    return CollectExec(*process, timeout);
  };
}

}  // namespace sampan::kubelet::prober
