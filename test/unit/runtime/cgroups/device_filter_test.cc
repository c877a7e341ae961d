#include "runtime/cgroups/device_filter.h"

#include <gtest/gtest.h>

#include <cstring>

#include "runtime/cgroups/cgroups.h"

namespace sampan::runtime {
namespace {

// Runs a device filter the way the kernel would for one access: a tiny interpreter of the
// instructions DeviceFilterProgram emits (anything else fails the test).
int Filter(const std::vector<bpf_insn>& program, char type, uint32_t access, uint32_t major,
           uint32_t minor) {
  bpf_cgroup_dev_ctx ctx{};
  ctx.access_type = (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  ctx.major = major;
  ctx.minor = minor;
  uint64_t reg[11] = {};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const bpf_insn& i = program[pc];
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W: {
        EXPECT_EQ(i.src_reg, 1);
        uint32_t word;
        std::memcpy(&word, reinterpret_cast<const char*>(&ctx) + i.off, 4);
        reg[i.dst_reg] = word;
        break;
      }
      case BPF_ALU | BPF_AND | BPF_K:
        reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg] & static_cast<uint32_t>(i.imm));
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) >> i.imm;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_X: reg[i.dst_reg] = reg[i.src_reg]; break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        reg[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (reg[i.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT: return static_cast<int>(reg[0]);
      default: ADD_FAILURE() << "unexpected instruction " << int(i.code); return -1;
    }
  }
  ADD_FAILURE() << "fell off the end";
  return -1;
}

constexpr uint32_t kR = BPF_DEVCG_ACC_READ, kW = BPF_DEVCG_ACC_WRITE, kM = BPF_DEVCG_ACC_MKNOD;

TEST(DeviceFilterTest, TheDefaultRulesAllowTheUsualDevicesAndNothingElse) {
  Result<std::vector<DeviceRule>> rules = ParseDeviceRules(DefaultDeviceRules());
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  std::vector<bpf_insn> p = DeviceFilterProgram(*rules);
  EXPECT_EQ(Filter(p, 'c', kR | kW, 1, 3), 1);    // /dev/null
  EXPECT_EQ(Filter(p, 'c', kR, 1, 9), 1);         // /dev/urandom
  EXPECT_EQ(Filter(p, 'c', kR | kW, 5, 2), 1);    // /dev/ptmx
  EXPECT_EQ(Filter(p, 'c', kR | kW, 136, 7), 1);  // a pty
  EXPECT_EQ(Filter(p, 'c', kM, 10, 200), 1);      // mknod of anything...
  EXPECT_EQ(Filter(p, 'b', kM, 8, 0), 1);
  EXPECT_EQ(Filter(p, 'c', kR, 10, 200), 0);    // ...but no opening it
  EXPECT_EQ(Filter(p, 'b', kR, 8, 0), 0);       // a disk
  EXPECT_EQ(Filter(p, 'c', kW, 1, 11), 0);      // /dev/kmsg
  EXPECT_EQ(Filter(p, 'c', kR, 1, 1), 0);       // /dev/mem
  EXPECT_EQ(Filter(p, 'c', kR | kM, 1, 1), 0);  // more than a rule grants
  EXPECT_EQ(Filter(p, 'b', kR, 1, 3), 0);       // block 1:3 is not char 1:3
}

TEST(DeviceFilterTest, WildcardsAndAll) {
  std::vector<bpf_insn> all = DeviceFilterProgram(*ParseDeviceRules({"a"}));
  EXPECT_EQ(Filter(all, 'b', kR | kW | kM, 8, 0), 1);
  std::vector<bpf_insn> none = DeviceFilterProgram({});
  EXPECT_EQ(Filter(none, 'c', kR, 1, 3), 0);
  std::vector<bpf_insn> major = DeviceFilterProgram(*ParseDeviceRules({"c 4:* rw"}));
  EXPECT_EQ(Filter(major, 'c', kW, 4, 64), 1);
  EXPECT_EQ(Filter(major, 'c', kW, 5, 64), 0);
  EXPECT_EQ(Filter(major, 'c', kM, 4, 64), 0);
}

TEST(DeviceFilterTest, BadRulesAreNamed) {
  for (const char* bad : {"x 1:3 rwm", "c 1:3", "c 1-3 rwm", "c a:3 rwm", "c 1:3 rwx", ""}) {
    Result<std::vector<DeviceRule>> r = ParseDeviceRules({bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << r.status().message();
  }
}

}  // namespace
}  // namespace sampan::runtime
