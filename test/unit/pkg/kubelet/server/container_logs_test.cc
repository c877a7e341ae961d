#include "pkg/kubelet/server/container_logs.h"

#include <gtest/gtest.h>

#include "pkg/kubelet/container_config.h"

namespace sampan::kubelet {
namespace {

using runtime::ContainerState;
using runtime::ContainerStatus;

ContainerStatus Instance(const std::string& id, const std::string& pod, const std::string& uid,
                         const std::string& container, int created, ContainerState state) {
  ContainerStatus c;
  c.id = id;
  c.state = state;
  c.created_at = runtime::WallTime(std::chrono::seconds(1'800'000'000 + created));
  c.labels[kPodNamespaceLabel] = "default";
  c.labels[kPodNameLabel] = pod;
  c.labels[kPodUidLabel] = uid;
  c.labels[kContainerNameLabel] = container;
  c.annotations[kRestartCountAnnotation] = std::to_string(created);
  return c;
}

std::vector<ContainerStatus> Containers() {
  return {
      Instance("c1", "web", "u1", "app", 1, ContainerState::kExited),
      Instance("c2", "web", "u1", "app", 2, ContainerState::kRunning),
      Instance("i1", "web", "u1", "init", 0, ContainerState::kExited),
      Instance("s1", "solo", "u2", "main", 1, ContainerState::kRunning),
      // An older pod of the same name: ignored.
      Instance("old", "solo", "u0", "main", 0, ContainerState::kExited),
  };
}

TEST(ContainerLogsTest, NewestAndPreviousInstance) {
  EXPECT_EQ(*ResolveLogContainer(Containers(), "default", "web", "app", false), "c2");
  EXPECT_EQ(*ResolveLogContainer(Containers(), "default", "web", "app", true), "c1");
  EXPECT_EQ(*ResolveLogContainer(Containers(), "default", "web", "init", false), "i1");
}

TEST(ContainerLogsTest, NoPreviousInstance) {
  Result<std::string> id = ResolveLogContainer(Containers(), "default", "web", "init", true);
  EXPECT_EQ(id.status().code(), Code::kBadRequest);
  EXPECT_EQ(id.status().message(),
            "previous terminated container \"init\" in pod \"web\" not found");
  // The old pod's instance is not the new pod's previous one.
  EXPECT_EQ(ResolveLogContainer(Containers(), "default", "solo", "main", true).status().code(),
            Code::kBadRequest);
}

TEST(ContainerLogsTest, ContainerNameOnlyOptionalForOneContainer) {
  EXPECT_EQ(*ResolveLogContainer(Containers(), "default", "solo", "", false), "s1");
  EXPECT_EQ(ResolveLogContainer(Containers(), "default", "web", "", false).status().message(),
            "a container name must be specified for pod web, choose one of: [app init]");
}

TEST(ContainerLogsTest, UnknownPodOrContainer) {
  EXPECT_EQ(ResolveLogContainer(Containers(), "default", "nope", "app", false).status().code(),
            Code::kNotFound);
  EXPECT_EQ(ResolveLogContainer(Containers(), "other", "web", "app", false).status().code(),
            Code::kNotFound);
  EXPECT_EQ(ResolveLogContainer(Containers(), "default", "web", "later", false).status().message(),
            "container \"later\" in pod \"web\" is waiting to start: ContainerCreating");
}

}  // namespace
}  // namespace sampan::kubelet
