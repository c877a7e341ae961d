#pragma once
// Exec: starts a process inside a running container (its namespaces, cgroup, user,
// capabilities, no_new_privs, seccomp, rlimits, environment), as a child of the caller.
// Safe to call from a multi-threaded process: the forked child is single-threaded (setns of
// a mount namespace requires that).

#include <memory>

#include "runtime/cgroups/cgroups.h"
#include "runtime/runtime.h"

namespace sampan::runtime {

// A start failure (e.g. executable not found) still yields a process whose Wait() returns
// 126/127; its message is in start_error().
Result<std::unique_ptr<ExecProcess>> ExecInContainer(const ContainerSpec& spec, pid_t pid,
                                                     Cgroups& cgroups, const ExecOptions& options);

}  // namespace sampan::runtime
