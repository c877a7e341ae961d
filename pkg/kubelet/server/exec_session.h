#pragma once
// One `kubectl exec` or `kubectl attach` session on the kubelet: the upgraded connection on
// one side (WebSocket or SPDY, remote_command_transport.h), an ExecProcess (Runtime::Exec or
// Runtime::Attach) on the other, joined by the channel protocol (remote_command.h). Runs on a
// thread of its own and blocks until the command ends (its outputs drained, its exit code
// sent on the error channel, the connection closed) or the client goes away (a command is
// then killed, an attachment only detaches). An attachment ends with Success: upstream's
// attach reports no exit code.

#include <memory>
#include <string>

#include "pkg/kubelet/server/remote_command.h"
#include "pkg/kubelet/server/remote_command_transport.h"
#include "pkg/util/byte_queue.h"
#include "pkg/util/http.h"
#include "runtime/runtime.h"

namespace sampan::kubelet {

// `input` receives the client's raw bytes (frames) from the connection and is closed when
// the client goes away; `out` is the upgraded response (Write = raw bytes, End = close).
void RunExecSession(runtime::ExecProcess& process, const ExecRequest& request,
                    const std::string& protocol, ByteQueue& input,
                    const std::shared_ptr<http::ResponseWriter>& out);
// The same over any transport (the one above is this with a WebSocket transport). Output
// waits until the transport is ready (SPDY: the client's streams exist); a client that has
// not opened them within 30 s ends the session.
void RunExecSession(runtime::ExecProcess& process, const ExecRequest& request,
                    RemoteCommandTransport& transport, ByteQueue& input);

}  // namespace sampan::kubelet
