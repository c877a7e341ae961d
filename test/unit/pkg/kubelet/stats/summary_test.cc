#include "pkg/kubelet/stats/summary.h"

#include <gtest/gtest.h>

namespace sampan::kubelet::stats {
namespace {

WallTime At(int64_t seconds) { return WallTime(std::chrono::seconds(seconds)); }

Summary OnePod() {
  Summary s;
  s.node.node_name = "n1";
  s.node.start_time = At(1000);
  s.node.cpu = {At(2000000000), 5000000000, 250000000};
  s.node.memory.time = At(2000000000);
  s.node.memory.available_bytes = 3000;
  s.node.memory.usage_bytes = 9000;
  s.node.memory.working_set_bytes = 7000;
  s.node.fs = {At(2000000000), 10, 100, 90, 1, 50, 49};
  s.node.image_fs = s.node.fs;
  PodStats p;
  p.name = "web";
  p.namespace_ = "default";
  p.uid = "u1";
  p.start_time = At(1500000000);
  ContainerStats c;
  c.name = "app";
  c.start_time = At(1500000001);
  c.cpu = {At(2000000000), 1500000000, std::nullopt};
  c.memory.time = At(2000000000);
  c.memory.working_set_bytes = 4096;
  c.memory.rss_bytes = 2048;
  p.containers.push_back(c);
  p.cpu = {At(2000000000), 1600000000, 12345};
  p.memory.working_set_bytes = 8192;
  s.pods.push_back(p);
  return s;
}

TEST(SummaryTest, JsonHasTheStatsApiShape) {
  api::Json j = SummaryJson(OnePod());
  const api::Json& node = j["node"];
  EXPECT_EQ(node["nodeName"], "n1");
  EXPECT_EQ(node["cpu"]["usageNanoCores"], 250000000);
  EXPECT_EQ(node["cpu"]["usageCoreNanoSeconds"], 5000000000LL);
  EXPECT_EQ(node["cpu"]["time"], "2033-05-18T03:33:20Z");
  EXPECT_EQ(node["memory"]["availableBytes"], 3000);
  EXPECT_EQ(node["memory"]["workingSetBytes"], 7000);
  EXPECT_EQ(node["fs"]["capacityBytes"], 100);
  EXPECT_EQ(node["fs"]["inodesFree"], 1);
  EXPECT_EQ(node["runtime"]["imageFs"]["availableBytes"], 10);
  ASSERT_EQ(j["pods"].size(), 1u);
  const api::Json& pod = j["pods"][0];
  EXPECT_EQ(pod["podRef"], (api::Json{{"name", "web"}, {"namespace", "default"}, {"uid", "u1"}}));
  EXPECT_EQ(pod["cpu"]["usageNanoCores"], 12345);
  EXPECT_EQ(pod["memory"]["workingSetBytes"], 8192);
  const api::Json& c = pod["containers"][0];
  EXPECT_EQ(c["name"], "app");
  EXPECT_FALSE(c["cpu"].contains("usageNanoCores"));  // no rate yet: left out, not 0
  EXPECT_FALSE(c["memory"].contains("availableBytes"));
  EXPECT_EQ(c["memory"]["rssBytes"], 2048);
}

TEST(SummaryTest, EmptyNodeStillHasAPodsArray) {
  Summary s;
  s.node.node_name = "n";
  api::Json j = SummaryJson(s);
  ASSERT_TRUE(j["pods"].is_array());
  EXPECT_TRUE(j["pods"].empty());
}

TEST(SummaryTest, ResourceMetricsUseUpstreamNamesLabelsAndSeconds) {
  std::string text = ResourceMetricsText(OnePod());
  EXPECT_NE(text.find("# TYPE container_cpu_usage_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\","
                      "pod=\"web\"} 1.5 2000000000000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("container_memory_working_set_bytes{container=\"app\",namespace="
                      "\"default\",pod=\"web\"} 4096 "),
            std::string::npos);
  EXPECT_NE(text.find("node_cpu_usage_seconds_total 5 2000000000000\n"), std::string::npos);
  EXPECT_NE(text.find("node_memory_working_set_bytes 7000 "), std::string::npos);
  EXPECT_NE(text.find("pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 1.6 "),
            std::string::npos);
  EXPECT_NE(text.find("pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 8192 "),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n"),
            std::string::npos);
}

TEST(SummaryTest, ScrapeErrorAndLabelEscaping) {
  Summary s = OnePod();
  s.scrape_error = true;
  s.pods[0].name = "we\"b";
  std::string text = ResourceMetricsText(s);
  EXPECT_NE(text.find("resource_scrape_error 1\n"), std::string::npos);
  EXPECT_NE(text.find("pod=\"we\\\"b\""), std::string::npos);
}

}  // namespace
}  // namespace sampan::kubelet::stats
