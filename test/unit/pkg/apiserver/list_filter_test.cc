#include "pkg/apiserver/list_filter.h"

#include <gtest/gtest.h>

#include "pkg/api/custom_resource.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {
namespace {

const api::ResourceInfo& Resource(const char* group, const char* resource) {
  return *api::Registry::Builtin().Find(group, "v1", resource);
}

Result<ListFilter> Filter(const api::ResourceInfo& r, const std::string& field_selector) {
  return ListFilter::FromQuery(r, Query("fieldSelector=" + field_selector));
}

TEST(ListFilterTest, UnsupportedFieldsAreRefusedInEachKindsWords) {
  // Kinds with their own field label conversion (core kinds, Jobs) and those without.
  EXPECT_EQ(Filter(Resource("", "pods"), "spec.foo=1").status().message(),
            "field label not supported: spec.foo");
  EXPECT_EQ(Filter(Resource("batch", "jobs"), "spec.foo=1").status().message(),
            "field label \"spec.foo\" not supported for batchv1.Job");
  EXPECT_EQ(Filter(Resource("apps", "deployments"), "spec.replicas=1").status().message(),
            "\"spec.replicas\" is not a known field selector: only \"metadata.name\", "
            "\"metadata.namespace\"");
  EXPECT_EQ(Filter(Resource("", "configmaps"), "data.k=v").status().code(), Code::kBadRequest);
}

TEST(ListFilterTest, ServicesSelectByClusterIpAndType) {
  Result<ListFilter> f =
      Filter(Resource("", "services"), "spec.type=NodePort,spec.clusterIP!=None");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(
      f->Matches(api::Json::parse(R"({"spec":{"type":"NodePort","clusterIP":"10.43.0.9"}})")));
  EXPECT_FALSE(f->Matches(api::Json::parse(R"({"spec":{"type":"NodePort","clusterIP":"None"}})")));
  EXPECT_FALSE(f->Matches(api::Json::parse(R"({"spec":{"type":"ClusterIP"}})")));
}

TEST(ListFilterTest, NodesAndNamespacesAreNotSelectedByNamespace) {
  EXPECT_EQ(Filter(Resource("", "nodes"), "metadata.namespace=x").status().message(),
            "field label not supported: metadata.namespace");
  EXPECT_TRUE(Filter(Resource("", "persistentvolumes"), "metadata.namespace=").ok());
}

TEST(ListFilterTest, CustomResourcesSelectByTheirCrdsSelectableFields) {
  api::Json crd = api::Json::parse(R"({"metadata":{"name":"gizmos.example.com"},
    "spec":{"group":"example.com","scope":"Cluster","names":{"plural":"gizmos","kind":"Gizmo"},
      "versions":[{"name":"v1","served":true,"storage":true,
        "selectableFields":[{"jsonPath":".spec.size"},{"jsonPath":".spec.ready"},
                            {"jsonPath":".status.count"}]}]},
    "status":{"conditions":[{"type":"Established","status":"True"}]}})");
  std::vector<api::ResourceInfo> served = api::ResourcesOfCrd(crd);
  ASSERT_EQ(served.size(), 1u);
  const api::ResourceInfo& gizmos = served[0];
  EXPECT_EQ(Filter(gizmos, "spec.color=red").status().message(),
            "field label not supported: spec.color");
  EXPECT_EQ(Filter(gizmos, "metadata.namespace=x").status().message(),  // cluster-scoped
            "field label not supported: metadata.namespace");

  Result<ListFilter> f = Filter(gizmos, "spec.size=3,spec.ready=true,status.count=");
  ASSERT_TRUE(f.ok()) << f.status().message();
  // Values as Go's fmt.Sprint prints them; an absent field is "" (no built-in defaults).
  EXPECT_TRUE(f->Matches(api::Json::parse(R"({"spec":{"size":3,"ready":true}})")));
  EXPECT_FALSE(f->Matches(api::Json::parse(R"({"spec":{"size":3,"ready":false}})")));
  EXPECT_FALSE(
      f->Matches(api::Json::parse(R"({"spec":{"size":3,"ready":true},"status":{"count":0}})")));
}

TEST(ListFilterTest, PodIpsIsAcceptedButNeverSet) {
  // Upstream's conversion accepts status.podIPs; the pod's field set has no value for it.
  Result<ListFilter> f = Filter(Resource("", "pods"), "status.podIPs=10.42.0.5");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Matches(api::Json::parse(R"({"status":{"podIPs":[{"ip":"10.42.0.5"}]}})")));
}

}  // namespace
}  // namespace sampan::apiserver
