// bench sa_auth: what authenticating a request costs with a service-account token (an RS256
// signature check per request, the account looked up in the server's watch-kept cache)
// against the admin client certificate: GETs of one ConfigMap from 16 keep-alive clients
// each way, against a separate `sampan server` process.
//
// SAMPAN_BENCH_QUICK=1 shrinks the run (a smoke run). SAMPAN_BIN names the binary.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "pkg/api/json.h"
#include "pkg/util/http_client.h"
#include "pkg/util/log.h"
#include "test/bench/bench_util.h"
#include "test/bench/server_process.h"

using namespace sampan;
using namespace sampan::bench;

namespace {

const bool kQuick = getenv("SAMPAN_BENCH_QUICK") != nullptr;
constexpr int kClients = 16;

// GETs of the ConfigMap from kClients clients; returns requests per second.
double GetRate(const ServerProcess& s, int per_client, bool client_cert, const std::string& token) {
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  auto start = BenchClock::now();
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      auto client = s.Client(std::chrono::seconds(30), client_cert ? "admin" : "");
      http::Headers h;
      if (!token.empty()) h.Add("Authorization", "Bearer " + token);
      for (int i = 0; i < per_client; ++i) {
        auto r = client->Do("GET", "/api/v1/namespaces/default/configmaps/target", h);
        if (!r.ok() || r->status != 200) errors++;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (errors > 0) {
    std::fprintf(stderr, "%d requests failed\n", errors.load());
    std::exit(1);
  }
  return kClients * per_client / (Ms(BenchClock::now() - start) / 1000);
}

}  // namespace

int main() {
  (void)log::Configure("warn", "text");
  std::string dir = "/var/tmp/sampan-bench-sa-auth";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ServerProcess server(dir, {"--disable-agent", "--disable-scheduler",
                             "--disable-controller-manager", "--log-level", "warn"});
  server.WaitReady();
  auto admin = server.Client();
  MustCreate(*admin, "/api/v1/namespaces/default/serviceaccounts",
             R"({"metadata":{"name":"bench"}})");
  MustCreate(
      *admin, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      R"({"metadata":{"name":"bench-view"},)"
      R"("roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},)"
      R"("subjects":[{"kind":"ServiceAccount","name":"bench","namespace":"default"}]})");
  MustCreate(*admin, "/api/v1/namespaces/default/configmaps",
             R"({"metadata":{"name":"target"},"data":{"k":"v"}})");
  std::string issued =
      MustCreate(*admin, "/api/v1/namespaces/default/serviceaccounts/bench/token",
                 R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest",)"
                 R"("spec":{"expirationSeconds":3600}})");
  Result<api::Json> request = api::ParseJson(issued);
  std::string token =
      request.ok() ? api::GetString(api::ObjectField(*request, "status"), "token") : "";
  if (token.empty()) {
    std::fprintf(stderr, "no token in %s\n", issued.c_str());
    return 1;
  }

  int per_client = kQuick ? 100 : 1000;
  (void)GetRate(server, per_client / 10, true, "");  // warm-up
  double cert = GetRate(server, per_client, true, "");
  double sa = GetRate(server, per_client, false, token);
  std::printf("GET with the admin certificate: %.0f/s; with a service-account token: %.0f/s\n",
              cert, sa);
  Summary("sa_auth")
      .Add("cert_gets_per_s", cert, 0)
      .Add("sa_token_gets_per_s", sa, 0)
      .Add("sa_vs_cert", sa / cert)
      .Print();
  server.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
