// Process attributes: oom_score_adj, rlimits, working directory, executable lookup.

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

constexpr std::pair<const char*, int> kRlimits[] = {{"RLIMIT_AS", RLIMIT_AS},
                                                    {"RLIMIT_CORE", RLIMIT_CORE},
                                                    {"RLIMIT_CPU", RLIMIT_CPU},
                                                    {"RLIMIT_DATA", RLIMIT_DATA},
                                                    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
                                                    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
                                                    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
                                                    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
                                                    {"RLIMIT_NICE", RLIMIT_NICE},
                                                    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
                                                    {"RLIMIT_NPROC", RLIMIT_NPROC},
                                                    {"RLIMIT_RSS", RLIMIT_RSS},
                                                    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
                                                    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
                                                    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
                                                    {"RLIMIT_STACK", RLIMIT_STACK}};

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

Status SetupOomScoreAdj(InitContext& ctx) {
  if (!ctx.spec->process.oom_score_adj) return Status::Ok();
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return SyscallError("oom_score_adj", "open", errno);
  UniqueFd guard(fd);
  if (!WriteAll(fd, std::to_string(*ctx.spec->process.oom_score_adj))) {
    return SyscallError("oom_score_adj", "write", errno);
  }
  return Status::Ok();
}

Status SetupRlimits(const std::vector<Rlimit>& rlimits) {
  for (const Rlimit& r : rlimits) {
    int resource = -1;
    for (const auto& [name, number] : kRlimits) {
      if (r.type == name) resource = number;
    }
    if (resource < 0) return Status::Invalid("rlimits: unknown rlimit " + r.type);
    rlimit value{r.soft, r.hard};
    if (::setrlimit(resource, &value) != 0) {
      return SyscallError("rlimits", "setrlimit(" + r.type + ")", errno);
    }
  }
  return Status::Ok();
}

Status SetupWorkingDir(InitContext& ctx) {
  const std::string& cwd = ctx.spec->process.cwd.empty() ? "/" : ctx.spec->process.cwd;
  // A missing working directory is created, as Docker does.
  RETURN_IF_ERROR(MakeDirIn("", cwd, "working directory"));
  if (::chdir(cwd.c_str()) != 0)
    return SyscallError("working directory", "chdir(" + cwd + ")", errno);
  return Status::Ok();
}

Result<std::string> LookPath(const std::string& file, const std::vector<std::string>& env) {
  if (file.empty()) return Status::Invalid("exec: no command");
  auto executable = [](const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
  };
  if (file.find('/') != std::string::npos) {
    if (executable(file)) return file;
    return Status::NotFound("exec: \"" + file + "\": executable file not found in $PATH");
  }
  std::string path = kDefaultPath;
  for (const std::string& kv : env) {
    if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
  }
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = j > i ? path.substr(i, j - i) : ".";
    std::string candidate = dir + "/" + file;
    if (executable(candidate)) return candidate;
    i = j + 1;
  }
  return Status::NotFound("exec: \"" + file + "\": executable file not found in $PATH");
}

}  // namespace sampan::runtime
