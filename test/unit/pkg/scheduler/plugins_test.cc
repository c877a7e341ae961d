#include "pkg/scheduler/plugins.h"

#include <gtest/gtest.h>

namespace sampan::scheduler {
namespace {

using api::Json;

NodeInfo Node(const char* json) {
  NodeInfo info;
  info.node = std::make_shared<const Json>(Json::parse(json));
  info.name = (*info.node)["metadata"]["name"];
  info.allocatable = NodeAllocatable(*info.node);
  return info;
}

Json Pod(const char* spec) {
  return Json{{"metadata", {{"name", "p"}, {"namespace", "default"}}}, {"spec", Json::parse(spec)}};
}

const char* kNode = R"({"metadata":{"name":"n","labels":{"disk":"ssd","gen":"5"}},
  "status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"3"}}})";

TEST(PluginsTest, PodRequestsFollowUpstreamRules) {
  Json pod = Pod(R"({"containers":[{"resources":{"requests":{"cpu":"250m","memory":"64Mi"}}},
      {"resources":{"limits":{"cpu":"1"}}}],
    "initContainers":[{"resources":{"requests":{"cpu":"2","memory":"1Mi"}}}],
    "overhead":{"cpu":"10m"}})");
  Resources r = PodRequests(pod);
  EXPECT_EQ(r.milli_cpu, 2010);  // max(250+1000, 2000) + overhead
  EXPECT_EQ(r.memory, 64 * 1024 * 1024);
  EXPECT_EQ(r.pods, 1);
}

TEST(PluginsTest, ResourcesAndPodCount) {
  NodeInfo node = Node(kNode);
  EXPECT_TRUE(
      FilterNode(Pod(R"({"containers":[{"resources":{"requests":{"cpu":"2"}}}]})"), node).empty());
  EXPECT_EQ(
      FilterNode(Pod(R"({"containers":[{"resources":{"requests":{"cpu":"3","memory":"5Gi"}}}]})"),
                 node),
      (std::vector<std::string>{"Insufficient cpu", "Insufficient memory"}));
  for (int i = 0; i < 3; ++i) {
    node.AddPod("default/q" + std::to_string(i),
                std::make_shared<const Json>(Pod(R"({"containers":[{}]})")));
  }
  EXPECT_EQ(FilterNode(Pod(R"({"containers":[{}]})"), node),
            (std::vector<std::string>{"Too many pods"}));
  node.RemovePod("default/q0");
  EXPECT_TRUE(FilterNode(Pod(R"({"containers":[{}]})"), node).empty());
}

TEST(PluginsTest, SelectorsAndAffinity) {
  NodeInfo node = Node(kNode);
  EXPECT_TRUE(
      FilterNode(Pod(R"({"nodeSelector":{"disk":"ssd"},"containers":[{}]})"), node).empty());
  EXPECT_EQ(FilterNode(Pod(R"({"nodeSelector":{"disk":"hdd"},"containers":[{}]})"), node),
            (std::vector<std::string>{"node(s) didn't match Pod's node affinity/selector"}));
  auto affinity = [](const char* expressions) {
    return Json::parse(
        std::string(
            R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
        {"nodeSelectorTerms":[{"matchExpressions":)") +
        expressions + "}]}}}}");
  };
  Json n = *node.node;
  auto matches = [&](const char* e) {
    Json pod = {{"spec", affinity(e)}};
    return MatchesNodeSelector(pod, n);
  };
  EXPECT_TRUE(matches(R"([{"key":"disk","operator":"In","values":["ssd","nvme"]}])"));
  EXPECT_FALSE(matches(R"([{"key":"disk","operator":"NotIn","values":["ssd"]}])"));
  EXPECT_TRUE(matches(R"([{"key":"gpu","operator":"DoesNotExist"}])"));
  EXPECT_TRUE(matches(R"([{"key":"gen","operator":"Gt","values":["4"]}])"));
  EXPECT_FALSE(matches(R"([{"key":"gen","operator":"Lt","values":["4"]}])"));
  EXPECT_FALSE(matches(R"([])"));  // an empty term matches nothing
  Json by_name =
      Json::parse(R"({"matchFields":[{"key":"metadata.name","operator":"In","values":["n"]}]})");
  EXPECT_TRUE(MatchesNodeSelectorTerm(by_name, n));
}

TEST(PluginsTest, TaintsAndUnschedulable) {
  NodeInfo node = Node(R"({"metadata":{"name":"t"},"spec":{"unschedulable":true,
      "taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]},
      "status":{"allocatable":{"cpu":"1","memory":"1Gi","pods":"10"}}})");
  EXPECT_EQ(FilterNode(Pod(R"({"containers":[{}]})"), node),
            (std::vector<std::string>{"node(s) were unschedulable",
                                      "node(s) had untolerated taint {dedicated: gpu}"}));
  Json tolerant = Pod(R"({"containers":[{}],"tolerations":[
      {"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"},
      {"key":"node.kubernetes.io/unschedulable","operator":"Exists"}]})");
  EXPECT_TRUE(FilterNode(tolerant, node).empty());
  Json everything = Pod(R"({"containers":[{}],"tolerations":[{"operator":"Exists"}]})");
  EXPECT_TRUE(FilterNode(everything, node).empty());
  Json wrong_value = Pod(R"({"tolerations":[{"key":"dedicated","value":"cpu"}]})");
  EXPECT_FALSE(ToleratesTaint(wrong_value, (*node.node)["spec"]["taints"][0]));
}

TEST(PluginsTest, HostPortsConflict) {
  NodeInfo node = Node(kNode);
  node.AddPod("default/web",
              std::make_shared<const Json>(
                  Pod(R"({"containers":[{"ports":[{"containerPort":80,"hostPort":8080}]}]})")));
  EXPECT_EQ(
      FilterNode(Pod(R"({"containers":[{"ports":[{"containerPort":80,"hostPort":8080}]}]})"), node),
      (std::vector<std::string>{"node(s) didn't have free ports for the requested pod ports"}));
  EXPECT_TRUE(
      FilterNode(
          Pod(R"({"containers":[{"ports":[{"containerPort":80,"hostPort":8080,"protocol":"UDP"}]}]})"),
          node)
          .empty());
}

TEST(PluginsTest, ScoresPreferEmptierNodesAndSpreadOwners) {
  NodeInfo busy = Node(
      R"({"metadata":{"name":"busy"},"status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"10"}}})");
  NodeInfo idle = Node(
      R"({"metadata":{"name":"idle"},"status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"10"}}})");
  Json sibling =
      Json::parse(R"({"metadata":{"name":"s","ownerReferences":[{"controller":true,"uid":"rs1"}]},
      "spec":{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}})");
  busy.AddPod("default/s", std::make_shared<const Json>(sibling));
  Json pod = sibling;
  pod["metadata"]["name"] = "new";
  std::vector<const NodeInfo*> nodes = {&busy, &idle};
  EXPECT_GT(ScoreNode(pod, idle, nodes), ScoreNode(pod, busy, nodes));
}

}  // namespace
}  // namespace sampan::scheduler
