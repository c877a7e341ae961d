#include "pkg/apiserver/pod_log.h"

#include <gtest/gtest.h>

namespace sampan::apiserver {
namespace {

using api::Json;

Json Pod(std::vector<std::string> containers, std::vector<std::string> init = {}) {
  Json pod = {{"metadata", {{"name", "p"}, {"namespace", "default"}}},
              {"spec", {{"containers", Json::array()}}},
              {"status", {{"phase", "Pending"}}}};
  for (const auto& c : containers) pod["spec"]["containers"].push_back({{"name", c}});
  if (!init.empty()) {
    pod["spec"]["initContainers"] = Json::array();
    for (const auto& c : init) pod["spec"]["initContainers"].push_back({{"name", c}});
  }
  return pod;
}

TEST(PodLogTest, SingleContainerIsTheDefault) {
  Result<std::string> c = PodLogContainer(Pod({"app"}), "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "app");
}

TEST(PodLogTest, SeveralContainersNeedAName) {
  Result<std::string> c = PodLogContainer(Pod({"a", "b"}), "");
  EXPECT_EQ(c.status().code(), Code::kBadRequest);
  EXPECT_EQ(c.status().message(),
            "a container name must be specified for pod p, choose one of: [a b]");
  c = PodLogContainer(Pod({"a", "b"}, {"init"}), "");
  EXPECT_EQ(c.status().message(),
            "a container name must be specified for pod p, choose one of: [a b] or one of the "
            "init containers: [init]");
}

TEST(PodLogTest, NamedContainerMustExist) {
  EXPECT_TRUE(PodLogContainer(Pod({"a"}, {"init"}), "init").ok());
  EXPECT_EQ(PodLogContainer(Pod({"a"}), "zz").status().message(),
            "container zz is not valid for pod p");
}

TEST(PodLogTest, WaitingContainerHasNoLogYet) {
  Json pod = Pod({"app"});
  EXPECT_EQ(CheckContainerLogReady(pod, "app", false).message(),
            "container \"app\" in pod \"p\" is waiting to start: ContainerCreating");
  pod["status"]["containerStatuses"] =
      Json::array({{{"name", "app"}, {"state", {{"waiting", {{"reason", "ErrImagePull"}}}}}}});
  EXPECT_EQ(CheckContainerLogReady(pod, "app", false).message(),
            "container \"app\" in pod \"p\" is waiting to start: ErrImagePull");
  EXPECT_TRUE(CheckContainerLogReady(pod, "app", true).ok());  // the kubelet decides
  pod["status"]["containerStatuses"][0]["lastState"] = {{"terminated", {{"exitCode", 1}}}};
  EXPECT_TRUE(CheckContainerLogReady(pod, "app", false).ok());  // crash loop: last run's log
}

TEST(PodLogTest, AppContainerWaitsForInitContainers) {
  Json pod = Pod({"app"}, {"init"});
  EXPECT_EQ(CheckContainerLogReady(pod, "app", false).message(),
            "container \"app\" in pod \"p\" is waiting to start: PodInitializing");
  pod["status"]["initContainerStatuses"] =
      Json::array({{{"name", "init"}, {"state", {{"running", Json::object()}}}}});
  EXPECT_TRUE(CheckContainerLogReady(pod, "init", false).ok());
}

TEST(PodLogTest, KubeletEndpointFromNodeStatus) {
  Json node = {{"metadata", {{"name", "n1"}}},
               {"status",
                {{"addresses", Json::array({{{"type", "Hostname"}, {"address", "n1"}},
                                            {{"type", "InternalIP"}, {"address", "10.0.0.5"}}})},
                 {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 12250}}}}}}}};
  Result<KubeletEndpoint> e = KubeletEndpointOf(node);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "10.0.0.5");
  EXPECT_EQ(e->port, 12250);
  node["status"].erase("daemonEndpoints");
  EXPECT_EQ(KubeletEndpointOf(node)->port, 10250);
  node["status"]["addresses"] = Json::array();
  EXPECT_EQ(KubeletEndpointOf(node).status().code(), Code::kBadRequest);
}

}  // namespace
}  // namespace sampan::apiserver
