#include "pkg/api/strategic_patch.h"

#include <gtest/gtest.h>

namespace sampan::api {
namespace {

const SchemaType& Deployment() { return *Schema::BuiltIn().ForKind("apps/v1", "Deployment"); }

Json Patch(const char* original, const char* patch) {
  Result<Json> r = StrategicMergePatch(Json::parse(original), Json::parse(patch), Deployment());
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Json();
}

const char* kDeploy = R"({"metadata":{"name":"d","labels":{"a":"1","b":"2"},"finalizers":["x","y"]},
  "spec":{"replicas":1,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}},
  "template":{"spec":{"containers":[
    {"name":"web","image":"nginx:1","command":["nginx"],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
     "ports":[{"containerPort":80,"protocol":"TCP"}]},
    {"name":"side","image":"busybox"}],
  "volumes":[{"name":"v","configMap":{"name":"cm"}}],
  "tolerations":[{"key":"k","operator":"Exists"}]}}}})";

TEST(StrategicPatchTest, ContainersMergeByName) {
  Json d = Patch(kDeploy, R"({"spec":{"template":{"spec":{"containers":[
      {"name":"web","image":"nginx:2"}]}}}})");
  const Json& containers = d["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["image"], "nginx:2");
  EXPECT_EQ(containers[0]["command"], Json::parse(R"(["nginx"])"));  // untouched fields stay
  EXPECT_EQ(containers[1]["name"], "side");
}

TEST(StrategicPatchTest, NewElementsAppendAndDeleteDirectiveRemoves) {
  Json d = Patch(kDeploy, R"({"spec":{"template":{"spec":{"containers":[
      {"name":"extra","image":"redis"},{"name":"side","$patch":"delete"}]}}}})");
  const Json& containers = d["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["name"], "web");
  EXPECT_EQ(containers[1], Json::parse(R"({"name":"extra","image":"redis"})"));
}

TEST(StrategicPatchTest, NestedListsAndMapsMerge) {
  Json d = Patch(kDeploy, R"({"metadata":{"labels":{"a":null,"c":"3"}},
      "spec":{"template":{"spec":{"containers":[{"name":"web",
        "env":[{"name":"B","value":"two"},{"name":"C","value":"3"}],
        "ports":[{"containerPort":443}]}]}}}})");
  EXPECT_EQ(d["metadata"]["labels"], Json::parse(R"({"b":"2","c":"3"})"));
  const Json& web = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(web["env"], Json::parse(
      R"([{"name":"A","value":"1"},{"name":"B","value":"two"},{"name":"C","value":"3"}])"));
  EXPECT_EQ(web["ports"].size(), 2u);
}

TEST(StrategicPatchTest, ListsWithoutStrategyAreReplaced) {
  Json d = Patch(kDeploy, R"({"spec":{"template":{"spec":{
      "containers":[{"name":"web","command":["sh"]}],
      "tolerations":[{"key":"other","operator":"Exists"}]}}}})");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["command"], Json::parse(R"(["sh"])"));
  EXPECT_EQ(d["spec"]["template"]["spec"]["tolerations"],
            Json::parse(R"([{"key":"other","operator":"Exists"}])"));
}

TEST(StrategicPatchTest, PrimitiveSetsUnionAndDeleteFromPrimitiveList) {
  Json d = Patch(kDeploy, R"({"metadata":{"finalizers":["y","z"],
      "$deleteFromPrimitiveList/finalizers":["x"]}})");
  EXPECT_EQ(d["metadata"]["finalizers"], Json::parse(R"(["y","z"])"));
}

TEST(StrategicPatchTest, RetainKeysDropsOtherKeys) {
  // What kubectl apply sends when a Deployment's strategy changes to Recreate.
  Json d = Patch(kDeploy, R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})");
  EXPECT_EQ(d["spec"]["strategy"], Json::parse(R"({"type":"Recreate"})"));
  // Volumes: switching a volume's source.
  d = Patch(kDeploy, R"({"spec":{"template":{"spec":{"volumes":[
      {"name":"v","$retainKeys":["emptyDir","name"],"emptyDir":{}}]}}}})");
  EXPECT_EQ(d["spec"]["template"]["spec"]["volumes"],
            Json::parse(R"([{"name":"v","emptyDir":{}}])"));
}

TEST(StrategicPatchTest, SetElementOrderReorders) {
  Json d = Patch(kDeploy, R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"side"},{"name":"web"}],
      "containers":[{"name":"web","image":"nginx:3"}]}}}})");
  const Json& containers = d["spec"]["template"]["spec"]["containers"];
  EXPECT_EQ(containers[0]["name"], "side");
  EXPECT_EQ(containers[1]["image"], "nginx:3");
}

TEST(StrategicPatchTest, ReplaceDirectives) {
  Json d = Patch(kDeploy, R"({"metadata":{"labels":{"$patch":"replace","only":"this"}}})");
  EXPECT_EQ(d["metadata"]["labels"], Json::parse(R"({"only":"this"})"));
  d = Patch(kDeploy, R"({"spec":{"template":{"spec":{"containers":[
      {"$patch":"replace"},{"name":"solo","image":"x"}]}}}})");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"],
            Json::parse(R"([{"name":"solo","image":"x"}])"));
  d = Patch(kDeploy, R"({"spec":{"strategy":{"$patch":"delete"}}})");
  EXPECT_FALSE(d["spec"].contains("strategy"));
}

TEST(StrategicPatchTest, BadPatchesAreErrors) {
  Json original = Json::parse(kDeploy);
  for (const char* bad : {
           R"({"spec":{"template":{"spec":{"containers":[{"image":"no-name"}]}}}})",
           R"({"spec":{"template":{"spec":{"containers":["not an object"]}}}})",
           R"({"metadata":{"$patch":"explode"}})",
           R"({"$patch":"delete"})",
           R"([1,2])",
       }) {
    Result<Json> r = StrategicMergePatch(original, Json::parse(bad), Deployment());
    EXPECT_EQ(r.status().code(), Code::kBadRequest) << bad;
  }
}

}  // namespace
}  // namespace sampan::api
