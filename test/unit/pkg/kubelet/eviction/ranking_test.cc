#include "pkg/kubelet/eviction/ranking.h"

#include <gtest/gtest.h>

namespace sampan::kubelet::eviction {
namespace {

using api::Json;

Json Pod(const std::string& name, const std::string& memory_request, int priority = 0) {
  Json container = {{"name", "c"}};
  if (!memory_request.empty()) {
    container["resources"] = {{"requests", {{"memory", memory_request}}}};
  }
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}}},
          {"spec", {{"priority", priority}, {"containers", Json::array({container})}}}};
}

stats::PodStats Usage(int64_t working_set) {
  stats::PodStats s;
  s.memory.working_set_bytes = working_set;
  stats::ContainerStats c;
  c.name = "c";
  c.memory.working_set_bytes = working_set;
  s.containers.push_back(c);
  return s;
}

std::vector<std::string> Order(Resource resource, std::vector<Candidate> candidates) {
  Rank(resource, candidates);
  std::vector<std::string> out;
  for (const Candidate& c : candidates) out.push_back(c.key);
  return out;
}

Candidate Make(const Json& pod, int64_t usage) {
  stats::PodStats s = Usage(usage);
  std::optional<Candidate> c = MakeCandidate(pod, &s);
  EXPECT_TRUE(c.has_value());
  return *c;
}

TEST(RankingTest, MemoryExceedingRequestsFirstThenPriorityThenUsageAboveRequests) {
  std::vector<Candidate> c = {
      Make(Pod("within-request", "100Mi"), 50 << 20),       // under its request
      Make(Pod("high-priority-hog", "", 1000), 500 << 20),  // exceeds, high priority
      Make(Pod("small-besteffort", ""), 10 << 20),          // exceeds by 10Mi
      Make(Pod("big-besteffort", ""), 300 << 20),           // exceeds by 300Mi
      Make(Pod("burstable-over", "100Mi"), 350 << 20),      // exceeds by 250Mi
  };
  EXPECT_EQ(Order(Resource::kMemory, c),
            (std::vector<std::string>{"default/big-besteffort", "default/burstable-over",
                                      "default/small-besteffort", "default/high-priority-hog",
                                      "default/within-request"}));
}

TEST(RankingTest, DiskRanksByPriorityThenBestEffortFirst) {
  std::vector<Candidate> c = {
      Make(Pod("burstable", "10Mi"), 1 << 20),
      Make(Pod("besteffort", ""), 1 << 20),
      Make(Pod("low-priority", "10Mi", -5), 1 << 20),
  };
  EXPECT_EQ(Order(Resource::kDisk, c),
            (std::vector<std::string>{"default/low-priority", "default/besteffort",
                                      "default/burstable"}));
}

TEST(RankingTest, CriticalStaticAndMirrorPodsAreNeverCandidates) {
  EXPECT_FALSE(MakeCandidate(Pod("critical", "", 2000001000), nullptr).has_value());
  Json mirror = Pod("mirror", "");
  mirror["metadata"]["annotations"] = {{"kubernetes.io/config.mirror", "abc"}};
  EXPECT_FALSE(MakeCandidate(mirror, nullptr).has_value());
  Json file = Pod("static", "");
  file["metadata"]["annotations"] = {{"kubernetes.io/config.source", "file"}};
  EXPECT_FALSE(MakeCandidate(file, nullptr).has_value());
  EXPECT_TRUE(MakeCandidate(Pod("plain", ""), nullptr).has_value());
}

TEST(RankingTest, MessageAsUpstreams) {
  Candidate victim = Make(Pod("hog", ""), 200 << 20);
  Threshold t = (*ParseThresholds("memory.available<100Mi"))[0];
  std::string m = EvictionMessage(t, Observation{50 << 20, 1 << 30}, victim);
  EXPECT_EQ(m,
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: "
            "50Mi. Container c was using 200Mi, request is 0, has larger consumption of "
            "memory. ");
  Threshold disk = (*ParseThresholds("nodefs.available<10%"))[0];
  EXPECT_EQ(EvictionMessage(disk, Observation{1 << 20, 100 << 20}, victim),
            "The node was low on resource: ephemeral-storage. Threshold quantity: 10Mi, "
            "available: 1Mi. ");
}

}  // namespace
}  // namespace sampan::kubelet::eviction
