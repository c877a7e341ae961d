#include "runtime/spec.h"

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace sampan::runtime {

NLOHMANN_JSON_SERIALIZE_ENUM(Propagation, {{Propagation::kPrivate, "private"},
                                           {Propagation::kHostToContainer, "host-to-container"},
                                           {Propagation::kBidirectional, "bidirectional"}})
NLOHMANN_JSON_SERIALIZE_ENUM(SeccompKind, {{SeccompKind::kUnconfined, "Unconfined"},
                                           {SeccompKind::kRuntimeDefault, "RuntimeDefault"},
                                           {SeccompKind::kLocalhost, "Localhost"}})
NLOHMANN_JSON_SERIALIZE_ENUM(NamespaceMode, {{NamespaceMode::kContainer, "container"},
                                             {NamespaceMode::kPod, "pod"},
                                             {NamespaceMode::kHost, "host"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BindMount, host_path, container_path, read_only,
                                                propagation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Rlimit, type, soft, hard)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserSpec, uid, gid, user_name, group_name,
                                                additional_gids)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProcessSpec, args, env, cwd, user, umask, tty,
                                                stdin_open, stdin_once, rlimits, oom_score_adj)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecuritySpec, privileged, cap_add, cap_drop,
                                                no_new_privileges, seccomp, seccomp_profile_path,
                                                read_only_rootfs, masked_paths, readonly_paths)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NamespaceSpec, network, pid, ipc, uts)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResourceSpec, cpu_shares, cpu_quota_us,
                                                cpu_period_us, memory_limit, pids_limit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerSpec, id, name, sandbox_id, image,
                                                lower_dirs, process, mounts, hostname, sysctls,
                                                namespaces, security, resources, cgroup_path,
                                                namespace_paths, log_path, log_max_size,
                                                log_max_files, stop_signal, labels, annotations)

const std::vector<std::string>& DefaultMaskedPaths() {
  static const std::vector<std::string> kPaths = {
      "/proc/acpi",       "/proc/asound",      "/proc/interrupts",
      "/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap"};
  return kPaths;
}

const std::vector<std::string>& DefaultReadonlyPaths() {
  static const std::vector<std::string> kPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                  "/proc/sysrq-trigger"};
  return kPaths;
}

std::string SpecToJson(const ContainerSpec& spec) {
  nlohmann::json j = spec;
  return j.dump(2);
}

Result<ContainerSpec> SpecFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Invalid("container spec: not a JSON object");
  try {
    return j.get<ContainerSpec>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("container spec: ") + e.what());
  }
}

Result<int> ParseSignal(const std::string& name) {
  if (name.empty()) return Status::Invalid("empty signal name");
  if (name.find_first_not_of("0123456789") == std::string::npos) {
    int n = std::atoi(name.c_str());
    if (n > 0 && n < NSIG) return n;
    return Status::Invalid("signal number out of range: " + name);
  }
  std::string n = name;
  for (char& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n.rfind("SIG", 0) == 0) n = n.substr(3);
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
      {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
      {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
      {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
      {"PWR", SIGPWR},       {"SYS", SIGSYS}};
  for (const auto& [signame, number] : kSignals) {
    if (n == signame) return number;
  }
  return Status::Invalid("unknown signal: " + name);
}

}  // namespace sampan::runtime
