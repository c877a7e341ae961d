#include "pkg/apiserver/admission/default_toleration_seconds.h"

#include <gtest/gtest.h>

namespace sampan::apiserver {
namespace {

using api::Json;

const api::ResourceInfo& Pods() { return *api::Registry::Builtin().Find("", "v1", "pods"); }

TEST(DefaultTolerationsTest, AddsBothWithTheConfiguredSeconds) {
  Json pod = {{"spec", {{"containers", Json::array()}}}};
  AddDefaultTolerations(
      {.default_not_ready_toleration_seconds = 7, .default_unreachable_toleration_seconds = 9},
      Pods(), pod);
  EXPECT_EQ(pod["spec"]["tolerations"], Json::parse(R"([
    {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute",
     "tolerationSeconds":7},
    {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute",
     "tolerationSeconds":9}])"));
}

TEST(DefaultTolerationsTest, KeepsWhatThePodAlreadyTolerates) {
  Json own = {{"key", "node.kubernetes.io/unreachable"},
              {"operator", "Exists"},
              {"effect", "NoExecute"},
              {"tolerationSeconds", 6000}};
  Json pod = {{"spec", {{"tolerations", {own}}}}};
  AddDefaultTolerations({}, Pods(), pod);
  ASSERT_EQ(pod["spec"]["tolerations"].size(), 2u);
  EXPECT_EQ(pod["spec"]["tolerations"][0], own);
  EXPECT_EQ(pod["spec"]["tolerations"][1]["key"], "node.kubernetes.io/not-ready");
  EXPECT_EQ(pod["spec"]["tolerations"][1]["tolerationSeconds"], 300);

  // An empty key with an empty effect tolerates everything: nothing to add.
  Json all = {{"spec", {{"tolerations", {{{"operator", "Exists"}}}}}}};
  AddDefaultTolerations({}, Pods(), all);
  EXPECT_EQ(all["spec"]["tolerations"].size(), 1u);
  // A NoSchedule toleration of the key does not count.
  Json no_schedule = {{"spec",
                       {{"tolerations",
                         {{{"key", "node.kubernetes.io/not-ready"},
                           {"operator", "Exists"},
                           {"effect", "NoSchedule"}}}}}}};
  AddDefaultTolerations({}, Pods(), no_schedule);
  EXPECT_EQ(no_schedule["spec"]["tolerations"].size(), 3u);
}

TEST(DefaultTolerationsTest, OtherResourcesAreLeftAlone) {
  Json rs = {{"spec", {{"replicas", 1}}}};
  AddDefaultTolerations({}, *api::Registry::Builtin().Find("apps", "v1", "replicasets"), rs);
  EXPECT_FALSE(rs["spec"].contains("tolerations"));
}

}  // namespace
}  // namespace sampan::apiserver
