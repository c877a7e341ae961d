#include "pkg/api/typed_fields.h"

#include <gtest/gtest.h>

namespace sampan::api {
namespace {

const SchemaType* Deployment() { return Schema::BuiltIn().ForKind("apps/v1", "Deployment"); }
const SchemaType* Service() { return Schema::BuiltIn().ForKind("v1", "Service"); }

// `kubectl apply --server-side` of this file gives upstream's fieldsV1 below.
const char* kApplied = R"({"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"web","labels":{"app":"web"}},
  "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
  "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
    {"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}]}]}}}})";

TEST(TypedFieldsTest, AppliedConfigurationFieldSet) {
  FieldSet s = ToFieldSet(Json::parse(kApplied), Deployment());
  EXPECT_EQ(
      Dump(s.ToJson()),
      R"({"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},"f:name":{}},)"
      R"("f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{)"
      R"("f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},)"
      R"("f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{)"
      R"(".":{},"f:containerPort":{}}}}}}}}})");
}

// A create compares the object with a zero Deployment: non-pointer structs exist there, so
// only maps, pointers and list items that appear are owned as nodes (`.`).
TEST(TypedFieldsTest, CreateComparedWithZeroObject) {
  Json obj = Json::parse(R"({"metadata":{"labels":{"app":"x"}},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}},
    "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
    "template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[
      {"name":"nginx","image":"nginx","resources":{}}],"securityContext":{}}}},"status":{}})");
  Json empty = Json::object();
  Comparison c = CompareObjects(&empty, &obj, Deployment());
  EXPECT_TRUE(c.modified.empty());
  EXPECT_TRUE(c.removed.empty());
  EXPECT_EQ(Dump(c.added.ToJson()),
            R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},)"
            R"("f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},)"
            R"("f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{)"
            R"(".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},)"
            R"("f:image":{},"f:name":{},"f:resources":{}}},"f:securityContext":{}}}}})");
}

TEST(TypedFieldsTest, CompareFindsModifiedAndRemoved) {
  Json a = Json::parse(R"({"spec":{"replicas":1,"template":{"spec":{"containers":[
      {"name":"a","image":"x"},{"name":"b","image":"y"}]}}}})");
  Json b = Json::parse(R"({"spec":{"replicas":3,"template":{"spec":{"containers":[
      {"name":"a","image":"x"}]}}}})");
  Comparison c = CompareObjects(&a, &b, Deployment(), {.skip_root_field = "status"});
  EXPECT_EQ(Dump(c.modified.ToJson()), R"({"f:spec":{"f:replicas":{}}})");
  EXPECT_EQ(Dump(c.removed.ToJson()),
            R"({"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"b\"}":{)"
            R"(".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}})");
  EXPECT_TRUE(c.added.empty());
  Comparison same = CompareObjects(&a, &a, Deployment());
  EXPECT_TRUE(same.same());
}

TEST(TypedFieldsTest, MergeKeepsLiveItemsAndAppliedValues) {
  Json live = Json::parse(R"({"spec":{"replicas":1,"paused":true,"template":{"spec":{"containers":[
      {"name":"a","image":"x","imagePullPolicy":"Always"},{"name":"side","image":"s"}]}}}})");
  Json cfg = Json::parse(R"({"spec":{"replicas":2,"template":{"spec":{"containers":[
      {"name":"new","image":"n"},{"name":"a","image":"z"}]}}}})");
  Json m = MergeApplied(live, cfg, Deployment());
  EXPECT_EQ(m["spec"]["replicas"], 2);
  EXPECT_EQ(m["spec"]["paused"], true);
  const Json& cs = m["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0]["name"], "new");
  EXPECT_EQ(cs[1]["name"], "a");
  EXPECT_EQ(cs[1]["image"], "z");
  EXPECT_EQ(cs[1]["imagePullPolicy"], "Always");
  EXPECT_EQ(cs[2]["name"], "side");
}

TEST(TypedFieldsTest, AtomicListsAndSelectorsAreReplaced) {
  Json live = Json::parse(R"({"spec":{"selector":{"app":"a","x":"y"},"ports":[{"port":80}]}})");
  Json cfg = Json::parse(R"({"spec":{"selector":{"app":"b"}}})");
  Json m = MergeApplied(live, cfg, Service());
  EXPECT_EQ(Dump(m["spec"]["selector"]), R"({"app":"b"})");
  FieldSet s = ToFieldSet(cfg, Service());
  EXPECT_EQ(Dump(s.ToJson()), R"({"f:spec":{"f:selector":{}}})");
}

TEST(TypedFieldsTest, PruneRemovesWhatNobodyOwnsAnyMore) {
  Json obj = Json::parse(R"({"metadata":{"labels":{"app":"x","old":"y","theirs":"z"}},
    "spec":{"replicas":2,"paused":true}})");
  FieldSet previous = ToFieldSet(
      Json::parse(
          R"({"metadata":{"labels":{"app":"x","old":"y"}},"spec":{"replicas":2,"paused":true}})"),
      Deployment());
  FieldSet now = ToFieldSet(
      Json::parse(R"({"metadata":{"labels":{"app":"x"}},"spec":{"replicas":2}})"), Deployment());
  FieldSet other;
  other.Insert({PathElement::Field("spec"), PathElement::Field("paused")});
  PruneFields(obj, previous, now.Union(other), Deployment());
  EXPECT_EQ(
      Dump(obj),
      R"({"metadata":{"labels":{"app":"x","theirs":"z"}},"spec":{"replicas":2,"paused":true}})");
  // Without the other owner, paused goes; a list item nobody applies goes as a whole.
  Json d = Json::parse(
      R"({"spec":{"paused":true,"template":{"spec":{"containers":[{"name":"a"},{"name":"b","image":"i"}]}}}})");
  FieldSet prev2 = ToFieldSet(d, Deployment());
  Json cfg2 = Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}})");
  PruneFields(d, prev2, ToFieldSet(cfg2, Deployment()), Deployment());
  EXPECT_EQ(Dump(d), R"({"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}})");
}

}  // namespace
}  // namespace sampan::api
