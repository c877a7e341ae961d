#include "pkg/apiserver/admission/limit_range_rules.h"

#include <gtest/gtest.h>

#include "pkg/apiserver/admission/plugin.h"

namespace sampan::apiserver::admission {
namespace {

using api::Json;

Json Range(const char* items) {
  Json r = {{"spec", {{"limits", Json::parse(items)}}}};
  DefaultLimitRange(r);
  return r;
}

Json Pod(const char* containers) {
  return {{"metadata", {{"name", "p"}}}, {"spec", {{"containers", Json::parse(containers)}}}};
}

TEST(LimitRangeRulesTest, DefaultingFillsDefaultsFromMaxAndMin) {
  Json r = Range(R"([{"type":"Container","max":{"cpu":"2"},"min":{"memory":"64Mi"}}])");
  const Json& item = r["spec"]["limits"][0];
  EXPECT_EQ(item["default"], Json::parse(R"({"cpu":"2"})"));
  EXPECT_EQ(item["defaultRequest"], Json::parse(R"({"cpu":"2","memory":"64Mi"})"));
}

TEST(LimitRangeRulesTest, DefaultsAreSetOnContainersThatLackThemAndAnnotated) {
  Json r = Range(R"([{"type":"Container","default":{"cpu":"500m","memory":"512Mi"},
                      "defaultRequest":{"cpu":"100m"}}])");
  Json pod = Pod(R"([{"name":"web","resources":{"limits":{"memory":"1Gi"}}},{"name":"side"}])");
  ASSERT_TRUE(ApplyPodDefaults(r, pod));
  EXPECT_EQ(
      pod["spec"]["containers"][0]["resources"],
      Json::parse(
          R"({"limits":{"memory":"1Gi","cpu":"500m"},"requests":{"cpu":"100m","memory":"512Mi"}})"));
  EXPECT_EQ(pod["spec"]["containers"][1]["resources"]["limits"],
            Json::parse(R"({"cpu":"500m","memory":"512Mi"})"));
  EXPECT_EQ(pod["metadata"]["annotations"][kLimitRangerAnnotation],
            "LimitRanger plugin set: cpu, memory request for container web; cpu limit for "
            "container web; cpu, memory request for container side; cpu, memory limit for "
            "container side");
}

TEST(LimitRangeRulesTest, NothingToDefaultLeavesThePodAlone) {
  Json r = Range(R"([{"type":"Pod","max":{"cpu":"2"}}])");
  Json pod = Pod(R"([{"name":"web"}])");
  Json before = pod;
  EXPECT_FALSE(ApplyPodDefaults(r, pod));
  EXPECT_EQ(pod, before);
}

TEST(LimitRangeRulesTest, ContainerMinAndMaxViolationsUseUpstreamWording) {
  Json r = {{"spec", {{"limits", Json::parse(R"([{"type":"Container","min":{"cpu":"100m"},
                                          "max":{"memory":"1Gi"}}])")}}}};
  Json pod = Pod(R"([{"name":"web","resources":{"requests":{"cpu":"50m","memory":"1Gi"},
                                               "limits":{"cpu":"1","memory":"2Gi"}}}])");
  std::vector<std::string> v = PodViolations(r, pod);
  EXPECT_EQ(AggregateMessages(v),
            "[minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage "
            "per Container is 1Gi, but limit is 2Gi]");
}

TEST(LimitRangeRulesTest, MissingRequestOrLimitIsAViolation) {
  Json r = {{"spec", {{"limits", Json::parse(R"([{"type":"Container","min":{"cpu":"100m"},
                                          "max":{"cpu":"1"}}])")}}}};
  std::vector<std::string> v = PodViolations(r, Pod(R"([{"name":"web"}])"));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "minimum cpu usage per Container is 100m.  No request is specified");
  EXPECT_EQ(v[1], "maximum cpu usage per Container is 1.  No limit is specified");
}

TEST(LimitRangeRulesTest, RatioAndPodSum) {
  Json r = {{"spec", {{"limits", Json::parse(R"([
      {"type":"Container","maxLimitRequestRatio":{"cpu":"2"}},
      {"type":"Pod","max":{"memory":"1Gi"}}])")}}}};
  Json pod = Pod(R"([
      {"name":"a","resources":{"requests":{"cpu":"100m","memory":"600Mi"},"limits":{"cpu":"400m","memory":"600Mi"}}},
      {"name":"b","resources":{"requests":{"cpu":"100m","memory":"600Mi"},"limits":{"cpu":"200m","memory":"600Mi"}}}])");
  std::vector<std::string> v = PodViolations(r, pod);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0],
            "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000");
  EXPECT_EQ(v[1], "maximum memory usage per Pod is 1Gi, but limit is 1200Mi");
}

TEST(LimitRangeRulesTest, ClaimStorageMinAndMax) {
  Json r = {{"spec", {{"limits", Json::parse(R"([{"type":"PersistentVolumeClaim",
                                                  "min":{"storage":"1Gi"},"max":{"storage":"5Gi"}}])")}}}};
  Json small = {{"spec", {{"resources", {{"requests", {{"storage", "500Mi"}}}}}}}};
  Json big = {{"spec", {{"resources", {{"requests", {{"storage", "10Gi"}}}}}}}};
  Json ok = {{"spec", {{"resources", {{"requests", {{"storage", "2Gi"}}}}}}}};
  EXPECT_EQ(PvcViolations(r, small),
            std::vector<std::string>{
                "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"});
  EXPECT_EQ(PvcViolations(r, big),
            std::vector<std::string>{
                "maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi"});
  EXPECT_TRUE(PvcViolations(r, ok).empty());
}

TEST(AggregateMessagesTest, OneIsBareSeveralAreBracketedDuplicatesDropped) {
  EXPECT_EQ(AggregateMessages({}), "");
  EXPECT_EQ(AggregateMessages({"a"}), "a");
  EXPECT_EQ(AggregateMessages({"a", "b", "a"}), "[a, b]");
}

}  // namespace
}  // namespace sampan::apiserver::admission
