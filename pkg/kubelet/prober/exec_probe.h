#pragma once
// exec probes, as upstream: the command runs in the container through an ExecFn; exit code 0
// is success, anything else a failure whose message is the command's output (stdout and
// stderr, at most 10 KiB); a timeout is a failure `command "sleep 10" timed out`; a command
// that could not be run at all (the executor's error) is Unknown ("probe errored").
//
// Threading: blocks the caller for up to the timeout; safe from any thread.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/kubelet/prober/probe_types.h"

namespace sampan::kubelet::prober {

ProbeOutcome DoExecProbe(const ExecFn& exec, const std::string& container_id,
                         const std::vector<std::string>& command,
                         std::chrono::milliseconds timeout);

// Go's %q of a string: "a \"b\"\n" (for messages that quote commands and output).
std::string GoQuote(std::string_view text);

}  // namespace sampan::kubelet::prober
