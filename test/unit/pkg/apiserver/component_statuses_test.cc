#include "pkg/apiserver/component_statuses.h"

#include <gtest/gtest.h>

#include "pkg/api/registry.h"
#include "pkg/apiserver/request_info.h"
#include "storage/sqlite_store.h"
#include "test/unit/storage/store_test_util.h"

namespace sampan::apiserver {
namespace {

using api::Json;

class ComponentStatusesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenSqliteStore({.path = dir_.File("state.db")});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  Reply Serve(const ComponentStatuses& statuses, const std::string& method, const std::string& path,
              OutputFormat format = OutputFormat::kObject) {
    RequestContext ctx;
    ctx.info = ParseRequestInfo(method, path, ctx.query);
    ctx.resource = api::Registry::Builtin().Find("", "v1", "componentstatuses");
    ctx.format = format;
    return statuses.Serve(ctx);
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ComponentStatusesTest, ListsTheStoreAndEachComponentByName) {
  ComponentStatuses statuses(
      *store_, {{"scheduler", false, "--disable-scheduler"}, {"controller-manager", true, ""}});
  Reply r = Serve(statuses, "GET", "/api/v1/componentstatuses");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.headers.Get("Warning"), "299 - \"v1 ComponentStatus is deprecated in v1.19+\"");
  Json list = Json::parse(r.body);
  EXPECT_EQ(list["kind"], "ComponentStatusList");
  ASSERT_EQ(list["items"].size(), 3u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "controller-manager");
  EXPECT_EQ(list["items"][1]["metadata"]["name"], "etcd-0");
  EXPECT_EQ(list["items"][1]["conditions"][0],
            Json({{"type", "Healthy"}, {"status", "True"}, {"message", "ok"}}));
  EXPECT_EQ(list["items"][2]["conditions"][0],
            Json({{"type", "Healthy"},
                  {"status", "False"},
                  {"error", "not running in this server (--disable-scheduler)"}}));
}

TEST_F(ComponentStatusesTest, GetTableAndErrors) {
  ComponentStatuses statuses(*store_, {{"scheduler", false, "--disable-scheduler"}});
  Reply r = Serve(statuses, "GET", "/api/v1/componentstatuses/etcd-0");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(Json::parse(r.body)["kind"], "ComponentStatus");

  r = Serve(statuses, "GET", "/api/v1/componentstatuses/scheduler", OutputFormat::kTable);
  ASSERT_EQ(r.code, 200);
  Json table = Json::parse(r.body);
  ASSERT_EQ(table["columnDefinitions"].size(), 4u);
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Status");
  EXPECT_EQ(table["rows"][0]["cells"],
            Json::array({"scheduler", "Unhealthy", "",
                         "not running in this server (--disable-scheduler)"}));

  EXPECT_EQ(Serve(statuses, "GET", "/api/v1/componentstatuses/nope").code, 404);
  EXPECT_EQ(Serve(statuses, "DELETE", "/api/v1/componentstatuses/etcd-0").code, 405);
}

}  // namespace
}  // namespace sampan::apiserver
