#include "pkg/api/custom_resource.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sampan::api {
namespace {

Json Crd(bool established) {
  Json crd = Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
      "group": "example.com", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                "listKind": "WidgetList", "shortNames": ["wd"], "categories": ["all"]},
      "versions": [
        {"name": "v1beta1", "served": true, "storage": false,
         "schema": {"openAPIV3Schema": {"type": "object"}}},
        {"name": "v1", "served": true, "storage": true,
         "schema": {"openAPIV3Schema": {"type": "object"}},
         "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                  "statusReplicasPath": ".status.replicas"}},
         "additionalPrinterColumns": [{"name": "Replicas", "type": "integer",
                                       "jsonPath": ".spec.replicas"}]},
        {"name": "v2alpha1", "served": false, "storage": false}
      ]
    }
  })");
  if (established) {
    crd["status"] = {{"conditions", Json::array({{{"type", "Established"}, {"status", "True"}}})}};
  }
  return crd;
}

TEST(CustomResourceTest, ServesEstablishedVersionsPreferredFirst) {
  EXPECT_TRUE(ResourcesOfCrd(Crd(false)).empty());
  std::vector<ResourceInfo> rs = ResourcesOfCrd(Crd(true));
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].version, "v1");
  EXPECT_EQ(rs[1].version, "v1beta1");
  EXPECT_EQ(rs[0].resource, "widgets");
  EXPECT_EQ(rs[0].ListKind(), "WidgetList");
  EXPECT_EQ(rs[0].short_names, std::vector<std::string>{"wd"});
  EXPECT_EQ(rs[0].subresources, (std::vector<std::string>{"status", "scale"}));
  EXPECT_TRUE(rs[1].subresources.empty());
  ASSERT_TRUE(rs[0].custom);
  EXPECT_EQ(rs[0].custom->storage_version, "v1");
  EXPECT_EQ(rs[0].custom->spec_replicas_path, ".spec.replicas");
  ASSERT_EQ(rs[0].custom->columns.size(), 1u);
  EXPECT_EQ(rs[0].custom->columns[0].json_path, ".spec.replicas");
}

TEST(CustomResourceTest, VersionPriority) {
  std::vector<std::string> v = {"v1alpha1",  "foo",      "v2",  "v1beta2",  "v1",
                                "v11alpha2", "v10beta3", "bar", "v12alpha1"};
  std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
    return CompareVersionPriority(a, b) < 0;
  });
  EXPECT_EQ(v, (std::vector<std::string>{"v2", "v1", "v10beta3", "v1beta2", "v12alpha1",
                                         "v11alpha2", "v1alpha1", "bar", "foo"}));
}

TEST(CustomResourceTest, FindsSimpleJsonPaths) {
  Json o = Json::parse(R"({"spec":{"replicas":3,"list":[{"n":"a"},{"n":"b"}]}})");
  ASSERT_NE(FindJsonPath(o, ".spec.replicas"), nullptr);
  EXPECT_EQ(*FindJsonPath(o, ".spec.replicas"), 3);
  EXPECT_EQ(*FindJsonPath(o, ".spec.list[1].n"), "b");
  EXPECT_EQ(*FindJsonPath(o, "{.spec.list[0].n}"), "a");
  EXPECT_EQ(FindJsonPath(o, ".spec.missing"), nullptr);
  EXPECT_EQ(FindJsonPath(o, ".spec.list[5].n"), nullptr);
  EXPECT_EQ(FindJsonPath(o, "spec"), nullptr);
}

}  // namespace
}  // namespace sampan::api
