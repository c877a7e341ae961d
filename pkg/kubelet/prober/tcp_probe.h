#pragma once
// tcpSocket probes: success when a TCP connection to host:port opens within the timeout
// (it is closed at once); otherwise a failure carrying Go's dial error, as upstream
// ("dial tcp 10.42.0.5:8080: connect: connection refused", "...: i/o timeout").
//
// Threading: blocks the calling thread for up to `timeout`; safe from any thread.

#include <chrono>
#include <string>

#include "pkg/kubelet/prober/probe_types.h"

namespace sampan::kubelet::prober {

ProbeOutcome DoTcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace sampan::kubelet::prober
