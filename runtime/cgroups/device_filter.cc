#include "runtime/cgroups/device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "pkg/util/unique_fd.h"

namespace sampan::runtime {
namespace {

// Registers of the program: r1 = context, then the fields of bpf_cgroup_dev_ctx.
constexpr uint8_t kCtx = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5, kScratch = 1;

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}
bpf_insn LoadWord(uint8_t dst, int16_t offset) {
  return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, kCtx, offset, 0);
}
bpf_insn Alu(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn Move(uint8_t dst, uint8_t src) {
  return Insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn Return(int32_t value) { return Insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, value); }
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
// "if dst != imm: skip to the next rule"; the offset is filled in once the block is known.
bpf_insn SkipUnless(uint8_t dst, int32_t imm) {
  return Insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm);
}

Result<int64_t> Number(const std::string& text, const std::string& rule) {
  if (text == "*") return -1;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 9) {
    return Status::Invalid("device rule \"" + rule + "\": bad number \"" + text + "\"");
  }
  return std::stoll(text);
}

long Bpf(int cmd, bpf_attr& attr) { return ::syscall(__NR_bpf, cmd, &attr, sizeof attr); }

}  // namespace

Result<std::vector<DeviceRule>> ParseDeviceRules(const std::vector<std::string>& rules) {
  std::vector<DeviceRule> out;
  for (const std::string& text : rules) {
    DeviceRule r;
    if (text == "a") {
      r.access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
      out.push_back(r);
      continue;
    }
    // "<type> <major>:<minor> <access>"
    size_t sp1 = text.find(' '), colon = text.find(':'), sp2 = text.rfind(' ');
    if (text.size() < 7 || sp1 != 1 || colon == std::string::npos || sp2 <= colon ||
        std::strchr("abc", text[0]) == nullptr) {
      return Status::Invalid("device rule \"" + text +
                             "\": want \"<a|b|c> <major>:<minor> <rwm>\"");
    }
    r.type = text[0];
    ASSIGN_OR_RETURN(r.major, Number(text.substr(2, colon - 2), text));
    ASSIGN_OR_RETURN(r.minor, Number(text.substr(colon + 1, sp2 - colon - 1), text));
    for (char c : text.substr(sp2 + 1)) {
      if (c == 'r')
        r.access |= BPF_DEVCG_ACC_READ;
      else if (c == 'w')
        r.access |= BPF_DEVCG_ACC_WRITE;
      else if (c == 'm')
        r.access |= BPF_DEVCG_ACC_MKNOD;
      else
        return Status::Invalid("device rule \"" + text + "\": bad access \"" + c + "\"");
    }
    out.push_back(r);
  }
  return out;
}

std::vector<bpf_insn> DeviceFilterProgram(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> p = {
      LoadWord(kType, offsetof(bpf_cgroup_dev_ctx, access_type)),
      Alu(BPF_AND, kType, 0xFFFF),
      LoadWord(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)),
      Alu(BPF_RSH, kAccess, 16),
      LoadWord(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
      LoadWord(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  constexpr uint32_t kAll = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  for (const DeviceRule& r : rules) {
    std::vector<bpf_insn> block;
    if (r.type != 'a') {
      block.push_back(SkipUnless(kType, r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
    }
    if ((r.access & kAll) != kAll) {
      // Allowed only if the access asks for nothing outside the rule's.
      block.push_back(Move(kScratch, kAccess));
      block.push_back(Alu(BPF_AND, kScratch, static_cast<int32_t>(kAll & ~r.access)));
      block.push_back(SkipUnless(kScratch, 0));
    }
    if (r.major >= 0) block.push_back(SkipUnless(kMajor, static_cast<int32_t>(r.major)));
    if (r.minor >= 0) block.push_back(SkipUnless(kMinor, static_cast<int32_t>(r.minor)));
    block.push_back(Return(1));
    block.push_back(Exit());
    for (size_t i = 0; i < block.size(); ++i) {
      if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) {
        block[i].off = static_cast<int16_t>(block.size() - i - 1);
      }
    }
    p.insert(p.end(), block.begin(), block.end());
  }
  p.push_back(Return(0));
  p.push_back(Exit());
  return p;
}

Status AttachDeviceFilter(const std::string& cgroup_dir, const std::vector<DeviceRule>& rules) {
  UniqueFd cgroup(::open(cgroup_dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!cgroup.valid()) return Status::FromErrno(errno, "open cgroup " + cgroup_dir);

  bpf_attr query{};
  query.query.target_fd = static_cast<uint32_t>(cgroup.get());
  query.query.attach_type = BPF_CGROUP_DEVICE;
  if (Bpf(BPF_PROG_QUERY, query) == 0 && query.query.prog_cnt > 0) return Status::Ok();

  std::vector<bpf_insn> program = DeviceFilterProgram(rules);
  static const char kLicense[] = "Apache-2.0";
  std::string log(4096, '\0');
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = static_cast<uint32_t>(program.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  load.log_buf = reinterpret_cast<uint64_t>(log.data());
  load.log_size = static_cast<uint32_t>(log.size());
  load.log_level = 1;
  UniqueFd prog(static_cast<int>(Bpf(BPF_PROG_LOAD, load)));
  if (!prog.valid()) {
    int err = errno;
    return Status::FromErrno(err, "loading the device filter: " + std::string(log.c_str()));
  }
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(cgroup.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, attach) != 0) {
    return Status::FromErrno(errno, "attaching the device filter to " + cgroup_dir);
  }
  return Status::Ok();  // the attachment holds the program; our fd may go
}

}  // namespace sampan::runtime
