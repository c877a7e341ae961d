#include "pkg/kubelet/prober/probe_manager.h"

#include <algorithm>
#include <random>
#include <vector>

#include "pkg/kubelet/prober/handler_runner.h"
#include "pkg/kubelet/prober/worker_pool.h"
#include "pkg/util/log.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using std::chrono::seconds;

const log::Logger kLog("kubelet");

constexpr std::array<ProbeKind, 3> kKinds = {ProbeKind::kStartup, ProbeKind::kLiveness,
                                             ProbeKind::kReadiness};

const char* FieldOf(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness: return "livenessProbe";
    case ProbeKind::kReadiness: return "readinessProbe";
    case ProbeKind::kStartup: return "startupProbe";
  }
  return "";
}

// A positive field, or `def` when absent or not positive (the API server defaults and
// validates these; this guards against objects that skipped it).
int64_t Positive(const Json& probe, std::string_view field, int64_t def) {
  int64_t v = api::GetInt(probe, field, def);
  return v > 0 ? v : def;
}

}  // namespace

std::string_view ProbeKindName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness: return "Liveness";
    case ProbeKind::kReadiness: return "Readiness";
    case ProbeKind::kStartup: return "Startup";
  }
  return "";
}

ProbeSpec ParseProbeSpec(const Json& probe) {
  ProbeSpec spec;
  spec.handler = probe;
  spec.initial_delay = seconds(std::max<int64_t>(0, api::GetInt(probe, "initialDelaySeconds")));
  spec.period = seconds(Positive(probe, "periodSeconds", 10));
  spec.timeout = seconds(Positive(probe, "timeoutSeconds", 1));
  spec.success_threshold = static_cast<int>(Positive(probe, "successThreshold", 1));
  spec.failure_threshold = static_cast<int>(Positive(probe, "failureThreshold", 3));
  return spec;
}

Clock::MonoTime ToMonoTime(const Clock& clock, Clock::WallTime wall) {
  return clock.Now() - std::chrono::duration_cast<Clock::Duration>(clock.WallNow() - wall);
}

struct ProbeManager::State {
  struct Worker {
    ProbeKind kind;
    ProbeSpec spec;
    // Bumped whenever the worker is rescheduled or cancelled: a timer or an outcome that
    // carries another value is stale and ignored.
    uint64_t seq = 0;
    Dispatcher::TimerId timer = 0;
    bool in_flight = false;
    bool on_hold = false;  // liveness/startup failed: wait for a new container
    bool stopped = false;
    std::optional<bool> result;
    std::optional<bool> last;  // the last counted attempt, and how many in a row
    int run = 0;
    Clock::MonoTime last_start{};
  };
  struct Container {
    uint64_t generation = 0;
    ProbeTarget target;
    Clock::MonoTime started_at{};
    bool has_startup = false;
    bool started = false;
    std::array<std::unique_ptr<Worker>, 3> workers;
    Worker* WorkerOf(ProbeKind kind) { return workers[static_cast<int>(kind)].get(); }
  };
  using Notes = std::vector<std::function<void()>>;

  State(Dispatcher& d, const Clock& c, ProbeManagerOptions o)
      : dispatcher(d), clock(c), options(std::move(o)), created(c.Now()) {}

  Container* Find(const std::string& pod_uid, const std::string& name) {
    auto pod = pods.find(pod_uid);
    if (pod == pods.end()) return nullptr;
    auto it = pod->second.find(name);
    return it == pod->second.end() ? nullptr : &it->second;
  }

  void Cancel(Worker& w) {
    if (w.timer != 0) dispatcher.CancelTimer(w.timer);
    w.timer = 0;
    w.in_flight = false;
    ++w.seq;
  }

  void CancelAll(Container& c) {
    for (auto& w : c.workers) {
      if (w) Cancel(*w);
    }
  }

  // With mu held.
  void Schedule(const std::string& pod_uid, const std::string& name, const Container& c, Worker& w,
                Clock::MonoTime due) {
    Cancel(w);
    Clock::Duration delay = std::max(Clock::Duration::zero(), due - clock.Now());
    std::weak_ptr<State> weak = self;
    w.timer = dispatcher.AddTimer(
        delay, [weak, pod_uid, name, generation = c.generation, kind = w.kind, seq = w.seq] {
          if (auto state = weak.lock()) state->OnTimer(pod_uid, name, generation, kind, seq);
        });
  }

  void ScheduleFirst(const std::string& pod_uid, const std::string& name, const Container& c,
                     Worker& w, bool spread) {
    Clock::MonoTime earliest = clock.Now();
    if (spread && earliest - created < w.spec.period) {
      double fraction = std::clamp(options.random(), 0.0, 1.0);
      earliest += std::chrono::duration_cast<Clock::Duration>(w.spec.period * fraction);
    }
    Schedule(pod_uid, name, c, w, std::max(earliest, c.started_at + w.spec.initial_delay));
  }

  void OnTimer(const std::string& pod_uid, const std::string& name, uint64_t generation,
               ProbeKind kind, uint64_t seq) {
    std::lock_guard lock(mu);
    if (shutdown) return;
    Container* c = Find(pod_uid, name);
    if (c == nullptr || c->generation != generation) return;
    Worker* w = c->WorkerOf(kind);
    if (w == nullptr || w->seq != seq || w->stopped || w->on_hold) return;
    w->timer = 0;
    w->in_flight = true;
    w->last_start = clock.Now();
    std::weak_ptr<State> weak = self;
    Dispatcher* loop = &dispatcher;
    options.run_task([weak, loop, run = options.run_probe, handler = w->spec.handler,
                      target = c->target, timeout = w->spec.timeout, pod_uid, name, generation,
                      kind, seq] {
      ProbeOutcome outcome = run(handler, target, timeout);
      loop->Post([weak, pod_uid, name, generation, kind, seq, outcome = std::move(outcome)] {
        if (auto state = weak.lock())
          state->OnOutcome(pod_uid, name, generation, kind, seq, outcome);
      });
    });
  }

  void OnOutcome(const std::string& pod_uid, const std::string& name, uint64_t generation,
                 ProbeKind kind, uint64_t seq, const ProbeOutcome& outcome) {
    Notes notes;
    {
      std::lock_guard lock(mu);
      if (shutdown) return;
      Container* c = Find(pod_uid, name);
      if (c == nullptr || c->generation != generation) return;
      Worker* w = c->WorkerOf(kind);
      if (w == nullptr || w->seq != seq || !w->in_flight) return;
      w->in_flight = false;
      Apply(pod_uid, name, *c, *w, outcome, &notes);
      if (!w->on_hold && !w->stopped) {
        Schedule(pod_uid, name, *c, *w, std::max(clock.Now(), w->last_start + w->spec.period));
      }
    }
    for (auto& note : notes) note();
  }

  void Event(const std::string& pod_uid, const std::string& name, const char* reason,
             std::string message, Notes* notes) {
    if (!options.on_event) return;
    notes->push_back([this, pod_uid, name, reason, message = std::move(message)] {
      options.on_event(pod_uid, name, ProbeEvent{"Warning", reason, message});
    });
  }

  // Counts one attempt against the thresholds (upstream's worker.doProbe). With mu held.
  void Apply(const std::string& pod_uid, const std::string& name, Container& c, Worker& w,
             const ProbeOutcome& outcome, Notes* notes) {
    const std::string kind_name(ProbeKindName(w.kind));
    switch (outcome.result) {
      case ProbeResult::kUnknown:
        kLog.Debug("{} probe of container {} in pod {} errored: {}", kind_name, name, pod_uid,
                   outcome.message);
        Event(pod_uid, name, "Unhealthy",
              kind_name + " probe errored and resulted in unknown state: " + outcome.message,
              notes);
        return;
      case ProbeResult::kFailure:
        kLog.Debug("{} probe of container {} in pod {} failed: {}", kind_name, name, pod_uid,
                   outcome.message);
        Event(pod_uid, name, "Unhealthy", kind_name + " probe failed: " + outcome.message, notes);
        break;
      case ProbeResult::kWarning:
        Event(pod_uid, name, "ProbeWarning", kind_name + " probe warning: " + outcome.message,
              notes);
        break;
      case ProbeResult::kSuccess: break;
    }
    const bool success = outcome.succeeded();
    if (w.last == success) {
      ++w.run;
    } else {
      w.last = success;
      w.run = 1;
    }
    if (w.run < (success ? w.spec.success_threshold : w.spec.failure_threshold)) return;

    const bool changed = w.result != success;
    const bool restart = !success && w.kind != ProbeKind::kReadiness;
    w.result = success;
    if ((changed || restart) && options.on_result) {
      notes->push_back([this, pod_uid, name, id = c.target.container_id, kind = w.kind, success,
                        message = outcome.message] {
        options.on_result(pod_uid, name, id, kind, success, message);
      });
    }
    if (changed || restart) {
      kLog.Info("{} probe of container {} in pod {}: {}", kind_name, name, pod_uid,
                success ? "success" : (restart ? "failed, container will be restarted" : "failed"));
    }
    if (restart) {
      w.on_hold = true;
      w.run = 0;
    }
    if (w.kind == ProbeKind::kStartup && success) {
      c.started = true;
      w.stopped = true;
      for (ProbeKind gated : {ProbeKind::kLiveness, ProbeKind::kReadiness}) {
        if (Worker* g = c.WorkerOf(gated)) ScheduleFirst(pod_uid, name, c, *g, false);
      }
    }
  }

  Dispatcher& dispatcher;
  const Clock& clock;
  ProbeManagerOptions options;
  const Clock::MonoTime created;
  std::weak_ptr<State> self;

  mutable std::mutex mu;
  bool shutdown = false;                                         // guarded by mu
  std::map<std::string, std::map<std::string, Container>> pods;  // guarded by mu
  uint64_t next_generation = 1;                                  // guarded by mu
};

ProbeManager::ProbeManager(Dispatcher& dispatcher, const Clock& clock,
                           ProbeManagerOptions options) {
  if (!options.run_probe) options.run_probe = RunHandler;
  if (!options.random) {
    options.random = [] {
      thread_local std::mt19937_64 engine{std::random_device{}()};
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
  if (!options.run_task) {
    pool_ = std::make_unique<WorkerPool>(options.threads, "probe");
    WorkerPool* pool = pool_.get();
    options.run_task = [pool](std::function<void()> task) { pool->Submit(std::move(task)); };
  }
  state_ = std::make_shared<State>(dispatcher, clock, std::move(options));
  state_->self = state_;
}

ProbeManager::~ProbeManager() {
  {
    std::lock_guard lock(state_->mu);
    state_->shutdown = true;
    for (auto& [uid, containers] : state_->pods) {
      for (auto& [name, c] : containers) state_->CancelAll(c);
    }
    state_->pods.clear();
  }
  pool_.reset();  // joins: no task is running or will start once this returns
}

void ProbeManager::AddContainer(const std::string& pod_uid, const std::string& container_name,
                                const std::string& container_id, const Json& container,
                                const std::string& pod_ip, Clock::MonoTime started_at) {
  std::lock_guard lock(state_->mu);
  if (state_->shutdown) return;
  State::Container& c = state_->pods[pod_uid][container_name];
  state_->CancelAll(c);
  c = State::Container();
  c.generation = state_->next_generation++;
  c.target.container_id = container_id;
  c.target.pod_ip = pod_ip;
  c.target.ports = ContainerPorts(container);
  c.target.exec = state_->options.exec;
  c.started_at = started_at;
  for (ProbeKind kind : kKinds) {
    const Json* probe = api::Find(container, FieldOf(kind));
    if (probe == nullptr || !probe->is_object()) continue;
    auto w = std::make_unique<State::Worker>();
    w->kind = kind;
    w->spec = ParseProbeSpec(*probe);
    if (kind == ProbeKind::kLiveness) w->result = true;
    if (kind == ProbeKind::kReadiness) w->result = false;
    c.workers[static_cast<int>(kind)] = std::move(w);
  }
  c.has_startup = c.WorkerOf(ProbeKind::kStartup) != nullptr;
  c.started = !c.has_startup;
  for (ProbeKind kind : kKinds) {
    State::Worker* w = c.WorkerOf(kind);
    if (w == nullptr) continue;
    if (kind != ProbeKind::kStartup && !c.started) continue;  // gated by the startup probe
    state_->ScheduleFirst(pod_uid, container_name, c, *w, true);
  }
}

void ProbeManager::RemoveContainer(const std::string& pod_uid, const std::string& container_name) {
  std::lock_guard lock(state_->mu);
  auto pod = state_->pods.find(pod_uid);
  if (pod == state_->pods.end()) return;
  auto it = pod->second.find(container_name);
  if (it == pod->second.end()) return;
  state_->CancelAll(it->second);
  pod->second.erase(it);
  if (pod->second.empty()) state_->pods.erase(pod);
}

void ProbeManager::RemovePod(const std::string& pod_uid) {
  std::lock_guard lock(state_->mu);
  auto pod = state_->pods.find(pod_uid);
  if (pod == state_->pods.end()) return;
  for (auto& [name, c] : pod->second) state_->CancelAll(c);
  state_->pods.erase(pod);
}

void ProbeManager::StopLivenessAndStartup(const std::string& pod_uid) {
  std::lock_guard lock(state_->mu);
  auto pod = state_->pods.find(pod_uid);
  if (pod == state_->pods.end()) return;
  for (auto& [name, c] : pod->second) {
    for (ProbeKind kind : {ProbeKind::kLiveness, ProbeKind::kStartup}) {
      if (State::Worker* w = c.WorkerOf(kind)) {
        state_->Cancel(*w);
        w->stopped = true;
      }
    }
  }
}

bool ProbeManager::IsStarted(const std::string& pod_uid, const std::string& container_name,
                             const std::string& container_id) const {
  std::lock_guard lock(state_->mu);
  State::Container* c = state_->Find(pod_uid, container_name);
  if (c == nullptr || (!container_id.empty() && container_id != c->target.container_id)) {
    return false;
  }
  return c->started;
}

bool ProbeManager::IsReady(const std::string& pod_uid, const std::string& container_name,
                           const std::string& container_id) const {
  std::lock_guard lock(state_->mu);
  State::Container* c = state_->Find(pod_uid, container_name);
  if (c == nullptr || !c->started) return false;
  if (!container_id.empty() && container_id != c->target.container_id) return false;
  State::Worker* w = c->WorkerOf(ProbeKind::kReadiness);
  return w == nullptr || w->result.value_or(false);
}

size_t ProbeManager::active_workers() const {
  std::lock_guard lock(state_->mu);
  size_t n = 0;
  for (const auto& [uid, containers] : state_->pods) {
    for (const auto& [name, c] : containers) {
      for (const auto& w : c.workers) {
        if (w && (w->timer != 0 || w->in_flight)) ++n;
      }
    }
  }
  return n;
}

}  // namespace sampan::kubelet::prober
