#include "pkg/kubelet/kubelet_args.h"

#include <gtest/gtest.h>

namespace sampan::kubelet {
namespace {

TEST(KubeletArgsTest, EvictionHardAsK3sUsersWriteIt) {
  // --kubelet-arg=eviction-hard=memory.available<100Mi,nodefs.available<10% arrives split on
  // the comma by the list flag.
  Result<KubeletArgs> a =
      ParseKubeletArgs({"eviction-hard=memory.available<100Mi", "nodefs.available<10%"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->eviction_hard, "memory.available<100Mi,nodefs.available<10%");
  a = ParseKubeletArgs({"--eviction-hard=nodefs.available<100%"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->eviction_hard, "nodefs.available<100%");
  a = ParseKubeletArgs({});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->eviction_hard, "");
}

TEST(KubeletArgsTest, UnknownKeysAndBadThresholdsAreErrors) {
  Result<KubeletArgs> a = ParseKubeletArgs({"max-pods=200"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kInvalid);
  EXPECT_NE(a.status().message().find("max-pods"), std::string::npos);
  EXPECT_FALSE(ParseKubeletArgs({"eviction-hard=memory.available>1Gi"}).ok());
  EXPECT_FALSE(ParseKubeletArgs({"nodefs.available<10%"}).ok());  // no key at all
}

}  // namespace
}  // namespace sampan::kubelet
