#pragma once
// Network namespaces by path (/proc/PID/ns/net, /run/netns/NAME). Work inside another
// namespace runs on a short-lived thread that joins it with setns(2), so the calling thread
// never changes namespace; sockets opened there stay in that namespace after the thread ends.

#include <functional>
#include <string>

#include "pkg/util/unique_fd.h"
#include "pkg/util/status.h"

namespace sampan::net {

// Opens a network namespace file; NotFound if it does not exist (the process is gone).
// Invalid if the file is not a network namespace.
Result<UniqueFd> OpenNetns(const std::string& path);
// An fd of the calling thread's own network namespace.
Result<UniqueFd> OpenCurrentNetns();
// Runs `fn` on a new thread that joined the namespace `netns_fd`; returns fn's Status.
Status RunInNetns(int netns_fd, const std::function<Status()>& fn);

}  // namespace sampan::net
