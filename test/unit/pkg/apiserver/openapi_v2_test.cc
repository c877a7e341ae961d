#include "pkg/apiserver/openapi_v2.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "pkg/api/custom_resource.h"
#include "pkg/api/json.h"
#include "pkg/apiserver/openapi_v2_proto.h"

namespace sampan::apiserver {
namespace {

using api::Json;

class OpenApiV2Test : public ::testing::Test {
 protected:
  Json Doc() { return Json::parse(openapi_.Get(OpenApiV2::Format::kJson)->bytes); }

  api::ServedRegistry served_;
  OpenApiV2 openapi_{served_, api::Schema::BuiltIn()};
};

TEST_F(OpenApiV2Test, DefinitionsUseUpstreamNamesAndExtensions) {
  Json doc = Doc();
  EXPECT_EQ(doc["swagger"], "2.0");
  const Json& defs = doc["definitions"];
  const Json& pod = defs["io.k8s.api.core.v1.Pod"];
  EXPECT_EQ(pod["x-kubernetes-group-version-kind"][0],
            Json::parse(R"({"group":"","kind":"Pod","version":"v1"})"));
  EXPECT_FALSE(pod["description"].get<std::string>().empty());
  // v2 keeps the description beside $ref.
  EXPECT_EQ(pod["properties"]["spec"]["$ref"], "#/definitions/io.k8s.api.core.v1.PodSpec");
  EXPECT_FALSE(pod["properties"]["spec"]["description"].get<std::string>().empty());
  EXPECT_EQ(pod["properties"]["metadata"]["$ref"],
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  const Json& containers = defs["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
  EXPECT_EQ(containers["x-kubernetes-patch-merge-key"], "name");
  EXPECT_EQ(containers["x-kubernetes-patch-strategy"], "merge");
  EXPECT_EQ(containers["x-kubernetes-list-type"], "map");
  EXPECT_EQ(containers["x-kubernetes-list-map-keys"], Json::array({"name"}));
  EXPECT_EQ(defs["io.k8s.api.core.v1.PodSpec"]["required"], Json::array({"containers"}));
  EXPECT_EQ(defs["io.k8s.api.apps.v1.DeploymentSpec"]["required"],
            Json::array({"selector", "template"}));
  // Special types as upstream's v2 document writes them.
  EXPECT_EQ(defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"],
            Json::parse(R"({"type":"string","format":"int-or-string"})"));
  EXPECT_EQ(defs["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"], "string");
  EXPECT_EQ(defs["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]["format"], "date-time");
  // Both autoscaling versions of HorizontalPodAutoscaler are there, each with its gvk.
  EXPECT_EQ(defs["io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"]
                ["x-kubernetes-group-version-kind"][0]["version"],
            "v2");
  // Every reference resolves.
  std::string text = doc.dump();
  for (size_t at = text.find("#/definitions/"); at != std::string::npos;
       at = text.find("#/definitions/", at + 1)) {
    size_t start = at + 14;
    std::string name = text.substr(start, text.find('"', start) - start);
    EXPECT_TRUE(defs.contains(name)) << name;
  }
}

TEST_F(OpenApiV2Test, PathsCarryOperationsWithKindsAndQueryParameters) {
  Json doc = Doc();
  const Json& item = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  const Json& patch = item["patch"];
  EXPECT_EQ(patch["operationId"], "patchAppsV1NamespacedDeployment");
  EXPECT_EQ(patch["x-kubernetes-action"], "patch");
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
  std::vector<std::string> names;
  for (const Json& p : patch["parameters"]) names.push_back(p["name"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "fieldValidation"), names.end());
  EXPECT_EQ(patch["parameters"][0]["in"], "body");
  EXPECT_EQ(item["parameters"][1]["name"], "name");
  EXPECT_EQ(item["parameters"][1]["in"], "path");
  EXPECT_EQ(doc["paths"]["/api/v1/namespaces/{namespace}/pods"]["get"]["operationId"],
            "listCoreV1NamespacedPod");
  EXPECT_EQ(
      doc["paths"]["/api/v1/nodes/{name}/status"]["put"]["x-kubernetes-group-version-kind"]["kind"],
      "Node");
}

TEST_F(OpenApiV2Test, CustomResourcesAppearAfterTheirCrdAndLoseV3OnlyKeywords) {
  Json crd = Json::parse(R"({
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "kind": "Widget"},
             "versions": [{"name": "v1", "served": true, "storage": true,
                           "schema": {"openAPIV3Schema": {"type": "object",
                             "description": "A widget.", "properties": {
                             "spec": {"type": "object", "description": "The wanted state.",
                                      "properties": {"size": {"x-kubernetes-int-or-string": true,
                                                              "anyOf": [{"type": "integer"},
                                                                        {"type": "string"}]},
                                                     "note": {"type": "string",
                                                              "nullable": true}}}}}}}]},
    "status": {"conditions": [{"type": "Established", "status": "True"}]}})");
  std::string etag = openapi_.Get(OpenApiV2::Format::kJson)->etag;
  std::string pb_etag = openapi_.Get(OpenApiV2::Format::kProtobuf)->etag;
  EXPECT_FALSE(Doc()["definitions"].contains("com.example.v1.Widget"));
  served_.SetCustomResources(api::ResourcesOfCrd(crd));
  EXPECT_NE(openapi_.Get(OpenApiV2::Format::kJson)->etag, etag);
  EXPECT_NE(openapi_.Get(OpenApiV2::Format::kProtobuf)->etag, pb_etag);
  Json doc = Doc();
  const Json& widget = doc["definitions"]["com.example.v1.Widget"];
  EXPECT_EQ(widget["description"], "A widget.");
  EXPECT_EQ(widget["x-kubernetes-group-version-kind"][0]["kind"], "Widget");
  const Json& spec = widget["properties"]["spec"];
  EXPECT_EQ(spec["description"], "The wanted state.");
  EXPECT_FALSE(spec["properties"]["size"].contains("anyOf"));
  EXPECT_FALSE(spec["properties"]["note"].contains("nullable"));
  // Custom resources take merge patches, not strategic ones.
  const Json& consumes = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]
                            ["patch"]["consumes"];
  for (const Json& c : consumes) EXPECT_NE(c, "application/strategic-merge-patch+json");
}

TEST(OpenApiV2NegotiateTest, PicksTheFirstOfferedType) {
  using F = OpenApiV2::Format;
  EXPECT_EQ(OpenApiV2::Negotiate(""), F::kJson);
  EXPECT_EQ(OpenApiV2::Negotiate("application/json"), F::kJson);
  EXPECT_EQ(OpenApiV2::Negotiate("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"),
            F::kProtobuf);
  EXPECT_EQ(OpenApiV2::Negotiate(
                "application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json"),
            F::kProtobuf);
  EXPECT_EQ(OpenApiV2::Negotiate("text/html, */*;q=0.8"), F::kJson);
  EXPECT_EQ(OpenApiV2::Negotiate("application/yaml"), F::kNotAcceptable);
}

// A minimal protobuf reader: the fields of one message, by number (length-delimited values
// as bytes, varints as their value).
struct Fields {
  std::multimap<int, std::string> bytes;
  std::multimap<int, uint64_t> varints;
};

Fields Read(std::string_view m) {
  Fields out;
  size_t i = 0;
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0; i < m.size(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(m[i++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  while (i < m.size()) {
    uint64_t tag = varint();
    int field = static_cast<int>(tag >> 3);
    switch (tag & 7) {
      case 0: out.varints.emplace(field, varint()); break;
      case 1: i += 8; break;
      case 2: {
        uint64_t n = varint();
        out.bytes.emplace(field, std::string(m.substr(i, n)));
        i += n;
        break;
      }
      default: ADD_FAILURE() << "unexpected wire type"; return out;
    }
  }
  return out;
}

std::string One(const Fields& f, int field) {
  auto it = f.bytes.find(field);
  return it == f.bytes.end() ? "" : it->second;
}

TEST(OpenApiV2ProtoTest, EncodesGnosticDocumentFields) {
  Json doc = Json::parse(R"({
    "swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.33.0"},
    "paths": {"/api/v1/pods/{name}": {
      "parameters": [{"name": "name", "in": "path", "required": true, "type": "string"}],
      "patch": {"operationId": "patchPod", "consumes": ["application/merge-patch+json"],
                "parameters": [{"name": "body", "in": "body", "required": true,
                                "schema": {"$ref": "#/definitions/P"}},
                               {"name": "fieldValidation", "in": "query", "type": "string"}],
                "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/P"}}},
                "x-kubernetes-group-version-kind": {"group": "", "kind": "Pod", "version": "v1"}}}},
    "definitions": {"P": {"description": "A pod.", "type": "object", "required": ["spec"],
      "properties": {"spec": {"$ref": "#/definitions/S", "description": "Its spec."},
                     "ports": {"type": "array", "items": {"type": "integer"},
                               "x-kubernetes-patch-merge-key": "port"},
                     "labels": {"type": "object",
                                "additionalProperties": {"type": "string"}}}}}})");
  Fields top = Read(EncodeOpenApiV2Protobuf(doc));
  EXPECT_EQ(One(top, 1), "2.0");
  EXPECT_EQ(One(Read(One(top, 2)), 1), "Kubernetes");

  // definitions (9) -> NamedSchema (1) {name 1, Schema 2}
  Fields named = Read(One(Read(One(top, 9)), 1));
  EXPECT_EQ(One(named, 1), "P");
  Fields pod = Read(One(named, 2));
  EXPECT_EQ(One(pod, 4), "A pod.");
  EXPECT_EQ(One(Read(One(pod, 22)), 1), "object");  // TypeItem
  EXPECT_EQ(One(pod, 19), "spec");                  // required
  std::map<std::string, Fields> props;
  for (auto [n, bytes] : Read(One(pod, 25)).bytes) {  // Properties -> NamedSchema
    Fields p = Read(bytes);
    props[One(p, 1)] = Read(One(p, 2));
  }
  ASSERT_EQ(props.size(), 3u);
  EXPECT_EQ(One(props["spec"], 1), "#/definitions/S");
  EXPECT_EQ(One(props["spec"], 4), "Its spec.");
  Fields items = Read(One(Read(One(props["ports"], 23)), 1));  // ItemsItem -> Schema
  EXPECT_EQ(One(Read(One(items, 22)), 1), "integer");
  Fields extension = Read(One(props["ports"], 31));  // NamedAny {name, Any {yaml = 2}}
  EXPECT_EQ(One(extension, 1), "x-kubernetes-patch-merge-key");
  EXPECT_EQ(One(Read(One(extension, 2)), 2), "\"port\"");
  Fields additional = Read(One(props["labels"], 21));  // AdditionalPropertiesItem {schema 1}
  EXPECT_EQ(One(Read(One(Read(One(additional, 1)), 22)), 1), "string");

  // paths (8) -> NamedPathItem (2) {name, PathItem}
  Fields path = Read(One(Read(One(top, 8)), 2));
  EXPECT_EQ(One(path, 1), "/api/v1/pods/{name}");
  Fields item = Read(One(path, 2));
  Fields path_param = Read(One(Read(One(Read(One(item, 9)), 1)), 2));  // -> NonBodyParameter
  Fields path_sub = Read(One(path_param, 4));                          // PathParameterSubSchema
  EXPECT_EQ(One(path_sub, 4), "name");
  EXPECT_EQ(path_sub.varints.find(1)->second, 1u);  // required
  Fields op = Read(One(item, 8));                   // patch
  EXPECT_EQ(One(op, 5), "patchPod");
  std::vector<Fields> params;
  for (auto [n, bytes] : op.bytes) {
    if (n == 8) params.push_back(Read(One(Read(bytes), 1)));  // ParametersItem -> Parameter
  }
  ASSERT_EQ(params.size(), 2u);
  Fields body = Read(One(params[0], 1));  // BodyParameter
  EXPECT_EQ(One(body, 2), "body");
  EXPECT_EQ(One(Read(One(body, 5)), 1), "#/definitions/P");
  Fields query = Read(One(Read(One(params[1], 2)), 3));  // QueryParameterSubSchema
  EXPECT_EQ(One(query, 4), "fieldValidation");
  EXPECT_EQ(One(query, 6), "string");
  Fields gvk = Read(One(op, 13));
  EXPECT_EQ(One(gvk, 1), "x-kubernetes-group-version-kind");
  EXPECT_EQ(Json::parse(One(Read(One(gvk, 2)), 2))["kind"], "Pod");
  Fields response = Read(One(Read(One(op, 9)), 1));  // Responses -> NamedResponseValue
  EXPECT_EQ(One(response, 1), "200");
}

}  // namespace
}  // namespace sampan::apiserver
