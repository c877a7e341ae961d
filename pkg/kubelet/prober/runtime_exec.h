#pragma once
// The ExecFn of a real node: runs probe and hook commands through runtime::Runtime::Exec,
// collects stdout and stderr (at most kMaxProbeOutput bytes; the rest is read and dropped
// so the command never blocks on a full pipe) until both reach EOF, then waits for the exit
// code. When the timeout passes first, the exec process is killed (SIGKILL) and reaped, and
// the result says timed_out.
//
// Known limit: the killed process is the runtime's exec monitor outside the container's PID
// namespace; a command that ignores its closed pipes may linger inside the container, as
// with CRI runtimes that only stop waiting.
//
// Ownership: the returned function keeps a reference to `runtime`, which must outlive it.
// Threading: the function may be called from several threads at once (Runtime::Exec is
// thread-safe for concurrent execs).

#include "pkg/kubelet/prober/probe_types.h"
#include "runtime/runtime.h"

namespace sampan::kubelet::prober {

ExecFn MakeRuntimeExecFn(runtime::Runtime& runtime);

// The same for one process already started (tests drive it with a fake ExecProcess).
Result<ExecResult> CollectExec(runtime::ExecProcess& process, std::chrono::milliseconds timeout);

}  // namespace sampan::kubelet::prober
