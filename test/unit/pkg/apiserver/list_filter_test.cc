#include "pkg/apiserver/list_filter.h"

#include <gtest/gtest.h>

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

TEST(ListFilterTest, PodIpsIsAcceptedButNeverSet) {
  // Upstream's conversion accepts status.podIPs; the pod's field set has no value for it.
  Result<ListFilter> f = Filter(Resource("", "pods"), "status.podIPs=10.42.0.5");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Matches(api::Json::parse(R"({"status":{"podIPs":[{"ip":"10.42.0.5"}]}})")));
}

}  // namespace
}  // namespace sampan::apiserver
