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

std::string TypeError(const char* api_version, const char* kind, const char* json) {
  Json obj = Json::parse(json);
  return CheckFields(obj, *Schema::BuiltIn().ForKind(api_version, kind), false).type_error;
}

TEST(FieldCheckTest, WrongJsonTypesAreWordedAsGosDecoder) {
  EXPECT_EQ(TypeError("v1", "ConfigMap", R"({"data":{"a":1}})"),
            "json: cannot unmarshal number into Go struct field ConfigMap.data of type string");
  EXPECT_EQ(TypeError("apps/v1", "Deployment", R"({"spec":{"replicas":"3"}})"),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of "
            "type int32");
  EXPECT_EQ(TypeError("apps/v1", "Deployment", R"({"spec":{"replicas":1.5}})"),
            "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas "
            "of type int32");
  EXPECT_EQ(TypeError("v1", "Pod", R"({"spec":{"containers":{"name":"c"}}})"),
            "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type "
            "[]v1.Container");
  EXPECT_EQ(TypeError("v1", "Pod", R"({"spec":{"containers":[{"name":"c","ports":[
                 {"containerPort":3000000000}]}]}})"),
            "json: cannot unmarshal number 3000000000 into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32");
  EXPECT_EQ(TypeError("v1", "Pod", R"({"spec":{"containers":["c"]}})"),
            "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type "
            "v1.Container");
  EXPECT_EQ(TypeError("v1", "Pod", R"({"metadata":{"labels":"a=b"}})"),
            "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of "
            "type map[string]string");
}

TEST(FieldCheckTest, BytesMustBeBase64AsGoDecodesIt) {
  EXPECT_EQ(TypeError("v1", "Secret", R"({"data":{"k":"not base64"}})"),
            "illegal base64 data at input byte 3");
  EXPECT_EQ(TypeError("v1", "ConfigMap", R"({"binaryData":{"k":"YWJjZ"}})"),
            "illegal base64 data at input byte 4");
  // Go's decoder skips line breaks (a value wrapped by `base64` or by YAML).
  EXPECT_EQ(TypeError("v1", "Secret", R"({"data":{"k":"YWJj\nZGVm\n"}})"), "");
}

TEST(FieldCheckTest, EveryDeclaredFormPasses) {
  // null everywhere, numbers and strings for quantities and int-or-strings, any raw JSON.
  EXPECT_EQ(TypeError("apps/v1", "Deployment", R"({"metadata":{"labels":null,"name":null},
    "spec":{"replicas":null,"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":"25%"}},
      "template":{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":1,
        "memory":"1Gi"}},"ports":[{"containerPort":80}]}],"terminationGracePeriodSeconds":30}}}})"),
            "");
  EXPECT_EQ(TypeError("apps/v1", "ControllerRevision", R"({"data":{"any":[1,"x"]},"revision":2})"),
            "");
  EXPECT_EQ(TypeError("v1", "Secret", R"({"data":{"k":"dmFsdWU="},"stringData":{"s":"v"}})"), "");
}

}  // namespace
}  // namespace sampan::api
