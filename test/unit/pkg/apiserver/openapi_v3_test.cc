#include "pkg/apiserver/openapi_v3.h"

#include <gtest/gtest.h>

#include "pkg/api/custom_resource.h"
#include "pkg/api/json.h"

namespace sampan::apiserver {
namespace {

using api::Json;

class OpenApiV3Test : public ::testing::Test {
 protected:
  api::ServedRegistry served_;
  OpenApiV3 openapi_{served_, api::Schema::BuiltIn()};
};

TEST_F(OpenApiV3Test, IndexNamesEveryGroupVersion) {
  Json index = Json::parse(openapi_.Index());
  ASSERT_TRUE(index["paths"].contains("api/v1"));
  ASSERT_TRUE(index["paths"].contains("apis/apps/v1"));
  std::string url = index["paths"]["apis/apps/v1"]["serverRelativeURL"];
  EXPECT_TRUE(url.starts_with("/openapi/v3/apis/apps/v1?hash=")) << url;
  EXPECT_FALSE(openapi_.Document("apis/nope/v1").has_value());
  EXPECT_FALSE(openapi_.Document("apis/apps").has_value());
}

TEST_F(OpenApiV3Test, PatchOperationsAdvertiseFieldValidationForTheirKind) {
  Json doc = Json::parse(*openapi_.Document("apis/apps/v1"));
  const Json& patch =
      doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            Json::parse(R"({"group":"apps","kind":"Deployment","version":"v1"})"));
  bool field_validation = false;
  for (const Json& p : patch["parameters"]) field_validation |= p["name"] == "fieldValidation";
  EXPECT_TRUE(field_validation);
  const Json& scale = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  EXPECT_EQ(scale["put"]["x-kubernetes-group-version-kind"]["kind"], "Scale");
}

TEST_F(OpenApiV3Test, SchemasCarryKindsPatchMetadataAndReferences) {
  Json doc = Json::parse(*openapi_.Document("api/v1"));
  const Json& schemas = doc["components"]["schemas"];
  const Json& pod = schemas["io.k8s.api.core.v1.Pod"];
  EXPECT_EQ(pod["x-kubernetes-group-version-kind"][0]["kind"], "Pod");
  // A described reference is wrapped in allOf (OpenAPI 3.0 ignores siblings of $ref).
  EXPECT_EQ(pod["properties"]["spec"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.PodSpec");
  EXPECT_FALSE(pod["properties"]["spec"]["description"].get<std::string>().empty());
  EXPECT_FALSE(pod["description"].get<std::string>().empty());
  EXPECT_FALSE(pod["properties"]["kind"]["description"].get<std::string>().empty());
  const Json& container = schemas["io.k8s.api.core.v1.Container"];
  EXPECT_EQ(container["required"], Json::array({"name"}));
  EXPECT_FALSE(container["properties"]["resources"]["description"].get<std::string>().empty());
  const Json& containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
  EXPECT_EQ(containers["type"], "array");
  EXPECT_EQ(containers["x-kubernetes-patch-merge-key"], "name");
  EXPECT_EQ(containers["x-kubernetes-patch-strategy"], "merge");
  // Inlined structs (Volume's VolumeSource) appear as the parent's own properties.
  EXPECT_TRUE(schemas["io.k8s.api.core.v1.Volume"]["properties"].contains("configMap"));
  // Every reference resolves.
  std::string text = doc.dump();
  for (size_t at = text.find("#/components/schemas/"); at != std::string::npos;
       at = text.find("#/components/schemas/", at + 1)) {
    size_t start = at + 21;
    std::string name = text.substr(start, text.find('"', start) - start);
    EXPECT_TRUE(schemas.contains(name)) << name;
  }
}

TEST_F(OpenApiV3Test, CustomResourcesAreDescribedByTheirCrdSchema) {
  Json crd = Json::parse(R"({
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "kind": "Widget"},
             "versions": [{"name": "v1", "served": true, "storage": true,
                           "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                             "spec": {"type": "object", "description": "The wanted state."}}}}}]},
    "status": {"conditions": [{"type": "Established", "status": "True"}]}})");
  std::string before = openapi_.Index();
  served_.SetCustomResources(api::ResourcesOfCrd(crd));
  Json index = Json::parse(openapi_.Index());
  ASSERT_TRUE(index["paths"].contains("apis/example.com/v1"));
  Json doc = Json::parse(*openapi_.Document("apis/example.com/v1"));
  const Json& widget = doc["components"]["schemas"]["com.example.v1.Widget"];
  EXPECT_EQ(widget["properties"]["spec"]["description"], "The wanted state.");
  EXPECT_EQ(widget["x-kubernetes-group-version-kind"][0]["kind"], "Widget");
  EXPECT_TRUE(doc["components"]["schemas"].contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  const Json& item = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"];
  ASSERT_TRUE(item.is_object());
  // No strategic merge for custom resources: kubectl sends them merge patches.
  const Json& content = item["patch"]["requestBody"]["content"];
  EXPECT_TRUE(content.contains("application/merge-patch+json"));
  EXPECT_FALSE(content.contains("application/strategic-merge-patch+json"));
  served_.SetCustomResources({});
  EXPECT_FALSE(openapi_.Document("apis/example.com/v1").has_value());
  EXPECT_EQ(openapi_.Index(), before);
}

}  // namespace
}  // namespace sampan::apiserver
