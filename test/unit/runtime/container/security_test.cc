#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/container/phases.h"
#include "runtime/container/seccomp_profile.h"

namespace sampan::runtime {
namespace {

bool Allows(const SeccompProfile& p, const std::string& name, bool unconditionally = true) {
  for (const SeccompRule& r : p.rules) {
    if (r.action != SeccompAction::kAllow) continue;
    if (unconditionally && !r.args.empty()) continue;
    if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) return true;
  }
  return false;
}

TEST(CapabilitiesTest, DefaultsAreTheFourteen) {
  auto caps = ComputeCapabilities(SecuritySpec{});
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(caps->size(), 14u);
  EXPECT_TRUE(caps->count("CAP_NET_BIND_SERVICE"));
  EXPECT_FALSE(caps->count("CAP_SYS_ADMIN"));
  // CapEff a80425fb: the bit numbers of the names.
  uint64_t mask = 0;
  const auto& names = CapabilityNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (caps->count(names[i])) mask |= uint64_t{1} << i;
  }
  EXPECT_EQ(mask, 0xa80425fbULL);
}

TEST(CapabilitiesTest, AddDropAllAndPrivileged) {
  SecuritySpec s;
  s.cap_drop = {"all"};
  s.cap_add = {"net_admin", "CAP_KILL"};
  auto caps = ComputeCapabilities(s);
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(*caps, (std::set<std::string>{"CAP_KILL", "CAP_NET_ADMIN"}));
  s = {};
  s.privileged = true;
  EXPECT_EQ(ComputeCapabilities(s)->size(), CapabilityNames().size());
  s = {};
  s.cap_add = {"CAP_FLY"};
  auto bad = ComputeCapabilities(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CAP_FLY"), std::string::npos);
}

TEST(SeccompProfileTest, RuntimeDefaultWithoutSysAdmin) {
  SeccompProfile p = RuntimeDefaultProfile({"CAP_CHOWN"});
  EXPECT_EQ(p.default_action, SeccompAction::kErrno);
  EXPECT_EQ(p.default_errno, EPERM);
  EXPECT_TRUE(Allows(p, "read"));
  EXPECT_TRUE(Allows(p, "execve"));
  for (const char* denied : {"unshare", "setns", "mount", "keyctl", "pivot_root", "kexec_load",
                             "add_key", "userfaultfd", "bpf", "chroot", "reboot"}) {
    EXPECT_FALSE(Allows(p, denied, false)) << denied;
  }
  // clone only without namespace flags; clone3 answers ENOSYS.
  bool clone_masked = false, clone3_enosys = false;
  for (const SeccompRule& r : p.rules) {
    if (r.names == std::vector<std::string>{"clone"}) {
      ASSERT_EQ(r.args.size(), 1u);
      EXPECT_EQ(r.args[0].op, "SCMP_CMP_MASKED_EQ");
      EXPECT_TRUE(r.args[0].value & CLONE_NEWUSER);
      EXPECT_EQ(r.args[0].value_two, 0u);
      clone_masked = true;
    }
    if (r.names == std::vector<std::string>{"clone3"}) {
      clone3_enosys = r.action == SeccompAction::kErrno && r.errno_ret == ENOSYS;
    }
  }
  EXPECT_TRUE(clone_masked);
  EXPECT_TRUE(clone3_enosys);
}

TEST(SeccompProfileTest, CapabilitiesUnlockTheirCalls) {
  SeccompProfile p = RuntimeDefaultProfile({"CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_SYS_TIME"});
  EXPECT_TRUE(Allows(p, "unshare"));
  EXPECT_TRUE(Allows(p, "mount"));
  EXPECT_TRUE(Allows(p, "clone"));
  EXPECT_TRUE(Allows(p, "chroot"));
  EXPECT_TRUE(Allows(p, "settimeofday"));
  EXPECT_FALSE(Allows(p, "keyctl", false));
  EXPECT_FALSE(Allows(p, "reboot", false));
}

TEST(SeccompProfileTest, ParsesLocalhostProfiles) {
  auto p = ParseSeccompProfile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->default_errno, 38);
  ASSERT_EQ(p->rules.size(), 3u);
  EXPECT_EQ(p->rules[1].args[0].value, 8u);
  EXPECT_EQ(p->rules[2].errno_ret, 13);
  EXPECT_FALSE(ParseSeccompProfile(R"({"defaultAction": "SCMP_ACT_FROB"})").ok());
  EXPECT_FALSE(ParseSeccompProfile("not json").ok());
}

TEST(SysctlTest, OnlyNamespacedKeys) {
  ContainerSpec s;
  EXPECT_TRUE(ValidateSysctl(s, "net.ipv4.ip_forward").ok());
  EXPECT_TRUE(ValidateSysctl(s, "kernel.shm_rmid_forced").ok());
  EXPECT_TRUE(ValidateSysctl(s, "fs.mqueue.msg_max").ok());
  EXPECT_FALSE(ValidateSysctl(s, "kernel.panic").ok());
  s.namespaces.network = NamespaceMode::kHost;
  EXPECT_FALSE(ValidateSysctl(s, "net.ipv4.ip_forward").ok());
}

class RootDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resolve-test.XXXXXX";
    root_ = ::mkdtemp(tmpl);
    std::filesystem::create_directories(root_ + "/real/dir");
    std::filesystem::create_symlink("/real", root_ + "/abs");         // absolute: inside root
    std::filesystem::create_symlink("../../..", root_ + "/real/up");  // escapes: clamped
    std::filesystem::create_symlink("dir", root_ + "/real/rel");
    std::filesystem::create_symlink("/usr/share", root_ + "/share");  // the host has one
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(RootDirTest, ResolveInRootNeverLeavesTheRoot) {
  auto resolve = [&](const std::string& path) {
    Result<std::string> r = ResolveInRoot(root_, path);
    return r.ok() ? *r : r.status().ToString();
  };
  EXPECT_EQ(resolve("/abs/dir/x"), root_ + "/real/dir/x");
  EXPECT_EQ(resolve("/real/rel"), root_ + "/real/dir");
  EXPECT_EQ(resolve("/real/up/abs"), root_ + "/real");
  EXPECT_EQ(resolve("/share/x"), root_ + "/usr/share/x");
  EXPECT_EQ(resolve("/../../x"), root_ + "/x");
  std::filesystem::create_symlink("loop", root_ + "/loop");
  EXPECT_FALSE(ResolveInRoot(root_, "/loop").ok());
}

TEST_F(RootDirTest, LookPathSearchesPathAndReportsNotFound) {
  std::string bin = root_ + "/real/dir/tool";
  { std::ofstream(bin) << "#!/bin/sh\n"; }
  std::filesystem::permissions(bin, std::filesystem::perms::owner_all);
  auto found = LookPath("tool", {"PATH=/nonexistent:" + root_ + "/real/dir"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, bin);
  auto missing = LookPath("nosuch", {"PATH=" + root_});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("executable file not found"), std::string::npos);
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ(*LookPath(bin, {}), bin);
}

}  // namespace
}  // namespace sampan::runtime
