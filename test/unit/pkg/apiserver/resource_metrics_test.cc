#include "pkg/apiserver/resource_metrics.h"

#include <gtest/gtest.h>

namespace sampan::apiserver {
namespace {

using api::Json;

Json Summary() {
  return Json::parse(R"({
    "node": {"nodeName": "n1",
             "cpu": {"time": "2026-11-27T10:00:00Z", "usageNanoCores": 250000000,
                     "usageCoreNanoSeconds": 9000000000},
             "memory": {"workingSetBytes": 1073741824, "availableBytes": 5}},
    "pods": [
      {"podRef": {"name": "busy", "namespace": "default", "uid": "u1"},
       "containers": [
         {"name": "spin", "cpu": {"time": "2026-11-27T10:00:01Z", "usageNanoCores": 199000000},
          "memory": {"workingSetBytes": 2097152}},
         {"name": "side", "cpu": {"time": "2026-11-27T10:00:01Z", "usageNanoCores": 1000},
          "memory": {"workingSetBytes": 1000}}]},
      {"podRef": {"name": "fresh", "namespace": "default", "uid": "u2"},
       "containers": [{"name": "c", "cpu": {"time": "2026-11-27T10:00:01Z"},
                       "memory": {"workingSetBytes": 1}}]}
    ]})");
}

Json Pod(const std::string& name, const std::string& uid) {
  return {{"metadata",
           {{"name", name}, {"namespace", "default"}, {"uid", uid}, {"labels", {{"app", "x"}}}}}};
}

TEST(ResourceMetricsTest, NodeMetricsLikeMetricsServer) {
  Json node = {{"metadata", {{"name", "n1"}, {"labels", {{"role", "edge"}}}}}};
  std::optional<Json> m = NodeMetricsFromSummary(node, Summary(), "2026-11-27T10:00:05Z");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ((*m)["kind"], "NodeMetrics");
  EXPECT_EQ((*m)["apiVersion"], "metrics.k8s.io/v1beta1");
  EXPECT_EQ((*m)["metadata"]["name"], "n1");
  EXPECT_EQ((*m)["metadata"]["labels"]["role"], "edge");
  EXPECT_EQ((*m)["timestamp"], "2026-11-27T10:00:00Z");
  EXPECT_EQ((*m)["window"], "10s");
  EXPECT_EQ((*m)["usage"]["cpu"], "250m");
  EXPECT_EQ((*m)["usage"]["memory"], "1Gi");
}

TEST(ResourceMetricsTest, PodMetricsPerContainer) {
  std::optional<Json> m = PodMetricsFromSummary(Pod("busy", "u1"), Summary(), "now");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ((*m)["kind"], "PodMetrics");
  EXPECT_EQ((*m)["metadata"]["namespace"], "default");
  EXPECT_EQ((*m)["metadata"]["labels"]["app"], "x");
  ASSERT_EQ((*m)["containers"].size(), 2u);
  EXPECT_EQ((*m)["containers"][0]["name"], "spin");
  EXPECT_EQ((*m)["containers"][0]["usage"]["cpu"], "199m");
  EXPECT_EQ((*m)["containers"][0]["usage"]["memory"], "2Mi");
  EXPECT_EQ((*m)["containers"][1]["usage"]["cpu"], "1u");
  EXPECT_EQ((*m)["containers"][1]["usage"]["memory"], "1k");
}

TEST(ResourceMetricsTest, MissingPodsRatesAndRecreatedPodsGiveNothing) {
  EXPECT_FALSE(PodMetricsFromSummary(Pod("other", "u9"), Summary(), "now").has_value());
  EXPECT_FALSE(PodMetricsFromSummary(Pod("fresh", "u2"), Summary(), "now").has_value());
  // Same name, another uid: the summary describes the pod that was there before.
  EXPECT_FALSE(PodMetricsFromSummary(Pod("busy", "u-new"), Summary(), "now").has_value());
  Json no_rate = Summary();
  no_rate["node"]["cpu"].erase("usageNanoCores");
  EXPECT_FALSE(NodeMetricsFromSummary(Json::object(), no_rate, "now").has_value());
}

}  // namespace
}  // namespace sampan::apiserver
