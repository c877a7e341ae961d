#include "pkg/kubelet/prober/exec_probe.h"

#include <fmt/format.h>

namespace sampan::kubelet::prober {

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

ProbeOutcome DoExecProbe(const ExecFn& exec, const std::string& container_id,
                         const std::vector<std::string>& command,
                         std::chrono::milliseconds timeout) {
  if (!exec) return ProbeOutcome::Unknown("exec probes are not available: no executor");
  if (command.empty()) return ProbeOutcome::Unknown("exec probe with an empty command");
  Result<ExecResult> ran = exec(container_id, command, timeout);
  if (!ran.ok()) return ProbeOutcome::Unknown(ran.status().message());
  if (ran->timed_out) {
    std::string joined;
    for (const std::string& arg : command) joined += (joined.empty() ? "" : " ") + arg;
    return ProbeOutcome::Failure("command " + GoQuote(joined) + " timed out");
  }
  std::string output = std::move(ran->output);
  if (output.size() > kMaxProbeOutput) output.resize(kMaxProbeOutput);
  if (ran->exit_code == 0) return ProbeOutcome::Success(std::move(output));
  return ProbeOutcome::Failure(std::move(output));
}

}  // namespace sampan::kubelet::prober
