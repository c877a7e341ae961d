#include "pkg/apiserver/request_info.h"

#include <gtest/gtest.h>

#include "pkg/apiserver/negotiation.h"

namespace sampan::apiserver {
namespace {

RequestInfo Parse(const char* method, const char* target) {
  std::string t(target);
  size_t q = t.find('?');
  Query query(q == std::string::npos ? "" : t.substr(q + 1));
  return ParseRequestInfo(method, t.substr(0, q), query);
}

TEST(RequestInfoTest, NamespacedResources) {
  RequestInfo i = Parse("GET", "/api/v1/namespaces/default/pods/web-0");
  EXPECT_TRUE(i.is_resource_request);
  EXPECT_EQ(i.group, "");
  EXPECT_EQ(i.version, "v1");
  EXPECT_EQ(i.namespace_, "default");
  EXPECT_EQ(i.resource, "pods");
  EXPECT_EQ(i.name, "web-0");
  EXPECT_EQ(i.verb, "get");

  i = Parse("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale");
  EXPECT_EQ(i.group, "apps");
  EXPECT_EQ(i.subresource, "scale");
  EXPECT_EQ(i.verb, "patch");
}

TEST(RequestInfoTest, VerbsFromMethodAndQuery) {
  EXPECT_EQ(Parse("GET", "/api/v1/pods").verb, "list");
  EXPECT_EQ(Parse("GET", "/api/v1/pods?watch=true").verb, "watch");
  EXPECT_EQ(Parse("GET", "/api/v1/pods?watch=1").verb, "watch");
  EXPECT_EQ(Parse("GET", "/api/v1/pods?watch=True").verb, "watch");
  EXPECT_EQ(Parse("GET", "/api/v1/pods?watch=false").verb, "list");
  EXPECT_EQ(Parse("POST", "/api/v1/namespaces/a/pods").verb, "create");
  EXPECT_EQ(Parse("PUT", "/api/v1/namespaces/a/pods/p").verb, "update");
  EXPECT_EQ(Parse("DELETE", "/api/v1/namespaces/a/pods/p").verb, "delete");
  EXPECT_EQ(Parse("DELETE", "/api/v1/namespaces/a/pods").verb, "deletecollection");
}

TEST(RequestInfoTest, NamespaceObjectsAndTheirSubresources) {
  RequestInfo i = Parse("GET", "/api/v1/namespaces/kube-system");
  EXPECT_EQ(i.resource, "namespaces");
  EXPECT_EQ(i.name, "kube-system");
  i = Parse("PUT", "/api/v1/namespaces/kube-system/finalize");
  EXPECT_EQ(i.resource, "namespaces");
  EXPECT_EQ(i.name, "kube-system");
  EXPECT_EQ(i.subresource, "finalize");
  i = Parse("GET", "/api/v1/namespaces");
  EXPECT_EQ(i.resource, "namespaces");
  EXPECT_EQ(i.verb, "list");
}

TEST(RequestInfoTest, NonResourcePaths) {
  EXPECT_FALSE(Parse("GET", "/api").is_resource_request);
  EXPECT_FALSE(Parse("GET", "/api/v1").is_resource_request);
  EXPECT_FALSE(Parse("GET", "/apis/apps/v1").is_resource_request);
  EXPECT_FALSE(Parse("GET", "/version").is_resource_request);
  EXPECT_FALSE(Parse("GET", "/healthz").is_resource_request);
}

TEST(QueryTest, DecodesPercentAndPlus) {
  Query q("labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Dx&x=a+b&flag");
  EXPECT_EQ(q.GetOr("labelSelector", ""), "app in (a,b)");
  EXPECT_EQ(q.GetOr("fieldSelector", ""), "metadata.name=x");
  EXPECT_EQ(q.GetOr("x", ""), "a b");
  EXPECT_TRUE(q.Has("flag"));
  EXPECT_FALSE(q.Has("nope"));
}

TEST(QueryTest, RepeatedParametersKeepTheFirstValueAndListAll) {
  Query q("limit=5&exclude=etcd&limit=7&exclude=log&exclude=etcd");
  EXPECT_EQ(q.GetOr("limit", ""), "5");  // as upstream's option decoding takes the first
  EXPECT_EQ(q.GetAll("exclude"), (std::vector<std::string>{"etcd", "log", "etcd"}));
  EXPECT_EQ(q.GetAll("nope"), std::vector<std::string>{});
}

TEST(NegotiationTest, KubectlTableRequest) {
  EXPECT_EQ(Negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
                      "v=v1beta1;g=meta.k8s.io,application/json",
                      false),
            Negotiated::kTable);
  EXPECT_EQ(Negotiate("application/json", false), Negotiated::kJson);
  EXPECT_EQ(Negotiate("", false), Negotiated::kJson);
  // Typed clients offer protobuf first, then JSON: JSON it is.
  EXPECT_EQ(Negotiate("application/vnd.kubernetes.protobuf, application/json", false),
            Negotiated::kJson);
  EXPECT_EQ(Negotiate("application/vnd.kubernetes.protobuf", false), Negotiated::kUnsupported);
  EXPECT_EQ(Negotiate("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", false),
            Negotiated::kPartialMetadata);
}

TEST(RequestInfoTest, SingleObjectReadsAreGetsOfAnObjectItsStatusOrScale) {
  auto quick = [](std::string_view method, std::string_view path, std::string_view query = "") {
    Query q(query);
    return IsSingleObjectRead(ParseRequestInfo(method, path, q), q);
  };
  EXPECT_TRUE(quick("GET", "/api/v1/namespaces/default/configmaps/cm"));
  EXPECT_TRUE(quick("GET", "/api/v1/nodes/n1"));
  EXPECT_TRUE(quick("GET", "/apis/apps/v1/namespaces/ns/deployments/d/status"));
  EXPECT_TRUE(quick("GET", "/apis/apps/v1/namespaces/ns/deployments/d/scale"));
  EXPECT_FALSE(quick("GET", "/api/v1/namespaces/default/configmaps"));
  EXPECT_FALSE(quick("GET", "/api/v1/pods"));
  EXPECT_FALSE(quick("GET", "/api/v1/namespaces/default/configmaps", "watch=1"));
  EXPECT_FALSE(quick("GET", "/api/v1/namespaces/default/configmaps/cm", "watch=true"));
  EXPECT_FALSE(quick("GET", "/api/v1/namespaces/default/pods/p/log"));
  EXPECT_FALSE(quick("GET", "/api/v1/namespaces/default/pods/p/exec"));
  EXPECT_FALSE(quick("GET", "/api/v1/nodes/n1/proxy/stats/summary"));
  EXPECT_FALSE(quick("PUT", "/api/v1/namespaces/default/configmaps/cm"));
  EXPECT_FALSE(quick("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p"));
  EXPECT_FALSE(quick("GET", "/version"));
  EXPECT_FALSE(quick("GET", "/openapi/v2"));
}

TEST(NegotiationTest, AggregatedDiscovery) {
  const char* kubectl133 =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/"
      "json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  EXPECT_EQ(Negotiate(kubectl133, true), Negotiated::kDiscoveryV2);
  EXPECT_EQ(Negotiate("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
                      true),
            Negotiated::kDiscoveryV2Beta1);
  EXPECT_EQ(Negotiate("application/json", true), Negotiated::kJson);
}

TEST(QueryTest, IntegersParseAsGoAndRefuseAsGo) {
  Query q("limit=500&neg=-3&plus=%2B7&empty=&bad=x&mixed=5s&signs=%2B-1&huge=99999999999999999999");
  EXPECT_EQ(q.Int("limit").value(), std::optional<int64_t>(500));
  EXPECT_EQ(q.Int("neg").value(), std::optional<int64_t>(-3));
  EXPECT_EQ(q.Int("plus").value(), std::optional<int64_t>(7));
  EXPECT_EQ(q.Int("empty").value(), std::nullopt);
  EXPECT_EQ(q.Int("absent").value(), std::nullopt);
  for (const char* key : {"bad", "mixed", "signs"}) {
    Result<std::optional<int64_t>> r = q.Int(key);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().code(), Code::kBadRequest);
  }
  EXPECT_EQ(q.Int("bad").status().message(), "strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(q.Int("huge").status().message(),
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
}

}  // namespace
}  // namespace sampan::apiserver
