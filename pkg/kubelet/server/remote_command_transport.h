#pragma once
// RemoteCommandTransport: the wire under a remote-command session (exec, attach), so that a
// session is written once for both protocols kubectl speaks:
//   WebSocket  v5/v4.channel.k8s.io: one binary message per write, first byte the channel;
//   SPDY/3.1   X-Stream-Protocol-Version v4.channel.k8s.io: one SPDY stream per channel,
//              named by its "streamtype" header (error, stdin, stdout, stderr, resize).
// The session hands it the client's bytes and gets channel data back (stdin, resize, the end
// of stdin), and writes outputs, the final status and the close through it.
//
// Threading: used by the session's thread only (the ResponseWriter it wraps is thread-safe).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/kubelet/server/remote_command.h"
#include "pkg/util/byte_queue.h"
#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

struct ChannelInput {
  uint8_t channel = kStdinChannel;
  std::string data;
  // The client closed this channel (stdin's end); `data` is empty then.
  bool end = false;
};

class RemoteCommandTransport {
 public:
  virtual ~RemoteCommandTransport() = default;
  // The client's bytes. Appends channel input to `in`; an error is a protocol violation.
  // A resize message is delivered whole ({"Width":..,"Height":..}), one per ChannelInput.
  virtual Status Feed(std::string_view bytes, std::vector<ChannelInput>* in) = 0;
  // Whether every channel the session needs exists (SPDY: the client opens one stream per
  // channel after the upgrade; output must wait for them). WebSocket: always.
  virtual bool ready() const = 0;
  // The client ended the whole connection (WebSocket close, SPDY GOAWAY).
  virtual bool client_gone() const = 0;
  virtual void Send(uint8_t channel, std::string_view data) = 0;
  // The status on the error channel, then an orderly end of the connection.
  virtual void Finish(std::string_view status_json) = 0;
  // Ends the connection without a status (the client is gone or broke the protocol).
  virtual void Abort() = 0;
};

// `protocol` is the negotiated v5.channel.k8s.io or v4.channel.k8s.io.
std::unique_ptr<RemoteCommandTransport> NewWebSocketTransport(
    std::string protocol, std::shared_ptr<http::ResponseWriter> out);
// The streams a request needs: error always, then stdin/stdout/stderr as asked, resize with
// a TTY. Finish waits (up to 10 s) for the client to close the connection after the last
// frames (SpdyServerConnection::EndAfterClient), reading it from `input`.
std::unique_ptr<RemoteCommandTransport> NewSpdyTransport(const ExecRequest& request,
                                                         std::shared_ptr<http::ResponseWriter> out,
                                                         std::shared_ptr<ByteQueue> input);

}  // namespace sampan::kubelet
