#include "pkg/kubelet/kubelet.h"

#include <gtest/gtest.h>

#include "runtime/images/image_store.h"
#include "test/fakes/fake_pod_network.h"
#include "test/fakes/fake_runtime.h"
#include "test/fixtures/image_builder.h"
#include "test/unit/test_api_server.h"

namespace sampan::kubelet {
namespace {

using api::Json;
using testing::WaitFor;
using namespace std::chrono_literals;

const api::ResourceInfo& Pods() { return *api::Registry::Builtin().Find("", "v1", "pods"); }
const api::ResourceInfo& Nodes() { return *api::Registry::Builtin().Find("", "v1", "nodes"); }
const api::ResourceInfo& ConfigMaps() {
  return *api::Registry::Builtin().Find("", "v1", "configmaps");
}

// The kubelet against a real API server, a fake runtime and a fake pod network; images from
// a real image store holding the busybox test image.
class KubeletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    client_ = api_.NewClient("system:node:n1");
    Json node = {{"apiVersion", "v1"},
                 {"kind", "Node"},
                 {"metadata", {{"name", "n1"}}},
                 {"spec", {{"podCIDR", "10.42.0.0/24"}}}};
    ASSERT_TRUE(client_->Create(Nodes(), node).ok());

    auto store = images::ImageStore::OpenRoot(dir_.File("images"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto busybox = fixtures::BusyboxImage();
    ASSERT_TRUE(busybox.ok());
    ASSERT_TRUE(fixtures::WriteOciArchive(*busybox, "docker.io/library/busybox:fixture",
                                          dir_.File("busybox.tar"))
                    .ok());
    ASSERT_TRUE(store_->Import(dir_.File("busybox.tar")).ok());

    events_ = std::make_unique<client::EventRecorder>(*client_, RealClock::Get(),
                                                      client::EventSource{"kubelet", "n1"});
    events_->Start();
    images_ = std::make_unique<ImageManager>(*store_, images::RegistriesConfig{}, RealClock::Get(),
                                             *events_);
    kubelet_ = NewKubelet();
    kubelet_->Start();
  }
  // A kubelet of node n1 over this test's runtime, network and API server.
  std::unique_ptr<Kubelet> NewKubelet(std::chrono::milliseconds relist_interval = 10s) {
    KubeletOptions options;
    options.node_name = "n1";
    options.node_ip = "192.0.2.1";
    options.data_dir = dir_.File("data");
    options.pod_log_dir = dir_.File("logs");
    options.dns.host_resolv_conf = dir_.File("no-resolv.conf");
    options.crash_backoff_initial = 300ms;
    options.crash_backoff_max = 1s;
    options.workers = 2;
    options.relist_interval = relist_interval;
    return std::make_unique<Kubelet>(
        *client_, RealClock::Get(), runtime_, *images_, *events_,
        [this](const std::string&) -> Result<std::unique_ptr<net::PodNetwork>> {
          auto network = std::make_unique<testing::FakePodNetwork>();
          network_ = network.get();
          return std::unique_ptr<net::PodNetwork>(std::move(network));
        },
        options);
  }
  void TearDown() override {
    if (kubelet_) kubelet_->Stop();
    if (events_) events_->Stop();
  }

  Json Pod(const std::string& name, const std::string& restart_policy = "Always") {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec",
             {{"nodeName", "n1"},
              {"restartPolicy", restart_policy},
              {"containers",
               {{{"name", "main"},
                 {"image", "busybox:fixture"},
                 {"command", {"sh", "-c", "echo $(GREETING)"}},
                 {"env", {{{"name", "GREETING"}, {"value", "hi"}}}}}}}}}};
  }
  Json Get(const std::string& name) {
    Result<Json> pod = client_->Get(Pods(), "default", name);
    return pod.ok() ? *pod : Json();
  }
  std::string Field(const std::string& name, const std::string& path) {
    Json pod = Get(name);
    const Json* v = api::FindPath(pod, path);
    if (v == nullptr) return "";
    return v->is_string() ? v->get<std::string>() : v->dump();
  }
  bool FieldIs(const std::string& name, const std::string& path, const std::string& want) {
    return WaitFor([&] { return Field(name, path) == want; }, 10s);
  }

  testing::TestApiServer api_;
  storage::testing::TempDir dir_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<images::ImageStore> store_;
  std::unique_ptr<client::EventRecorder> events_;
  std::unique_ptr<ImageManager> images_;
  testing::FakeRuntime runtime_;
  testing::FakePodNetwork* network_ = nullptr;
  std::unique_ptr<Kubelet> kubelet_;
};

TEST_F(KubeletTest, RunsAPodAndReportsItsStatus) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("web")).ok());
  ASSERT_TRUE(FieldIs("web", "status.phase", "Running")) << Get("web").dump();
  EXPECT_EQ(Field("web", "status.podIP"), "10.42.0.2");
  EXPECT_EQ(Field("web", "status.hostIP"), "192.0.2.1");
  Json status = Get("web")["status"];
  EXPECT_EQ(status["containerStatuses"][0]["ready"], true);
  EXPECT_EQ(status["containerStatuses"][0]["image"], "docker.io/library/busybox:fixture");
  EXPECT_EQ(runtime_.sandboxes(), 1u);
  std::vector<runtime::ContainerSpec> created = runtime_.created();
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].process.args, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_NE(std::find(created[0].process.env.begin(), created[0].process.env.end(), "GREETING=hi"),
            created[0].process.env.end());
  EXPECT_EQ(created[0].labels.at(kContainerNameLabel), "main");
}

TEST_F(KubeletTest, RestartsACrashingContainerWithBackOff) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("crash")).ok());
  ASSERT_TRUE(FieldIs("crash", "status.phase", "Running"));
  ASSERT_TRUE(runtime_.Exit("main", 3));
  // The first crash restarts at once.
  ASSERT_TRUE(WaitFor([&] { return runtime_.created().size() == 2 && runtime_.running() == 1; }));
  ASSERT_TRUE(runtime_.Exit("main", 3));
  // The second one waits out the back-off, visibly.
  bool saw_backoff = WaitFor([&] {
    Json s = Get("crash")["status"]["containerStatuses"][0];
    return s["state"].contains("waiting") &&
           s["state"]["waiting"]["reason"] == "CrashLoopBackOff" &&
           s["lastState"]["terminated"]["exitCode"] == 3;
  });
  EXPECT_TRUE(saw_backoff) << Get("crash")["status"].dump();
  ASSERT_TRUE(WaitFor([&] { return runtime_.created().size() == 3; }, 10s));
  EXPECT_TRUE(
      WaitFor([&] { return Get("crash")["status"]["containerStatuses"][0]["restartCount"] == 2; }));
}

TEST_F(KubeletTest, FinishedPodSucceedsAndGivesBackItsAddress) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("job", "Never")).ok());
  ASSERT_TRUE(FieldIs("job", "status.phase", "Running"));
  ASSERT_TRUE(runtime_.Exit("main", 0));
  ASSERT_TRUE(FieldIs("job", "status.phase", "Succeeded")) << Get("job")["status"].dump();
  EXPECT_TRUE(WaitFor([&] { return network_->Allocations().empty(); }));
  EXPECT_EQ(runtime_.created().size(), 1u);  // never restarted
  EXPECT_EQ(Get("job")["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed");
}

TEST_F(KubeletTest, EvictionStopsThePodAndMarksItFailedEvicted) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("victim")).ok());
  ASSERT_TRUE(client_->Create(Pods(), Pod("bystander")).ok());
  ASSERT_TRUE(FieldIs("victim", "status.phase", "Running"));
  ASSERT_TRUE(FieldIs("bystander", "status.phase", "Running"));
  ASSERT_TRUE(WaitFor([&] { return kubelet_->ActivePods().size() == 2; }));
  kubelet_->Evict(Get("victim"), "The node was low on resource: memory. ");
  EXPECT_EQ(kubelet_->ActivePods().size(), 1u);  // not offered again while it is evicted
  ASSERT_TRUE(FieldIs("victim", "status.phase", "Failed")) << Get("victim")["status"].dump();
  EXPECT_EQ(Field("victim", "status.reason"), "Evicted");
  EXPECT_EQ(Field("victim", "status.message"), "The node was low on resource: memory. ");
  EXPECT_EQ(Get("victim")["status"]["containerStatuses"][0]["state"].contains("terminated"), true)
      << Get("victim")["status"].dump();
  EXPECT_TRUE(WaitFor([&] { return runtime_.running() == 1; }));  // only the bystander's
  EXPECT_EQ(Field("bystander", "status.phase"), "Running");
  // A later sync of the finished pod keeps why it ended.
  kubelet_->Requeue(Get("victim")["metadata"]["uid"].get<std::string>());
  EXPECT_FALSE(WaitFor([&] { return Field("victim", "status.reason") != "Evicted"; }, 1s));
}

TEST_F(KubeletTest, DeletionStopsRemovesAndDeletesThePod) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("gone")).ok());
  ASSERT_TRUE(FieldIs("gone", "status.phase", "Running"));
  ASSERT_TRUE(client_->Delete(Pods(), "default", "gone").ok());
  EXPECT_TRUE(
      WaitFor([&] { return client_->Get(Pods(), "default", "gone").status().IsNotFound(); }, 10s));
  EXPECT_TRUE(WaitFor([&] { return runtime_.containers() == 0 && runtime_.sandboxes() == 0; }));
  EXPECT_TRUE(WaitFor([&] { return network_->Allocations().empty(); }));
}

TEST_F(KubeletTest, RestartedKubeletStopsPodsTheApiNoLongerAssignsToIt) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("kept")).ok());
  ASSERT_TRUE(client_->Create(Pods(), Pod("orphan")).ok());
  ASSERT_TRUE(FieldIs("kept", "status.phase", "Running"));
  ASSERT_TRUE(FieldIs("orphan", "status.phase", "Running"));
  // The node is down (its containers keep running) while its pod is force-deleted.
  kubelet_->Stop();
  client::DeleteOptions force;
  force.grace_period_seconds = 0;
  ASSERT_TRUE(client_->Delete(Pods(), "default", "orphan", force).ok());
  ASSERT_EQ(runtime_.sandboxes(), 2u);
  ASSERT_EQ(runtime_.running(), 2u);
  // Back again: its first relist finds a pod the API does not have and tears it down.
  kubelet_ = NewKubelet(100ms);
  kubelet_->Start();
  EXPECT_TRUE(
      WaitFor([&] { return runtime_.sandboxes() == 1 && runtime_.containers() == 1; }, 10s));
  EXPECT_EQ(runtime_.running(), 1u);
  EXPECT_EQ(Field("kept", "status.phase"), "Running");
  // (That the kept pod's container is adopted unchanged is node_orphans.sh's check, on the
  // real runtime.)
}

TEST_F(KubeletTest, ReadinessOverwrittenByTheControlPlaneIsWrittenAgain) {
  ASSERT_TRUE(client_->Create(Pods(), Pod("web")).ok());
  auto ready = [&] {
    for (const Json& c : Get("web")["status"].value("conditions", Json::array())) {
      if (c["type"] == "Ready") return c.value("status", "");
    }
    return std::string();
  };
  ASSERT_TRUE(WaitFor([&] { return ready() == "True"; }, 10s)) << Get("web").dump();
  // The node lifecycle controller marks the pods of a node it lost touch with not ready.
  Json patch = {{"status", {{"conditions", {{{"type", "Ready"}, {"status", "False"}}}}}}};
  ASSERT_TRUE(
      client_->Patch(Pods(), "default", "web", client::PatchType::kStrategic, patch, "status")
          .ok());
  EXPECT_TRUE(WaitFor([&] { return ready() == "True"; }, 10s)) << Get("web").dump();
}

TEST_F(KubeletTest, InitContainersRunFirstAndInOrder) {
  Json pod = Pod("init");
  pod["spec"]["initContainers"] = {
      {{"name", "first"}, {"image", "busybox:fixture"}, {"command", {"true"}}},
      {{"name", "second"}, {"image", "busybox:fixture"}, {"command", {"true"}}}};
  ASSERT_TRUE(client_->Create(Pods(), pod).ok());
  ASSERT_TRUE(WaitFor([&] { return runtime_.running() == 1; }));
  EXPECT_EQ(runtime_.created().back().labels.at(kContainerNameLabel), "first");
  EXPECT_TRUE(WaitFor([&] { return Field("init", "status.phase") == "Pending"; }));
  ASSERT_TRUE(runtime_.Exit("first", 0));
  ASSERT_TRUE(WaitFor([&] { return runtime_.created().size() == 2 && runtime_.running() == 1; }));
  EXPECT_EQ(runtime_.created().back().labels.at(kContainerNameLabel), "second");
  ASSERT_TRUE(runtime_.Exit("second", 0));
  ASSERT_TRUE(FieldIs("init", "status.phase", "Running"));
  EXPECT_EQ(runtime_.created().back().labels.at(kContainerNameLabel), "main");
}

TEST_F(KubeletTest, MissingConfigMapKeyIsACreateContainerConfigError) {
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "cfg"}, {"namespace", "default"}}},
             {"data", {{"a", "1"}}}};
  ASSERT_TRUE(client_->Create(ConfigMaps(), cm).ok());
  Json pod = Pod("cfg");
  pod["spec"]["containers"][0]["env"] = {
      {{"name", "X"}, {"valueFrom", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "b"}}}}}}};
  ASSERT_TRUE(client_->Create(Pods(), pod).ok());
  EXPECT_TRUE(WaitFor([&] {
    Json s = Get("cfg")["status"]["containerStatuses"][0]["state"]["waiting"];
    return s.is_object() && s["reason"] == "CreateContainerConfigError" &&
           s["message"] == "couldn't find key b in ConfigMap default/cfg";
  })) << Get("cfg")["status"].dump();
  EXPECT_EQ(runtime_.created().size(), 0u);
}

}  // namespace
}  // namespace sampan::kubelet
