#include "pkg/kubelet/prober/grpc_probe.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>

#include "pkg/kubelet/prober/handler_runner.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using namespace std::chrono_literals;

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f;
  size_t n = payload.size();
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>(stream >> 24);
  f += static_cast<char>(stream >> 16);
  f += static_cast<char>(stream >> 8);
  f += static_cast<char>(stream);
  return f + payload;
}

// Reads exactly n bytes from a blocking socket; false on EOF or error.
bool ReadExact(int fd, size_t n, std::string* out) {
  out->clear();
  while (out->size() < n) {
    char buf[4096];
    ssize_t got = ::recv(fd, buf, std::min(sizeof(buf), n - out->size()), 0);
    if (got <= 0) return false;
    out->append(buf, static_cast<size_t>(got));
  }
  return true;
}

// A scripted HTTP/2 (h2c) server for one connection on 127.0.0.1: it reads the client's
// preface and frames until the request's END_STREAM, records the header block and the
// request message, and answers as `mode` says.
class FakeGrpcServer {
 public:
  enum class Mode { kServing, kNotServing, kTrailersOnly, kSilent };

  explicit FakeGrpcServer(Mode mode) : mode_(mode) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeGrpcServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept() if nobody came
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  std::string header_block() {
    std::lock_guard lock(mu_);
    return header_block_;
  }
  std::string request_message() {
    std::lock_guard lock(mu_);
    return request_message_;
  }

 private:
  void Serve() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string preface, head, payload;
    if (ReadExact(fd, 24, &preface) && preface == "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") {
      Send(fd, Frame(0x4, 0, 0, ""));  // our SETTINGS
      while (ReadExact(fd, 9, &head)) {
        size_t n = (size_t{static_cast<uint8_t>(head[0])} << 16) |
                   (size_t{static_cast<uint8_t>(head[1])} << 8) | static_cast<uint8_t>(head[2]);
        if (!ReadExact(fd, n, &payload)) break;
        uint8_t type = static_cast<uint8_t>(head[3]);
        uint8_t flags = static_cast<uint8_t>(head[4]);
        std::lock_guard lock(mu_);
        if (type == 0x1) header_block_ += payload;
        if (type == 0x0) request_message_ += payload;
        if (type == 0x0 && (flags & 0x1)) Answer(fd);
      }
    }
    ::close(fd);
  }

  void Answer(int fd) {
    const std::string status_200 = "\x88";  // HPACK static table entry 8
    std::string grpc_ok = std::string("\x00\x0bgrpc-status\x01", 14) + "0";
    std::string grpc_unimplemented = std::string("\x00\x0bgrpc-status\x02", 14) + "12";
    switch (mode_) {
      case Mode::kServing:
      case Mode::kNotServing: {
        std::string message("\x00\x00\x00\x00\x02\x08", 6);
        message += mode_ == Mode::kServing ? '\x01' : '\x02';
        Send(fd, Frame(0x1, 0x4, 1, status_200) + Frame(0x0, 0, 1, message) +
                     Frame(0x1, 0x5, 1, grpc_ok));
        break;
      }
      case Mode::kTrailersOnly:
        Send(fd, Frame(0x1, 0x5, 1, status_200 + grpc_unimplemented));
        break;
      case Mode::kSilent: break;
    }
  }

  static void Send(int fd, const std::string& data) {
    ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  }

  Mode mode_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string header_block_;     // guarded by mu_
  std::string request_message_;  // guarded by mu_
};

TEST(GrpcProbeTest, ServingWithService) {
  FakeGrpcServer server(FakeGrpcServer::Mode::kServing);
  ProbeOutcome o = DoGrpcProbe("127.0.0.1", server.port(), "foo", 5s);
  EXPECT_EQ(o.result, ProbeResult::kSuccess) << o.message;
  EXPECT_EQ(o.message, "service healthy");
  std::string headers = server.header_block();
  EXPECT_NE(headers.find("/grpc.health.v1.Health/Check"), std::string::npos);
  EXPECT_NE(headers.find("application/grpc"), std::string::npos);
  EXPECT_NE(headers.find("kube-probe/1.33"), std::string::npos);
  EXPECT_NE(headers.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos);
  // gRPC prefix (uncompressed, 5 bytes) + HealthCheckRequest{service: "foo"}.
  EXPECT_EQ(server.request_message(), std::string("\x00\x00\x00\x00\x05\x0a\x03"
                                                  "foo",
                                                  10));
}

TEST(GrpcProbeTest, NotServing) {
  FakeGrpcServer server(FakeGrpcServer::Mode::kNotServing);
  ProbeOutcome o = DoGrpcProbe("127.0.0.1", server.port(), "", 5s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message, "service unhealthy (responded with \"NOT_SERVING\")");
  EXPECT_EQ(server.request_message(), std::string(5, '\0'));  // empty service: empty message
}

TEST(GrpcProbeTest, ErrorStatusWithoutMessage) {
  FakeGrpcServer server(FakeGrpcServer::Mode::kTrailersOnly);
  ProbeOutcome o = DoGrpcProbe("127.0.0.1", server.port(), "", 5s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message, "error: health rpc probe failed: no health status in the response");
}

TEST(GrpcProbeTest, Timeout) {
  FakeGrpcServer server(FakeGrpcServer::Mode::kSilent);
  ProbeOutcome o = DoGrpcProbe("127.0.0.1", server.port(), "", 200ms);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message, "timeout: health rpc did not complete within 200ms");
}

TEST(GrpcProbeTest, Refused) {
  int port = 0;
  {
    FakeGrpcServer server(FakeGrpcServer::Mode::kSilent);
    port = server.port();
  }
  ProbeOutcome o = DoGrpcProbe("127.0.0.1", port, "", 2s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  std::string where = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(o.message, "error: failed to connect service at \"" + where + "\": dial tcp " + where +
                           ": connect: connection refused");
}

TEST(GrpcProbeTest, FromProbeSpec) {
  FakeGrpcServer server(FakeGrpcServer::Mode::kServing);
  ProbeTarget target;
  target.pod_ip = "127.0.0.1";
  ProbeOutcome o =
      RunHandler(Json{{"grpc", {{"port", server.port()}, {"service", "liveness"}}}}, target, 5s);
  EXPECT_EQ(o.result, ProbeResult::kSuccess) << o.message;
  EXPECT_NE(server.request_message().find("liveness"), std::string::npos);
}

}  // namespace
}  // namespace sampan::kubelet::prober
