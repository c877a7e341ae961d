#include "pkg/kubelet/server/remote_command_transport.h"

#include <map>

#include "pkg/kubelet/server/spdy_connection.h"
#include "pkg/util/log.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

class WebSocketTransport final : public RemoteCommandTransport {
 public:
  WebSocketTransport(std::string protocol, std::shared_ptr<http::ResponseWriter> out)
      : v5_(protocol == kChannelProtocolV5),
        out_(std::move(out)),
        ready_at_(std::chrono::steady_clock::now() + kWebSocketOutputDelay) {}

  Status Feed(std::string_view bytes, std::vector<ChannelInput>* in) override {
    parser_.Feed(bytes);
    while (!gone_) {
      Result<std::optional<ws::Message>> next = parser_.Next();
      if (!next.ok()) {
        out_->Write(ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseProtocolError)));
        return next.status();
      }
      if (!next->has_value()) break;
      ws::Message& m = **next;
      if (m.opcode == ws::Opcode::kClose) {
        gone_ = true;
        break;
      }
      if (m.opcode == ws::Opcode::kPing) {
        out_->Write(ws::EncodeFrame(ws::Opcode::kPong, m.payload));
        continue;
      }
      if (m.opcode != ws::Opcode::kBinary && m.opcode != ws::Opcode::kText) continue;
      if (m.payload.empty()) continue;
      uint8_t channel = static_cast<uint8_t>(m.payload[0]);
      std::string_view data = std::string_view(m.payload).substr(1);
      if (channel == kCloseChannel) {
        // v5 only: [255, channel] says the client closed that channel.
        if (v5_ && !data.empty()) in->push_back({static_cast<uint8_t>(data[0]), {}, true});
        continue;
      }
      in->push_back({channel, std::string(data), false});
    }
    return Status::Ok();
  }
  bool ready() const override { return ReadyInMs() == 0; }
  int ReadyInMs() const override {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(ready_at_ -
                                                             std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
  }
  bool client_gone() const override { return gone_; }
  void Send(uint8_t channel, std::string_view data) override {
    out_->Write(ChannelFrame(channel, data));
  }
  void Finish(std::string_view status_json) override {
    out_->Write(ChannelFrame(kErrorChannel, status_json));
    out_->Write(ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseNormal)));
    out_->End();
  }
  void Abort() override { out_->End(); }

 private:
  const bool v5_;
  std::shared_ptr<http::ResponseWriter> out_;
  const std::chrono::steady_clock::time_point ready_at_;
  ws::FrameParser parser_;
  bool gone_ = false;
};

std::optional<uint8_t> ChannelOfStreamType(std::string_view type) {
  if (type == "error") return kErrorChannel;
  if (type == "stdin") return kStdinChannel;
  if (type == "stdout") return kStdoutChannel;
  if (type == "stderr") return kStderrChannel;
  if (type == "resize") return kResizeChannel;
  return std::nullopt;
}

class SpdyTransport final : public RemoteCommandTransport {
 public:
  SpdyTransport(const ExecRequest& request, std::shared_ptr<http::ResponseWriter> out,
                std::shared_ptr<ByteQueue> input)
      : conn_(std::move(out), false), input_(std::move(input)) {
    needed_ = {kErrorChannel};
    if (request.stdin) needed_.insert(kStdinChannel);
    if (request.stdout) needed_.insert(kStdoutChannel);
    if (request.stderr) needed_.insert(kStderrChannel);
    if (request.tty) needed_.insert(kResizeChannel);
  }

  Status Feed(std::string_view bytes, std::vector<ChannelInput>* in) override {
    std::vector<SpdyEvent> events;
    Status status = conn_.Feed(bytes, &events);
    for (SpdyEvent& e : events) {
      switch (e.kind) {
        case SpdyEvent::Kind::kNewStream: {
          std::optional<uint8_t> channel =
              ChannelOfStreamType(spdy::HeaderValue(e.headers, "streamtype"));
          if (!channel) {
            kLog.Debug("exec: spdy stream {} of unknown type '{}'", e.stream,
                       spdy::HeaderValue(e.headers, "streamtype"));
            conn_.ResetStream(e.stream, spdy::kRstRefusedStream);
            break;
          }
          stream_of_[*channel] = e.stream;
          channel_of_[e.stream] = *channel;
          break;
        }
        case SpdyEvent::Kind::kData: {
          auto it = channel_of_.find(e.stream);
          if (it == channel_of_.end()) break;
          if (it->second == kResizeChannel) {
            SplitResize(e.data, in);
          } else {
            in->push_back({it->second, std::move(e.data), false});
          }
          break;
        }
        case SpdyEvent::Kind::kRemoteEnd: {
          auto it = channel_of_.find(e.stream);
          if (it != channel_of_.end()) in->push_back({it->second, {}, true});
          break;
        }
        case SpdyEvent::Kind::kGoAway: gone_ = true; break;
      }
    }
    return status;
  }

  bool ready() const override {
    for (uint8_t c : needed_) {
      if (!stream_of_.contains(c)) return false;
    }
    return true;
  }
  int ReadyInMs() const override { return ready() ? 0 : -1; }
  bool client_gone() const override { return gone_; }

  void Send(uint8_t channel, std::string_view data) override {
    auto it = stream_of_.find(channel);
    if (it != stream_of_.end()) conn_.SendData(it->second, data);
  }

  void Finish(std::string_view status_json) override {
    auto it = stream_of_.find(kErrorChannel);
    if (it != stream_of_.end()) conn_.SendData(it->second, status_json);
    for (const auto& [channel, stream] : stream_of_) conn_.CloseStream(stream);
    if (input_ != nullptr && !gone_) {
      conn_.EndAfterClient(*input_, std::chrono::seconds(10));
    } else {
      conn_.End();
    }
  }
  void Abort() override { conn_.End(); }

 private:
  // The resize stream carries JSON objects back to back ({"Width":80,"Height":24}...),
  // split across DATA frames as the client's writes fall: hand them on one by one.
  void SplitResize(std::string_view data, std::vector<ChannelInput>* in) {
    resize_buffer_.append(data);
    size_t end;
    while ((end = resize_buffer_.find('}')) != std::string::npos) {
      in->push_back({kResizeChannel, resize_buffer_.substr(0, end + 1), false});
      resize_buffer_.erase(0, end + 1);
    }
    if (resize_buffer_.size() > 4096) resize_buffer_.clear();  // not what a client sends
  }

  SpdyServerConnection conn_;
  const std::shared_ptr<ByteQueue> input_;
  std::set<uint8_t> needed_;
  std::map<uint8_t, uint32_t> stream_of_;
  std::map<uint32_t, uint8_t> channel_of_;
  std::string resize_buffer_;
  bool gone_ = false;
};

}  // namespace

std::unique_ptr<RemoteCommandTransport> NewWebSocketTransport(
    std::string protocol, std::shared_ptr<http::ResponseWriter> out) {
  return std::make_unique<WebSocketTransport>(std::move(protocol), std::move(out));
}

std::unique_ptr<RemoteCommandTransport> NewSpdyTransport(const ExecRequest& request,
                                                         std::shared_ptr<http::ResponseWriter> out,
                                                         std::shared_ptr<ByteQueue> input) {
  return std::make_unique<SpdyTransport>(request, std::move(out), std::move(input));
}

}  // namespace sampan::kubelet
