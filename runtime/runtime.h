#pragma once
// Runtime: what the kubelet (and `sampan ctr`) sees of the container runtime. Pod sandboxes
// own the shared namespaces; containers run inside a sandbox (or standalone for `ctr`), each
// under its own `sampan shim` process, so containers outlive the process that started them.
//
// State lives on disk under <data-dir>/agent/{sandboxes,containers}/<id>/; a Runtime object
// holds no state of its own, so a new process (after a restart or upgrade of sampan) sees
// and manages every sandbox and container that still exists (Recover() tidies up after shims
// that died). Methods are synchronous and may block (a stop waits up to its grace period);
// call them from a worker thread, not an event loop. Thread-safe for different ids;
// operations on the same id must not race (the kubelet's per-pod workers guarantee this).
//
// Kubernetes names do not appear here: the kubelet translates pods into SandboxConfig and
// ContainerSpec (runtime/spec.h).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/logs/cri_log_reader.h"
#include "runtime/spec.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

using WallTime = std::chrono::system_clock::time_point;

// ---------------------------------------------------------------- sandboxes
struct SandboxConfig {
  std::string name;      // informational (the kubelet uses "<ns>_<pod>_<uid>")
  std::string hostname;  // of the pod's UTS namespace
  bool host_network = false;
  bool host_ipc = false;
  bool host_pid = false;
  bool share_pid = false;  // one PID namespace for all containers (shareProcessNamespace)
  // Pod cgroup relative to the runtime's cgroup root, e.g. "kubepods/burstable/pod<uid>";
  // "" = "kubepods/besteffort/pod<sandbox id>".
  std::string cgroup_parent;
  ResourceSpec resources;  // pod-level limits on the pod cgroup
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

enum class SandboxState { kReady, kNotReady };

struct SandboxStatus {
  std::string id;
  SandboxConfig config;
  SandboxState state = SandboxState::kNotReady;
  pid_t holder_pid = 0;  // keeps the namespaces alive
  WallTime created_at;
  // /proc/<holder>/ns/net while ready ("" with the host network): for the network plugin.
  std::string netns_path;
};

// ---------------------------------------------------------------- containers
enum class ContainerState { kCreated, kRunning, kExited, kUnknown };
std::string_view ContainerStateName(ContainerState state);

struct ContainerStatus {
  std::string id;
  std::string name;
  std::string sandbox_id;
  std::string image;
  ContainerState state = ContainerState::kUnknown;
  pid_t pid = 0;  // host pid of the container's first process while running
  pid_t shim_pid = 0;
  WallTime created_at;
  WallTime started_at;   // epoch if never started
  WallTime finished_at;  // epoch unless exited
  int exit_code = 0;     // 128+signal when killed by a signal
  int signal = 0;
  // "Completed" (exit 0), "Error", "OOMKilled" (137), "StartError" (never ran; 127 when the
  // executable was not found), "Unknown" (the shim vanished).
  std::string reason;
  std::string message;
  std::string log_path;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct StartOptions {
  // The container's stdin when spec.process.stdin_open (the caller's terminal for
  // `ctr run -i`); the shim receives a duplicate.
  int stdin_fd = -1;
  // Terminal size for a TTY container.
  uint16_t rows = 0;
  uint16_t cols = 0;
  // If set, receives a pipe that reaches EOF when the shim exits (the container's status is
  // final by then): lets a caller wait without polling.
  UniqueFd* exit_notify = nullptr;
};

// ---------------------------------------------------------------- exec
struct ExecOptions {
  std::vector<std::string> args;
  std::vector<std::string> env;  // added to the container's environment
  bool tty = false;
  bool stdin_open = false;
  uint16_t rows = 0;
  uint16_t cols = 0;
};

// A process started in a container by Exec. With a TTY, `terminal` is the pty master
// (read output, write input); without, stdin (if asked), stdout and stderr are pipes.
// Destroying it closes the fds; the process keeps running until it ends by itself.
class ExecProcess {
 public:
  virtual ~ExecProcess() = default;
  virtual pid_t pid() const = 0;
  virtual int terminal() const = 0;
  virtual int stdin_fd() const = 0;
  virtual int stdout_fd() const = 0;
  virtual int stderr_fd() const = 0;
  // Closes the process's stdin (EOF for the program).
  virtual void CloseStdin() = 0;
  virtual Status Resize(uint16_t rows, uint16_t cols) = 0;
  // Waits for the exit: the exit code (126/127 for a command that cannot run, 128+signal).
  virtual Result<int> Wait() = 0;
  // Why the command could not start ("" if it did), e.g. "executable file not found".
  virtual const std::string& start_error() const = 0;
  // The caller is gone and will not read any more: an exec'd command is killed and reaped;
  // an attachment (Runtime::Attach) only detaches, the container goes on.
  virtual void Abandon();
};

// ---------------------------------------------------------------- attach
// Which of the container's streams an attachment takes. Whether it gets a terminal is the
// container's own setting (spec.process.tty), as with upstream's kubelet. Asking for stdin
// of a container without one (stdin_open false) attaches without input, as containerd does.
struct AttachOptions {
  bool stdin = false;
  bool stdout = true;
  bool stderr = true;
};

// ---------------------------------------------------------------- the interface
class Runtime {
 public:
  virtual ~Runtime() = default;

  virtual Result<std::string> RunPodSandbox(const SandboxConfig& config) = 0;
  // Stops the sandbox's containers (grace 0 as in CRI StopPodSandbox... after the kubelet
  // stopped them gracefully) and the namespace holder. Idempotent.
  virtual Status StopPodSandbox(const std::string& id) = 0;
  // Removes a stopped sandbox and its containers. Missing = OK.
  virtual Status RemovePodSandbox(const std::string& id) = 0;
  virtual Result<SandboxStatus> PodSandboxStatus(const std::string& id) = 0;
  virtual Result<std::vector<SandboxStatus>> ListPodSandboxes() = 0;

  // Records a container ("created"); `sandbox_id` "" makes a standalone container. The
  // runtime fills spec.id, cgroup_path and namespace_paths. Returns the id.
  virtual Result<std::string> CreateContainer(const std::string& sandbox_id,
                                              ContainerSpec spec) = 0;
  // Starts the shim and the container; returns once the program was exec'd, or with the
  // start error (the phase and system call that failed; nothing is left behind).
  virtual Status StartContainer(const std::string& id, const StartOptions& options) = 0;
  // The stop signal, then SIGKILL after `grace`. Returns once it has exited. Idempotent.
  virtual Status StopContainer(const std::string& id, std::chrono::milliseconds grace) = 0;
  // Removes a container that is not running (its writable layer, state and cgroup; not its
  // log). Missing = OK.
  virtual Status RemoveContainer(const std::string& id) = 0;
  virtual Result<ContainerStatus> GetContainerStatus(const std::string& id) = 0;
  virtual Result<std::vector<ContainerStatus>> ListContainers() = 0;
  // Resolves an id, a unique id prefix or a container name to the id.
  virtual Result<std::string> ResolveContainer(const std::string& id_prefix_or_name) = 0;
  virtual Result<ContainerSpec> GetContainerSpec(const std::string& id) = 0;

  // Usage of a running container / of a sandbox's pod cgroup (CPU time, working set, ...).
  virtual Result<CgroupStats> ContainerStats(const std::string& id) = 0;
  virtual Result<CgroupStats> PodSandboxStats(const std::string& id) = 0;

  // Runs a command in a running container: all its namespaces, its cgroup, user,
  // capabilities, no_new_privs and seccomp profile.
  virtual Result<std::unique_ptr<ExecProcess>> Exec(const std::string& id,
                                                    const ExecOptions& options) = 0;
  // Attaches to the stdio of a running container (through its shim): the process's
  // terminal (TTY containers) or stdin/stdout/stderr fds stream live output from now on
  // and take input; they reach EOF once the container has exited. Wait() returns 0 then
  // (attach reports no exit code); Abandon()/destruction detaches. stdinOnce containers
  // close their input when the first attachment with stdin ends it.
  virtual Result<std::unique_ptr<ExecProcess>> Attach(const std::string& id,
                                                      const AttachOptions& options) = 0;
  // Reads the container's log (tail/since/timestamps/follow; follow ends when the
  // container has exited and its output is drained, or when options.done says so).
  virtual Status ReadLogs(const std::string& id, LogReadOptions options, const LogSink& sink) = 0;

  // Re-adoption after a restart: marks containers whose shim vanished as exited ("Unknown")
  // and sandboxes whose holder vanished as not ready. (Every status read treats a running
  // container without its shim the same way; processes it left behind are killed, since
  // nothing logs them or records their end.) Running containers need nothing: their
  // shims keep going and report to the state directory.
  virtual Status Recover() = 0;
};

struct RuntimeOptions {
  std::string data_dir = "/var/lib/sampan";
  // Prefix of every cgroup the runtime makes, in each hierarchy ("" = the hierarchy root,
  // as the kubelet's kubepods/...). Tests point it at a subtree of their own.
  std::string cgroup_root;
  // The binary to re-execute as shim ("" = /proc/self/exe).
  std::string self_exe;
};

// The runtime of this node: namespaces, overlayfs, cgroups (v1 or v2, detected), seccomp.
Result<std::unique_ptr<Runtime>> NewLocalRuntime(const RuntimeOptions& options);

}  // namespace sampan::runtime
