#include "runtime/spec.h"

#include <gtest/gtest.h>

#include <csignal>

namespace sampan::runtime {
namespace {

TEST(SpecTest, JsonRoundTripKeepsEveryField) {
  ContainerSpec s;
  s.id = "abc";
  s.name = "web";
  s.lower_dirs = {"/l2", "/l1"};
  s.process.args = {"sh", "-c", "echo"};
  s.process.env = {"A=b"};
  s.process.user.uid = 1000;
  s.process.user.group_name = "audio";
  s.process.oom_score_adj = -5;
  s.process.rlimits = {{"RLIMIT_NOFILE", 1024, 2048}};
  s.mounts = {{"/h", "/c", true, Propagation::kHostToContainer}};
  s.sysctls["net.ipv4.ip_forward"] = "1";
  s.namespaces.network = NamespaceMode::kPod;
  s.security.cap_add = {"NET_ADMIN"};
  s.security.seccomp = SeccompKind::kLocalhost;
  s.security.seccomp_profile_path = "/p.json";
  s.security.masked_paths = std::vector<std::string>{"/proc/x"};
  s.resources.memory_limit = 123;
  s.cgroup_path = "kubepods/pod1/abc";
  s.namespace_paths["net"] = "/proc/1/ns/net";
  s.stop_signal = SIGUSR1;
  auto back = SpecFromJson(SpecToJson(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(SpecToJson(*back), SpecToJson(s));
  EXPECT_EQ(*back->process.user.uid, 1000u);
  EXPECT_FALSE(back->process.user.gid.has_value());
  EXPECT_EQ(back->mounts[0].propagation, Propagation::kHostToContainer);
  EXPECT_EQ(back->security.seccomp, SeccompKind::kLocalhost);
  EXPECT_FALSE(back->security.readonly_paths.has_value());
}

TEST(SpecTest, MissingFieldsTakeDefaultsAndGarbageIsInvalid) {
  auto s = SpecFromJson(R"({"id": "x", "process": {"args": ["true"]}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->process.cwd, "/");
  EXPECT_EQ(s->process.umask, 022u);
  EXPECT_EQ(s->log_max_files, 5);
  EXPECT_EQ(s->stop_signal, SIGTERM);
  EXPECT_FALSE(SpecFromJson("[1,2]").ok());
  EXPECT_FALSE(SpecFromJson(R"({"process": {"args": 5}})").ok());
}

TEST(SpecTest, ParseSignal) {
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("quit"), SIGQUIT);
  EXPECT_EQ(*ParseSignal("9"), SIGKILL);
  EXPECT_FALSE(ParseSignal("SIGNOPE").ok());
  EXPECT_FALSE(ParseSignal("0").ok());
}

}  // namespace
}  // namespace sampan::runtime
