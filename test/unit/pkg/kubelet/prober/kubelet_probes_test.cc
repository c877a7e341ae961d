#include "pkg/kubelet/prober/kubelet_probes.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "test/fakes/fake_clock.h"
#include "test/fakes/fake_dispatcher.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using namespace std::chrono_literals;

struct Recorded {
  std::string pod, type, reason, message, field;
};

// The Kubelet's side is played by the hooks and the sinks; attempts answer from a script.
class KubeletProbesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProbeManagerOptions o;
    o.random = [] { return 0.0; };
    o.run_task = [](std::function<void()> task) { task(); };  // inline: results are posted
    o.run_probe = [this](const Json& handler, const ProbeTarget&, std::chrono::milliseconds) {
      auto& script = script_[handler["exec"]["command"][0].get<std::string>()];
      if (script.empty()) return ProbeOutcome::Success();
      ProbeOutcome next = script.front();
      script.pop_front();
      return next;
    };
    ProbeSinks sinks;
    sinks.restart = [this](const std::string& uid, const std::string& name, const std::string& id) {
      restarts_.push_back(uid + "/" + name + "/" + id);
    };
    sinks.requeue = [this](const std::string& uid) { requeues_.push_back(uid); };
    sinks.record = [this](const Json& pod, const std::string& type, const std::string& reason,
                          const std::string& message, const std::string& field) {
      events_.push_back({api::GetString(pod["metadata"], "name"), type, reason, message, field});
    };
    probes_ = std::make_unique<KubeletProbes>(loop_, clock_, std::move(o), std::move(sinks));
    hooks_ = probes_->Hooks();
  }

  Json pod_ = {{"metadata", {{"name", "web"}, {"namespace", "default"}, {"uid", "uid-1"}}}};
  Json container_ = {
      {"name", "app"},
      {"livenessProbe",
       {{"exec", {{"command", {"live"}}}}, {"periodSeconds", 1}, {"failureThreshold", 2}}},
      {"readinessProbe", {{"exec", {{"command", {"ready"}}}}, {"periodSeconds", 1}}}};
  testing::FakeClock clock_;
  testing::FakeDispatcher loop_{clock_};
  std::map<std::string, std::deque<ProbeOutcome>> script_;
  std::vector<std::string> restarts_;
  std::vector<std::string> requeues_;
  std::vector<Recorded> events_;
  std::unique_ptr<KubeletProbes> probes_;
  ProbeHooks hooks_;
};

TEST_F(KubeletProbesTest, ResultsBecomeRestartsRequeuesAndEvents) {
  script_["live"] = {ProbeOutcome::Failure("dead"), ProbeOutcome::Failure("dead")};
  hooks_.container_started(pod_, container_, "cid-1", "10.42.0.5");
  EXPECT_FALSE(hooks_.ready("uid-1", "app", "cid-1"));
  EXPECT_TRUE(hooks_.started("uid-1", "app", "cid-1"));
  loop_.RunPending();  // t=0: readiness succeeds, liveness fails once
  EXPECT_TRUE(hooks_.ready("uid-1", "app", "cid-1"));
  EXPECT_FALSE(hooks_.ready("uid-1", "app", "cid-0"));  // an older instance
  EXPECT_EQ(requeues_, std::vector<std::string>{"uid-1"});
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].pod, "web");
  EXPECT_EQ(events_[0].type, "Warning");
  EXPECT_EQ(events_[0].reason, "Unhealthy");
  EXPECT_EQ(events_[0].message, "Liveness probe failed: dead");
  EXPECT_EQ(events_[0].field, "spec.containers{app}");
  EXPECT_TRUE(restarts_.empty());
  loop_.Advance(1s);  // second failure: restart that instance
  EXPECT_EQ(restarts_, std::vector<std::string>{"uid-1/app/cid-1"});
  EXPECT_EQ(events_.size(), 2u);

  hooks_.pod_removed("uid-1");
  EXPECT_FALSE(hooks_.ready("uid-1", "app", "cid-1"));
  EXPECT_FALSE(hooks_.started("uid-1", "app", "cid-1"));
  loop_.Advance(10s);
  EXPECT_EQ(events_.size(), 2u);
  EXPECT_EQ(probes_->manager().active_workers(), 0u);
}

TEST(HookContextForTest, FillsNamesPortsAndEventSink) {
  Json pod = {{"metadata", {{"name", "web"}, {"namespace", "prod"}, {"uid", "u-9"}}}};
  Json container = {{"name", "app"}, {"ports", {{{"name", "http"}, {"containerPort", 8080}}}}};
  std::vector<std::string> recorded;
  HookContext c =
      HookContextFor(pod, container, "cid", "10.42.0.7", nullptr,
                     [&](const Json& p, const std::string& type, const std::string& reason,
                         const std::string& message, const std::string& field) {
                       recorded.push_back(api::GetString(p["metadata"], "uid") + " " + type + " " +
                                          reason + " " + message + " " + field);
                     });
  EXPECT_EQ(c.pod_name, "web");
  EXPECT_EQ(c.pod_namespace, "prod");
  EXPECT_EQ(c.pod_uid, "u-9");
  EXPECT_EQ(c.container_name, "app");
  EXPECT_EQ(c.target.container_id, "cid");
  EXPECT_EQ(c.target.pod_ip, "10.42.0.7");
  ASSERT_EQ(c.target.ports.size(), 1u);
  EXPECT_EQ(c.target.ports[0].port, 8080);
  // A failing hook records its event on the pod.
  Json with_hook = container;
  with_hook["lifecycle"]["postStart"] = {{"tcpSocket", {{"port", 1}}}};
  EXPECT_FALSE(RunPostStart(with_hook, c).ok());
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].rfind("u-9 Warning FailedPostStartHook Cannot run handler", 0), 0u);
  EXPECT_NE(recorded[0].find("spec.containers{app}"), std::string::npos);
}

}  // namespace
}  // namespace sampan::kubelet::prober
