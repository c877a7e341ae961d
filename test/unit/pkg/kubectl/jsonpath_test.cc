#include "pkg/kubectl/jsonpath.h"

#include <gtest/gtest.h>

namespace sampan::kubectl {
namespace {

using api::Json;

const Json kList = Json::parse(R"({"kind":"List","items":[
  {"metadata":{"name":"a","labels":{"app.kubernetes.io/name":"web"}},"status":{"podIP":"10.0.0.1"}},
  {"metadata":{"name":"b"},"status":{"podIP":"10.0.0.2"}}]})");

TEST(JsonPathTest, FieldsIndexesAndWildcards) {
  EXPECT_EQ(*EvalJsonPath("{.items[0].metadata.name}", kList), "a");
  EXPECT_EQ(*EvalJsonPath("{.items[-1].metadata.name}", kList), "b");
  EXPECT_EQ(*EvalJsonPath("{.items[*].status.podIP}", kList), "10.0.0.1 10.0.0.2");
  EXPECT_EQ(*EvalJsonPath("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", kList), "web");
  EXPECT_EQ(*EvalJsonPath("{.items[0].metadata.labels['app.kubernetes.io/name']}", kList), "web");
  EXPECT_EQ(*EvalJsonPath("{.items[0].status}", kList), R"({"podIP":"10.0.0.1"})");
  EXPECT_EQ(*EvalJsonPath("{.missing}", kList), "");
}

TEST(JsonPathTest, RangeAndLiterals) {
  EXPECT_EQ(*EvalJsonPath("{range .items[*]}{.metadata.name}={.status.podIP}{\"\\n\"}{end}", kList),
            "a=10.0.0.1\nb=10.0.0.2\n");
  EXPECT_EQ(*EvalJsonPath("names: {.items[*].metadata.name}!", kList), "names: a b!");
  EXPECT_EQ(*EvalJsonPath("{range .nothing[*]}x{end}done", kList), "done");
}

TEST(JsonPathTest, BadTemplatesAreErrors) {
  EXPECT_FALSE(EvalJsonPath("{.items[0]", kList).ok());
  EXPECT_FALSE(EvalJsonPath("{range .items[*]}{.a}", kList).ok());
  EXPECT_FALSE(EvalJsonPath("{end}", kList).ok());
  EXPECT_FALSE(EvalJsonPath("{.items[x]}", kList).ok());
}

}  // namespace
}  // namespace sampan::kubectl
