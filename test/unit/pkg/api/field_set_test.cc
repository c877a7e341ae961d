#include "pkg/api/field_set.h"

#include <gtest/gtest.h>

namespace sampan::api {
namespace {

FieldSet Parse(const char* text) {
  Result<FieldSet> s = FieldSet::FromJson(Json::parse(text));
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : FieldSet();
}

FieldPath P(std::initializer_list<PathElement> elements) { return FieldPath(elements); }

// managedFields of a Deployment created with `kubectl create deployment` on kube-apiserver
// 1.33 (the order is upstream's).
const char* kCreated =
    R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},)"
    R"("f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{)"
    R"("f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},)"
    R"("f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{)"
    R"("k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},)"
    R"("f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},)"
    R"("f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},)"
    R"("f:terminationGracePeriodSeconds":{}}}}})";

TEST(FieldSetTest, RoundTripKeepsUpstreamBytes) {
  FieldSet s = Parse(kCreated);
  EXPECT_EQ(Dump(s.ToJson()), kCreated);
  EXPECT_TRUE(s.Has(P({PathElement::Field("spec"), PathElement::Field("replicas")})));
  EXPECT_FALSE(s.Has(P({PathElement::Field("spec")})));
  EXPECT_TRUE(s.Has(P({PathElement::Field("metadata"), PathElement::Field("labels")})));
}

TEST(FieldSetTest, SerializesInUpstreamOrder) {
  FieldSet s;
  s.Insert(P({PathElement::Field("spec"), PathElement::Field("ports"),
              PathElement::Key(Json{{"protocol", "TCP"}, {"port", 443}})}));
  s.Insert(P({PathElement::Field("spec"), PathElement::Field("ports"),
              PathElement::Key(Json{{"protocol", "TCP"}, {"port", 80}})}));
  s.Insert(P(
      {PathElement::Field("metadata"), PathElement::Field("finalizers"), PathElement::Value("b")}));
  s.Insert(P(
      {PathElement::Field("metadata"), PathElement::Field("finalizers"), PathElement::Value("a")}));
  s.Insert(P({PathElement::Field("metadata"), PathElement::Field("finalizers")}));
  s.Insert(P({PathElement::Field("a"), PathElement::Index(10)}));
  s.Insert(P({PathElement::Field("a"), PathElement::Index(9)}));
  EXPECT_EQ(Dump(s.ToJson()),
            R"({"f:a":{"i:9":{},"i:10":{}},"f:metadata":{"f:finalizers":{".":{},"v:\"a\"":{},)"
            R"("v:\"b\"":{}}},"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{},)"
            R"("k:{\"port\":443,\"protocol\":\"TCP\"}":{}}}})");
}

TEST(FieldSetTest, PathStringsAsInConflictMessages) {
  FieldPath p = {PathElement::Field("spec"),
                 PathElement::Field("template"),
                 PathElement::Field("spec"),
                 PathElement::Field("containers"),
                 PathElement::Key(Json{{"name", "nginx"}}),
                 PathElement::Field("image")};
  EXPECT_EQ(FieldPathString(p), R"(.spec.template.spec.containers[name="nginx"].image)");
  EXPECT_EQ(FieldPathString({PathElement::Field("x"), PathElement::Value("v")}), R"(.x[="v"])");
  EXPECT_EQ(FieldPathString({PathElement::Field("x"), PathElement::Index(3)}), ".x[3]");
  EXPECT_EQ(FieldPathString({PathElement::Field("p"),
                             PathElement::Key(Json{{"protocol", "TCP"}, {"containerPort", 80}})}),
            R"(.p[containerPort=80,protocol="TCP"])");
}

TEST(FieldSetTest, SetOperations) {
  FieldSet a = Parse(
      R"({"f:spec":{"f:replicas":{},"f:paused":{}},"f:metadata":{"f:labels":{".":{},"f:x":{}}}})");
  FieldSet b =
      Parse(R"({"f:spec":{"f:replicas":{}},"f:metadata":{"f:labels":{"f:x":{},"f:y":{}}}})");
  EXPECT_EQ(Dump(a.Intersection(b).ToJson()),
            R"({"f:metadata":{"f:labels":{"f:x":{}}},"f:spec":{"f:replicas":{}}})");
  EXPECT_EQ(Dump(a.Difference(b).ToJson()),
            R"({"f:metadata":{"f:labels":{}},"f:spec":{"f:paused":{}}})");
  EXPECT_EQ(Dump(a.Union(b).ToJson()),
            R"({"f:metadata":{"f:labels":{".":{},"f:x":{},"f:y":{}}},"f:spec":{"f:paused":{},)"
            R"("f:replicas":{}}})");
  EXPECT_TRUE(a.Difference(a).empty());
  FieldSet in_place = a;
  EXPECT_TRUE(in_place.Subtract(b));
  EXPECT_EQ(in_place, a.Difference(b));
  EXPECT_FALSE(in_place.Subtract(b));
  in_place = a;
  in_place.UnionWith(b);
  EXPECT_EQ(in_place, a.Union(b));
  EXPECT_EQ(a.Union(b), b.Union(a));
  EXPECT_EQ(a.MemberCount(), 4u);
  std::vector<std::string> members;
  a.ForEachMember([&](const FieldPath& p) { members.push_back(FieldPathString(p)); });
  EXPECT_EQ(members, (std::vector<std::string>{".metadata.labels", ".metadata.labels.x",
                                               ".spec.paused", ".spec.replicas"}));
}

TEST(FieldSetTest, RejectsMalformedFields) {
  EXPECT_FALSE(FieldSet::FromJson(Json::parse(R"({"x:y":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromJson(Json::parse(R"({"k:notjson":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromJson(Json::parse(R"({"f:a":1})")).ok());
}

TEST(FieldSetTest, JsonEqualIgnoresKeyOrder) {
  EXPECT_TRUE(JsonEqual(Json::parse(R"({"a":1,"b":[1,{"c":2,"d":3}]})"),
                        Json::parse(R"({"b":[1,{"d":3,"c":2}],"a":1.0})")));
  EXPECT_FALSE(JsonEqual(Json::parse(R"({"a":1})"), Json::parse(R"({"a":"1"})")));
}

}  // namespace
}  // namespace sampan::api
