#include "pkg/controllers/gc/garbage_collector.h"

#include <gtest/gtest.h>

#include "test/unit/test_api_server.h"

namespace sampan::controllers {
namespace {

using api::Json;
using sampan::testing::WaitFor;

const api::ResourceInfo& ConfigMaps() {
  return *api::Registry::Builtin().Find("", "v1", "configmaps");
}
const api::ResourceInfo& Secrets() { return *api::Registry::Builtin().Find("", "v1", "secrets"); }

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    client_ = api_.NewClient();
    gc_ = std::make_unique<GarbageCollector>(*client_);
    gc_->Start();
  }
  void TearDown() override { gc_->Stop(); }

  // A ConfigMap owner; returns its uid.
  std::string Owner(const std::string& name) {
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", name}, {"namespace", "default"}}}};
    return client_->Create(ConfigMaps(), cm).value()["metadata"]["uid"];
  }
  // A Secret owned by the given (name, uid) owners.
  void Dependent(const std::string& name, std::vector<std::pair<std::string, std::string>> owners,
                 bool block = false) {
    Json refs = Json::array();
    for (const auto& [owner, uid] : owners) {
      refs.push_back({{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"name", owner},
                      {"uid", uid},
                      {"blockOwnerDeletion", block}});
    }
    Json secret = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata", {{"name", name}, {"namespace", "default"}, {"ownerReferences", refs}}}};
    ASSERT_TRUE(client_->Create(Secrets(), secret).ok());
  }
  bool Exists(const api::ResourceInfo& r, const std::string& name) {
    return client_->Get(r, "default", name).ok();
  }
  Status Delete(const std::string& name, const std::string& policy) {
    client::DeleteOptions options;
    options.propagation_policy = policy;
    return client_->Delete(ConfigMaps(), "default", name, options);
  }

  sampan::testing::TestApiServer api_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<GarbageCollector> gc_;
};

TEST_F(GarbageCollectorTest, BackgroundDeletionRemovesOrphanedDependents) {
  std::string a = Owner("a");
  std::string b = Owner("b");
  Dependent("only-a", {{"a", a}});
  Dependent("a-and-b", {{"a", a}, {"b", b}});
  ASSERT_TRUE(Delete("a", "Background").ok());
  EXPECT_TRUE(WaitFor([&] { return !Exists(Secrets(), "only-a"); }));
  // Another owner is alive: the object stays and loses the dangling reference.
  EXPECT_TRUE(WaitFor([&] {
    Result<Json> s = client_->Get(Secrets(), "default", "a-and-b");
    return s.ok() && (*s)["metadata"]["ownerReferences"].size() == 1;
  }));
  EXPECT_EQ(client_->Get(Secrets(), "default", "a-and-b")
                .value()["metadata"]["ownerReferences"][0]["name"],
            "b");
}

TEST_F(GarbageCollectorTest, DependentsOfAMissingOwnerAreDeleted) {
  Dependent("stray", {{"ghost", "00000000-0000-0000-0000-000000000000"}});
  EXPECT_TRUE(WaitFor([&] { return !Exists(Secrets(), "stray"); }));
}

TEST_F(GarbageCollectorTest, ForegroundDeletionWaitsForBlockingDependents) {
  std::string uid = Owner("fg");
  Dependent("blocker", {{"fg", uid}}, /*block=*/true);
  ASSERT_TRUE(Delete("fg", "Foreground").ok());
  Result<Json> owner = client_->Get(ConfigMaps(), "default", "fg");
  ASSERT_TRUE(owner.ok());  // kept, marked, until its dependents are gone
  EXPECT_EQ(owner->value("metadata", Json())["finalizers"],
            Json::parse(R"(["foregroundDeletion"])"));
  EXPECT_TRUE(
      WaitFor([&] { return !Exists(Secrets(), "blocker") && !Exists(ConfigMaps(), "fg"); }));
}

TEST_F(GarbageCollectorTest, OrphanDeletionKeepsDependents) {
  std::string uid = Owner("parent");
  Dependent("child", {{"parent", uid}});
  ASSERT_TRUE(Delete("parent", "Orphan").ok());
  EXPECT_TRUE(WaitFor([&] { return !Exists(ConfigMaps(), "parent"); }));
  Result<Json> child = client_->Get(Secrets(), "default", "child");
  ASSERT_TRUE(child.ok());
  EXPECT_TRUE(child->value("metadata", Json()).value("ownerReferences", Json::array()).empty());
}

TEST_F(GarbageCollectorTest, BadPropagationPolicyIsRefused) {
  Owner("x");
  EXPECT_EQ(Delete("x", "Sideways").code(), Code::kBadRequest);
}

}  // namespace
}  // namespace sampan::controllers
