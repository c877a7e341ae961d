#include "pkg/kubelet/pod_status.h"

#include <gtest/gtest.h>

#include "pkg/kubelet/container_config.h"

namespace sampan::kubelet {
namespace {

using api::Json;
using runtime::ContainerState;
using runtime::ContainerStatus;

runtime::WallTime At(int seconds) {
  return runtime::WallTime(std::chrono::seconds(1'800'000'000 + seconds));
}

ContainerStatus Instance(const std::string& id, ContainerState state, int restarts,
                         int exit_code = 0) {
  ContainerStatus c;
  c.id = id;
  c.state = state;
  c.created_at = At(restarts * 10);
  c.started_at = At(restarts * 10 + 1);
  if (state == ContainerState::kExited) {
    c.finished_at = At(restarts * 10 + 2);
    c.exit_code = exit_code;
    c.reason = exit_code == 0 ? "Completed" : "Error";
  }
  c.annotations[kRestartCountAnnotation] = std::to_string(restarts);
  return c;
}

Json Pod(const std::string& policy, Json containers, Json init = Json::array()) {
  Json pod = {{"metadata", {{"name", "p"}, {"uid", "u"}}},
              {"spec", {{"restartPolicy", policy}, {"containers", std::move(containers)}}},
              {"status", {{"phase", "Pending"}, {"qosClass", "BestEffort"}}}};
  if (!init.empty()) pod["spec"]["initContainers"] = std::move(init);
  return pod;
}

Json Status(const Json& pod, const PodRuntime& view, std::map<std::string, Waiting> waiting = {}) {
  StatusInputs in;
  in.pod = &pod;
  in.runtime = &view;
  in.waiting = std::move(waiting);
  in.host_ip = "192.168.1.10";
  in.pod_ip = "10.42.0.5";
  in.network_ready = true;
  in.now = At(100);
  return BuildPodStatus(in);
}

std::string ConditionStatus(const Json& status, const std::string& type) {
  for (const Json& c : status["conditions"]) {
    if (c["type"] == type) return c["status"];
  }
  return "";
}

TEST(PodStatusTest, RunningPodIsReady) {
  Json pod = Pod("Always", {{{"name", "app"}, {"image", "busybox"}}});
  PodRuntime view;
  view.containers["app"] = {Instance("c1", ContainerState::kRunning, 0)};
  Json status = Status(pod, view);
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(status["podIP"], "10.42.0.5");
  EXPECT_EQ(status["hostIP"], "192.168.1.10");
  EXPECT_EQ(status["qosClass"], "BestEffort");
  EXPECT_EQ(ConditionStatus(status, "Ready"), "True");
  EXPECT_EQ(ConditionStatus(status, "Initialized"), "True");
  const Json& c = status["containerStatuses"][0];
  EXPECT_EQ(c["ready"], true);
  EXPECT_EQ(c["started"], true);
  EXPECT_EQ(c["containerID"], "sampan://c1");
  EXPECT_TRUE(c["state"].contains("running"));
}

TEST(PodStatusTest, ReadinessProbeGatesReady) {
  Json pod = Pod("Always", {{{"name", "app"}, {"image", "busybox"}}});
  PodRuntime view;
  view.containers["app"] = {Instance("c1", ContainerState::kRunning, 0)};
  StatusInputs in;
  in.pod = &pod;
  in.runtime = &view;
  in.ready = [](const std::string&, const std::string&) { return false; };
  in.now = At(100);
  Json status = BuildPodStatus(in);
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(ConditionStatus(status, "Ready"), "False");
  EXPECT_EQ(status["containerStatuses"][0]["ready"], false);
}

TEST(PodStatusTest, CrashLoopShowsWaitingAndLastState) {
  Json pod = Pod("Always", {{{"name", "app"}, {"image", "busybox"}}});
  PodRuntime view;
  view.containers["app"] = {Instance("c2", ContainerState::kExited, 1, 3),
                            Instance("c1", ContainerState::kExited, 0, 3)};
  Json status = Status(pod, view, {{"app", {"CrashLoopBackOff", "back-off 10s"}}});
  EXPECT_EQ(status["phase"], "Running");  // restartPolicy Always keeps it running
  const Json& c = status["containerStatuses"][0];
  EXPECT_EQ(c["state"]["waiting"]["reason"], "CrashLoopBackOff");
  EXPECT_EQ(c["lastState"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(c["restartCount"], 1);
}

TEST(PodStatusTest, PhasesOfFinishedPods) {
  Json app = {{{"name", "app"}, {"image", "busybox"}}};
  PodRuntime ok, failed;
  ok.containers["app"] = {Instance("c1", ContainerState::kExited, 0, 0)};
  failed.containers["app"] = {Instance("c1", ContainerState::kExited, 0, 1)};
  EXPECT_EQ(Status(Pod("Never", app), ok)["phase"], "Succeeded");
  EXPECT_EQ(Status(Pod("OnFailure", app), ok)["phase"], "Succeeded");
  EXPECT_EQ(Status(Pod("Never", app), failed)["phase"], "Failed");
  Json status = Status(Pod("Never", app), ok);
  EXPECT_EQ(ConditionStatus(status, "Ready"), "False");
  EXPECT_EQ(status["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  // A terminal phase stays.
  Json done = Pod("Always", app);
  done["status"]["phase"] = "Succeeded";
  PodRuntime running;
  running.containers["app"] = {Instance("c9", ContainerState::kRunning, 0)};
  EXPECT_EQ(Status(done, running)["phase"], "Succeeded");
}

TEST(PodStatusTest, InitContainersGateThePod) {
  Json pod =
      Pod("Always", {{{"name", "app"}, {"image", "busybox"}}},
          {{{"name", "init1"}, {"image", "busybox"}}, {{"name", "init2"}, {"image", "busybox"}}});
  PodRuntime view;
  view.containers["init1"] = {Instance("i1", ContainerState::kExited, 0, 0)};
  view.containers["init2"] = {Instance("i2", ContainerState::kRunning, 0)};
  Json status = Status(pod, view);
  EXPECT_EQ(status["phase"], "Pending");
  EXPECT_EQ(ConditionStatus(status, "Initialized"), "False");
  EXPECT_EQ(status["initContainerStatuses"][0]["ready"], true);
  EXPECT_EQ(status["initContainerStatuses"][1]["ready"], false);
  EXPECT_EQ(status["containerStatuses"][0]["state"]["waiting"]["reason"], "PodInitializing");

  Json never = Pod("Never", {{{"name", "app"}, {"image", "busybox"}}},
                   {{{"name", "init1"}, {"image", "busybox"}}});
  PodRuntime failed;
  failed.containers["init1"] = {Instance("i1", ContainerState::kExited, 0, 2)};
  EXPECT_EQ(Status(never, failed)["phase"], "Failed");
}

TEST(PodStatusTest, ConditionTransitionTimesSurviveUnchangedStatus) {
  Json pod = Pod("Always", {{{"name", "app"}, {"image", "busybox"}}});
  pod["status"]["conditions"] = {
      {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2020-01-01T00:00:00Z"}}};
  PodRuntime view;
  view.containers["app"] = {Instance("c1", ContainerState::kRunning, 0)};
  Json status = Status(pod, view);
  for (const Json& c : status["conditions"]) {
    if (c["type"] == "Ready") {
      EXPECT_EQ(c["lastTransitionTime"], "2020-01-01T00:00:00Z");
    }
  }
  EXPECT_EQ(ComparableStatus(status), ComparableStatus(Status(pod, view)));
}

}  // namespace
}  // namespace sampan::kubelet
