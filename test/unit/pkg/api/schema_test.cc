#include "pkg/api/schema.h"

#include <gtest/gtest.h>

namespace sampan::api {
namespace {

TEST(SchemaTest, BuiltInParsesAndKnowsTheServedKinds) {
  const Schema& schema = Schema::BuiltIn();
  EXPECT_GT(schema.size(), 300u);
  for (auto [version, kind] : {std::pair{"v1", "Pod"},
                               {"apps/v1", "Deployment"},
                               {"batch/v1", "CronJob"},
                               {"rbac.authorization.k8s.io/v1", "Role"},
                               {"networking.k8s.io/v1", "Ingress"},
                               {"policy/v1", "Eviction"},
                               {"autoscaling/v2", "HorizontalPodAutoscaler"}}) {
    EXPECT_NE(schema.ForKind(version, kind), nullptr) << version << " " << kind;
  }
  EXPECT_EQ(schema.ForKind("v1", "PodSpec"), nullptr);  // a struct, not a kind
  EXPECT_EQ(schema.ForKind("v1", "Nothing"), nullptr);
}

TEST(SchemaTest, FieldsCarryNumbersPointersAndPatchMetadata) {
  const SchemaType* container = Schema::BuiltIn().Find("core/v1", "Container");
  ASSERT_NE(container, nullptr);
  const SchemaField* env = container->FieldByJsonName("env");
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->number, 7);
  EXPECT_TRUE(env->repeated);
  EXPECT_EQ(env->kind, ValueKind::kMessage);
  EXPECT_EQ(env->message->name, "EnvVar");
  EXPECT_EQ(env->patch_strategy, "merge");
  EXPECT_EQ(env->patch_merge_key, "name");
  EXPECT_EQ(env->list_type, "map");

  const SchemaType* spec = Schema::BuiltIn().Find("apps/v1", "DeploymentSpec");
  const SchemaField* replicas = spec->FieldByJsonName("replicas");
  EXPECT_TRUE(replicas->pointer);
  EXPECT_EQ(replicas->kind, ValueKind::kInt32);
  const SchemaField* template_field = spec->FieldByJsonName("template");
  EXPECT_EQ(template_field->message->package, "core/v1");
}

TEST(SchemaTest, InlinedStructsAreSearchedByJsonName) {
  const SchemaType* volume = Schema::BuiltIn().Find("core/v1", "Volume");
  const SchemaField* config_map = volume->FieldByJsonName("configMap");
  ASSERT_NE(config_map, nullptr);
  EXPECT_EQ(config_map->message->name, "ConfigMapVolumeSource");
  EXPECT_EQ(volume->FieldByJsonName("nope"), nullptr);
}

TEST(SchemaTest, ParseRejectsBrokenText) {
  EXPECT_FALSE(Schema::Parse("type X\n").ok());  // outside a package
  EXPECT_FALSE(Schema::Parse("package a/v1\ntype X\n  f 1 Missing\n").ok());
  EXPECT_FALSE(Schema::Parse("package a/v1\ntype X\n  f 0 string\n").ok());
  EXPECT_FALSE(Schema::Parse("package a/v1\ntype X\n  f 1 string bogus\n").ok());
  EXPECT_FALSE(Schema::Parse("package a/v1\ntype X\ntype X\n").ok());
  auto ok = Schema::Parse("package a/v1\ntype X kind\n  type 1 string omit\n  y 2 Y ptr\ntype Y\n");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  const SchemaType* x = (*ok)->ForKind("a.example.com/v1", "X");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->fields.size(), 2u);  // a field named "type" is not a declaration
}

TEST(SchemaTest, PackageOfMapsGroupsToPackages) {
  EXPECT_EQ(PackageOf("v1"), "core/v1");
  EXPECT_EQ(PackageOf("apps/v1"), "apps/v1");
  EXPECT_EQ(PackageOf("rbac.authorization.k8s.io/v1"), "rbac/v1");
}

}  // namespace
}  // namespace sampan::api
