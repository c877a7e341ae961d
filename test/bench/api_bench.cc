// bench api: the API server over HTTPS with keep-alive, as a separate `sampan server`
// process: ConfigMap creates from 16 clients (rate, p50/p99), get p99, listing 10,000 pods,
// watch delivery to 100 watchers (read by one epoll thread, as client-go reads its watches,
// and by a thread each), and the server's RSS holding 10,000 pods.
//
// SAMPAN_BENCH_QUICK=1 shrinks every phase (a smoke run). SAMPAN_BIN names the binary
// (default: build/sampan next to this benchmark). SAMPAN_BENCH_ONLY=gets,watch,... runs only
// the named phases (creates, gets, rbac, pods, patches, watch) and what they need, for
// profiling one of them.
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "pkg/util/http_client.h"
#include "pkg/util/log.h"
#include "pkg/util/pki.h"
#include "test/bench/bench_util.h"
#include "test/bench/multiplexed_watches.h"
#include "test/bench/server_process.h"

using namespace sampan;
using namespace sampan::bench;

namespace {

const bool kQuick = getenv("SAMPAN_BENCH_QUICK") != nullptr;
constexpr int kClients = 16;

// True unless SAMPAN_BENCH_ONLY is set and does not name `phase`.
bool Wanted(const std::string& phase) {
  const char* only = getenv("SAMPAN_BENCH_ONLY");
  if (only == nullptr) return true;
  std::string list = std::string(",") + only + ",";
  return list.find("," + phase + ",") != std::string::npos;
}

std::string PodJson(int i) {
  // A realistic pod after defaulting: ~2.5 KB.
  char buf[4096];
  std::snprintf(
      buf, sizeof buf,
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-%05d","labels":{"app":"bench","pod-template-hash":"5d8f7c9b6d","tier":"backend"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-27T06:00:00Z"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"bench-5d8f7c9b6d","uid":"2c1b6a9e-8f37-4c7e-9b2a-1d3e5f7a9b0c","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"app","image":"registry.example.com/team/app:1.4.2","command":["/bin/app","--config=/etc/app/config.yaml","--port=8080"],"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}],"ports":[{"name":"http","containerPort":8080},{"name":"metrics","containerPort":9090}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},"readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":5},"livenessProbe":{"httpGet":{"path":"/livez","port":8080},"initialDelaySeconds":10},"volumeMounts":[{"name":"config","mountPath":"/etc/app"},{"name":"data","mountPath":"/var/lib/app"}]}],"volumes":[{"name":"config","configMap":{"name":"app-config"}},{"name":"data","emptyDir":{}}],"nodeSelector":{"kubernetes.io/os":"linux"},"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]}})",
      i);
  return buf;
}

// Runs `per_client` requests on each of kClients keep-alive clients; returns latencies (ms)
// and rate. Each client connects (TLS handshake) with an untimed GET /version first, and
// the clock starts once all have: the figures are of requests, not of connection setup.
template <typename Fn>
std::pair<std::vector<double>, double> Parallel(const ServerProcess& s, int per_client, Fn fn,
                                                const std::string& user = "admin") {
  std::vector<std::vector<double>> lat(kClients);
  std::atomic<int> errors{0}, connected{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = s.Client(std::chrono::seconds(30), user);
      if (!client->Do("GET", "/version").ok()) errors++;
      connected++;
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < per_client; ++i) {
        auto t0 = BenchClock::now();
        if (!fn(*client, c, i)) errors++;
        lat[c].push_back(Ms(BenchClock::now() - t0));
      }
    });
  }
  while (connected.load() < kClients) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = BenchClock::now();
  go = true;
  for (auto& t : threads) t.join();
  double secs = Ms(BenchClock::now() - start) / 1000;
  if (errors > 0) {
    std::fprintf(stderr, "%d requests failed\n", errors.load());
    std::exit(1);
  }
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {all, kClients * per_client / secs};
}

// Writes client-<user>.crt/.key into the server's TLS folder, signed by its client CA.
void WriteUserCert(const ServerProcess& s, const std::string& user) {
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  auto ca = DecodeCertPem(read(s.tls_dir() + "/client-ca.crt"));
  auto ca_key = DecodeKeyPem(read(s.tls_dir() + "/client-ca.key"));
  auto key = GenerateEcKey();
  if (!ca.ok() || !ca_key.ok() || !key.ok()) {
    std::fprintf(stderr, "client CA unreadable\n");
    std::exit(1);
  }
  CertSpec spec;
  spec.common_name = user;
  spec.client_auth = true;
  auto cert = IssueCert(spec, key->get(), ca->get(), ca_key->get());
  auto cert_pem = cert.ok() ? EncodeCertPem(cert->get()) : Result<std::string>(cert.status());
  auto key_pem = EncodeKeyPem(key->get());
  if (!cert_pem.ok() || !key_pem.ok()) {
    std::fprintf(stderr, "cannot issue a client certificate\n");
    std::exit(1);
  }
  std::ofstream(s.tls_dir() + "/client-" + user + ".crt") << *cert_pem;
  std::ofstream(s.tls_dir() + "/client-" + user + ".key") << *key_pem;
}


const int kPerClient = kQuick ? 50 : 400;
const int kPods = kQuick ? 1000 : 10000;

// Creates of small ConfigMaps cm-<client>-<i>, which the gets read.
void MeasureCreates(const ServerProcess& server, Summary& summary) {
  double cpu0 = server.CpuSeconds();
  auto [create_lat, create_rate] =
      Parallel(server, kPerClient, [](http::HttpClient& c, int id, int i) {
        std::string body =
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-" +
            std::to_string(id) + "-" + std::to_string(i) + "\"},\"data\":{\"k\":\"v\"}}";
        auto r = c.Do("POST", "/api/v1/namespaces/default/configmaps", JsonHeaders(), body);
        return r.ok() && r->status == 201;
      });
  // Server CPU per request: steadier than the latencies on a shared machine.
  double cpu_us = (server.CpuSeconds() - cpu0) * 1e6 / static_cast<double>(create_lat.size());
  std::printf("creates: %.0f/s p50 %.2f ms p99 %.2f ms, server CPU %.0f us each\n", create_rate,
              Percentile(create_lat, 50), Percentile(create_lat, 99), cpu_us);
  summary.Add("creates_per_s", create_rate, 0).Add("create_cpu_us", cpu_us, 0);
  summary.Add("create_p50_ms", Percentile(create_lat, 50))
      .Add("create_p99_ms", Percentile(create_lat, 99));
}

bool GetConfigMap(http::HttpClient& c, int id, int i) {
  std::string target = "/api/v1/namespaces/default/configmaps/cm-" +
                       std::to_string((id + 1) % kClients) + "-" +
                       std::to_string((i * 7) % kPerClient);
  auto r = c.Do("GET", target);
  return r.ok() && r->status == 200;
}

void MeasureGets(const ServerProcess& server, Summary& summary) {
  double cpu0 = server.CpuSeconds();
  auto [get_lat, get_rate] = Parallel(server, kPerClient, GetConfigMap);
  double cpu_us = (server.CpuSeconds() - cpu0) * 1e6 / static_cast<double>(get_lat.size());
  std::printf("gets: %.0f/s p50 %.2f ms p99 %.2f ms, server CPU %.0f us each\n", get_rate,
              Percentile(get_lat, 50), Percentile(get_lat, 99), cpu_us);
  summary.Add("get_p99_ms", Percentile(get_lat, 99)).Add("get_cpu_us", cpu_us, 0);
}

// RBAC: the same gets as a user whom the last of 100 RoleBindings allows (system:masters
// skips the authorizer), against the admin's rate measured just before.
void MeasureRbac(const ServerProcess& server, Summary& summary) {
  auto admin = server.Client();
  WriteUserCert(server, "bench-user");
  for (int b = 0; b < 100; ++b) {
    std::string subject = b == 99 ? "bench-user" : "bench-other-" + std::to_string(b);
    MustCreate(*admin, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
               R"({"metadata":{"name":"rb-)" + std::to_string(b) +
                   R"("},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole",)"
                   R"("name":"view"},"subjects":[{"kind":"User",)"
                   R"("apiGroup":"rbac.authorization.k8s.io","name":")" +
                   subject + R"("}]})");
  }
  {  // the authorizer's cache follows the store: wait until the user may read
    auto user = server.Client(std::chrono::seconds(30), "bench-user");
    auto deadline = BenchClock::now() + std::chrono::seconds(10);
    while (!GetConfigMap(*user, 0, 0)) {
      if (BenchClock::now() > deadline) {
        std::fprintf(stderr, "bench-user never became allowed to read configmaps\n");
        std::exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  double admin_rate = Parallel(server, kPerClient, GetConfigMap).second;
  double rbac_rate = Parallel(server, kPerClient, GetConfigMap, "bench-user").second;
  std::printf("gets with 100 RoleBindings: admin %.0f/s, RBAC-checked user %.0f/s\n", admin_rate,
              rbac_rate);
  summary.Add("admin_gets_per_s", admin_rate, 0)
      .Add("rbac_gets_per_s", rbac_rate, 0)
      .Add("rbac_overhead_pct", 100.0 * (admin_rate - rbac_rate) / admin_rate, 1);
}

// kPods pods pod-NNNNN, then the time to list them and the server's RSS holding them.
void MeasurePodList(const ServerProcess& server, Summary& summary) {
  // Pods get the namespace's default ServiceAccount from admission; the controller that
  // makes it is off here, so the benchmark makes it (a server otherwise refuses pods).
  MustCreate(*server.Client(), "/api/v1/namespaces/default/serviceaccounts",
             R"({"metadata":{"name":"default"}})");
  auto [pod_lat, pod_rate] =
      Parallel(server, kPods / kClients, [](http::HttpClient& c, int id, int i) {
        auto r = c.Do("POST", "/api/v1/namespaces/default/pods", JsonHeaders(),
                      PodJson(id * (kPods / kClients) + i));
        return r.ok() && r->status == 201;
      });
  std::printf("pod creates: %.0f/s\n", pod_rate);
  auto lister = server.Client();
  std::vector<double> list_ms;
  size_t bytes = 0;
  for (int i = 0; i < 5; ++i) {
    auto t0 = BenchClock::now();
    auto r = lister->Do("GET", "/api/v1/pods");
    list_ms.push_back(Ms(BenchClock::now() - t0));
    if (!r.ok() || r->status != 200) {
      std::fprintf(stderr, "list failed\n");
      std::exit(1);
    }
    bytes = r->body.size();
  }
  double list_median = Percentile(list_ms, 50);
  std::printf("list %d pods: median %.1f ms (%.1f MB)\n", kPods, list_median, bytes / 1048576.0);
  summary.Add("list10k_ms", list_median, 1);
  summary.Add("rss10k_mb", server.RssKb() / 1024.0, 1);
}

// Strategic merge patches of the pods (a container's image, found by its merge key).
void MeasurePatches(const ServerProcess& server, Summary& summary) {
  int patches = kQuick ? 20 : 100;
  auto [patch_lat, patch_rate] =
      Parallel(server, patches, [](http::HttpClient& c, int id, int i) {
        http::Headers h;
        h.Add("Content-Type", "application/strategic-merge-patch+json");
        std::string target = "/api/v1/namespaces/default/pods/pod-" +
                             std::to_string(100000 + (id * (kPods / kClients) + i)).substr(1);
        auto r = c.Do(
            "PATCH", target, h,
            R"({"spec":{"containers":[{"name":"app","image":"registry.example.com/team/app:1.4.)" +
                std::to_string(i) + R"("}]}})");
        return r.ok() && r->status == 200;
      });
  std::printf("strategic patches: %.0f/s p50 %.2f ms p99 %.2f ms\n", patch_rate,
              Percentile(patch_lat, 50), Percentile(patch_lat, 99));
  summary.Add("strategic_patch_p99_ms", Percentile(patch_lat, 99));
}

// Watch delivery: 100 watchers stream one ConfigMap; one writer patches it with its send
// time (`t`), 2 ms apart. Two kinds of watchers, one round each: an event-driven client
// (one thread, epoll; client-go's informers read their watches so) and a thread per watch.
struct WatchRound {
  std::vector<double> latencies_ms;  // send -> read, every delivery
  // Per update: its first delivery (the commit's share) and last minus first (the fan-out's).
  std::map<long long, std::pair<double, double>> first_last_ms;
  double server_cpu_ms = 0;          // per update
  double client_cpu_ms = 0;          // watchers and writer, per update
  std::vector<double> patch_ms;      // the writer's own round trips
};

constexpr int kWatchers = 100;

// The send time of a watch event line, or -1.
long long SentAt(std::string_view line) {
  size_t p = line.find("\"t\":\"");
  return p == std::string_view::npos ? -1 : std::atoll(line.data() + p + 5);
}

double CpuSecondsOfThisProcess() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

WatchRound RunWatchRound(const ServerProcess& server, bool multiplexed) {
  int updates = kQuick ? 100 : 500;
  std::string name = multiplexed ? "watched-mux" : "watched-threads";
  // Made before the watches start: its ADDED event carries no send time.
  auto writer = server.Client();
  MustCreate(*writer, "/api/v1/namespaces/default/configmaps",
             R"({"metadata":{"name":")" + name + R"("},"data":{"t":"0"}})");
  auto rv_resp = writer->Do("GET", "/api/v1/namespaces/default/configmaps?limit=1");
  // The list's own resourceVersion (not an item's: an old one would make every watcher
  // replay the history of all the ConfigMaps created above).
  std::string rv =
      rv_resp.ok()
          ? nlohmann::json::parse(rv_resp->body)["metadata"]["resourceVersion"].get<std::string>()
          : "0";
  std::string target = "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + rv +
                       "&fieldSelector=metadata.name%3D" + name;

  WatchRound round;
  std::mutex mu;
  auto record = [&](std::string_view line, BenchClock::time_point read_at) {
    long long sent = SentAt(line);
    if (sent < 0) return;
    long long now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        read_at.time_since_epoch()).count();
    std::lock_guard<std::mutex> lock(mu);
    double ms = (now - sent) / 1e6;
    round.latencies_ms.push_back(ms);
    auto [it, fresh] = round.first_last_ms.try_emplace(sent, ms, ms);
    if (!fresh) {
      it->second.first = std::min(it->second.first, ms);
      it->second.second = std::max(it->second.second, ms);
    }
  };
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  std::vector<std::unique_ptr<http::HttpClient>> thread_clients;
  MultiplexedWatches mux(server.tls_dir() + "/server-ca.crt",
                         server.tls_dir() + "/client-admin.crt",
                         server.tls_dir() + "/client-admin.key");
  if (multiplexed) {
    for (int w = 0; w < kWatchers; ++w) mux.Open(server.port(), target);
    readers.emplace_back([&] { mux.Run(stop, record); });
  } else {
    for (int w = 0; w < kWatchers; ++w) thread_clients.push_back(server.Client());
    for (int w = 0; w < kWatchers; ++w) {
      readers.emplace_back([&, w] {
        std::string pending;
        (void)thread_clients[w]->Stream("GET", target, {}, [&](std::string_view chunk) {
          auto read_at = BenchClock::now();
          pending.append(chunk);
          size_t nl;
          while ((nl = pending.find('\n')) != std::string::npos) {
            record(std::string_view(pending).substr(0, nl), read_at);
            pending.erase(0, nl + 1);
          }
          return !stop.load();
        });
      });
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let every watch register
  double server_cpu0 = server.CpuSeconds(), client_cpu0 = CpuSecondsOfThisProcess();
  for (int i = 0; i < updates; ++i) {
    auto sent_at = BenchClock::now();
    long long now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(sent_at.time_since_epoch()).count();
    http::Headers h;
    h.Add("Content-Type", "application/merge-patch+json");
    (void)writer->Do("PATCH", "/api/v1/namespaces/default/configmaps/" + name, h,
                     "{\"data\":{\"t\":\"" + std::to_string(now) + "\"}}");
    round.patch_ms.push_back(Ms(BenchClock::now() - sent_at));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Every delivery in time (all but a late one or two): polled, with a deadline.
  auto deadline = BenchClock::now() + std::chrono::seconds(5);
  auto delivered = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return round.latencies_ms.size() >= static_cast<size_t>(kWatchers) * updates;
  };
  while (!delivered() && BenchClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  round.server_cpu_ms = (server.CpuSeconds() - server_cpu0) * 1000 / updates;
  round.client_cpu_ms = (CpuSecondsOfThisProcess() - client_cpu0) * 1000 / updates;
  stop = true;
  for (auto& c : thread_clients) c->Cancel();
  for (auto& t : readers) t.join();
  return round;
}

void MeasureWatch(const ServerProcess& server, Summary& summary) {
  for (bool multiplexed : {true, false}) {
    WatchRound r = RunWatchRound(server, multiplexed);
    std::vector<double>& lat = r.latencies_ms;
    std::vector<double> first, spread;
    for (const auto& [sent, fl] : r.first_last_ms) {
      first.push_back(fl.first);
      spread.push_back(fl.second - fl.first);
    }
    std::printf("watch (%s): %zu deliveries, p50 %.2f ms p90 %.2f ms p99 %.2f ms max %.2f ms "
                "(submit to receipt); patch round trip p50 %.2f ms; CPU per update: server %.2f ms, "
                "client %.2f ms\n",
                multiplexed ? "one epoll reader" : "a thread per watch", lat.size(),
                Percentile(lat, 50), Percentile(lat, 90), Percentile(lat, 99),
                Percentile(lat, 100), Percentile(r.patch_ms, 50), r.server_cpu_ms, r.client_cpu_ms);
    std::printf(
        "  per update: first delivery p50 %.2f ms p99 %.2f ms; last minus first p50 %.2f ms "
        "p99 %.2f ms\n",
        Percentile(first, 50), Percentile(first, 99), Percentile(spread, 50),
        Percentile(spread, 99));
    if (multiplexed) {
      summary.Add("watch_p99_ms", Percentile(lat, 99))
          .Add("watch_server_cpu_ms", r.server_cpu_ms);
    } else {
      summary.Add("watch_threads_p99_ms", Percentile(lat, 99));
    }
  }
}

}  // namespace

int main() {
  (void)log::Configure("warn", "text");
  std::string dir = "/var/tmp/sampan-bench-api";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ServerProcess server(dir, {"--disable-agent", "--disable-scheduler",
                             "--disable-controller-manager", "--log-level", "warn"});
  server.WaitReady();
  Summary summary("api");
  bool gets = Wanted("gets") || Wanted("rbac");
  if (Wanted("creates") || gets) MeasureCreates(server, summary);
  if (Wanted("gets")) MeasureGets(server, summary);
  if (Wanted("rbac")) MeasureRbac(server, summary);
  if (Wanted("pods") || Wanted("patches")) MeasurePodList(server, summary);
  if (Wanted("patches")) MeasurePatches(server, summary);
  if (Wanted("watch")) MeasureWatch(server, summary);
  summary.Add("server_rss_end_mb", server.RssKb() / 1024.0, 1);

  server.Stop();
  std::filesystem::remove_all(dir);
  summary.Print();
  return 0;
}
