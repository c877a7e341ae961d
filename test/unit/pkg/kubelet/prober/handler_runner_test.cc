#include "pkg/kubelet/prober/handler_runner.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "pkg/kubelet/prober/exec_probe.h"
#include "pkg/kubelet/prober/tcp_probe.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 (connections complete in the backlog, never accepted).
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 64);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// An executor that records its calls and answers from a fixed result.
struct FakeExec {
  Result<ExecResult> answer = ExecResult{};
  std::vector<std::string> ids;
  std::vector<std::vector<std::string>> commands;
  std::vector<std::chrono::milliseconds> timeouts;

  ExecFn fn() {
    return [this](const std::string& id, const std::vector<std::string>& args,
                  std::chrono::milliseconds timeout) {
      ids.push_back(id);
      commands.push_back(args);
      timeouts.push_back(timeout);
      return answer;
    };
  }
};

TEST(TcpProbeTest, AcceptedAndRefused) {
  Listener listener;
  EXPECT_EQ(DoTcpProbe("127.0.0.1", listener.port(), 2s).result, ProbeResult::kSuccess);
  int port = listener.port();
  listener.Close();
  ProbeOutcome o = DoTcpProbe("127.0.0.1", port, 2s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message,
            "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST(TcpProbeTest, HandlerWithNamedNumericAndMissingPorts) {
  Listener listener;
  ProbeTarget target;
  target.pod_ip = "127.0.0.1";
  target.ports = {{"other", 1}, {"web", listener.port()}};
  EXPECT_EQ(RunHandler(Json{{"tcpSocket", {{"port", "web"}}}}, target, 2s).result,
            ProbeResult::kSuccess);
  EXPECT_EQ(RunHandler(Json{{"tcpSocket", {{"port", listener.port()}}}}, target, 2s).result,
            ProbeResult::kSuccess);
  // A number written as a string is accepted, as upstream.
  EXPECT_EQ(RunHandler(Json{{"tcpSocket", {{"port", std::to_string(listener.port())}}}}, target, 2s)
                .result,
            ProbeResult::kSuccess);
  // An explicit host replaces the pod IP.
  target.pod_ip = "192.0.2.1";  // never contacted
  EXPECT_EQ(
      RunHandler(Json{{"tcpSocket", {{"port", "web"}, {"host", "127.0.0.1"}}}}, target, 2s).result,
      ProbeResult::kSuccess);
  ProbeOutcome missing = RunHandler(Json{{"tcpSocket", {{"port", "admin"}}}}, target, 2s);
  EXPECT_EQ(missing.result, ProbeResult::kUnknown);
  EXPECT_EQ(missing.message, "strconv.Atoi: parsing \"admin\": invalid syntax");
  ProbeOutcome zero = RunHandler(Json{{"tcpSocket", {{"port", 0}}}}, target, 2s);
  EXPECT_EQ(zero.result, ProbeResult::kUnknown);
  EXPECT_EQ(zero.message, "invalid port number: 0");
}

TEST(ResolvePortTest, Cases) {
  std::vector<NamedPort> ports = ContainerPorts(
      Json{{"ports", {{{"name", "http"}, {"containerPort", 8080}}, {{"containerPort", 9090}}}}});
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(*ResolvePort(Json("http"), ports), 8080);
  EXPECT_EQ(*ResolvePort(Json(81), ports), 81);
  EXPECT_EQ(*ResolvePort(Json("82"), ports), 82);
  EXPECT_FALSE(ResolvePort(Json(70000), ports).ok());
  EXPECT_FALSE(ResolvePort(Json(), ports).ok());
  EXPECT_FALSE(ResolvePort(Json(""), ports).ok());  // unnamed ports never match ""
  EXPECT_EQ(ResolvePort(Json("99999999999999999999"), ports).status().message(),
            "strconv.Atoi: parsing \"99999999999999999999\": value out of range");
  EXPECT_EQ(ResolvePort(Json("-5"), ports).status().message(), "invalid port number: -5");
}

TEST(ExecProbeTest, ExitCodesOutputAndTimeout) {
  FakeExec exec;
  ProbeTarget target;
  target.container_id = "abc123";
  target.exec = exec.fn();
  Json handler = {{"exec", {{"command", {"cat", "/tmp/healthy"}}}}};

  exec.answer = ExecResult{0, "ok\n", false};
  ProbeOutcome ok = RunHandler(handler, target, 3s);
  EXPECT_EQ(ok.result, ProbeResult::kSuccess);
  EXPECT_EQ(ok.message, "ok\n");
  ASSERT_EQ(exec.ids.size(), 1u);
  EXPECT_EQ(exec.ids[0], "abc123");
  EXPECT_EQ(exec.commands[0], (std::vector<std::string>{"cat", "/tmp/healthy"}));
  EXPECT_EQ(exec.timeouts[0], 3s);

  exec.answer = ExecResult{1, "cat: can't open '/tmp/healthy': No such file or directory\n", false};
  ProbeOutcome failed = RunHandler(handler, target, 3s);
  EXPECT_EQ(failed.result, ProbeResult::kFailure);
  EXPECT_EQ(failed.message, "cat: can't open '/tmp/healthy': No such file or directory\n");

  exec.answer = ExecResult{137, "", true};
  ProbeOutcome slow = RunHandler(Json{{"exec", {{"command", {"sleep", "10"}}}}}, target, 1s);
  EXPECT_EQ(slow.result, ProbeResult::kFailure);
  EXPECT_EQ(slow.message, "command \"sleep 10\" timed out");

  exec.answer = Status::NotFound("container abc123 not found");
  ProbeOutcome errored = RunHandler(handler, target, 3s);
  EXPECT_EQ(errored.result, ProbeResult::kUnknown);
  EXPECT_EQ(errored.message, "container abc123 not found");

  exec.answer = ExecResult{2, std::string(20000, 'x'), false};
  EXPECT_EQ(RunHandler(handler, target, 3s).message.size(), kMaxProbeOutput);

  target.exec = nullptr;
  EXPECT_EQ(RunHandler(handler, target, 3s).result, ProbeResult::kUnknown);
}

TEST(HandlerRunnerTest, GrpcBadPortSleepAndMissing) {
  ProbeTarget target;
  ProbeOutcome grpc = RunHandler(Json{{"grpc", {{"port", 0}}}}, target, 1s);
  EXPECT_EQ(grpc.result, ProbeResult::kUnknown);
  EXPECT_EQ(grpc.message, "invalid port number: 0");

  std::vector<std::chrono::milliseconds> slept;
  target.sleep = [&](std::chrono::milliseconds d) { slept.push_back(d); };
  EXPECT_EQ(RunHandler(Json{{"sleep", {{"seconds", 3}}}}, target, 0ms).result,
            ProbeResult::kSuccess);
  EXPECT_EQ(RunHandler(Json{{"sleep", {{"seconds", 30}}}}, target, 2s).result,
            ProbeResult::kSuccess);
  EXPECT_EQ(slept, (std::vector<std::chrono::milliseconds>{3s, 2s}));

  EXPECT_EQ(RunHandler(Json{{"periodSeconds", 3}}, target, 1s).result, ProbeResult::kUnknown);
}

TEST(GoQuoteTest, Escapes) {
  EXPECT_EQ(GoQuote("a \"b\"\n\\"), "\"a \\\"b\\\"\\n\\\\\"");
  EXPECT_EQ(GoQuote(std::string("\x01", 1)), "\"\\x01\"");
}

}  // namespace
}  // namespace sampan::kubelet::prober
