// The kubelet's SPDY pieces without sockets: protocol negotiation (stream_upgrade.h), the
// remote-command transport over SPDY (remote_command_transport.h; also WebSocket's
// readiness) and port-forward's query and dialing (port_forward.h).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "pkg/kubelet/server/port_forward.h"
#include "pkg/kubelet/server/remote_command_transport.h"
#include "pkg/kubelet/server/stream_upgrade.h"
#include "pkg/util/spdy.h"

namespace sampan::kubelet {
namespace {

// Records what a transport writes.
class RecordingWriter final : public http::ResponseWriter {
 public:
  void Send(int, http::Headers, std::string) override {}
  void StartStream(int, http::Headers) override {}
  void Write(std::string chunk) override {
    std::lock_guard lock(mu);
    bytes += chunk;
  }
  void End() override { ended = true; }
  bool Closed() const override { return false; }
  void OnClose(std::function<void()>) override {}

  std::mutex mu;
  std::string bytes;
  bool ended = false;
};

http::Request UpgradeRequest(std::vector<std::pair<std::string, std::string>> headers) {
  http::Request r;
  r.method = "GET";
  for (auto& [n, v] : headers) r.headers.Add(n, v);
  return r;
}

TEST(StreamUpgradeTest, SpdyExecNegotiatesV4FromSeveralHeaderLines) {
  http::Request r = UpgradeRequest({{"Connection", "Upgrade"},
                                    {"Upgrade", "SPDY/3.1"},
                                    {"X-Stream-Protocol-Version", "v5.channel.k8s.io"},
                                    {"X-Stream-Protocol-Version", "v4.channel.k8s.io"},
                                    {"X-Stream-Protocol-Version", "v3.channel.k8s.io"}});
  Result<StreamUpgrade> u = NegotiateRemoteCommandUpgrade(r);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->wire, StreamWire::kSpdy);
  EXPECT_EQ(u->protocol, "v4.channel.k8s.io");
  EXPECT_EQ(u->response.Get("Upgrade"), "SPDY/3.1");
  EXPECT_EQ(u->response.Get("X-Stream-Protocol-Version"), "v4.channel.k8s.io");
}

TEST(StreamUpgradeTest, SpdyExecWithoutV4IsRefused) {
  http::Request r =
      UpgradeRequest({{"Upgrade", "SPDY/3.1"}, {"X-Stream-Protocol-Version", "v2.channel.k8s.io"}});
  Result<StreamUpgrade> u = NegotiateRemoteCommandUpgrade(r);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kBadRequest);
}

TEST(StreamUpgradeTest, WebSocketExecStillNegotiates) {
  http::Request r = UpgradeRequest({{"Upgrade", "websocket"},
                                    {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                    {"Sec-WebSocket-Protocol", "v5.channel.k8s.io"}});
  Result<StreamUpgrade> u = NegotiateRemoteCommandUpgrade(r);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->wire, StreamWire::kWebSocket);
  EXPECT_EQ(u->protocol, "v5.channel.k8s.io");
  EXPECT_EQ(u->response.Get("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(StreamUpgradeTest, NoUpgradeIsABadRequest) {
  EXPECT_FALSE(NegotiateRemoteCommandUpgrade(UpgradeRequest({})).ok());
  EXPECT_FALSE(NegotiatePortForwardUpgrade(UpgradeRequest({})).ok());
}

TEST(StreamUpgradeTest, PortForwardPrefersTheSpdyTunnelOverChannels) {
  http::Request r = UpgradeRequest(
      {{"Upgrade", "websocket"},
       {"Sec-WebSocket-Key", "k"},
       {"Sec-WebSocket-Protocol", "v4.channel.k8s.io, SPDY/3.1+portforward.k8s.io"}});
  Result<StreamUpgrade> u = NegotiatePortForwardUpgrade(r);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->wire, StreamWire::kSpdyOverWebSocket);
  EXPECT_EQ(u->response.Get("Sec-WebSocket-Protocol"), "SPDY/3.1+portforward.k8s.io");

  http::Request channels = UpgradeRequest({{"Upgrade", "websocket"},
                                           {"Sec-WebSocket-Key", "k"},
                                           {"Sec-WebSocket-Protocol", "v4.channel.k8s.io"}});
  u = NegotiatePortForwardUpgrade(channels);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->wire, StreamWire::kWebSocket);

  http::Request spdy = UpgradeRequest(
      {{"Upgrade", "SPDY/3.1"}, {"X-Stream-Protocol-Version", "portforward.k8s.io"}});
  u = NegotiatePortForwardUpgrade(spdy);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->wire, StreamWire::kSpdy);
  EXPECT_EQ(u->protocol, "portforward.k8s.io");
}

// What the client (kubectl) would see: frames parsed from what the transport wrote.
std::vector<spdy::Frame> ClientSees(spdy::FrameParser& parser, RecordingWriter& out) {
  std::lock_guard lock(out.mu);
  parser.Feed(out.bytes);
  out.bytes.clear();
  std::vector<spdy::Frame> frames;
  while (true) {
    auto next = parser.Next();
    EXPECT_TRUE(next.ok());
    if (!next.ok() || !next->has_value()) break;
    frames.push_back(std::move(**next));
  }
  return frames;
}

// An exec transport over SPDY and the client's (kubectl's) end of it.
class SpdyTransportTest : public ::testing::Test {
 protected:
  void Start(const ExecRequest& request) { transport_ = NewSpdyTransport(request, out_, nullptr); }
  std::vector<spdy::Frame> ClientReceived() { return ClientSees(client_in_, *out_); }

  std::shared_ptr<RecordingWriter> out_ = std::make_shared<RecordingWriter>();
  std::unique_ptr<RemoteCommandTransport> transport_;
  spdy::FrameWriter client_;
  spdy::FrameParser client_in_;
  std::vector<ChannelInput> in_;
};

TEST_F(SpdyTransportTest, ReadyOnceTheStreamsExistThenRoutesChannels) {
  ExecRequest request;
  request.command = {"sh"};
  request.stdin = request.stdout = request.tty = true;
  Start(request);

  ASSERT_TRUE(transport_->Feed(client_.SynStream(1, {{"streamtype", "error"}}), &in_).ok());
  ASSERT_TRUE(transport_->Feed(client_.SynStream(3, {{"streamtype", "stdin"}}), &in_).ok());
  ASSERT_TRUE(transport_->Feed(client_.SynStream(5, {{"streamtype", "stdout"}}), &in_).ok());
  EXPECT_FALSE(transport_->ready());  // a TTY needs the resize stream too
  ASSERT_TRUE(transport_->Feed(client_.SynStream(7, {{"streamtype", "resize"}}), &in_).ok());
  EXPECT_TRUE(transport_->ready());
  std::vector<spdy::Frame> replies = ClientReceived();
  ASSERT_EQ(replies.size(), 4u);
  for (const spdy::Frame& f : replies) EXPECT_EQ(f.type, spdy::FrameType::kSynReply);

  // stdin data, two resize messages split across frames, then stdin's end.
  std::string bytes = client_.Data(3, "ls\n");
  bytes += client_.Data(7, R"({"Width":100,"Hei)");
  bytes += client_.Data(7, R"(ght":30}{"Width":1,"Height":2})");
  bytes += client_.Data(3, "", true);
  ASSERT_TRUE(transport_->Feed(bytes, &in_).ok());
  ASSERT_EQ(in_.size(), 4u);
  EXPECT_EQ(in_[0].channel, kStdinChannel);
  EXPECT_EQ(in_[0].data, "ls\n");
  EXPECT_EQ(in_[1].channel, kResizeChannel);
  EXPECT_EQ(in_[1].data, R"({"Width":100,"Height":30})");
  EXPECT_EQ(in_[2].data, R"({"Width":1,"Height":2})");
  EXPECT_EQ(in_[3].channel, kStdinChannel);
  EXPECT_TRUE(in_[3].end);

  transport_->Send(kStdoutChannel, "output");
  transport_->Finish(R"({"status":"Success"})");
  std::vector<spdy::Frame> frames = ClientReceived();
  ASSERT_GE(frames.size(), 4u);
  EXPECT_EQ(frames[0].stream_id, 5u);
  EXPECT_EQ(frames[0].data, "output");
  EXPECT_EQ(frames[1].stream_id, 1u);
  EXPECT_EQ(frames[1].data, R"({"status":"Success"})");
  bool error_closed = false, goaway = false;
  for (const spdy::Frame& f : frames) {
    if (f.type == spdy::FrameType::kData && f.stream_id == 1 && f.fin()) error_closed = true;
    if (f.type == spdy::FrameType::kGoAway) goaway = true;
  }
  EXPECT_TRUE(error_closed);
  EXPECT_TRUE(goaway);
  EXPECT_TRUE(out_->ended);
}

TEST_F(SpdyTransportTest, UnknownStreamTypesAreRefusedAndBadBytesAreAnError) {
  ExecRequest request;
  request.command = {"true"};
  request.stdout = true;
  Start(request);
  ASSERT_TRUE(transport_->Feed(client_.SynStream(1, {{"streamtype", "bogus"}}), &in_).ok());
  std::vector<spdy::Frame> frames = ClientReceived();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].type, spdy::FrameType::kRstStream);
  EXPECT_FALSE(
      transport_->Feed(std::string("\x80\x07\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01", 12), &in_)
          .ok());
}

TEST_F(SpdyTransportTest, ClientPingsAreAnsweredAndGoAwayEndsTheSession) {
  ExecRequest request;
  request.command = {"true"};
  request.stdout = true;
  Start(request);
  std::string bytes = client_.Ping(1);
  bytes += client_.GoAway(0);
  ASSERT_TRUE(transport_->Feed(bytes, &in_).ok());
  std::vector<spdy::Frame> frames = ClientReceived();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, spdy::FrameType::kPing);
  EXPECT_EQ(frames[0].value, 1u);
  EXPECT_TRUE(transport_->client_gone());
}

TEST(PortForwardTest, ParsesPorts) {
  Result<std::vector<uint16_t>> ports = ParsePortForwardPorts("ports=80,8080&ports=9000");
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ(*ports, (std::vector<uint16_t>{80, 8080, 9000}));
  EXPECT_FALSE(ParsePortForwardPorts("").ok());
  EXPECT_FALSE(ParsePortForwardPorts("ports=0").ok());
  EXPECT_FALSE(ParsePortForwardPorts("ports=70000").ok());
  EXPECT_FALSE(ParsePortForwardPorts("ports=http").ok());
}

TEST(PortForwardTest, DialsLoopbackAndSaysWhyNot) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  uint16_t port = ntohs(addr.sin_port);

  Result<UniqueFd> fd = DialLoopbackInNetns("", port);
  ASSERT_TRUE(fd.ok()) << fd.status().message();
  EXPECT_TRUE(fd->valid());
  ::close(listener);  // nobody listens there any more

  Result<UniqueFd> refused = DialLoopbackInNetns("", port);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("connection refused"), std::string::npos)
      << refused.status().message();

  Result<UniqueFd> no_netns = DialLoopbackInNetns("/nonexistent/netns", port);
  EXPECT_FALSE(no_netns.ok());
}

// Polls `out` until the client would have seen a frame matching `pred` (or 10 s pass).
std::optional<spdy::Frame> WaitForFrame(spdy::FrameParser& parser, RecordingWriter& out,
                                        const std::function<bool(const spdy::Frame&)>& pred,
                                        std::vector<spdy::Frame>* seen) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    for (spdy::Frame& f : ClientSees(parser, out)) seen->push_back(std::move(f));
    for (const spdy::Frame& f : *seen) {
      if (pred(f)) return f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

TEST(SpdyPortForwardTest, ForwardsBothWaysAndReportsDialErrors) {
  auto out = std::make_shared<RecordingWriter>();
  Result<std::unique_ptr<ByteQueue>> queue = ByteQueue::New();
  ASSERT_TRUE(queue.ok());
  std::shared_ptr<ByteQueue> input = std::move(*queue);
  std::atomic<int> pod_side{-1};  // set by the dialer, on the session's thread
  PortForwardTarget target;
  target.pod = "default/web";
  target.uid = "u1";
  target.dial = [&](uint16_t port) -> Result<UniqueFd> {
    if (port != 8080) return Status::Unavailable("dial tcp4 127.0.0.1:81: connect: refused");
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return Status::Internal("socketpair");
    }
    pod_side = fds[1];
    return UniqueFd(fds[0]);
  };
  std::thread session([&] {
    SpdyServerConnection conn(out, false);
    RunSpdyPortForward(target, conn, *input);
  });
  spdy::FrameWriter client;
  spdy::FrameParser client_in;
  std::vector<spdy::Frame> seen;
  std::string bytes =
      client.SynStream(1, {{"streamtype", "error"}, {"port", "8080"}, {"requestid", "0"}});
  bytes += client.Data(1, "", true);  // kubectl closes its half of the error stream at once
  bytes += client.SynStream(3, {{"streamtype", "data"}, {"port", "8080"}, {"requestid", "0"}});
  bytes += client.Data(3, "GET /");
  input->Push(bytes);
  // The pod side gets the client's bytes.
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    if (pod_side < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    char buf[64];
    ssize_t n = ::read(pod_side, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, "GET /");
  // The pod answers and closes: the client gets the bytes, then both streams end.
  ASSERT_EQ(::write(pod_side, "hello", 5), 5);
  ::close(pod_side);
  auto data = WaitForFrame(
      client_in, *out,
      [](const spdy::Frame& f) {
        return f.type == spdy::FrameType::kData && f.stream_id == 3 && !f.data.empty();
      },
      &seen);
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->data, "hello");
  EXPECT_TRUE(WaitForFrame(
      client_in, *out, [](const spdy::Frame& f) { return f.stream_id == 3 && f.fin(); }, &seen));
  EXPECT_TRUE(WaitForFrame(
      client_in, *out, [](const spdy::Frame& f) { return f.stream_id == 1 && f.fin(); }, &seen));

  // A port nobody listens on: the message arrives on that pair's error stream.
  bytes = client.SynStream(5, {{"streamtype", "error"}, {"port", "81"}, {"requestid", "1"}});
  bytes += client.SynStream(7, {{"streamtype", "data"}, {"port", "81"}, {"requestid", "1"}});
  input->Push(bytes);
  auto error = WaitForFrame(
      client_in, *out,
      [](const spdy::Frame& f) {
        return f.type == spdy::FrameType::kData && f.stream_id == 5 && !f.data.empty();
      },
      &seen);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->data,
            "error forwarding port 81 to pod default/web, uid u1: dial tcp4 127.0.0.1:81: "
            "connect: refused");

  input->Close();  // the client goes away: the session ends
  session.join();
  EXPECT_TRUE(out->ended);
}

// kubectl drops a message for a stream it has not registered yet, and registers its streams
// only after the upgrade: WebSocket output waits kWebSocketOutputDelay after it.
TEST(WebSocketTransportTest, OutputWaitsAMomentAfterTheUpgrade) {
  auto out = std::make_shared<RecordingWriter>();
  auto start = std::chrono::steady_clock::now();
  auto transport = NewWebSocketTransport(std::string(kChannelProtocolV5), out);
  bool ready_at_once = transport->ready();
  int wait_ms = transport->ReadyInMs();
  if (std::chrono::steady_clock::now() - start < kWebSocketOutputDelay) {
    EXPECT_FALSE(ready_at_once);
    EXPECT_GT(wait_ms, 0);
  }
  EXPECT_LE(wait_ms, kWebSocketOutputDelay.count());
  auto deadline = start + std::chrono::seconds(5);
  while (!transport->ready() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(transport->ready());
  EXPECT_EQ(transport->ReadyInMs(), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, kWebSocketOutputDelay);
}

}  // namespace
}  // namespace sampan::kubelet
