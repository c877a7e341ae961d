#include "pkg/api/unknown_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sampan::api {
namespace {

const SchemaType& Deployment() { return *Schema::BuiltIn().ForKind("apps/v1", "Deployment"); }

TEST(UnknownFieldsTest, KnownFieldsPass) {
  Json d = Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"a","labels":{"any-key":"v"}},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"a"}},
      "template":{"spec":{"containers":[{"name":"c","image":"i",
        "resources":{"limits":{"cpu":"1"}},"ports":[{"containerPort":80}]}],
        "volumes":[{"name":"v","configMap":{"name":"cm"}}]}}}})");
  EXPECT_TRUE(FindUnknownFields(d, Deployment(), false).empty());
}

TEST(UnknownFieldsTest, ReportsPathsAsUpstreamAndPrunes) {
  Json d = Json::parse(R"({"spec":{"foo":1,"template":{"spec":{"containers":[
      {"name":"a"},{"name":"b","bar":{"x":1}}],"volumes":[{"name":"v","emptyDir":{"zz":1}}]}}},
      "extra":true})");
  std::vector<std::string> unknown = FindUnknownFields(d, Deployment(), true);
  EXPECT_THAT(unknown, ::testing::UnorderedElementsAre(
                           "spec.foo", "spec.template.spec.containers[1].bar",
                           "spec.template.spec.volumes[0].emptyDir.zz", "extra"));
  EXPECT_FALSE(d.contains("extra"));
  EXPECT_FALSE(d["spec"].contains("foo"));
  EXPECT_FALSE(d["spec"]["template"]["spec"]["containers"][1].contains("bar"));
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][1]["name"], "b");
  EXPECT_TRUE(FindUnknownFields(d, Deployment(), false).empty());
}

TEST(UnknownFieldsTest, EmbeddedJsonIsNotChecked) {
  const SchemaType& revision = *Schema::BuiltIn().ForKind("apps/v1", "ControllerRevision");
  Json r = Json::parse(R"({"data":{"anything":{"goes":1}},"revision":1})");
  EXPECT_TRUE(FindUnknownFields(r, revision, false).empty());
}

}  // namespace
}  // namespace sampan::api
