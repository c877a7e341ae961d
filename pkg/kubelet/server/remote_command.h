#pragma once
// The Kubernetes remote command protocol over WebSocket (what `kubectl exec` speaks with
// kubectl 1.30+): subprotocols v5.channel.k8s.io and v4.channel.k8s.io; every binary message
// starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 error (a Status object ends the
// session: Success, or Failure with reason NonZeroExitCode and the exit code in
// details.causes[{reason: ExitCode}]), 4 resize ({"Width","Height"}); v5 adds 255 "close"
// ([255, channel]: the client closed that stream, i.e. stdin's EOF). Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::kubelet {

inline constexpr char kChannelProtocolV5[] = "v5.channel.k8s.io";
inline constexpr char kChannelProtocolV4[] = "v4.channel.k8s.io";

enum Channel : uint8_t {
  kStdinChannel = 0,
  kStdoutChannel = 1,
  kStderrChannel = 2,
  kErrorChannel = 3,
  kResizeChannel = 4,
  kCloseChannel = 255,
};

// The subprotocol to answer for a Sec-WebSocket-Protocol header (comma-separated, the
// client's preference first): the first one we speak, "" if none.
std::string NegotiateChannelProtocol(std::string_view offered);

// One channel message as a server's (unmasked) binary WebSocket frame.
std::string ChannelFrame(uint8_t channel, std::string_view data);

// The error channel's Status for an exit code (0: Success). `command` goes into the
// message as upstream words it.
std::string ExitStatusJson(int exit_code, const std::vector<std::string>& command);
// A Failure Status with `message` (the command could not run, say).
std::string FailureStatusJson(std::string_view message);

struct TerminalSize {
  uint16_t width = 0;
  uint16_t height = 0;
};
// A resize message's payload ({"Width":80,"Height":24}); nullopt if malformed.
std::optional<TerminalSize> ParseResize(std::string_view json);

struct ExecRequest {
  std::string container;
  std::vector<std::string> command;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  bool tty = false;
};
// The query of an exec request: command (repeated), container, stdin, stdout, stderr, tty.
// BadRequest without a command or without any stream, as upstream.
Result<ExecRequest> ParseExecQuery(std::string_view raw_query);
// The query of an attach request: the same stream flags, no command (ignored if given).
Result<ExecRequest> ParseAttachQuery(std::string_view raw_query);

}  // namespace sampan::kubelet
