#include "pkg/api/structural_schema.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sampan::api {
namespace {

Json WidgetSchema() {
  return Json::parse(R"({
    "type": "object",
    "properties": {
      "spec": {
        "type": "object",
        "required": ["size"],
        "properties": {
          "size": {"type": "string", "enum": ["small", "large"]},
          "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
          "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
          "port": {"type": "integer", "format": "int32"},
          "ratio": {"type": "number", "nullable": true},
          "target": {"x-kubernetes-int-or-string": true},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "items": {"type": "array", "maxItems": 2,
                    "items": {"type": "object", "properties": {
                        "id": {"type": "integer", "default": 7}}}},
          "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
          "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                       "properties": {"spec": {"type": "object"}}},
          "mode": {"type": "string", "default": "auto"}
        }
      },
      "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
    }
  })");
}

Json Object(const char* spec) {
  Json o = {{"apiVersion", "example.com/v1"},
            {"kind", "Widget"},
            {"metadata", {{"name", "w"}, {"labels", {{"a", "b"}}}}}};
  o["spec"] = Json::parse(spec);
  return o;
}

std::vector<std::string> Messages(const Json& obj) {
  std::vector<std::string> out;
  for (const auto& v : ValidateAgainstSchema(obj, WidgetSchema())) {
    out.push_back(v.field + ": " + v.message);
  }
  return out;
}

TEST(StructuralSchemaTest, AcceptsAValidObject) {
  EXPECT_TRUE(Messages(Object(R"({"size":"small","replicas":3,"name":"abc","target":"50%",
                                  "labels":{"x":"y"},"ratio":null})"))
                  .empty());
  EXPECT_TRUE(Messages(Object(R"({"size":"large","target":5})")).empty());
}

TEST(StructuralSchemaTest, ReportsTypeErrorsAsUpstream) {
  auto m = Messages(Object(R"({"size":"small","replicas":"three"})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type "
            "integer: \"string\"");
  m = Messages(Object(R"({"size":"small","labels":{"x":3}})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "spec.labels.x: Invalid value: \"integer\": spec.labels.x in body must be of "
            "type string: \"integer\"");
  m = Messages(Object(R"({"size":"small","target":true})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("must be of type integer,string"), std::string::npos);
}

TEST(StructuralSchemaTest, ReportsRequiredEnumAndBounds) {
  auto m = Messages(Object(R"({"replicas":0})"));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], "spec.size: Required value");
  EXPECT_EQ(m[1],
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater "
            "than or equal to 1");
  m = Messages(Object(R"({"size":"medium","replicas":11})"));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0],
            "spec.size: Unsupported value: \"medium\": supported values: \"small\", "
            "\"large\"");
  EXPECT_EQ(m[1],
            "spec.replicas: Invalid value: 11: spec.replicas in body should be less than "
            "or equal to 10");
}

TEST(StructuralSchemaTest, ReportsStringAndArrayLimits) {
  auto m = Messages(Object(R"({"size":"small","name":"a"})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars "
            "long");
  m = Messages(Object(R"({"size":"small","name":"abcdef"})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "spec.name: Too long: may not be more than 5 bytes");
  m = Messages(Object(R"({"size":"small","name":"AB"})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "spec.name: Invalid value: \"AB\": spec.name in body should match '^[a-z]+$'");
  m = Messages(Object(R"({"size":"small","items":[{},{},{}]})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "spec.items: Too many: 3: must have at most 2 items");
  m = Messages(Object(R"({"size":"small","items":[{"id":"x"}]})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].substr(0, 20), "spec.items[0].id: In");
  m = Messages(Object(R"({"size":"small","port":3000000000})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("int32"), std::string::npos);
}

TEST(StructuralSchemaTest, NullIsAllowedOnlyWhenNullable) {
  EXPECT_TRUE(Messages(Object(R"({"size":"small","ratio":null})")).empty());
  auto m = Messages(Object(R"({"size":"small","name":null})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "spec.name: Invalid value: \"null\": spec.name in body must be of type string: "
            "\"null\"");
}

TEST(StructuralSchemaTest, AppliesDefaultsInsideOut) {
  Json obj = Object(R"({"size":"small","items":[{},{"id":3}],"mode":null})");
  ApplySchemaDefaults(obj, WidgetSchema());
  EXPECT_EQ(obj["spec"]["replicas"], 1);
  EXPECT_EQ(obj["spec"]["mode"], "auto");  // null and not nullable: defaulted
  EXPECT_EQ(obj["spec"]["items"][0]["id"], 7);
  EXPECT_EQ(obj["spec"]["items"][1]["id"], 3);
  EXPECT_FALSE(obj.contains("status"));  // no default for status itself
  Json explicit_value = Object(R"({"size":"small","replicas":4})");
  ApplySchemaDefaults(explicit_value, WidgetSchema());
  EXPECT_EQ(explicit_value["spec"]["replicas"], 4);
}

TEST(StructuralSchemaTest, PrunesUnknownFieldsButKeepsOpenOnes) {
  Json obj = Object(R"({"size":"small","bogus":1,"items":[{"id":1,"extra":true}],
                        "free":{"anything":{"goes":1}},"labels":{"k":"v"},
                        "template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                                    "spec":{},"junk":1}})");
  obj["extra"] = "top";
  std::vector<std::string> pruned = PruneUnknownFields(obj, WidgetSchema());
  std::sort(pruned.begin(), pruned.end());
  EXPECT_EQ(pruned, (std::vector<std::string>{"extra", "spec.bogus", "spec.items[0].extra",
                                              "spec.template.junk"}));
  EXPECT_FALSE(obj["spec"].contains("bogus"));
  EXPECT_EQ(obj["spec"]["free"]["anything"]["goes"], 1);
  EXPECT_EQ(obj["spec"]["labels"]["k"], "v");
  EXPECT_EQ(obj["spec"]["template"]["kind"], "Pod");
  EXPECT_EQ(obj["metadata"]["labels"]["a"], "b");
  EXPECT_EQ(obj["apiVersion"], "example.com/v1");
}

}  // namespace
}  // namespace sampan::api
