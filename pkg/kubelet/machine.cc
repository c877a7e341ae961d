#include "pkg/kubelet/machine.h"

#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pkg/util/fs.h"

namespace sampan::kubelet {
namespace {

// "MemTotal:       16384 kB" -> bytes.
int64_t MeminfoBytes(const std::string& meminfo, const std::string& key) {
  size_t at = meminfo.find(key + ":");
  if (at == std::string::npos) return 0;
  std::istringstream in(meminfo.substr(at + key.size() + 1));
  int64_t kb = 0;
  in >> kb;
  return kb * 1024;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string OsImage() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine.rfind("armv", 0) == 0) return "arm";
  if (machine == "riscv64") return "riscv64";
  return machine;
}

int64_t CountProcesses() {
  int64_t n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) ++n;
  }
  return n;
}

}  // namespace

Result<MachineFacts> ReadMachine(const std::string& data_dir) {
  MachineFacts m;
  m.cpus = sysconf(_SC_NPROCESSORS_ONLN);
  ASSIGN_OR_RETURN(std::string meminfo, ReadFileToString("/proc/meminfo"));
  m.memory_bytes = MeminfoBytes(meminfo, "MemTotal");
  m.memory_available_bytes = MeminfoBytes(meminfo, "MemAvailable");
  struct statvfs fs {};
  std::string probe = data_dir;
  while (statvfs(probe.c_str(), &fs) != 0 && probe.size() > 1) {  // the dir may not exist yet
    probe = std::filesystem::path(probe).parent_path().string();
  }
  m.fs_bytes = static_cast<int64_t>(fs.f_blocks) * fs.f_frsize;
  m.fs_available_bytes = static_cast<int64_t>(fs.f_bavail) * fs.f_frsize;
  Result<std::string> pid_max = ReadFileToString("/proc/sys/kernel/pid_max");
  m.pids_max = pid_max.ok() ? std::atoll(pid_max->c_str()) : 32768;
  m.pids_used = CountProcesses();
  struct utsname uts {};
  uname(&uts);
  m.kernel_version = uts.release;
  m.architecture = GoArch(uts.machine);
  m.hostname = uts.nodename;
  m.os_image = OsImage();
  Result<std::string> machine_id = ReadFileToString("/etc/machine-id");
  m.machine_id = machine_id.ok() ? Trimmed(*machine_id) : "";
  Result<std::string> boot_id = ReadFileToString("/proc/sys/kernel/random/boot_id");
  m.boot_id = boot_id.ok() ? Trimmed(*boot_id) : "";
  return m;
}

}  // namespace sampan::kubelet
