#include "pkg/kubectl/watch_printer.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sampan::kubectl {
namespace {

using api::Json;

api::ResourceInfo ConfigMaps() {
  api::ResourceInfo r;
  r.resource = "configmaps";
  r.kind = "ConfigMap";
  r.version = "v1";
  r.namespaced = true;
  return r;
}

Json Table(const std::vector<std::string>& names, bool columns = true) {
  Json t = {{"kind", "Table"}, {"columnDefinitions", Json::array()}, {"rows", Json::array()}};
  if (columns) {
    t["columnDefinitions"] = Json::array({{{"name", "Name"}}, {{"name", "Data"}}});
  }
  for (const std::string& n : names) {
    t["rows"].push_back(
        {{"cells", Json::array({n, 1})}, {"object", {{"metadata", {{"name", n}}}}}});
  }
  return t;
}

TEST(WatchTablePrinterTest, HeaderWithTheFirstRowsAndWidthsRemembered) {
  std::ostringstream out;
  WatchTablePrinter p(ConfigMaps(), {}, false);
  p.Print(Table({}), "ADDED", out);
  EXPECT_EQ(out.str(), "");  // nothing to show yet: no header either
  p.Print(Table({"a-long-name"}, false), "ADDED", out);
  p.Print(Table({"b"}, false), "MODIFIED", out);
  EXPECT_EQ(out.str(),
            "NAME          DATA\n"
            "a-long-name   1\n"
            "b             1\n");
}

TEST(WatchTablePrinterTest, EventColumnIsPaddedToModified) {
  std::ostringstream out;
  WatchTablePrinter p(ConfigMaps(), {}, true);
  p.Print(Table({"x"}), "ADDED", out);
  EXPECT_EQ(out.str(), "EVENT      NAME   DATA\nADDED      x      1\n");
}

TEST(JsonStreamSplitterTest, SplitsObjectsAcrossChunksAndIgnoresBracesInStrings) {
  JsonStreamSplitter s;
  std::string obj;
  s.Feed(R"({"type":"ADDED","object":{"a":"}{\"x"}})");
  s.Feed("\n{\"type\":");
  ASSERT_TRUE(s.Next(&obj));
  EXPECT_EQ(obj, R"({"type":"ADDED","object":{"a":"}{\"x"}})");
  EXPECT_FALSE(s.Next(&obj));
  s.Feed("\"DELETED\",\"object\":{}}");
  ASSERT_TRUE(s.Next(&obj));
  EXPECT_EQ(obj, R"({"type":"DELETED","object":{}})");
}

}  // namespace
}  // namespace sampan::kubectl
