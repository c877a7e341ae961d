#include "pkg/apiserver/watch_decode_cache.h"

#include <gtest/gtest.h>

namespace sampan::apiserver {
namespace {

const api::ResourceInfo& Resource(std::string_view group, std::string_view version,
                                  std::string_view resource) {
  return *api::Registry::Builtin().Find(group, version, resource);
}

constexpr std::string_view kStoredHpa =
    R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},)"
    R"("spec":{"minReplicas":1,"maxReplicas":3}})";

TEST(WatchDecodeCacheTest, OneDecodeServesEveryWatcherOfAnEvent) {
  WatchDecodeCache cache(8);
  const auto& cms = Resource("", "v1", "configmaps");
  std::string stored = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}})";
  auto first = cache.Get(cms, "/registry/core/configmaps/ns/a", stored, 7);
  auto second = cache.Get(cms, "/registry/core/configmaps/ns/a", stored, 7);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ((*first)->object["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(api::ParseJson((*first)->json).value(), (*first)->object);
  // Another revision of the same key is another entry.
  auto later = cache.Get(cms, "/registry/core/configmaps/ns/a", stored, 8);
  ASSERT_TRUE(later.ok());
  EXPECT_NE(later->get(), first->get());
  EXPECT_EQ((*later)->object["metadata"]["resourceVersion"], "8");
}

TEST(WatchDecodeCacheTest, EachServedVersionGetsItsOwnForm) {
  WatchDecodeCache cache(8);
  auto v2 =
      cache.Get(Resource("autoscaling", "v2", "horizontalpodautoscalers"), "/k", kStoredHpa, 3);
  auto v1 =
      cache.Get(Resource("autoscaling", "v1", "horizontalpodautoscalers"), "/k", kStoredHpa, 3);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ((*v2)->object["apiVersion"], "autoscaling/v2");
  EXPECT_EQ((*v1)->object["apiVersion"], "autoscaling/v1");
}

TEST(WatchDecodeCacheTest, HoldsAtMostItsCapacityAndReportsBadBytes) {
  WatchDecodeCache cache(4);
  const auto& cms = Resource("", "v1", "configmaps");
  for (int rv = 1; rv <= 10; ++rv) {
    ASSERT_TRUE(cache.Get(cms, "/k", R"({"metadata":{}})", rv).ok());
  }
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_FALSE(cache.Get(cms, "/bad", "{not json", 11).ok());
  EXPECT_EQ(cache.size(), 4u);
}

}  // namespace
}  // namespace sampan::apiserver
