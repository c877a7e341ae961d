#include "pkg/api/quota_usage.h"

#include <gtest/gtest.h>

namespace sampan::api::quota {
namespace {

const ResourceInfo& Core(std::string_view r) { return *Registry::Builtin().Find("", "v1", r); }

ResourceList RL(const char* text) {
  Json j = Json::parse(text);
  return ParseResourceList(&j);
}

Json PodWith(const char* containers, const char* phase = "Running") {
  return {{"spec", {{"containers", Json::parse(containers)}}}, {"status", {{"phase", phase}}}};
}

TEST(QuotaUsageTest, PodChargesCountsAndComputeResources) {
  Json pod = PodWith(R"([
      {"name":"a","resources":{"requests":{"cpu":"250m","memory":"64Mi"},"limits":{"cpu":"1"}}},
      {"name":"b","resources":{"requests":{"cpu":"250m","memory":"64Mi"},"limits":{"memory":"1Gi"}}}])");
  EXPECT_EQ(PrettyPrint(Usage(Core("pods"), pod)),
            "count/pods=1,cpu=500m,limits.cpu=1,limits.memory=1Gi,memory=128Mi,pods=1,"
            "requests.cpu=500m,requests.memory=128Mi");
}

TEST(QuotaUsageTest, TerminalPodsCountOnlyAsObjects) {
  Json pod = PodWith(R"([{"name":"a","resources":{"requests":{"cpu":"1"}}}])", "Succeeded");
  EXPECT_EQ(PrettyPrint(Usage(Core("pods"), pod)), "count/pods=1");
}

TEST(QuotaUsageTest, ServicesClaimsAndObjectCounts) {
  Json svc = {
      {"spec", {{"type", "NodePort"}, {"ports", Json::parse(R"([{"port":80},{"port":443}])")}}}};
  EXPECT_EQ(PrettyPrint(Usage(Core("services"), svc)),
            "count/services=1,services=1,services.loadbalancers=0,services.nodeports=2");
  Json lb = {{"spec", {{"type", "LoadBalancer"}, {"ports", Json::parse(R"([{"port":80}])")}}}};
  EXPECT_EQ(PrettyPrint(Usage(Core("services"), lb)),
            "count/services=1,services=1,services.loadbalancers=1,services.nodeports=1");
  Json pvc = {
      {"spec",
       {{"storageClassName", "fast"}, {"resources", {{"requests", {{"storage", "2Gi"}}}}}}}};
  EXPECT_EQ(PrettyPrint(Usage(Core("persistentvolumeclaims"), pvc)),
            "count/persistentvolumeclaims=1,fast.storageclass.storage.k8s.io/"
            "persistentvolumeclaims=1,fast.storageclass.storage.k8s.io/requests.storage=2Gi,"
            "persistentvolumeclaims=1,requests.storage=2Gi");
  EXPECT_EQ(PrettyPrint(Usage(Core("configmaps"), Json::object())),
            "configmaps=1,count/configmaps=1");
  const ResourceInfo& deployments = *Registry::Builtin().Find("apps", "v1", "deployments");
  EXPECT_EQ(PrettyPrint(Usage(deployments, Json::object())), "count/deployments.apps=1");
}

TEST(QuotaUsageTest, MatchingAndCountedResources) {
  std::set<std::string> hard = {"pods",
                                "requests.cpu",
                                "configmaps",
                                "count/deployments.apps",
                                "services.nodeports",
                                "requests.storage"};
  EXPECT_EQ(MatchingResources(Core("pods"), hard), (std::set<std::string>{"pods", "requests.cpu"}));
  EXPECT_EQ(MatchingResources(Core("configmaps"), hard), (std::set<std::string>{"configmaps"}));
  EXPECT_EQ(MatchingResources(Core("services"), hard),
            (std::set<std::string>{"services.nodeports"}));
  EXPECT_EQ(CountedResource("requests.cpu"), &Core("pods"));
  EXPECT_EQ(CountedResource("requests.storage"), &Core("persistentvolumeclaims"));
  EXPECT_EQ(CountedResource("count/deployments.apps")->kind, "Deployment");
  EXPECT_EQ(CountedResource("count/secrets"), &Core("secrets"));
  EXPECT_EQ(CountedResource("nonsense"), nullptr);
}

TEST(QuotaUsageTest, ScopesSelectPodsOnly) {
  Json best_effort = {{"spec", {{"scopes", {"BestEffort"}}}}};
  Json terminating = {{"spec", {{"scopes", {"Terminating"}}}}};
  Json empty = PodWith(R"([{"name":"a"}])");
  Json burstable = PodWith(R"([{"name":"a","resources":{"requests":{"cpu":"1"}}}])");
  EXPECT_TRUE(MatchesScopes(best_effort, Core("pods"), empty));
  EXPECT_FALSE(MatchesScopes(best_effort, Core("pods"), burstable));
  EXPECT_FALSE(MatchesScopes(best_effort, Core("configmaps"), Json::object()));
  EXPECT_FALSE(MatchesScopes(terminating, Core("pods"), empty));
  empty["spec"]["activeDeadlineSeconds"] = 30;
  EXPECT_TRUE(MatchesScopes(terminating, Core("pods"), empty));
  EXPECT_TRUE(MatchesScopes(Json::object(), Core("configmaps"), Json::object()));
}

TEST(QuotaUsageTest, MissingPodResourcesNamesContainers) {
  Json pod = PodWith(R"([{"name":"a","resources":{"requests":{"cpu":"1"}}},{"name":"b"}])");
  EXPECT_EQ(MissingPodResources(pod, {"pods", "requests.cpu", "limits.memory"}),
            "must specify limits.memory for: a,b; requests.cpu for: b");
  EXPECT_EQ(MissingPodResources(pod, {"pods", "count/pods"}), "");
}

TEST(QuotaUsageTest, ResourceListArithmetic) {
  ResourceList a = RL(R"({"cpu":"500m","pods":"2"})");
  ResourceList b = RL(R"({"cpu":"0.75","memory":"1Gi"})");
  EXPECT_EQ(PrettyPrint(AddResources(a, b)), "cpu=1250m,memory=1Gi,pods=2");
  EXPECT_EQ(PrettyPrint(SubtractNonNegative(a, b)), "cpu=0,pods=2");
  EXPECT_TRUE(ResourcesEqual(RL(R"({"memory":"1024Mi"})"), RL(R"({"memory":"1Gi"})")));
  EXPECT_EQ(ResourceListToJson(a), Json::parse(R"({"cpu":"500m","pods":"2"})"));
}

}  // namespace
}  // namespace sampan::api::quota
