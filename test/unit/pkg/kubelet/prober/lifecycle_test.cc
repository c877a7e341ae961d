#include "pkg/kubelet/prober/lifecycle.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/util/http_server.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using namespace std::chrono_literals;

struct Recorded {
  std::string type, reason, message;
};

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.pod_name = "web";
    context_.pod_namespace = "default";
    context_.pod_uid = "uid-1";
    context_.container_name = "app";
    context_.target.container_id = "cid";
    context_.target.pod_ip = "127.0.0.1";
    context_.target.exec = [this](const std::string& id, const std::vector<std::string>& args,
                                  std::chrono::milliseconds timeout) -> Result<ExecResult> {
      exec_ids_.push_back(id);
      exec_args_.push_back(args);
      exec_timeouts_.push_back(timeout);
      return exec_answer_;
    };
    context_.target.sleep = [this](std::chrono::milliseconds d) { slept_.push_back(d); };
    context_.on_event = [this](const std::string& type, const std::string& reason,
                               const std::string& message) {
      events_.push_back({type, reason, message});
    };
  }

  static Json WithHook(const char* which, Json handler) {
    return Json{{"name", "app"}, {"lifecycle", {{which, std::move(handler)}}}};
  }

  HookContext context_;
  ExecResult exec_answer_;
  std::vector<std::string> exec_ids_;
  std::vector<std::vector<std::string>> exec_args_;
  std::vector<std::chrono::milliseconds> exec_timeouts_;
  std::vector<std::chrono::milliseconds> slept_;
  std::vector<Recorded> events_;
};

TEST_F(LifecycleTest, NoHookIsOk) {
  EXPECT_TRUE(RunPostStart(Json{{"name", "app"}}, context_).ok());
  EXPECT_TRUE(RunPreStop(Json{{"name", "app"}}, context_, 30s).ok());
  EXPECT_TRUE(exec_ids_.empty());
  EXPECT_TRUE(events_.empty());
}

TEST_F(LifecycleTest, PostStartExecSuccessAndFailure) {
  Json container = WithHook("postStart", Json{{"exec", {{"command", {"sh", "-c", "setup"}}}}});
  EXPECT_TRUE(RunPostStart(container, context_).ok());
  ASSERT_EQ(exec_ids_.size(), 1u);
  EXPECT_EQ(exec_ids_[0], "cid");
  EXPECT_EQ(exec_args_[0], (std::vector<std::string>{"sh", "-c", "setup"}));
  EXPECT_EQ(exec_timeouts_[0], 0ms);  // no limit, as upstream
  EXPECT_TRUE(events_.empty());

  exec_answer_ = ExecResult{1, "oops\n", false};
  Status s = RunPostStart(container, context_);
  ASSERT_FALSE(s.ok());
  const std::string expected =
      "Exec lifecycle hook ([sh -c setup]) for Container \"app\" in Pod "
      "\"web_default(uid-1)\" failed - error: command 'sh -c setup' exited with 1: oops\n, "
      "message: \"oops\\n\"";
  EXPECT_EQ(s.message(), expected);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].type, "Warning");
  EXPECT_EQ(events_[0].reason, "FailedPostStartHook");
  EXPECT_EQ(events_[0].message, expected);
}

TEST_F(LifecycleTest, HttpHookIgnoresStatusButNotTransportErrors) {
  std::mutex mu;
  std::string agent;
  auto server =
      http::HttpServer::Start(http::ServerOptions{.bind_address = "127.0.0.1"},
                              [&](http::Request& r, std::shared_ptr<http::ResponseWriter> w) {
                                {
                                  std::lock_guard lock(mu);
                                  agent = std::string(r.headers.Get("User-Agent"));
                                }
                                w->Send(500, {}, "no");
                              });
  ASSERT_TRUE(server.ok());
  int port = (*server)->port();
  Json container = WithHook("postStart", Json{{"httpGet", {{"path", "/hook"}, {"port", port}}}});
  EXPECT_TRUE(RunPostStart(container, context_).ok());  // a 500 is not a hook failure
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(agent, "kube-lifecycle/1.33");
  }
  (*server)->Stop();

  Status s = RunPostStart(container, context_, 2s);
  ASSERT_FALSE(s.ok());
  std::string where = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(s.message(),
            "HTTP lifecycle hook (/hook) for Container \"app\" in Pod \"web_default(uid-1)\" "
            "failed - error: Get \"http://" +
                where + "/hook\": dial tcp " + where + ": connect: connection refused");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].reason, "FailedPostStartHook");
}

TEST_F(LifecycleTest, HttpsHookFallsBackToHttp) {
  std::vector<std::string> paths;
  std::mutex mu;
  auto server =
      http::HttpServer::Start(http::ServerOptions{.bind_address = "127.0.0.1"},
                              [&](http::Request& r, std::shared_ptr<http::ResponseWriter> w) {
                                {
                                  std::lock_guard lock(mu);
                                  paths.push_back(r.path);
                                }
                                w->Send(200, {}, "");
                              });
  ASSERT_TRUE(server.ok());
  int port = (*server)->port();
  Json container = WithHook(
      "postStart", Json{{"httpGet", {{"path", "/hook"}, {"port", port}, {"scheme", "HTTPS"}}}});
  Status s = RunPostStart(container, context_, 5s);
  EXPECT_TRUE(s.ok()) << s.ToString();
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(paths, std::vector<std::string>{"/hook"});
  }
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].reason, "LifecycleHTTPFallback");
  EXPECT_EQ(events_[0].message,
            "request to HTTPS lifecycle hook 127.0.0.1:" + std::to_string(port) +
                " got HTTP response, retry with HTTP succeeded");
  (*server)->Stop();
}

TEST_F(LifecycleTest, PreStopIsBoundedByGrace) {
  Json exec_hook = WithHook("preStop", Json{{"exec", {{"command", {"drain"}}}}});
  EXPECT_TRUE(RunPreStop(exec_hook, context_, 30s).ok());
  ASSERT_EQ(exec_timeouts_.size(), 1u);
  EXPECT_EQ(exec_timeouts_[0], 30s);

  // Failing: the event carries no details, as upstream.
  exec_answer_ = ExecResult{2, "secret detail", false};
  Status failed = RunPreStop(exec_hook, context_, 30s);
  EXPECT_FALSE(failed.ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].reason, "FailedPreStopHook");
  EXPECT_EQ(events_[0].message, "PreStopHook failed");

  // Still running at the end of the grace period: abandoned, no event.
  exec_answer_ = ExecResult{137, "", true};
  Status late = RunPreStop(exec_hook, context_, 5s);
  EXPECT_EQ(late.code(), Code::kUnavailable);
  EXPECT_EQ(events_.size(), 1u);

  // No grace period: the hook is skipped.
  EXPECT_TRUE(RunPreStop(exec_hook, context_, 0ms).ok());
  EXPECT_EQ(exec_timeouts_.size(), 3u);

  // sleep: cut to the grace period.
  Json sleep_hook = WithHook("preStop", Json{{"sleep", {{"seconds", 20}}}});
  EXPECT_EQ(RunPreStop(sleep_hook, context_, 5s).code(), Code::kUnavailable);
  EXPECT_TRUE(
      RunPreStop(WithHook("preStop", Json{{"sleep", {{"seconds", 3}}}}), context_, 5s).ok());
  EXPECT_EQ(slept_, (std::vector<std::chrono::milliseconds>{5s, 3s}));
}

TEST_F(LifecycleTest, UnsupportedHandler) {
  Status s = RunPostStart(WithHook("postStart", Json{{"tcpSocket", {{"port", 80}}}}), context_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("Cannot run handler: invalid handler: ", 0), 0u);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].reason, "FailedPostStartHook");
}

}  // namespace
}  // namespace sampan::kubelet::prober
