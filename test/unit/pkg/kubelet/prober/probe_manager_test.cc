#include "pkg/kubelet/prober/probe_manager.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "test/fakes/fake_clock.h"
#include "test/fakes/fake_dispatcher.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using namespace std::chrono_literals;

struct ResultCall {
  std::string pod, container, id;
  ProbeKind kind;
  bool success;
  std::string message;
};

// Probes are exec handlers whose command names them ("live", "ready", "start"); the fake
// prober answers each name from a script (default: success) and counts attempts.
class ProbeManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeManager(); }

  void MakeManager() {
    ProbeManagerOptions o;
    o.on_result = [this](const std::string& pod, const std::string& c, const std::string& id,
                         ProbeKind kind, bool ok, const std::string& message) {
      results_.push_back({pod, c, id, kind, ok, message});
    };
    o.on_event = [this](const std::string&, const std::string&, const ProbeEvent& e) {
      events_.push_back(e);
    };
    o.run_task = [this](std::function<void()> task) { tasks_.push_back(std::move(task)); };
    o.random = [this] { return random_; };
    o.run_probe = [this](const Json& handler, const ProbeTarget& target,
                         std::chrono::milliseconds timeout) {
      std::string name = handler["exec"]["command"][0].get<std::string>();
      ++attempts_[name];
      last_target_ = target;
      last_timeout_ = timeout;
      auto& script = script_[name];
      if (script.empty()) return ProbeOutcome::Success();
      ProbeOutcome next = script.front();
      script.pop_front();
      return next;
    };
    manager_ = std::make_unique<ProbeManager>(loop_, clock_, std::move(o));
  }

  static Json Probe(const std::string& name, Json fields = Json::object()) {
    Json probe = {{"exec", {{"command", {name}}}}};
    for (auto& [k, v] : fields.items()) probe[k] = v;
    return probe;
  }

  // Runs queued attempts and what they post, until nothing is left.
  void Drain() {
    for (;;) {
      bool any = false;
      while (!tasks_.empty()) {
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        task();
        any = true;
      }
      if (loop_.RunPending() > 0) any = true;
      if (!any && tasks_.empty()) return;
    }
  }

  // Moves time forward one second at a time, running attempts as they come due.
  void Elapse(std::chrono::seconds total) {
    Drain();
    for (auto s = 0s; s < total; s += 1s) {
      loop_.Advance(1s);
      Drain();
    }
  }

  void Add(const Json& container, const std::string& id = "c1-id") {
    manager_->AddContainer("uid-1", "app", id, container, "127.0.0.1", clock_.Now());
  }

  testing::FakeClock clock_;
  testing::FakeDispatcher loop_{clock_};
  std::deque<std::function<void()>> tasks_;
  std::map<std::string, std::deque<ProbeOutcome>> script_;
  std::map<std::string, int> attempts_;
  std::vector<ResultCall> results_;
  std::vector<ProbeEvent> events_;
  ProbeTarget last_target_;
  std::chrono::milliseconds last_timeout_{0};
  double random_ = 0.0;
  std::unique_ptr<ProbeManager> manager_;
};

TEST(ProbeSpecTest, DefaultsAndValues) {
  ProbeSpec d = ParseProbeSpec(Json{{"tcpSocket", {{"port", 80}}}});
  EXPECT_EQ(d.initial_delay, 0s);
  EXPECT_EQ(d.period, 10s);
  EXPECT_EQ(d.timeout, 1s);
  EXPECT_EQ(d.success_threshold, 1);
  EXPECT_EQ(d.failure_threshold, 3);
  ProbeSpec s = ParseProbeSpec(Json{{"initialDelaySeconds", 4},
                                    {"periodSeconds", 2},
                                    {"timeoutSeconds", 5},
                                    {"successThreshold", 2},
                                    {"failureThreshold", 7}});
  EXPECT_EQ(s.initial_delay, 4s);
  EXPECT_EQ(s.period, 2s);
  EXPECT_EQ(s.timeout, 5s);
  EXPECT_EQ(s.success_threshold, 2);
  EXPECT_EQ(s.failure_threshold, 7);
}

TEST(ToMonoTimeTest, MapsWallToMonotonic) {
  testing::FakeClock clock;
  clock.Advance(100s);
  EXPECT_EQ(ToMonoTime(clock, clock.WallNow() - 30s), clock.Now() - 30s);
}

TEST_F(ProbeManagerTest, InitialDelayThenPeriod) {
  Add(Json{
      {"livenessProbe",
       Probe("live", {{"initialDelaySeconds", 5}, {"periodSeconds", 10}, {"timeoutSeconds", 3}})},
      {"ports", {{{"name", "http"}, {"containerPort", 8080}}}}});
  Elapse(4s);
  EXPECT_EQ(attempts_["live"], 0);
  Elapse(1s);
  EXPECT_EQ(attempts_["live"], 1);
  EXPECT_EQ(last_timeout_, 3s);
  EXPECT_EQ(last_target_.container_id, "c1-id");
  EXPECT_EQ(last_target_.pod_ip, "127.0.0.1");
  ASSERT_EQ(last_target_.ports.size(), 1u);
  EXPECT_EQ(last_target_.ports[0].name, "http");
  EXPECT_EQ(last_target_.ports[0].port, 8080);
  Elapse(9s);
  EXPECT_EQ(attempts_["live"], 1);
  Elapse(1s);
  EXPECT_EQ(attempts_["live"], 2);
  Elapse(20s);
  EXPECT_EQ(attempts_["live"], 4);
  EXPECT_TRUE(results_.empty());  // liveness starts as success: nothing changed
  EXPECT_TRUE(events_.empty());
}

// Containers found right after the manager started (a kubelet restart) are spread over
// one period; later ones are not.
TEST_F(ProbeManagerTest, FirstAttemptsSpreadAfterStart) {
  random_ = 0.5;
  // Running for a while already: re-adopted.
  manager_->AddContainer("uid-1", "app", "id", Json{{"livenessProbe", Probe("live")}}, "127.0.0.1",
                         clock_.Now() - 10min);
  Elapse(4s);
  EXPECT_EQ(attempts_["live"], 0);
  Elapse(1s);  // 0.5 * 10 s
  EXPECT_EQ(attempts_["live"], 1);
  Elapse(10s);
  EXPECT_EQ(attempts_["live"], 2);
  // Added more than one period after the start: no spread.
  manager_->AddContainer("uid-2", "app", "id2", Json{{"readinessProbe", Probe("ready")}},
                         "127.0.0.1", clock_.Now());
  Drain();
  EXPECT_EQ(attempts_["ready"], 1);
}

TEST_F(ProbeManagerTest, LivenessFailureThresholdReportsOnceAndHolds) {
  for (int i = 0; i < 10; ++i) script_["live"].push_back(ProbeOutcome::Failure("boom"));
  Add(Json{{"livenessProbe", Probe("live", {{"periodSeconds", 1}})}});
  Elapse(1s);  // attempts at 0s and 1s
  EXPECT_EQ(attempts_["live"], 2);
  EXPECT_TRUE(results_.empty());
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].type, "Warning");
  EXPECT_EQ(events_[0].reason, "Unhealthy");
  EXPECT_EQ(events_[0].message, "Liveness probe failed: boom");
  Elapse(1s);  // third failure: threshold
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].pod, "uid-1");
  EXPECT_EQ(results_[0].container, "app");
  EXPECT_EQ(results_[0].kind, ProbeKind::kLiveness);
  EXPECT_FALSE(results_[0].success);
  EXPECT_EQ(results_[0].message, "boom");
  EXPECT_EQ(results_[0].id, "c1-id");
  // On hold until a new container: no more attempts.
  Elapse(30s);
  EXPECT_EQ(attempts_["live"], 3);
  EXPECT_EQ(manager_->active_workers(), 0u);
  // The restarted container starts over, with fresh thresholds.
  clock_.Advance(1s);
  Add(Json{{"livenessProbe", Probe("live", {{"periodSeconds", 1}})}}, "c2-id");
  Elapse(2s);
  EXPECT_EQ(attempts_["live"], 6);
  EXPECT_EQ(last_target_.container_id, "c2-id");
  ASSERT_EQ(results_.size(), 2u);  // a second restart request after three more failures
  EXPECT_FALSE(results_[1].success);
  EXPECT_EQ(results_[1].id, "c2-id");
}

TEST_F(ProbeManagerTest, ReadinessStartsNotReadyAndFollowsThresholds) {
  auto& s = script_["ready"];
  s = {ProbeOutcome::Failure("no"),     // 0s: still not ready, no callback
       ProbeOutcome::Success(),         // 1s: 1 of 2 successes
       ProbeOutcome::Success(),         // 2s: ready
       ProbeOutcome::Failure("slow"),   // 3s: 1 of 2 failures
       ProbeOutcome::Success(),         // 4s: the failure run resets
       ProbeOutcome::Failure("slow"),   // 5s
       ProbeOutcome::Failure("down")};  // 6s: not ready
  Add(Json{
      {"readinessProbe",
       Probe("ready", {{"periodSeconds", 1}, {"successThreshold", 2}, {"failureThreshold", 2}})}});
  EXPECT_TRUE(manager_->IsStarted("uid-1", "app"));
  EXPECT_FALSE(manager_->IsReady("uid-1", "app"));
  Elapse(1s);
  EXPECT_FALSE(manager_->IsReady("uid-1", "app"));
  EXPECT_TRUE(results_.empty());
  Elapse(1s);
  EXPECT_TRUE(manager_->IsReady("uid-1", "app"));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].kind, ProbeKind::kReadiness);
  EXPECT_TRUE(results_[0].success);
  Elapse(3s);
  EXPECT_TRUE(manager_->IsReady("uid-1", "app"));
  EXPECT_EQ(results_.size(), 1u);
  Elapse(1s);
  EXPECT_FALSE(manager_->IsReady("uid-1", "app"));
  ASSERT_EQ(results_.size(), 2u);
  EXPECT_FALSE(results_[1].success);
  EXPECT_EQ(results_[1].message, "down");
  // Readiness keeps probing after failing (no hold) and recovers.
  Elapse(2s);
  EXPECT_TRUE(manager_->IsReady("uid-1", "app"));
  EXPECT_EQ(results_.size(), 3u);
  // Every failed attempt made an event.
  int unhealthy = 0;
  for (const ProbeEvent& e : events_) unhealthy += e.reason == "Unhealthy";
  EXPECT_EQ(unhealthy, 4);
  EXPECT_EQ(events_.back().message, "Readiness probe failed: down");
}

TEST_F(ProbeManagerTest, StartupProbeGatesLivenessAndReadiness) {
  script_["start"] = {ProbeOutcome::Failure("starting"), ProbeOutcome::Failure("starting")};
  Add(Json{{"startupProbe", Probe("start", {{"periodSeconds", 2}, {"failureThreshold", 5}})},
           {"livenessProbe", Probe("live", {{"periodSeconds", 1}})},
           {"readinessProbe", Probe("ready", {{"periodSeconds", 1}})}});
  EXPECT_FALSE(manager_->IsStarted("uid-1", "app"));
  EXPECT_FALSE(manager_->IsReady("uid-1", "app"));
  Elapse(3s);  // startup at 0s and 2s: both failures below the threshold
  EXPECT_EQ(attempts_["start"], 2);
  EXPECT_EQ(attempts_["live"], 0);
  EXPECT_EQ(attempts_["ready"], 0);
  EXPECT_FALSE(manager_->IsStarted("uid-1", "app"));
  EXPECT_TRUE(results_.empty());
  Elapse(1s);  // 4s: startup succeeds; the others start at once
  EXPECT_EQ(attempts_["start"], 3);
  EXPECT_TRUE(manager_->IsStarted("uid-1", "app"));
  EXPECT_TRUE(manager_->IsReady("uid-1", "app"));
  EXPECT_EQ(attempts_["live"], 1);
  EXPECT_EQ(attempts_["ready"], 1);
  ASSERT_EQ(results_.size(), 2u);
  EXPECT_EQ(results_[0].kind, ProbeKind::kStartup);
  EXPECT_TRUE(results_[0].success);
  EXPECT_EQ(results_[1].kind, ProbeKind::kReadiness);
  EXPECT_TRUE(results_[1].success);
  Elapse(10s);  // the startup probe does not run again
  EXPECT_EQ(attempts_["start"], 3);
  EXPECT_EQ(attempts_["live"], 11);
  EXPECT_EQ(attempts_["ready"], 11);
}

TEST_F(ProbeManagerTest, StartupFailureAtThresholdAsksForRestart) {
  for (int i = 0; i < 5; ++i) script_["start"].push_back(ProbeOutcome::Failure("never"));
  Add(Json{{"startupProbe", Probe("start", {{"periodSeconds", 1}, {"failureThreshold", 2}})},
           {"livenessProbe", Probe("live")}});
  Elapse(5s);
  EXPECT_EQ(attempts_["start"], 2);
  EXPECT_EQ(attempts_["live"], 0);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].kind, ProbeKind::kStartup);
  EXPECT_FALSE(results_[0].success);
  EXPECT_FALSE(manager_->IsStarted("uid-1", "app"));
}

TEST_F(ProbeManagerTest, ErroredAttemptsAreNotCounted) {
  for (int i = 0; i < 3; ++i) script_["live"].push_back(ProbeOutcome::Unknown("no such port"));
  Add(Json{{"livenessProbe", Probe("live", {{"periodSeconds", 1}, {"failureThreshold", 1}})}});
  Elapse(2s);
  EXPECT_EQ(attempts_["live"], 3);
  EXPECT_TRUE(results_.empty());  // never restarted for an error
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].reason, "Unhealthy");
  EXPECT_EQ(events_[0].message,
            "Liveness probe errored and resulted in unknown state: no such port");
}

TEST_F(ProbeManagerTest, WarningCountsAsSuccessWithEvent) {
  script_["ready"] = {ProbeOutcome::Warning("Probe terminated redirects, Response body: ")};
  Add(Json{{"readinessProbe", Probe("ready")}});
  Drain();
  EXPECT_TRUE(manager_->IsReady("uid-1", "app"));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].reason, "ProbeWarning");
  EXPECT_EQ(events_[0].message,
            "Readiness probe warning: Probe terminated redirects, Response body: ");
}

TEST_F(ProbeManagerTest, AttemptsNeverOverlap) {
  Add(Json{{"livenessProbe", Probe("live", {{"periodSeconds", 1}})}});
  loop_.RunPending();
  ASSERT_EQ(tasks_.size(), 1u);
  // The attempt hangs (its task is not run): time passes, nothing else is started.
  for (int i = 0; i < 5; ++i) loop_.Advance(1s);
  EXPECT_EQ(tasks_.size(), 1u);
  EXPECT_EQ(manager_->active_workers(), 1u);
  Drain();  // it finishes 5 s late: the next one is due at once
  loop_.Advance(0s);
  Drain();
  EXPECT_EQ(attempts_["live"], 2);
}

TEST_F(ProbeManagerTest, RemovalStopsProbingAndDropsLateOutcomes) {
  script_["ready"] = {ProbeOutcome::Success()};
  Add(Json{{"readinessProbe", Probe("ready", {{"periodSeconds", 1}})}});
  manager_->AddContainer("uid-1", "side", "c3-id", Json{{"livenessProbe", Probe("live")}},
                         "127.0.0.1", clock_.Now());
  loop_.RunPending();
  ASSERT_EQ(tasks_.size(), 2u);  // both attempts in flight
  manager_->RemoveContainer("uid-1", "app");
  Drain();  // the readiness outcome arrives after removal: ignored
  EXPECT_TRUE(results_.empty());
  EXPECT_FALSE(manager_->IsReady("uid-1", "app"));
  EXPECT_FALSE(manager_->IsStarted("uid-1", "app"));
  EXPECT_TRUE(manager_->IsReady("uid-1", "side"));  // no readiness probe: ready once started
  EXPECT_EQ(manager_->active_workers(), 1u);
  manager_->RemovePod("uid-1");
  EXPECT_EQ(manager_->active_workers(), 0u);
  Elapse(30s);
  EXPECT_EQ(attempts_["ready"], 1);
  EXPECT_EQ(attempts_["live"], 1);
  EXPECT_EQ(loop_.timer_count(), 0u);
  EXPECT_FALSE(manager_->IsStarted("uid-1", "side"));
}

TEST_F(ProbeManagerTest, ContainerWithoutProbesIsStartedAndReady) {
  Add(Json{{"name", "app"}});
  EXPECT_TRUE(manager_->IsStarted("uid-1", "app"));
  EXPECT_TRUE(manager_->IsReady("uid-1", "app"));
  EXPECT_TRUE(manager_->IsReady("uid-1", "app", "c1-id"));
  EXPECT_FALSE(manager_->IsReady("uid-1", "app", "old-id"));  // another instance
  EXPECT_FALSE(manager_->IsStarted("uid-1", "app", "old-id"));
  EXPECT_FALSE(manager_->IsReady("uid-1", "other"));
  EXPECT_FALSE(manager_->IsReady("uid-2", "app"));
  EXPECT_EQ(manager_->active_workers(), 0u);
}

TEST_F(ProbeManagerTest, TerminationStopsLivenessButNotReadiness) {
  Add(Json{{"livenessProbe", Probe("live", {{"periodSeconds", 1}})},
           {"readinessProbe", Probe("ready", {{"periodSeconds", 1}})}});
  Elapse(1s);
  EXPECT_EQ(attempts_["live"], 2);
  manager_->StopLivenessAndStartup("uid-1");
  Elapse(3s);
  EXPECT_EQ(attempts_["live"], 2);
  EXPECT_EQ(attempts_["ready"], 5);
}

// The default pool and the real handlers: a tcpSocket readiness probe against a listener.
TEST(ProbeManagerPoolTest, RealTcpProbeOnWorkerPool) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);

  testing::FakeClock clock;
  testing::FakeDispatcher loop(clock);
  std::vector<ResultCall> results;
  ProbeManagerOptions o;
  o.random = [] { return 0.0; };
  o.on_result = [&](const std::string& pod, const std::string& c, const std::string& id,
                    ProbeKind kind, bool ok, const std::string& message) {
    results.push_back({pod, c, id, kind, ok, message});
  };
  ProbeManager manager(loop, clock, std::move(o));
  manager.AddContainer("uid-1", "web", "id",
                       Json{{"ports", {{{"name", "web"}, {"containerPort", port}}}},
                            {"readinessProbe", {{"tcpSocket", {{"port", "web"}}}}}},
                       "127.0.0.1", clock.Now());
  loop.RunPending();  // the first attempt goes to the pool
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (results.empty() && std::chrono::steady_clock::now() < deadline) {
    loop.WaitForPost(100ms);
    loop.RunPending();
  }
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].success);
  EXPECT_TRUE(manager.IsReady("uid-1", "web"));
  ::close(fd);
}

}  // namespace
}  // namespace sampan::kubelet::prober
