#include "pkg/apiserver/live_object_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "pkg/api/builtin_resources.h"
#include "pkg/apiserver/object_codec.h"
#include "storage/sqlite_store.h"
#include "test/unit/storage/store_test_util.h"

namespace sampan::apiserver {
namespace {

const api::ResourceInfo& Secrets() { return *api::Registry::Builtin().Find("", "v1", "secrets"); }

std::string SecretJson(const std::string& uid, bool deleting = false) {
  api::Json obj = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "s"}, {"namespace", "ns"}, {"uid", uid}}},
                   {"data", {{"token", "dG9r"}}}};
  if (deleting) obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  return EncodeForStorage(obj);
}

class LiveObjectCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenSqliteStore({.path = dir_.File("state.db")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto cache = LiveObjectCache::Start(*store_, {&Secrets()});
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    cache_ = std::move(*cache);
    key_ = StorageKey(Secrets(), "ns", "s");
  }
  std::shared_ptr<const LiveObjectFacts> Get() { return cache_->Get(Secrets(), "ns", "s"); }

  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<LiveObjectCache> cache_;
  std::string key_;
};

TEST_F(LiveObjectCacheTest, ReadsOnceThenServesFromMemory) {
  ASSERT_TRUE(store_->Create(key_, SecretJson("u1")).ok());
  auto first = Get();
  EXPECT_TRUE(first->exists);
  EXPECT_EQ(first->uid, "u1");
  EXPECT_EQ(first->token, "dG9r");
  EXPECT_FALSE(first->terminating);
  EXPECT_EQ(Get()->uid, "u1");
  EXPECT_EQ(cache_->misses(), 1);
  EXPECT_EQ(cache_->hits(), 1);
}

// Each answer reflects every write acknowledged before it, with no waiting.
TEST_F(LiveObjectCacheTest, AcknowledgedWritesShowAtOnce) {
  EXPECT_FALSE(Get()->exists);  // a miss is cached...
  auto created = store_->Create(key_, SecretJson("u1"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(Get()->uid, "u1");  // ...and dropped by the create
  auto updated = store_->Update(key_, SecretJson("u1", true), created->mod_revision);
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(Get()->terminating);
  ASSERT_TRUE(store_->Delete(key_).ok());
  EXPECT_FALSE(Get()->exists);
  ASSERT_TRUE(store_->Create(key_, SecretJson("u2")).ok());
  EXPECT_EQ(Get()->uid, "u2");
}

TEST_F(LiveObjectCacheTest, UnwatchedPrefixesDoNotInvalidate) {
  ASSERT_TRUE(store_->Create(key_, SecretJson("u1")).ok());
  EXPECT_TRUE(Get()->exists);
  ASSERT_TRUE(store_->Create("/registry/configmaps/ns/s", "{}").ok());
  EXPECT_TRUE(Get()->exists);
  EXPECT_EQ(cache_->misses(), 1);
}

// Readers racing a writer never leave an older value cached: right after each write
// returns, the writer sees its own uid.
TEST_F(LiveObjectCacheTest, ReadersRacingWritesNeverCacheStaleFacts) {
  auto kv = store_->Create(key_, SecretJson("u0"));
  ASSERT_TRUE(kv.ok());
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!done.load()) (void)Get();
    });
  }
  int64_t revision = kv->mod_revision;
  std::string stale;
  for (int n = 1; n <= 200 && stale.empty(); ++n) {
    std::string uid = "u" + std::to_string(n);
    auto updated = store_->Update(key_, SecretJson(uid), revision);
    if (!updated.ok()) break;
    revision = updated->mod_revision;
    std::string seen = Get()->uid;
    if (seen != uid) stale = "wrote " + uid + ", read " + seen;
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(stale, "");
  EXPECT_EQ(Get()->uid, "u200");
}

}  // namespace
}  // namespace sampan::apiserver
