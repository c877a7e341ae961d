#include "pkg/kubelet/server/spdy_connection.h"

#include <fmt/core.h>
#include <poll.h>

#include <cerrno>

namespace sampan::kubelet {

SpdyServerConnection::SpdyServerConnection(std::shared_ptr<http::ResponseWriter> out,
                                           bool websocket_tunnel)
    : out_(std::move(out)), tunnel_(websocket_tunnel) {}

void SpdyServerConnection::Write(std::string frame_bytes) {
  if (ended_) return;
  if (tunnel_) frame_bytes = ws::EncodeFrame(ws::Opcode::kBinary, frame_bytes);
  out_->Write(std::move(frame_bytes));
}

Status SpdyServerConnection::Feed(std::string_view bytes, std::vector<SpdyEvent>* events) {
  if (tunnel_) {
    ws_parser_.Feed(bytes);
    while (true) {
      ASSIGN_OR_RETURN(std::optional<ws::Message> m, ws_parser_.Next());
      if (!m) break;
      if (m->opcode == ws::Opcode::kClose) {
        events->push_back({SpdyEvent::Kind::kGoAway});
        return Status::Ok();
      }
      if (m->opcode == ws::Opcode::kPing) {
        if (!ended_) out_->Write(ws::EncodeFrame(ws::Opcode::kPong, m->payload));
        continue;
      }
      if (m->opcode == ws::Opcode::kBinary) parser_.Feed(m->payload);
    }
  } else {
    parser_.Feed(bytes);
  }
  while (true) {
    ASSIGN_OR_RETURN(std::optional<spdy::Frame> f, parser_.Next());
    if (!f) break;
    switch (f->type) {
      case spdy::FrameType::kSynStream: {
        if (f->stream_id == 0 || f->stream_id % 2 == 0 || f->stream_id <= last_stream_) {
          // Client streams are odd and increasing.
          Write(writer_.RstStream(f->stream_id, spdy::kRstProtocolError));
          continue;
        }
        last_stream_ = f->stream_id;
        Write(writer_.SynReply(f->stream_id, {}));
        events->push_back({SpdyEvent::Kind::kNewStream, f->stream_id, std::move(f->headers)});
        if (f->fin()) events->push_back({SpdyEvent::Kind::kRemoteEnd, f->stream_id});
        break;
      }
      case spdy::FrameType::kData:
        if (!f->data.empty()) {
          events->push_back({SpdyEvent::Kind::kData, f->stream_id, {}, std::move(f->data)});
        }
        if (f->fin()) events->push_back({SpdyEvent::Kind::kRemoteEnd, f->stream_id});
        break;
      case spdy::FrameType::kHeaders:
        if (f->fin()) events->push_back({SpdyEvent::Kind::kRemoteEnd, f->stream_id});
        break;
      case spdy::FrameType::kRstStream:
        closed_.insert(f->stream_id);  // nothing more may be sent on it
        events->push_back({SpdyEvent::Kind::kRemoteEnd, f->stream_id});
        break;
      case spdy::FrameType::kPing:
        // Even ids are the server's own pings coming back; answer the client's (odd) ones.
        if (f->value % 2 == 1) Write(writer_.Ping(f->value));
        break;
      case spdy::FrameType::kGoAway: events->push_back({SpdyEvent::Kind::kGoAway}); break;
      default:  // SETTINGS, WINDOW_UPDATE: no flow control here; SYN_REPLY: we open none
        break;
    }
  }
  return Status::Ok();
}

void SpdyServerConnection::SendData(uint32_t stream, std::string_view data) {
  if (data.empty() || closed_.contains(stream)) return;
  Write(writer_.Data(stream, data));
}

void SpdyServerConnection::CloseStream(uint32_t stream) {
  if (!closed_.insert(stream).second) return;
  Write(writer_.Data(stream, {}, true));
}

void SpdyServerConnection::ResetStream(uint32_t stream, uint32_t status) {
  if (!closed_.insert(stream).second) return;
  Write(writer_.RstStream(stream, status));
}

void SpdyServerConnection::EndAfterClient(ByteQueue& input, std::chrono::milliseconds timeout) {
  if (ended_) return;
  if (!goaway_sent_) Write(writer_.GoAway(last_stream_));
  goaway_sent_ = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fd = {input.fd(), POLLIN, 0};
    int n = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bool eof = false;
    std::string bytes = input.Take(&eof);
    std::vector<SpdyEvent> ignored;
    if (eof || !Feed(bytes, &ignored).ok()) break;
  }
  End();
}

void SpdyServerConnection::End() {
  if (ended_) return;
  if (!goaway_sent_) Write(writer_.GoAway(last_stream_));
  goaway_sent_ = true;
  ended_ = true;
  if (tunnel_) out_->Write(ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseNormal)));
  out_->End();
}

}  // namespace sampan::kubelet
