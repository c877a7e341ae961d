#include "pkg/kubectl/yaml_printer.h"

#include <gtest/gtest.h>

namespace sampan::kubectl {
namespace {

using api::Json;

TEST(YamlPrinterTest, SortsKeysAndIndentsLikeKubectl) {
  Json obj = Json::parse(R"({"metadata":{"name":"x","labels":{"b":"2","a":"1"}},"apiVersion":"v1",
    "spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}],"empty":{},"none":[]}})");
  EXPECT_EQ(ToYaml(obj),
            "apiVersion: v1\n"
            "metadata:\n"
            "  labels:\n"
            "    a: \"1\"\n"
            "    b: \"2\"\n"
            "  name: x\n"
            "spec:\n"
            "  containers:\n"
            "  - name: c\n"
            "    ports:\n"
            "    - containerPort: 80\n"
            "  empty: {}\n"
            "  none: []\n");
}

TEST(YamlPrinterTest, QuotesWhatYamlWouldReadAsAnotherType) {
  Json obj = {{"a", "true"}, {"b", ""},     {"c", "2026-11-27T10:00:00Z"}, {"d", "*"},
              {"e", "x: y"}, {"f", "it's"}, {"g", "plain text"},           {"h", "0755"}};
  EXPECT_EQ(ToYaml(obj),
            "a: \"true\"\n"
            "b: \"\"\n"
            "c: \"2026-11-27T10:00:00Z\"\n"
            "d: '*'\n"
            "e: 'x: y'\n"
            "f: it's\n"
            "g: plain text\n"
            "h: \"0755\"\n");
}

TEST(YamlPrinterTest, MultiLineStringsAreLiteralBlocks) {
  Json obj = {{"keep", "one\ntwo\n"}, {"strip", "one\ntwo"}};
  EXPECT_EQ(ToYaml(obj), "keep: |\n  one\n  two\nstrip: |-\n  one\n  two\n");
}

TEST(YamlPrinterTest, ListsOfScalarsAndNestedLists) {
  Json obj = {{"args", {"sh", "-c", "echo hi"}}, {"m", {{1, 2}, {3}}}};
  EXPECT_EQ(ToYaml(obj), "args:\n- sh\n- -c\n- echo hi\nm:\n- - 1\n  - 2\n- - 3\n");
}

}  // namespace
}  // namespace sampan::kubectl
