#include "pkg/kubelet/container_config.h"

#include <gtest/gtest.h>

namespace sampan::kubelet {
namespace {

using api::Json;

class ContainerConfigTest : public ::testing::Test {
 protected:
  ContainerConfigTest() {
    context_.id = "abcdef0123456789";
    context_.sandbox_id = "sb";
    context_.pod_dir = "/data/pods/u-1";
    context_.log_path = "/logs/app/0.log";
    context_.seccomp_dir = "/data/agent/seccomp";
    context_.files = {"/data/pods/u-1/etc-hosts", "/data/pods/u-1/etc-hostname",
                      "/data/pods/u-1/resolv.conf"};
    context_.env = {"GREETING=hi", "PATH=/custom/bin"};
    context_.image.lower_dirs = {"/layers/2", "/layers/1"};
    context_.image.config.entrypoint = {"/entry"};
    context_.image.config.cmd = {"serve", "--port=80"};
    context_.image.config.env = {"PATH=/usr/bin", "IMAGE_ONLY=1"};
    context_.image.config.working_dir = "/srv";
    context_.image.config.user = "1000:1000";
    context_.node_memory = int64_t{8} << 30;
  }
  Json pod_ = {{"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", "u-1"}}},
               {"spec", Json::object()},
               {"status", {{"qosClass", "Burstable"}}}};
  ContainerContext context_;
};

TEST_F(ContainerConfigTest, CommandAndArgsFollowKubernetesRules) {
  ImageDefaults image;
  image.config.entrypoint = {"/entry"};
  image.config.cmd = {"default"};
  std::vector<std::string> env = {"NAME=x"};
  EXPECT_EQ(ContainerArgs(Json::object(), image, env),
            (std::vector<std::string>{"/entry", "default"}));
  EXPECT_EQ(ContainerArgs({{"args", {"a", "$(NAME)"}}}, image, env),
            (std::vector<std::string>{"/entry", "a", "x"}));
  EXPECT_EQ(ContainerArgs({{"command", {"/bin/sh"}}}, image, env),
            (std::vector<std::string>{"/bin/sh"}));  // the image's cmd is dropped
  EXPECT_EQ(ContainerArgs({{"command", {"/bin/sh"}}, {"args", {"-c", "$$(NAME)"}}}, image, env),
            (std::vector<std::string>{"/bin/sh", "-c", "$(NAME)"}));
}

TEST_F(ContainerConfigTest, BuildsTheRuntimeSpec) {
  Json c = {{"name", "app"},
            {"image", "busybox:1"},
            {"resources",
             {{"requests", {{"cpu", "250m"}, {"memory", "64Mi"}}},
              {"limits", {{"cpu", "500m"}, {"memory", "128Mi"}}}}}};
  context_.qos = runtime::QosClass::kBurstable;
  context_.restart_count = 2;
  Result<runtime::ContainerSpec> spec = BuildContainerSpec(pod_, c, context_);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->id, "abcdef0123456789");
  EXPECT_EQ(spec->name, "app_2");
  EXPECT_EQ(spec->process.args, (std::vector<std::string>{"/entry", "serve", "--port=80"}));
  // The container's PATH replaces the image's in place; HOSTNAME is added.
  EXPECT_EQ(spec->process.env, (std::vector<std::string>{"PATH=/custom/bin", "IMAGE_ONLY=1",
                                                         "GREETING=hi", "HOSTNAME=web"}));
  EXPECT_EQ(spec->process.cwd, "/srv");
  EXPECT_EQ(spec->process.user.uid, 1000u);
  EXPECT_EQ(spec->process.user.gid, 1000u);
  EXPECT_EQ(spec->resources.cpu_shares, 256);
  EXPECT_EQ(spec->resources.cpu_quota_us, 50000);
  EXPECT_EQ(spec->resources.memory_limit, 128 << 20);
  ASSERT_TRUE(spec->process.oom_score_adj.has_value());
  EXPECT_EQ(*spec->process.oom_score_adj, 1000 - (1000 * (int64_t{64} << 20)) / (int64_t{8} << 30));
  EXPECT_EQ(spec->labels.at(kPodUidLabel), "u-1");
  EXPECT_EQ(spec->labels.at(kContainerNameLabel), "app");
  EXPECT_EQ(spec->annotations.at(kRestartCountAnnotation), "2");
  EXPECT_EQ(spec->log_path, "/logs/app/0.log");
  std::vector<std::string> targets;
  for (const runtime::BindMount& m : spec->mounts) targets.push_back(m.container_path);
  EXPECT_EQ(targets, (std::vector<std::string>{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
                                               "/dev/termination-log"}));
}

TEST_F(ContainerConfigTest, SecurityContextContainerOverridesPod) {
  pod_["spec"]["securityContext"] = {{"runAsUser", 2000},
                                     {"runAsGroup", 3000},
                                     {"fsGroup", 4000},
                                     {"supplementalGroups", {5000}},
                                     {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  Json c = {{"name", "app"},
            {"image", "x"},
            {"securityContext",
             {{"runAsUser", 2001},
              {"allowPrivilegeEscalation", false},
              {"readOnlyRootFilesystem", true},
              {"capabilities", {{"add", {"NET_ADMIN"}}, {"drop", {"ALL"}}}}}}};
  Result<runtime::ContainerSpec> spec = BuildContainerSpec(pod_, c, context_);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->process.user.uid, 2001u);
  EXPECT_EQ(spec->process.user.gid, 3000u);
  EXPECT_EQ(spec->process.user.additional_gids, (std::vector<gid_t>{4000, 5000}));
  EXPECT_TRUE(spec->security.no_new_privileges);
  EXPECT_TRUE(spec->security.read_only_rootfs);
  EXPECT_EQ(spec->security.cap_add, (std::vector<std::string>{"NET_ADMIN"}));
  EXPECT_EQ(spec->security.cap_drop, (std::vector<std::string>{"ALL"}));
  EXPECT_EQ(spec->security.seccomp, runtime::SeccompKind::kRuntimeDefault);
}

TEST_F(ContainerConfigTest, RunAsNonRootRefusesRoot) {
  Json c = {{"name", "app"}, {"image", "x"}, {"securityContext", {{"runAsNonRoot", true}}}};
  context_.image.config.user = "";
  Result<runtime::ContainerSpec> spec = BuildContainerSpec(pod_, c, context_);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("image will run as root"), std::string::npos);
  context_.image.config.user = "nobody";
  spec = BuildContainerSpec(pod_, c, context_);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("non-numeric user (nobody)"), std::string::npos);
  context_.image.config.user = "1000";
  EXPECT_TRUE(BuildContainerSpec(pod_, c, context_).ok());
}

TEST_F(ContainerConfigTest, HostNetworkKeepsTheNodesHostsFile) {
  pod_["spec"]["hostNetwork"] = true;
  Result<runtime::ContainerSpec> spec =
      BuildContainerSpec(pod_, {{"name", "app"}, {"image", "x"}}, context_);
  ASSERT_TRUE(spec.ok());
  for (const runtime::BindMount& m : spec->mounts) EXPECT_NE(m.container_path, "/etc/hosts");
}

TEST_F(ContainerConfigTest, ImageChangeChangesTheHash) {
  EXPECT_EQ(ContainerHash({{"image", "a:1"}}), ContainerHash({{"image", "a:1"}, {"name", "x"}}));
  EXPECT_NE(ContainerHash({{"image", "a:1"}}), ContainerHash({{"image", "a:2"}}));
}

}  // namespace
}  // namespace sampan::kubelet

namespace sampan::kubelet {
namespace {

TEST(PodResourcesTest, SumsLimitsOnlyWhenEveryContainerHasThem) {
  Json limited = {{"resources", {{"limits", {{"cpu", "500m"}, {"memory", "64Mi"}}}}}};
  Json requested = {{"resources", {{"requests", {{"cpu", "250m"}}}}}};
  Json pod = {{"spec", {{"containers", {limited, limited}}}}};
  runtime::ResourceSpec r = PodResources(pod);
  EXPECT_EQ(r.cpu_shares, 1024);  // requests default to limits: 2 x 500m
  EXPECT_EQ(r.cpu_quota_us, 100000);
  EXPECT_EQ(r.memory_limit, 128 << 20);

  pod = {{"spec", {{"containers", {limited, requested}}}}};
  r = PodResources(pod);
  EXPECT_EQ(r.cpu_shares, 768);
  EXPECT_EQ(r.cpu_quota_us, 0);  // one container is unbounded: so is the pod
  EXPECT_EQ(r.memory_limit, 0);

  // An init container larger than the app containers sets the pod's size.
  Json big = {{"resources", {{"limits", {{"cpu", "2"}, {"memory", "1Gi"}}}}}};
  pod = {{"spec", {{"containers", {limited}}, {"initContainers", {big}}}}};
  r = PodResources(pod);
  EXPECT_EQ(r.cpu_quota_us, 200000);
  EXPECT_EQ(r.memory_limit, int64_t{1} << 30);
  EXPECT_EQ(PodResources({{"spec", {{"containers", {Json::object()}}}}}).cpu_shares, 2);
}

}  // namespace
}  // namespace sampan::kubelet
