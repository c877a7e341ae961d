#include "pkg/kubelet/prober/tcp_probe.h"

#include "pkg/kubelet/prober/dial.h"

namespace sampan::kubelet::prober {

ProbeOutcome DoTcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout) {
  Result<Socket> socket = DialTcp(host, port, DeadlineAfter(timeout));
  if (!socket.ok()) return ProbeOutcome::Failure(socket.status().message());
  return ProbeOutcome::Success();
}

}  // namespace sampan::kubelet::prober
