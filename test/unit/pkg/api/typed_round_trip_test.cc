#include "pkg/api/typed_round_trip.h"

#include <gtest/gtest.h>

namespace sampan::api {
namespace {

const SchemaType& Kind(const char* api_version, const char* kind) {
  return *Schema::BuiltIn().ForKind(api_version, kind);
}

TEST(TypedRoundTripTest, EmptyOmitemptyFieldsAndNilPointersGo) {
  Json cm = Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
    "metadata":{"name":"a","namespace":"","labels":{},"annotations":{},"finalizers":[],
      "ownerReferences":[],"generation":0,"deletionTimestamp":null},
    "immutable":null,"data":{},"binaryData":{}})");
  RoundTripAsTyped(cm, Kind("v1", "ConfigMap"));
  EXPECT_EQ(cm, Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}})"));
}

TEST(TypedRoundTripTest, ZeroScalarsGoOnlyWhereTaggedOmitemptyAndNotPointers) {
  Json pod = Json::parse(R"({"metadata":{"name":"p"},"spec":{
    "hostNetwork":false,"terminationGracePeriodSeconds":0,"nodeName":"",
    "containers":[{"name":"c","image":"","env":[],"ports":[{"containerPort":0,"hostPort":0}],
      "stdin":false,"resources":{}}]},
    "status":{}})");
  RoundTripAsTyped(pod, Kind("v1", "Pod"));
  // hostNetwork, nodeName, image, env, hostPort, stdin: omitempty and empty. Kept: the
  // pointer terminationGracePeriodSeconds, containerPort (no omitempty), structs (resources,
  // status) however empty.
  EXPECT_EQ(pod, Json::parse(R"({"metadata":{"name":"p"},"spec":{
    "terminationGracePeriodSeconds":0,
    "containers":[{"name":"c","ports":[{"containerPort":0}],"resources":{}}]},
    "status":{}})"));
}

TEST(TypedRoundTripTest, PointersToZeroValuesAndOwnJsonFormsStay) {
  Json d = Json::parse(R"({"metadata":{"name":"d","creationTimestamp":null},"spec":{
    "replicas":0,"paused":false,"selector":{"matchLabels":{}},
    "strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":"0%"}},
    "template":{"metadata":{"creationTimestamp":null,"labels":{}},"spec":{"containers":[
      {"name":"c","resources":{"limits":{"cpu":"0"}}}]}}}})");
  RoundTripAsTyped(d, Kind("apps/v1", "Deployment"));
  EXPECT_EQ(d, Json::parse(R"({"metadata":{"name":"d","creationTimestamp":null},"spec":{
    "replicas":0,"selector":{},
    "strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":"0%"}},
    "template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[
      {"name":"c","resources":{"limits":{"cpu":"0"}}}]}}}})"));
}

TEST(TypedRoundTripTest, BytesAreWrittenInCanonicalBase64) {
  Json secret = Json::parse(R"({"metadata":{"name":"s"},"data":{
    "wrapped":"YWJj\nZGVm\r\n","loose_bits":"YR==","canonical":"YQ==","empty":"",
    "broken":"!!"},"stringData":{"plain":"YWJj\n"}})");
  RoundTripAsTyped(secret, Kind("v1", "Secret"));
  EXPECT_EQ(secret, Json::parse(R"({"metadata":{"name":"s"},"data":{
    "wrapped":"YWJjZGVm","loose_bits":"YQ==","canonical":"YQ==","empty":"",
    "broken":"!!"},"stringData":{"plain":"YWJj\n"}})"));
}

TEST(TypedRoundTripTest, WrongTypesAndUndeclaredFieldsAreLeftToValidation) {
  Json cm = Json::parse(R"({"metadata":{"name":0,"labels":[]},"data":"","extra":{}})");
  Json before = cm;
  RoundTripAsTyped(cm, Kind("v1", "ConfigMap"));
  EXPECT_EQ(cm, before);
}

}  // namespace
}  // namespace sampan::api
