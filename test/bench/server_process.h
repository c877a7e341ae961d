#pragma once
// A `sampan server` child process for benchmarks: started with its own data dir and port
// (plus any flags), HTTPS clients with the admin certificate, readiness, RSS and CPU time of
// the process, and a clean stop.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pkg/util/http_client.h"

extern char** environ;

namespace sampan::bench {

// SAMPAN_BIN, or build/sampan next to the benchmark's bench/ folder.
inline std::string BinaryPath() {
  if (const char* b = getenv("SAMPAN_BIN")) return b;
  return std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "sampan";
}

inline http::Headers JsonHeaders() {
  http::Headers h;
  h.Add("Content-Type", "application/json");
  return h;
}

// POSTs `body` to `path`; exits the benchmark unless it is created. Returns the reply body.
inline std::string MustCreate(http::HttpClient& c, const std::string& path,
                              const std::string& body) {
  auto r = c.Do("POST", path, JsonHeaders(), body);
  if (!r.ok() || r->status != 201) {
    std::fprintf(stderr, "POST %s failed: %s\n", path.c_str(),
                 r.ok() ? r->body.c_str() : r.status().ToString().c_str());
    std::exit(1);
  }
  return r->body;
}

class ServerProcess {
 public:
  // Spawns `sampan server` with data under `dir` and `extra` flags; does not wait.
  ServerProcess(const std::string& dir, const std::vector<std::string>& extra) {
    port_ = 20000 + static_cast<int>(getpid() % 20000);
    tls_dir_ = dir + "/data/server/tls";
    std::ofstream(dir + "/empty.yaml").close();
    config_ = "SAMPAN_CONFIG=" + dir + "/empty.yaml";
    args_ = {BinaryPath(),          "server",
             "--data-dir",          dir + "/data",
             "--write-kubeconfig",  dir + "/kubeconfig",
             "--bind-address",      "127.0.0.1",
             "--https-listen-port", std::to_string(port_)};
    args_.insert(args_.end(), extra.begin(), extra.end());
    Spawn();
  }
  ~ServerProcess() { Stop(); }

  pid_t pid() const { return pid_; }
  const std::string& tls_dir() const { return tls_dir_; }
  int port() const { return port_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  // A client with the admin certificate, or with `user`'s files in the TLS folder
  // (`client-<user>.crt`/`.key`, e.g. written by a benchmark with the client CA), or (user
  // "") with none, authenticating by the headers of its requests.
  std::unique_ptr<http::HttpClient> Client(
      std::chrono::milliseconds timeout = std::chrono::seconds(30),
      const std::string& user = "admin") const {
    http::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.timeout = timeout;
    o.tls =
        http::ClientTlsOptions{tls_dir_ + "/server-ca.crt", tls_dir_ + "/client-" + user + ".crt",
                               tls_dir_ + "/client-" + user + ".key"};
    if (user.empty()) o.tls->cert_file = o.tls->key_file = "";
    auto c = http::HttpClient::New(o);
    if (!c.ok()) {
      std::fprintf(stderr, "client: %s\n", c.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(*c);
  }

  // Waits until /readyz answers 200 (exits the benchmark after 30 s).
  void WaitReady() const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(tls_dir_ + "/client-admin.key") &&
          std::filesystem::exists(tls_dir_ + "/client-admin.crt")) {
        auto r = Client()->Do("GET", "/readyz");
        if (r.ok() && r->status == 200) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::fprintf(stderr, "server did not become ready\n");
    std::exit(1);
  }

  long RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }

  // utime + stime of the process, in seconds.
  double CpuSeconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14) utime = std::stol(field);
      if (i == 15) {
        stime = std::stol(field);
        break;
      }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  // kill -9 (containers go on under their shims), then a new start with the same flags.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  void Restart() {
    Kill();
    Spawn();
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  void Spawn() {
    std::vector<char*> argv;
    for (std::string& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    env.push_back(config_.data());
    env.push_back(nullptr);
    started_ = std::chrono::steady_clock::now();
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), env.data()) != 0) {
      std::fprintf(stderr, "cannot start %s\n", argv[0]);
      std::exit(1);
    }
  }

  std::vector<std::string> args_;
  std::string config_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string tls_dir_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sampan::bench
