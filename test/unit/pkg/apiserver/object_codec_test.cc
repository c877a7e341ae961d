#include "pkg/apiserver/object_codec.h"

#include <gtest/gtest.h>

#include "pkg/api/patch.h"
#include "pkg/apiserver/service_allocator.h"

namespace sampan::apiserver {
namespace {

using api::Json;

TEST(ObjectCodecTest, StoredFormHasNoResourceVersionAndSplicesItBack) {
  Json pod = Json::parse(R"({"spec":{"x":1},"metadata":{"name":"p","resourceVersion":"9"},
                             "kind":"Pod","apiVersion":"v1"})");
  std::string stored = EncodeForStorage(pod);
  EXPECT_EQ(stored.find("resourceVersion"), std::string::npos);
  EXPECT_TRUE(stored.starts_with("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"));
  EXPECT_TRUE(StoredAs(stored, "v1"));
  EXPECT_FALSE(StoredAs(stored, "apps/v1"));
  Json back = Json::parse(WithResourceVersion(stored, 42));
  EXPECT_EQ(back["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(back["metadata"]["name"], "p");
  EXPECT_EQ(back["spec"]["x"], 1);
  // An empty metadata object still splices into valid JSON.
  Json bare = Json::parse(WithResourceVersion(EncodeForStorage(Json::object()), 7));
  EXPECT_EQ(bare["metadata"]["resourceVersion"], "7");
}

TEST(ObjectCodecTest, KeysAndLists) {
  const api::Registry& reg = api::Registry::Builtin();
  const api::ResourceInfo* pods = reg.Find("", "v1", "pods");
  const api::ResourceInfo* nodes = reg.Find("", "v1", "nodes");
  EXPECT_EQ(StorageKey(*pods, "ns", "p"), "/registry/core/pods/ns/p");
  EXPECT_EQ(StoragePrefix(*pods, "ns"), "/registry/core/pods/ns/");
  EXPECT_EQ(StoragePrefix(*pods, ""), "/registry/core/pods/");
  EXPECT_EQ(StorageKey(*nodes, "", "n1"), "/registry/core/nodes/n1");
  Json list = Json::parse(ListBody(*pods).Finish(5, ""));
  EXPECT_EQ(list["kind"], "PodList");
  EXPECT_TRUE(list["items"].is_array());  // [] never null: the Python client needs it
  EXPECT_EQ(list["metadata"]["resourceVersion"], "5");
  ListBody body(*pods);
  body.AddSerialized("{\"a\":1}");
  body.AddStored(EncodeForStorage(Json::parse(R"({"metadata":{"name":"b"}})")), 9);
  EXPECT_EQ(body.count(), 2u);
  list = Json::parse(std::move(body).Finish(5, "tok", 3));
  EXPECT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][1]["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(list["metadata"]["continue"], "tok");
  EXPECT_EQ(list["metadata"]["remainingItemCount"], 3);
}

TEST(PatchTest, MergePatch) {
  Json target = Json::parse(R"({"a":1,"b":{"c":2,"d":3},"l":[1,2]})");
  Json out = api::MergePatch(target, Json::parse(R"({"b":{"c":null,"e":4},"l":[9],"n":"x"})"));
  EXPECT_EQ(out, Json::parse(R"({"a":1,"b":{"d":3,"e":4},"l":[9],"n":"x"})"));
}

TEST(PatchTest, JsonPatchOperationsAndTest) {
  Json doc = Json::parse(R"({"spec":{"replicas":1,"list":["a","b"]}})");
  auto out = api::JsonPatch(doc, Json::parse(R"([
      {"op":"test","path":"/spec/replicas","value":1},
      {"op":"replace","path":"/spec/replicas","value":3},
      {"op":"add","path":"/spec/list/-","value":"c"},
      {"op":"remove","path":"/spec/list/0"},
      {"op":"copy","from":"/spec/replicas","path":"/spec/copy"}])"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["spec"]["replicas"], 3);
  EXPECT_EQ((*out)["spec"]["list"], Json::parse(R"(["b","c"])"));
  EXPECT_EQ((*out)["spec"]["copy"], 3);
  auto failed = api::JsonPatch(doc, Json::parse(R"([{"op":"test","path":"/spec/replicas","value":2}])"));
  EXPECT_EQ(failed.status().code(), Code::kInvalid);
  auto missing = api::JsonPatch(doc, Json::parse(R"([{"op":"remove","path":"/nope/x"}])"));
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(api::JsonPatch(doc, Json::parse(R"([{"op":"jump"}])")).status().code(),
            Code::kBadRequest);
}

TEST(ServiceAllocatorTest, AllocatesChecksAndReleases) {
  auto alloc = ServiceAllocator::Create("10.43.0.0/16", "30000-30002");
  ASSERT_TRUE(alloc.ok());
  ServiceAllocator& a = **alloc;
  EXPECT_EQ(a.NthIp(1), "10.43.0.1");
  Json svc = Json::parse(R"({"spec":{"type":"NodePort","ports":[{"port":80}]}})");
  ASSERT_TRUE(a.AllocateForCreate(svc).empty());
  std::string ip = svc["spec"]["clusterIP"];
  EXPECT_TRUE(ip.starts_with("10.43."));
  int port = svc["spec"]["ports"][0]["nodePort"];
  EXPECT_GE(port, 30000);
  EXPECT_LE(port, 30002);

  // The same IP or node port again: taken.
  Json dup = Json::parse(R"({"spec":{"type":"NodePort","ports":[{"port":80}]}})");
  dup["spec"]["clusterIP"] = ip;
  auto causes = a.AllocateForCreate(dup);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_NE(causes[0].message.find("provided IP is already allocated"), std::string::npos);
  Json outside = Json::parse(R"({"spec":{"type":"ClusterIP","clusterIP":"10.44.0.1","ports":[{"port":80}]}})");
  causes = a.AllocateForCreate(outside);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_NE(causes[0].message.find("not in the valid range"), std::string::npos);
  Json bad_port = Json::parse(R"({"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":31000}]}})");
  causes = a.AllocateForCreate(bad_port);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "spec.ports[0].nodePort");

  // The range has three ports; after releasing, the first is free again.
  a.Release(svc);
  Json again = Json::parse(R"({"spec":{"type":"NodePort","ports":[{"port":80}]}})");
  again["spec"]["clusterIP"] = ip;
  EXPECT_TRUE(a.AllocateForCreate(again).empty());

  Json headless = Json::parse(R"({"spec":{"clusterIP":"None","ports":[{"port":80}]}})");
  EXPECT_TRUE(a.AllocateForCreate(headless).empty());
  EXPECT_EQ(headless["spec"]["clusterIPs"][0], "None");
}

}  // namespace
}  // namespace sampan::apiserver
