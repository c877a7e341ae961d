// bench runtime: container start latency side by side with runc on the same busybox rootfs
// (100 sequential start-and-wait of /bin/true: `sampan ctr run --rm` vs `runc run`), and the
// memory an idle container costs (its shim's private memory, the container's cgroup usage).
// Needs root, runc and a static busybox (/bin/busybox from busybox-static). Everything lives
// under a temp dir and the cgroup subtree sampan-bench-<random>, removed at the end.
// SAMPAN_BIN picks the sampan binary (default: ../sampan next to this benchmark).
// Output: bench runtime: run_ms=... runc_ms=... ratio_vs_runc=... shim_private_kb=...

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pkg/util/random.h"
#include "test/bench/bench_util.h"

extern char** environ;

namespace sampan::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kRuns = 100;
constexpr int kWarmup = 3;
constexpr int kIdleContainers = 5;

// Runs argv; returns the exit code (-1 if it could not start). Output goes to /dev/null
// unless `out` is given.
int Run(const std::vector<std::string>& args, std::string* out = nullptr) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int fds[2] = {-1, -1};
  if (out != nullptr) {
    if (::pipe(fds) != 0) return -1;
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  if (out != nullptr) {
    ::close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string SelfDir() { return fs::read_symlink("/proc/self/exe").parent_path().string(); }

std::string FindRunc() {
  for (const char* p : {"/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// bin/busybox and the few applets the benchmark uses.
bool MakeRootfs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir + "/bin", ec);
  for (const char* d : {"proc", "sys", "dev", "etc", "tmp"})
    fs::create_directories(dir + "/" + d, ec);
  fs::copy_file("/bin/busybox", dir + "/bin/busybox", ec);
  if (ec) return false;
  for (const char* applet : {"true", "sleep", "sh"}) {
    fs::create_symlink("busybox", dir + "/bin/" + applet, ec);
  }
  std::ofstream(dir + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  std::ofstream(dir + "/etc/group") << "root:x:0:\n";
  return true;
}

double Median(std::vector<double> v) { return Percentile(v, 50); }

// Private memory of a process (Private_Clean + Private_Dirty) in kB.
long PrivateKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  long total = 0;
  while (std::getline(in, line)) {
    if (line.rfind("Private_Clean:", 0) == 0 || line.rfind("Private_Dirty:", 0) == 0) {
      total += std::stol(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

void RemoveCgroups(const std::string& name) {
  // Depth first under every hierarchy.
  std::error_code ec;
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    fs::path root = hierarchy.path() / name;
    if (!fs::exists(root, ec)) continue;
    std::vector<fs::path> dirs;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_directory()) dirs.push_back(it->path());
    }
    std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
      return a.string().size() > b.string().size();
    });
    for (const fs::path& d : dirs) ::rmdir(d.c_str());
    ::rmdir(root.c_str());
  }
}

int Main() {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench runtime: needs root\n");
    return 1;
  }
  const char* env_bin = std::getenv("SAMPAN_BIN");
  std::string sampan = env_bin ? env_bin : SelfDir() + "/../sampan";
  sampan = fs::weakly_canonical(sampan).string();
  std::string runc = FindRunc();
  char tmpl[] = "/tmp/sampan-bench-rt.XXXXXX";
  std::string tmp = ::mkdtemp(tmpl);
  std::string cgroup = "sampan-bench-" + RandomString(8, "abcdefghijklmnopqrstuvwxyz0123456789");
  std::string rootfs = tmp + "/bundle/rootfs";
  if (!MakeRootfs(rootfs)) {
    std::fprintf(stderr, "bench runtime: need /bin/busybox (busybox-static)\n");
    return 1;
  }
  std::string data = tmp + "/data";
  // Same configuration as runc's default spec (no seccomp filter), and sampan's default
  // (RuntimeDefault seccomp) for reference.
  auto time_runs = [&](const std::string& seccomp, std::vector<double>* out) {
    std::vector<std::string> ctr = {
        sampan, "ctr",       "run",   "--rm",     "--data-dir", data,       "--cgroup-root",
        cgroup, "--seccomp", seccomp, "--rootfs", rootfs,       "/bin/true"};
    for (int i = 0; i < kWarmup + kRuns; ++i) {
      auto start = BenchClock::now();
      int rc = Run(ctr);
      double ms = Ms(BenchClock::now() - start);
      if (rc != 0) {
        std::fprintf(stderr, "bench runtime: sampan ctr run failed (exit %d)\n", rc);
        return false;
      }
      if (i >= kWarmup) out->push_back(ms);
    }
    return true;
  };
  std::vector<double> sampan_ms, sampan_default_ms;
  if (!time_runs("unconfined", &sampan_ms) || !time_runs("runtime-default", &sampan_default_ms)) {
    RemoveCgroups(cgroup);
    return 1;
  }

  std::vector<double> runc_ms;
  if (!runc.empty()) {
    std::string bundle = tmp + "/bundle";
    std::string state = tmp + "/runc-state";
    if (Run({runc, "spec", "--bundle", bundle}) == 0) {
      std::ifstream in(bundle + "/config.json");
      nlohmann::json config = nlohmann::json::parse(in);
      config["process"]["terminal"] = false;
      config["process"]["args"] = {"/bin/true"};
      config["root"]["path"] = rootfs;
      config["linux"]["cgroupsPath"] = "/" + cgroup + "/runc";
      std::ofstream(bundle + "/config.json") << config.dump(2);
      for (int i = 0; i < kWarmup + kRuns; ++i) {
        std::string id = "b" + std::to_string(i);
        auto start = BenchClock::now();
        int rc = Run({runc, "--root", state, "run", "--bundle", bundle, id});
        double ms = Ms(BenchClock::now() - start);
        if (rc != 0) {
          std::fprintf(stderr, "bench runtime: runc run failed (exit %d)\n", rc);
          break;
        }
        if (i >= kWarmup) runc_ms.push_back(ms);
      }
    }
  }

  // Idle containers: the shim's private memory and the container's cgroup usage.
  std::vector<double> shim_kb, shim_rss_kb;
  std::vector<std::string> ids;
  for (int i = 0; i < kIdleContainers; ++i) {
    std::string id;
    if (Run({sampan, "ctr", "run", "-d", "--data-dir", data, "--cgroup-root", cgroup, "--rootfs",
             rootfs, "sleep", "1000"},
            &id) != 0) {
      break;
    }
    while (!id.empty() && id.back() == '\n') id.pop_back();
    ids.push_back(id);
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(200));  // let shims settle (not a wait for a condition)
  std::vector<double> container_kb;
  for (const std::string& id : ids) {
    std::string json;
    Run({sampan, "ctr", "inspect", "--data-dir", data, "--cgroup-root", cgroup, id}, &json);
    auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || j.empty()) continue;
    pid_t shim = j[0]["status"].value("shim_pid", 0);
    if (shim > 0) shim_kb.push_back(static_cast<double>(PrivateKb(shim)));
    if (j[0].contains("stats")) {
      container_kb.push_back(j[0]["stats"].value("memory_usage_bytes", 0.0) / 1024.0);
    }
  }
  for (const std::string& id : ids) {
    Run({sampan, "ctr", "rm", "-f", "--data-dir", data, "--cgroup-root", cgroup, id});
  }
  RemoveCgroups(cgroup);
  std::error_code ec;
  fs::remove_all(tmp, ec);

  double run_ms = Median(sampan_ms);
  double runc_med = runc_ms.empty() ? 0 : Median(runc_ms);
  Summary summary("runtime");
  summary.Add("runs", static_cast<long long>(kRuns))
      .Add("run_ms", run_ms)
      .Add("run_p90_ms", Percentile(sampan_ms, 90))
      .Add("run_seccomp_default_ms", Median(sampan_default_ms))
      .Add("runc_ms", runc_med)
      .Add("ratio_vs_runc", runc_med > 0 ? run_ms / runc_med : 0, 3)
      .Add("shim_private_kb", shim_kb.empty() ? 0 : Median(shim_kb), 0)
      .Add("container_cgroup_kb", container_kb.empty() ? 0 : Median(container_kb), 0);
  summary.Print();
  return runc_ms.empty() ? 1 : 0;
}

}  // namespace
}  // namespace sampan::bench

int main() { return sampan::bench::Main(); }
