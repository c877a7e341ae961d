#pragma once
// Pieces of bench pods that go through real kubectl 1.33 (from the google-cloud-cli
// package): `kubectl exec` round trips and `kubectl logs -f` throughput. Every figure comes with
// kubectl's own cost (start, kubeconfig, TLS, one request), measured the same way, so that the
// server's part can be told apart.

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "test/bench/bench_util.h"

namespace sampan::bench {

// kubectl 1.33 next to the `kubectl` on PATH, or "" when there is none.
inline std::string Kubectl133() {
  FILE* p = popen(
      "d=$(dirname \"$(readlink -f \"$(command -v kubectl)\")\") && "
      "test -x \"$d/kubectl.1.33\" && echo \"$d/kubectl.1.33\"",
      "r");
  if (p == nullptr) return "";
  char buf[512] = {0};
  std::string path = fgets(buf, sizeof buf, p) != nullptr ? buf : "";
  pclose(p);
  while (!path.empty() && path.back() == '\n') path.pop_back();
  return path;
}

// Runs a shell command; its wall time in ms, or a negative number when it failed (its
// output is shown then).
inline double TimeShell(const std::string& command) {
  std::string full = "(" + command + ") >/tmp/sampan-bench-cmd.out 2>&1";
  auto start = BenchClock::now();
  int rc = std::system(full.c_str());
  double ms = Ms(BenchClock::now() - start);
  if (rc == 0) return ms;
  std::fprintf(stderr, "failed: %s\n", command.c_str());
  (void)std::system("tail -5 /tmp/sampan-bench-cmd.out >&2");
  return -1;
}

// p50 of `runs` timings of a command, or -1 if any run failed.
inline double P50Of(const std::string& command, int runs) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    double ms = TimeShell(command);
    if (ms < 0) return -1;
    samples.push_back(ms);
  }
  return Percentile(samples, 50);
}

class KubectlRunner {
 public:
  KubectlRunner(std::string kubectl, std::string kubeconfig)
      : prefix_("KUBECONFIG=" + kubeconfig + " " + kubectl + " ") {}
  std::string Command(const std::string& args) const { return prefix_ + args; }

 private:
  std::string prefix_;
};

}  // namespace sampan::bench
