#pragma once
// The `sampan shim` processes (the same binary re-executed, started by spawn.h):
//  - the container shim: creates the container's cgroup, clones the container's first
//    process (which runs the start phases, container/init.h), owns its stdio and writes the
//    CRI log, forwards terminal input and resizes, reaps it and records the exit (code,
//    signal, OOM) in the state directory, then removes the cgroup and exits;
//  - the sandbox holder: makes the pod's shared namespaces and sleeps until killed, reaping
//    orphans when it is the pod's PID 1.
// Both report on the ready fd: "ok PID\n" (kept open until the process exits) or
// "error CODE MESSAGE". Single-threaded.

#include <cstdint>
#include <string>

namespace sampan::runtime {

struct ContainerShimArgs {
  std::string bundle;  // the container's state directory
  int ready_fd = -1;
  int stdin_fd = -1;
  uint16_t rows = 0;
  uint16_t cols = 0;
};
int RunContainerShim(const ContainerShimArgs& args);

struct SandboxHolderArgs {
  std::string dir;  // the sandbox's state directory
  int ready_fd = -1;
};
int RunSandboxHolder(const SandboxHolderArgs& args);

}  // namespace sampan::runtime
