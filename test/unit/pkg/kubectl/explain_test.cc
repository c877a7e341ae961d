#include "pkg/kubectl/explain.h"

#include <gtest/gtest.h>

namespace sampan::kubectl {
namespace {

using api::Json;

TEST(WordWrapTest, BreaksAtSpacesKeepsLinesAndLongWords) {
  EXPECT_EQ(WordWrap("aaa bbb ccc", 7), "aaa bbb\nccc");
  EXPECT_EQ(WordWrap("aaa bbb ccc", 8), "aaa bbb\nccc");
  EXPECT_EQ(WordWrap("one\ntwo three", 8), "one\ntwo\nthree");
  EXPECT_EQ(WordWrap("short\n", 76), "short\n");
  EXPECT_EQ(WordWrap("averyveryverylongword x", 5), "averyveryverylongword\nx");
  EXPECT_EQ(WordWrap("", 10), "");
}

// A small document in the shape the server serves.
const Json& Document() {
  static const Json doc = Json::parse(R"({
    "paths": {
      "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}": {
        "get": {"x-kubernetes-group-version-kind":
                {"group": "example.com", "kind": "Widget", "version": "v1"}}}},
    "components": {"schemas": {
      "com.example.v1.Widget": {
        "description": "A widget.", "type": "object",
        "x-kubernetes-group-version-kind": [{"version": "v1", "kind": "Widget",
                                            "group": "example.com"}],
        "required": ["spec"],
        "properties": {
          "spec": {"allOf": [{"$ref": "#/components/schemas/com.example.v1.Spec"}],
                   "description": "The wanted state."},
          "kind": {"type": "string", "description": "The kind."}}},
      "com.example.v1.Spec": {
        "description": "What a widget should be.", "type": "object",
        "properties": {
          "size": {"type": "integer", "enum": [1, 2, 3]},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "parts": {"type": "array", "items": {"$ref": "#/components/schemas/com.example.v1.Part"}},
          "mode": {"type": "string", "enum": ["", "A", "B", "C", "D"],
                   "description": "How it runs, a sentence long enough to be wrapped over two lines."}}},
      "com.example.v1.Part": {"type": "object",
                              "properties": {"name": {"type": "string"}}}}}})");
  return doc;
}

ExplainRequest Widget(std::vector<std::string> path, bool recursive = false) {
  return {"example.com", "v1", "widgets", std::move(path), recursive};
}

TEST(RenderExplainTest, KindDescriptionAndFields) {
  ExplainOutput out = RenderExplain(Document(), Widget({}));
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.text,
            "GROUP:      example.com\n"
            "KIND:       Widget\n"
            "VERSION:    v1\n"
            "\n"
            "DESCRIPTION:\n"
            "    A widget.\n"
            "    \n"
            "FIELDS:\n"
            "  kind\t<string>\n"
            "    The kind.\n"
            "\n"
            "  spec\t<Spec> -required-\n"
            "    The wanted state.\n"
            "\n"
            "\n");
}

TEST(RenderExplainTest, FieldPathTypesEnumsAndWrapping) {
  ExplainOutput out = RenderExplain(Document(), Widget({"spec"}));
  EXPECT_EQ(out.text,
            "GROUP:      example.com\n"
            "KIND:       Widget\n"
            "VERSION:    v1\n"
            "\n"
            "FIELD: spec <Spec>\n"
            "\n"
            "\n"
            "DESCRIPTION:\n"
            "    The wanted state.\n"
            "    What a widget should be.\n"
            "    \n"
            "FIELDS:\n"
            "  labels\t<map[string]string>\n"
            "    <no description>\n"
            "\n"
            "  mode\t<string>\n"
            "  enum: \"\", A, B, C, ....\n"
            "    How it runs, a sentence long enough to be wrapped over two lines.\n"
            "\n"
            "  parts\t<[]Part>\n"
            "    <no description>\n"
            "\n"
            "  size\t<integer>\n"
            "  enum: 1, 2, 3\n"
            "    <no description>\n"
            "\n"
            "\n");
}

TEST(RenderExplainTest, RecursiveListsNestedFieldsThroughListsAndRefs) {
  ExplainOutput out = RenderExplain(Document(), Widget({"spec"}, true));
  EXPECT_NE(out.text.find("  parts\t<[]Part>\n    name\t<string>\n  size\t<integer>\n"),
            std::string::npos)
      << out.text;
}

TEST(RenderExplainTest, MissingFieldsAndResources) {
  ExplainOutput out = RenderExplain(Document(), Widget({"spec", "nope"}));
  EXPECT_EQ(out.error, "error: field \"nope\" does not exist");
  EXPECT_EQ(out.text, "GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n\n");
  ExplainRequest gadgets = Widget({});
  gadgets.resource = "gadgets";
  EXPECT_EQ(RenderExplain(Document(), gadgets).error,
            "error: GVR (example.com/v1, Resource=gadgets) not found in OpenAPI schema");
}

}  // namespace
}  // namespace sampan::kubectl
