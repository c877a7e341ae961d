#include "pkg/api/schema_docs.h"

#include <gtest/gtest.h>

#include "pkg/api/registry.h"

namespace sampan::api {
namespace {

constexpr std::string_view kSchema =
    "package core/v1\n"
    "type Pod kind\n"
    "  metadata 1 meta/v1.ObjectMeta omit\n"
    "  spec 2 PodSpec omit\n"
    "type PodSpec\n"
    "  nodeName 1 string omit\n"
    "  hostNetwork 2 bool omit\n"
    "package meta/v1\n"
    "type ObjectMeta\n"
    "  name 1 string omit\n";

TEST(SchemaDocsTest, ParsesTypesFieldsAndKindDefaults) {
  auto schema = Schema::Parse(kSchema);
  ASSERT_TRUE(schema.ok());
  std::string text =
      "# a comment\n"
      "*.metadata Standard metadata.\n"
      "package core/v1\n"
      "\n"
      "Pod A group of containers.\n"
      "PodSpec.nodeName   The node it runs on.  \n"
      "PodSpec.hostNetwork First line.\\nSecond line.\n";
  auto docs = SchemaDocs::Parse(text, schema->get());
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  const SchemaType* pod = (*schema)->Find("core/v1", "Pod");
  const SchemaType* spec = (*schema)->Find("core/v1", "PodSpec");
  const SchemaType* meta = (*schema)->Find("meta/v1", "ObjectMeta");
  EXPECT_EQ((*docs)->Type(*pod), "A group of containers.");
  EXPECT_EQ((*docs)->Type(*spec), "");  // undocumented: empty, never a placeholder
  EXPECT_EQ((*docs)->Field(*spec, "nodeName"), "The node it runs on.");
  EXPECT_EQ(SchemaDocs::Expand((*docs)->Field(*spec, "hostNetwork")), "First line.\nSecond line.");
  // The "*" default applies to kinds only.
  EXPECT_EQ((*docs)->Field(*pod, "metadata"), "Standard metadata.");
  EXPECT_EQ((*docs)->Field(*meta, "metadata"), "");
  EXPECT_EQ((*docs)->Field(*pod, "spec"), "");
  EXPECT_EQ((*docs)->KindField("metadata"), "Standard metadata.");
}

TEST(SchemaDocsTest, RejectsTyposDuplicatesAndEmptyText) {
  auto schema = Schema::Parse(kSchema);
  ASSERT_TRUE(schema.ok());
  for (const char* bad :
       {"package core/v1\nPods A typo.\n", "package core/v1\nPodSpec.nodename Wrong case.\n",
        "package core/v1\nPod One.\nPod Two.\n", "package core/v1\nPod\n",
        "Pod Outside a package.\n", "* Needs a field.\n",
        // A field of an inlined struct is documented on that struct.
        "package core/v1\nPod.name Not declared here.\n"}) {
    EXPECT_FALSE(SchemaDocs::Parse(bad, schema->get()).ok()) << bad;
  }
  // Without a schema only the syntax is checked.
  EXPECT_TRUE(SchemaDocs::Parse("package core/v1\nPods Anything.\n").ok());
}

TEST(SchemaDocsTest, BuiltInMatchesTheSchemaAndCoversTheCommonTypes) {
  auto parsed = SchemaDocs::Parse(BuiltInDescriptionText(), &Schema::BuiltIn());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const SchemaDocs& docs = SchemaDocs::BuiltIn();
  const Schema& schema = Schema::BuiltIn();
  // Every field (inlined structs excepted) of the types users explain most is described.
  struct Covered {
    const char* package;
    const char* name;
  };
  for (Covered c : std::initializer_list<Covered>{
           {"core/v1", "Pod"},
           {"core/v1", "PodSpec"},
           {"core/v1", "Container"},
           {"core/v1", "ResourceRequirements"},
           {"core/v1", "Probe"},
           {"core/v1", "ProbeHandler"},
           {"core/v1", "HTTPGetAction"},
           {"core/v1", "ContainerPort"},
           {"core/v1", "EnvVar"},
           {"core/v1", "EnvVarSource"},
           {"core/v1", "VolumeMount"},
           {"core/v1", "Volume"},
           {"core/v1", "EmptyDirVolumeSource"},
           {"core/v1", "HostPathVolumeSource"},
           {"core/v1", "NFSVolumeSource"},
           {"core/v1", "ConfigMapVolumeSource"},
           {"core/v1", "SecretVolumeSource"},
           {"core/v1", "ProjectedVolumeSource"},
           {"core/v1", "DownwardAPIVolumeSource"},
           {"core/v1", "PersistentVolumeClaimVolumeSource"},
           {"core/v1", "SecurityContext"},
           {"core/v1", "PodStatus"},
           {"core/v1", "ContainerStatus"},
           {"core/v1", "Service"},
           {"core/v1", "ServiceSpec"},
           {"core/v1", "ServicePort"},
           {"core/v1", "ConfigMap"},
           {"core/v1", "Secret"},
           {"core/v1", "PersistentVolumeClaimSpec"},
           {"core/v1", "Namespace"},
           {"core/v1", "NodeSpec"},
           {"core/v1", "NodeStatus"},
           {"core/v1", "Toleration"},
           {"core/v1", "Affinity"},
           {"apps/v1", "Deployment"},
           {"apps/v1", "DeploymentSpec"},
           {"apps/v1", "DeploymentStrategy"},
           {"apps/v1", "RollingUpdateDeployment"},
           {"apps/v1", "DeploymentStatus"},
           {"apps/v1", "ReplicaSetSpec"},
           {"apps/v1", "StatefulSetSpec"},
           {"apps/v1", "DaemonSetSpec"},
           {"batch/v1", "JobSpec"},
           {"batch/v1", "CronJobSpec"},
           {"autoscaling/v2", "HorizontalPodAutoscalerSpec"},
           {"meta/v1", "ObjectMeta"},
           {"meta/v1", "LabelSelector"},
       }) {
    const SchemaType* type = schema.Find(c.package, c.name);
    ASSERT_NE(type, nullptr) << c.name;
    EXPECT_FALSE(docs.Type(*type).empty()) << c.name;
    for (const SchemaField& f : type->fields) {
      if (f.inlined()) continue;
      EXPECT_FALSE(docs.Field(*type, f.json_name).empty()) << c.name << "." << f.json_name;
    }
  }
  // Every served built-in kind has a description, and so do its top-level fields.
  for (const ResourceInfo& r : Registry::Builtin().resources()) {
    if (r.group == "metrics.k8s.io") continue;  // read-only usage reports, no schema
    const SchemaType* type = schema.ForKind(r.GroupVersion(), r.kind);
    if (type == nullptr) continue;
    EXPECT_FALSE(docs.Type(*type).empty()) << r.GroupVersion() << " " << r.kind;
    for (const SchemaField& f : type->fields) {
      EXPECT_FALSE(docs.Field(*type, f.json_name).empty())
          << r.GroupVersion() << " " << r.kind << "." << f.json_name;
    }
    for (const char* common : {"apiVersion", "kind"}) {
      EXPECT_FALSE(docs.Field(*type, common).empty());
    }
  }
}

}  // namespace
}  // namespace sampan::api
