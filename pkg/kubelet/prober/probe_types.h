#pragma once
// Types shared by the probe handlers (http_probe, tcp_probe, exec_probe), the handler
// dispatcher (handler_runner), the probe manager and the lifecycle hooks.
//
// Outcomes follow upstream's probe results: Success, Warning (success, with an event: an
// HTTP redirect the prober did not follow), Failure (the message goes into the Unhealthy
// event) and Unknown (the probe could not be run at all: bad port, executor error; upstream
// calls this "probe errored and resulted in unknown state" and does not count it towards
// the thresholds).

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::kubelet::prober {

enum class ProbeResult { kSuccess, kWarning, kFailure, kUnknown };

std::string_view ProbeResultName(ProbeResult result);

struct ProbeOutcome {
  ProbeResult result = ProbeResult::kUnknown;
  // Failure: what upstream puts after "Liveness probe failed: " (the HTTP status, the dial
  // error, the command's output). Warning: the warning. Unknown: the error. Success: the
  // body or output (not shown to users).
  std::string message;

  bool succeeded() const {
    return result == ProbeResult::kSuccess || result == ProbeResult::kWarning;
  }
  static ProbeOutcome Success(std::string message = {}) {
    return {ProbeResult::kSuccess, std::move(message)};
  }
  static ProbeOutcome Warning(std::string message) {
    return {ProbeResult::kWarning, std::move(message)};
  }
  static ProbeOutcome Failure(std::string message) {
    return {ProbeResult::kFailure, std::move(message)};
  }
  static ProbeOutcome Unknown(std::string message) {
    return {ProbeResult::kUnknown, std::move(message)};
  }
};

// The result of a command run in a container by an ExecFn.
struct ExecResult {
  int exit_code = 0;
  std::string output;      // stdout and stderr interleaved, at most kMaxProbeOutput bytes
  bool timed_out = false;  // the timeout passed and the command was killed
};

// Upstream reads at most 10 KiB of a probe's HTTP body or command output.
inline constexpr size_t kMaxProbeOutput = 10 * 1024;

// Runs `args` in the container `container_id` and waits at most `timeout` (0 = no limit).
// A Status error means the command could not be run at all (no such container, runtime
// failure); a command that ran and failed is an ExecResult with its exit code. Called from
// probe worker threads, so it must be thread-safe. runtime_exec.h adapts runtime::Runtime.
using ExecFn = std::function<Result<ExecResult>(const std::string& container_id,
                                                const std::vector<std::string>& args,
                                                std::chrono::milliseconds timeout)>;

// A containerPort of the container spec, for `port: "http"` references.
struct NamedPort {
  std::string name;
  int port = 0;
};

// What a handler runs against.
struct ProbeTarget {
  std::string container_id;
  std::string pod_ip;  // the default host of httpGet and tcpSocket
  std::vector<NamedPort> ports;
  ExecFn exec;  // needed only for exec handlers
  // Used by lifecycle `sleep` handlers; default std::this_thread::sleep_for (tests fake it).
  std::function<void(std::chrono::milliseconds)> sleep;
};

}  // namespace sampan::kubelet::prober
