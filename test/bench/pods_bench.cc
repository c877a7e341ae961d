// bench pods: a one-node cluster (`sampan server` with its node agent) in a network
// namespace and cgroup subtree of the benchmark's own. Measures the time from the server's
// start to its Node Ready, the server's idle RSS and CPU with no pods and with 30 running
// pods, pod startup latency (create -> Running seen by a watch, image present) over 100
// pods created at 10 per second, recovery after `kill -9` of the server under 30 pods, and
// how many of 110 pods run (max pods per node). With kubectl 1.33 on the machine, also:
// `kubectl exec` round trip and `kubectl logs -f` throughput, both beyond kubectl's own
// start and first request (`kubectl get --raw /livez`, printed as kubectl_p50_ms), and
// kubectl's own ceiling for that log (kubectl_logs_floor_mb_s, from a minimal server).
//
// SAMPAN_BENCH_QUICK=1 shrinks every phase (a smoke run). Needs root.
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "pkg/util/log.h"
#include "pkg/util/time_format.h"
#include "test/bench/bench_util.h"
#include "test/bench/pod_streams.h"
#include "test/bench/server_process.h"

using namespace sampan;
using namespace sampan::bench;
using Json = nlohmann::json;

namespace {

const bool kQuick = getenv("SAMPAN_BENCH_QUICK") != nullptr;
const std::string kPods = "/api/v1/namespaces/default/pods";

void Die(const std::string& what) {
  std::fprintf(stderr, "bench pods: %s\n", what.c_str());
  std::exit(1);
}

// A network namespace of our own with loopback up: the server's bridge, veths and nftables
// rules never touch the host.
void EnterOwnNetworkNamespace() {
  if (unshare(CLONE_NEWNET) != 0) Die("unshare(CLONE_NEWNET) needs root");
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "lo");
  ioctl(fd, SIOCGIFFLAGS, &ifr);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) Die("cannot bring lo up");
  close(fd);
}

std::string PodJson(const std::string& name) {
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", "bench"}}}}},
              {"spec",
               {{"terminationGracePeriodSeconds", 0},
                {"containers",
                 {{{"name", "c"},
                   {"image", "busybox:fixture"},
                   {"command", {"/bin/busybox", "sleep", "3600"}}}}}}}};
  return pod.dump();
}

// Records when each pod is first seen Running by a watch.
class RunningWatch {
 public:
  explicit RunningWatch(const ServerProcess& server)
      : client_(server.Client(std::chrono::hours(1))) {
    thread_ = std::thread([this] {
      std::string pending;
      (void)client_->Stream("GET", kPods + "?watch=1", {}, [&](std::string_view chunk) {
        pending.append(chunk);
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          Json event = Json::parse(pending.substr(0, nl), nullptr, false);
          pending.erase(0, nl + 1);
          const Json& obj = event["object"];
          if (!obj.is_object()) continue;
          std::string name = obj["metadata"].value("name", "");
          std::string phase = obj.contains("status") ? obj["status"].value("phase", "") : "";
          std::lock_guard<std::mutex> lock(mu_);
          if (phase == "Running" && running_.count(name) == 0) running_[name] = BenchClock::now();
          if (event.value("type", "") == "DELETED") running_.erase(name);
        }
        return !stop_;
      });
    });
  }
  ~RunningWatch() {
    stop_ = true;
    client_->Cancel();
    thread_.join();
  }
  std::optional<BenchClock::time_point> RunningAt(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(name);
    if (it == running_.end()) return std::nullopt;
    return it->second;
  }
  size_t RunningCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return running_.size();
  }

 private:
  std::unique_ptr<http::HttpClient> client_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, BenchClock::time_point> running_;
};

template <typename F>
bool WaitFor(std::chrono::seconds timeout, F cond) {
  auto deadline = BenchClock::now() + timeout;
  while (BenchClock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

bool NodeReady(http::HttpClient& c) {
  auto r = c.Do("GET", "/api/v1/nodes/bench");
  if (!r.ok() || r->status != 200) return false;
  Json node = Json::parse(r->body, nullptr, false);
  for (const Json& cond : node["status"]["conditions"]) {
    if (cond.value("type", "") == "Ready") return cond.value("status", "") == "True";
  }
  return false;
}

// The node's lease was renewed after `t` (by a kubelet started after it).
bool LeaseRenewedAfter(http::HttpClient& c, std::chrono::system_clock::time_point t) {
  auto r = c.Do("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/bench");
  if (!r.ok() || r->status != 200) return false;
  Json lease = Json::parse(r->body, nullptr, false);
  if (!lease.is_object() || !lease.contains("spec")) return false;
  auto renewed = ParseRfc3339(lease["spec"].value("renewTime", ""));
  return renewed.has_value() && *renewed > t;
}

// Pod name -> its first container's ID, for the benchmark's long-running pods (p-*).
std::map<std::string, std::string> ContainerIds(http::HttpClient& c) {
  std::map<std::string, std::string> out;
  auto r = c.Do("GET", kPods);
  if (!r.ok() || r->status != 200) {
    std::printf("listing pods: %s\n", r.ok() ? r->body.substr(0, 300).c_str()
                                               : r.status().ToString().c_str());
    return out;
  }
  Json list = Json::parse(r->body, nullptr, false);  // (a temporary's items would dangle)
  for (const Json& pod : list["items"]) {
    const Json& status = pod["status"];
    std::string name = pod["metadata"].value("name", "");
    if (!status.contains("containerStatuses") || name.rfind("p-", 0) != 0) continue;
    out[name] =
        status["containerStatuses"][0].value("containerID", "");
  }
  return out;
}

// Every pod of `ids` is Ready with the same container (adopted, not restarted).
bool AllReadyWithSameContainers(http::HttpClient& c,
                                const std::map<std::string, std::string>& ids) {
  auto r = c.Do("GET", kPods);
  if (!r.ok() || r->status != 200) return false;
  size_t ready = 0;
  Json list = Json::parse(r->body, nullptr, false);  // (a temporary's items would dangle)
  for (const Json& pod : list["items"]) {
    auto it = ids.find(pod["metadata"].value("name", ""));
    if (it == ids.end()) continue;
    const Json& status = pod["status"];
    if (!status.contains("containerStatuses") || !status.contains("conditions")) return false;
    const Json& c0 = status["containerStatuses"][0];
    if (c0.value("containerID", "") != it->second || !c0.value("ready", false)) return false;
    ++ready;
  }
  return ready == ids.size();
}

int PodCount(http::HttpClient& c) {
  auto r = c.Do("GET", kPods);
  if (!r.ok() || r->status != 200) return -1;
  return static_cast<int>(Json::parse(r->body)["items"].size());
}

// Entries of a folder (the runtime's containers/ or sandboxes/).
size_t Entries(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

// Waits until the node runs exactly `pods` pods' sandboxes and containers (deleted pods are
// torn down after the API forgot them).
void WaitSettled(const std::string& data, size_t pods) {
  WaitFor(std::chrono::seconds(120), [&] {
    return Entries(data + "/agent/sandboxes") == pods &&
           Entries(data + "/agent/containers") == pods;
  });
}

// Server CPU over `seconds` of idleness, as a percentage of one core.
double IdleCpuPercent(const ServerProcess& server, int seconds) {
  double before = server.CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  return (server.CpuSeconds() - before) * 100.0 / seconds;
}

void CreatePod(http::HttpClient& c, const std::string& name) {
  auto r = c.Do("POST", kPods, JsonHeaders(), PodJson(name));
  if (!r.ok() || r->status != 201)
    Die("create " + name + ": " + (r.ok() ? r->body : r.status().ToString()));
}

std::string PodPhase(http::HttpClient& c, const std::string& name) {
  auto r = c.Do("GET", kPods + "/" + name);
  if (!r.ok() || r->status != 200) return "";
  Json pod = Json::parse(r->body, nullptr, false);
  return pod["status"].value("phase", "");
}

// A pod that writes `lines` lines of 100 characters to stdout and ends.
std::string LogWriterJson(const std::string& name, long lines) {
  std::string line(100, 'x');
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}}},
              {"spec",
               {{"restartPolicy", "Never"},
                {"containers",
                 {{{"name", "c"},
                   {"image", "busybox:fixture"},
                   {"command",
                    {"sh", "-c", "yes " + line + " | head -n " + std::to_string(lines)}}}}}}}};
  return pod.dump();
}

// test/bench/tools/kubectl_logs_floor.py's figure for `kubectl` (MiB/s), or -1.
double KubectlLogsFloor(const std::string& kubectl) {
  std::string cmd = std::string("/usr/bin/python3 ") + SAMPAN_SOURCE_DIR +
                    "/test/bench/tools/kubectl_logs_floor.py " + kubectl + " 5 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char line[512];
  double floor = -1;
  while (fgets(line, sizeof line, p) != nullptr) {
    std::sscanf(line, "kubectl_logs_floor_mb_s=%lf", &floor);
  }
  pclose(p);
  return floor;
}

// exec_p50_ms and logs_mb_s (see the header comment); needs `keep` pods p-*.
void MeasureStreams(ServerProcess& server, const std::string& dir, int keep, Summary& summary) {
  std::string kubectl = Kubectl133();
  if (kubectl.empty()) {
    std::printf("kubectl 1.33 not found: exec and logs not measured\n");
    return;
  }
  KubectlRunner k(kubectl, dir + "/kubeconfig");
  auto api = server.Client();
  int runs = kQuick ? 5 : 20;
  double base = P50Of(k.Command("get --raw /livez"), runs);
  double exec = P50Of(k.Command("exec p-0 -- busybox true"), runs);
  std::printf("kubectl get --raw /livez: p50 %.1f ms; kubectl exec p-0 -- busybox true: p50 %.1f ms\n",
              base, exec);
  if (base < 0 || exec < 0) Die("kubectl failed");
  summary.Add("kubectl_p50_ms", base, 1).Add("exec_p50_ms", exec - base, 1);

  // Logs: under the 10 MiB rotation size, so that kubectl sees all of it in one file.
  const long kLines = 69000, kBytes = kLines * 101;
  auto r = api->Do("POST", kPods, JsonHeaders(), LogWriterJson("logs", kLines));
  if (!r.ok() || r->status != 201) Die("create the log writer");
  if (!WaitFor(std::chrono::seconds(60), [&] { return PodPhase(*api, "logs") == "Succeeded"; })) {
    Die("the log writer did not finish");
  }
  std::string out = dir + "/logs.out";
  std::vector<double> seconds;
  for (int i = 0; i < (kQuick ? 2 : 5); ++i) {
    double ms = TimeShell(k.Command("logs -f logs >" + out + " 2>&1"));
    long got = std::filesystem::exists(out) ? static_cast<long>(std::filesystem::file_size(out)) : 0;
    if (ms < 0 || got != kBytes) Die("kubectl logs -f gave " + std::to_string(got) + " bytes");
    seconds.push_back(ms / 1000.0);
  }
  double logs_s = Percentile(seconds, 50);
  // Like exec, the throughput leaves out kubectl's own start and first request (`base`),
  // which is latency, not throughput; logs_total_mb_s keeps it in.
  double mib = kBytes / 1048576.0;
  double mb_s = logs_s > base / 1000.0 ? mib / (logs_s - base / 1000.0) : -1;
  std::printf("kubectl logs -f of %.1f MiB: p50 %.3f s = %.1f MiB/s, %.1f MiB/s beyond kubectl's "
              "own %.0f ms\n",
              mib, logs_s, mib / logs_s, mb_s, base);
  summary.Add("logs_mb_s", mb_s, 1).Add("logs_total_mb_s", mib / logs_s, 1);
  // kubectl's own ceiling here and now (it writes each line with its own write()): the same
  // log from a minimal server, measured the same way.
  double floor = KubectlLogsFloor(kubectl);
  if (floor > 0) {
    std::printf("kubectl logs -f from a minimal server: %.1f MiB/s beyond kubectl's start\n", floor);
    summary.Add("kubectl_logs_floor_mb_s", floor, 1);
  }
  (void)api->Do("DELETE", kPods + "/logs");
  WaitFor(std::chrono::seconds(30), [&] { return PodCount(*api) == keep; });

}

void DeletePods(http::HttpClient& c, int from, int to) {
  for (int i = from; i < to; ++i) {
    (void)c.Do("DELETE", kPods + "/p-" + std::to_string(i));
  }
}

// Containers outlive the server: kill what is left in our cgroups, then remove them.
void RemoveCgroups(const std::string& root) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    bool left = false;
    for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup")) {
      std::filesystem::path top = hierarchy.path() / root;
      if (!std::filesystem::exists(top)) continue;
      std::vector<std::filesystem::path> dirs;
      for (const auto& e : std::filesystem::recursive_directory_iterator(top)) {
        if (e.is_directory()) dirs.push_back(e.path());
      }
      dirs.push_back(top);
      for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
        std::ifstream procs(*it / "cgroup.procs");
        for (pid_t pid; procs >> pid;) kill(pid, SIGKILL);
        std::error_code ec;
        std::filesystem::remove(*it, ec);
      }
      left = left || std::filesystem::exists(top);
    }
    if (!left) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int main() {
  (void)log::Configure("warn", "text");
  EnterOwnNetworkNamespace();
  std::string dir = "/var/tmp/sampan-bench-pods";
  std::string cgroup_root = "sampan-bench-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/data/agent/images");
  std::string mkimage = std::filesystem::path(BinaryPath()).parent_path() / "test/helpers/mkimage";
  if (std::system((mkimage + " " + dir + " >/dev/null").c_str()) != 0) Die("mkimage failed");
  std::filesystem::rename(dir + "/busybox.oci.tar", dir + "/data/agent/images/busybox.oci.tar");
  Summary summary("pods");

  // SAMPAN_BENCH_LOG_LEVEL=debug shows the kubelet's per-step sync timings.
  const char* level = getenv("SAMPAN_BENCH_LOG_LEVEL");
  ServerProcess server(dir, {"--node-name", "bench", "--node-ip", "127.0.0.1", "--cgroup-root",
                             cgroup_root, "--log-level", level != nullptr ? level : "warn"});
  server.WaitReady();
  auto api = server.Client();
  if (!WaitFor(std::chrono::seconds(30), [&] { return NodeReady(*api); })) Die("node not Ready");
  double ready_s = std::chrono::duration<double>(BenchClock::now() - server.started()).count();
  std::printf("start -> Node Ready: %.3f s\n", ready_s);
  summary.Add("ready_s", ready_s, 3);

  // The image is imported in the background: wait for it with one pod.
  auto watcher = std::make_unique<RunningWatch>(server);
  RunningWatch& watch = *watcher;
  CreatePod(*api, "warmup");
  if (!WaitFor(std::chrono::seconds(60), [&] { return watch.RunningAt("warmup").has_value(); })) {
    Die("the warm-up pod did not run");
  }
  (void)api->Do("DELETE", kPods + "/warmup");
  WaitFor(std::chrono::seconds(30), [&] { return PodCount(*api) == 0; });
  WaitSettled(dir + "/data", 0);

  int idle_seconds = kQuick ? 3 : 10;
  double idle_cpu = IdleCpuPercent(server, idle_seconds);
  double idle_rss = server.RssKb() / 1024.0;
  std::printf("idle, no pods: RSS %.1f MB, CPU %.2f%% of a core\n", idle_rss, idle_cpu);
  summary.Add("idle_rss_mb", idle_rss, 1).Add("idle_cpu_pct", idle_cpu);

  // Startup latency: pods created at 10/s, each timed from its create to Running.
  int n = kQuick ? 20 : 100;
  std::map<std::string, BenchClock::time_point> created;
  for (int i = 0; i < n; ++i) {
    std::string name = "p-" + std::to_string(i);
    created[name] = BenchClock::now();
    CreatePod(*api, name);
    std::this_thread::sleep_until(created[name] + std::chrono::milliseconds(100));
  }
  if (!WaitFor(std::chrono::seconds(120), [&] { return watch.RunningCount() >= size_t(n); })) {
    std::printf("only %zu of %d pods ran\n", watch.RunningCount(), n);
  }
  std::vector<double> startup;
  for (const auto& [name, at] : created) {
    if (auto running = watch.RunningAt(name)) startup.push_back(Ms(*running - at));
  }
  double p50 = Percentile(startup, 50), p99 = Percentile(startup, 99);
  std::printf("startup (create -> Running): %zu pods, p50 %.1f ms, p99 %.1f ms\n", startup.size(),
              p50, p99);
  summary.Add("startup_p50_ms", p50, 1).Add("startup_p99_ms", p99, 1);

  // 30 running pods, idle.
  int keep = kQuick ? 10 : 30;
  DeletePods(*api, keep, n);
  WaitFor(std::chrono::seconds(120), [&] { return PodCount(*api) == keep; });
  WaitSettled(dir + "/data", keep);
  double cpu_30 = IdleCpuPercent(server, idle_seconds);
  double rss_30 = server.RssKb() / 1024.0;
  std::printf("idle, %d pods: RSS %.1f MB, CPU %.2f%% of a core\n", keep, rss_30, cpu_30);
  summary.Add("rss_30pods_mb", rss_30, 1).Add("cpu_30pods_pct", cpu_30);
  MeasureStreams(server, dir, keep, summary);

  // Recovery: kill -9 of the server under these pods, then a start on the same data dir.
  // Timed from the new start until the API answers, the new kubelet has renewed the node's
  // lease, and every pod is Ready with the container it had (adopted, not restarted).
  api = server.Client();  // the old connection may have been closed while idle
  std::map<std::string, std::string> ids = ContainerIds(*api);
  if (ids.size() != static_cast<size_t>(keep)) {
    std::printf("recovery: %zu of %d pods listed with a container; not measured\n", ids.size(),
                keep);
    ids.clear();
  }
  watcher.reset();  // its watch ends with the server
  server.Kill();
  auto restart_wall = std::chrono::system_clock::now();
  server.Restart();
  server.WaitReady();
  api = server.Client();
  bool recovered = WaitFor(std::chrono::seconds(60), [&] {
    return LeaseRenewedAfter(*api, restart_wall) && AllReadyWithSameContainers(*api, ids);
  });
  double recovery_s = std::chrono::duration<double>(BenchClock::now() - server.started()).count();
  std::printf("recovery after kill -9 with %zu pods: %.3f s%s\n", ids.size(), recovery_s,
              recovered ? "" : " (NOT recovered)");
  summary.Add("recovery_s", recovered && !ids.empty() ? recovery_s : -1.0, 3);
  watcher = std::make_unique<RunningWatch>(server);
  RunningWatch& watch2 = *watcher;

  // Max pods: fill the node up to 110.
  int max = kQuick ? 20 : 110;
  for (int i = keep; i < max; ++i) CreatePod(*api, "p-" + std::to_string(i));
  WaitFor(std::chrono::seconds(180), [&] { return watch2.RunningCount() >= size_t(max); });
  std::printf("max pods: %zu of %d running\n", watch2.RunningCount(), max);
  summary.Add("max_pods", static_cast<long long>(watch2.RunningCount()));
  summary.Add("rss_max_pods_mb", server.RssKb() / 1024.0, 1);

  DeletePods(*api, 0, max);
  bool gone = WaitFor(std::chrono::seconds(120), [&] { return PodCount(*api) == 0; });
  if (!gone) std::printf("pods still present after deletion\n");
  server.Stop();
  RemoveCgroups(cgroup_root);
  std::filesystem::remove_all(dir);
  summary.Print();
  return 0;
}
