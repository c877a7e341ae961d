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

#include <chrono>
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
  // Whether output may be sent. SPDY: once the client has opened a stream per channel.
  // WebSocket: a moment after the upgrade (kWebSocketOutputDelay), because kubectl
  // (client-go's wsStreamCreator) starts reading before it has registered its streams and
  // drops a message for a stream it does not know yet ("Unknown stream id 1, discarding
  // message"). Upstream's longer path to the container hides that race; ours can answer
  // within a millisecond of the upgrade.
  virtual bool ready() const = 0;
  // Milliseconds until ready() turns true by itself, or -1 if only the client can make it so.
  virtual int ReadyInMs() const = 0;
  // The client ended the whole connection (WebSocket close, SPDY GOAWAY).
  virtual bool client_gone() const = 0;
  virtual void Send(uint8_t channel, std::string_view data) = 0;
  // The status on the error channel, then an orderly end of the connection.
  virtual void Finish(std::string_view status_json) = 0;
  // Ends the connection without a status (the client is gone or broke the protocol).
  virtual void Abort() = 0;
};

inline constexpr std::chrono::milliseconds kWebSocketOutputDelay{20};

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
