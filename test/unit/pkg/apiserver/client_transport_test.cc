// pkg/client over both transports against a real ApiServer (store in a temp dir): the
// in-process transport components use and HTTP with a bearer token as agents use (TLS is
// covered by the HTTP client's own tests). Plus an informer following changes.
#include <gtest/gtest.h>

#include <thread>

#include "pkg/client/https_transport.h"
#include "pkg/client/informer.h"
#include "test/unit/test_api_server.h"

namespace sampan::apiserver {
namespace {

using api::Json;
using namespace std::chrono_literals;
using sampan::testing::WaitFor;

const api::ResourceInfo& ConfigMaps() {
  return *api::Registry::Builtin().Find("", "v1", "configmaps");
}

Json ConfigMap(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"k", value}}}};
}

class ClientTransportTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    std::shared_ptr<client::Transport> transport;
    if (GetParam()) {
      transport = api_.server().InProcessTransport(UserInfo{"component", {"system:masters"}});
    } else {
      http::ClientOptions http;
      http.host = "127.0.0.1";
      http.port = api_.server().port();
      http.bearer_token = "test-token";
      transport = std::make_shared<client::HttpsTransport>(http);
    }
    client_ = std::make_unique<client::Client>(transport, "client-test");
  }
  void TearDown() override { client_.reset(); }

  sampan::testing::TestApiServer api_;
  std::unique_ptr<client::Client> client_;
};

TEST_P(ClientTransportTest, VerbsAndErrors) {
  Result<Json> created = client_->Create(ConfigMaps(), ConfigMap("a", "1"));
  ASSERT_TRUE(created.ok()) << created.status().message();
  std::string rv = (*created)["metadata"]["resourceVersion"];
  EXPECT_EQ(client_->Create(ConfigMaps(), ConfigMap("a", "1")).status().code(),
            Code::kAlreadyExists);
  Result<Json> got = client_->Get(ConfigMaps(), "default", "a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["data"]["k"], "1");

  Json next = *got;
  next["data"]["k"] = "2";
  ASSERT_TRUE(client_->Update(ConfigMaps(), next).ok());
  next["data"]["k"] = "3";  // still carries the old resourceVersion
  EXPECT_EQ(client_->Update(ConfigMaps(), next).status().code(), Code::kConflict);

  Result<Json> patched = client_->Patch(ConfigMaps(), "default", "a", client::PatchType::kMerge,
                                        Json{{"data", {{"extra", "x"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status().message();
  EXPECT_EQ((*patched)["data"], Json::parse(R"({"k":"2","extra":"x"})"));

  Result<client::ObjectList> list = client_->List(ConfigMaps(), "default");
  ASSERT_TRUE(list.ok());
  EXPECT_FALSE(list->resource_version.empty());
  bool found = false;
  for (const Json& item : list->items) found |= item["metadata"]["name"] == "a";
  EXPECT_TRUE(found);

  EXPECT_EQ(client_->Create(ConfigMaps(), ConfigMap("Bad_Name", "1")).status().code(),
            Code::kInvalid);
  ASSERT_TRUE(client_->Delete(ConfigMaps(), "default", "a").ok());
  EXPECT_EQ(client_->Get(ConfigMaps(), "default", "a").status().code(), Code::kNotFound);
  EXPECT_EQ(client_->Delete(ConfigMaps(), "default", "a").code(), Code::kNotFound);
}

TEST_P(ClientTransportTest, WatchDeliversEventsUntilCancelled) {
  ASSERT_TRUE(client_->Create(ConfigMaps(), ConfigMap("w0", "0")).ok());
  Result<client::ObjectList> list = client_->List(ConfigMaps(), "default");
  ASSERT_TRUE(list.ok());
  std::mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> ended{false};
  client::ListOptions options;
  options.resource_version = list->resource_version;
  auto watch = client_->Watch(
      ConfigMaps(), "default", options,
      [&](client::WatchEvent e) {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(e.object["metadata"]["name"].get<std::string>());
      },
      [&](Status) { ended = true; });
  ASSERT_TRUE(watch.ok()) << watch.status().message();
  ASSERT_TRUE(client_->Create(ConfigMaps(), ConfigMap("w1", "1")).ok());
  ASSERT_TRUE(client_->Delete(ConfigMaps(), "default", "w1").ok());
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size() == 2;
  }));
  (*watch)->Cancel();
  ASSERT_TRUE(client_->Create(ConfigMaps(), ConfigMap("w2", "2")).ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"w1", "w1"}));
}

TEST_P(ClientTransportTest, InformerFollowsChanges) {
  ASSERT_TRUE(client_->Create(ConfigMaps(), ConfigMap("before", "0")).ok());
  client::Informer informer(*client_, ConfigMaps(), "default");
  std::mutex mu;
  std::vector<std::string> events;
  auto record = [&](std::string what) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(what));
  };
  informer.AddHandlers(
      {[&](const client::ObjectPtr& o) { record("add " + client::ObjectKey(*o)); },
       [&](const client::ObjectPtr&, const client::ObjectPtr& o) {
         record("update " + (*o)["data"]["k"].get<std::string>());
       },
       [&](const client::ObjectPtr& o) { record("delete " + client::ObjectKey(*o)); }});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  ASSERT_NE(informer.Get("default/before"), nullptr);

  ASSERT_TRUE(client_->Create(ConfigMaps(), ConfigMap("after", "1")).ok());
  ASSERT_TRUE(client_
                  ->Patch(ConfigMaps(), "default", "after", client::PatchType::kMerge,
                          Json{{"data", {{"k", "2"}}}})
                  .ok());
  ASSERT_TRUE(client_->Delete(ConfigMaps(), "default", "before").ok());
  std::vector<std::string> want = {"add default/before", "add default/after", "update 2",
                                   "delete default/before"};
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return events == want;
  })) << ::testing::PrintToString(events);
  EXPECT_EQ(informer.Get("default/before"), nullptr);
  ASSERT_NE(informer.Get("default/after"), nullptr);
  EXPECT_EQ((*informer.Get("default/after"))["data"]["k"], "2");
  informer.Stop();
}

INSTANTIATE_TEST_SUITE_P(Transports, ClientTransportTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "InProcess" : "Http"; });

}  // namespace
}  // namespace sampan::apiserver
