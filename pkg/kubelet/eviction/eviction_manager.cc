#include "pkg/kubelet/eviction/eviction_manager.h"

#include <map>

#include "pkg/kubelet/eviction/ranking.h"
#include "pkg/util/log.h"

namespace sampan::kubelet::eviction {
namespace {

const log::Logger kLog("kubelet");

}  // namespace

EvictionManager::EvictionManager(const Clock& clock, EvictionOptions options, SummaryFn summary,
                                 ActivePodsFn active_pods, EvictFn evict)
    : clock_(clock),
      options_(std::move(options)),
      summary_(std::move(summary)),
      active_pods_(std::move(active_pods)),
      evict_(std::move(evict)),
      thread_("eviction") {}

EvictionManager::~EvictionManager() { Stop(); }

void EvictionManager::Start() {
  thread_.dispatcher().AddRepeatingTimer(options_.interval, [this] { (void)Synchronize(); });
  thread_.Start();
}

void EvictionManager::Stop() { thread_.Stop(); }

void EvictionManager::UpdatePressure(Resource resource, bool crossed_now) {
  std::optional<Clock::MonoTime>& seen = resource == Resource::kMemory ? memory_seen_ : disk_seen_;
  std::atomic<bool>& flag = resource == Resource::kMemory ? memory_pressure_ : disk_pressure_;
  Clock::MonoTime now = clock_.Now();
  if (crossed_now) seen = now;
  bool pressure = seen && now - *seen < options_.pressure_transition_period;
  if (crossed_now) pressure = true;
  if (flag.exchange(pressure) != pressure) {
    kLog.Info("node {} pressure: {}", ResourceName(resource), pressure ? "yes" : "no");
  }
}

std::optional<std::string> EvictionManager::Synchronize() {
  Result<stats::Summary> summary = summary_(false);
  if (!summary.ok()) {
    kLog.Debug("eviction: no stats: {}", summary.status().message());
    return std::nullopt;
  }
  Observations observed = Observe(*summary);
  std::vector<Threshold> crossed = Crossed(options_.thresholds, observed);
  bool memory = false, disk = false;
  for (const Threshold& t : crossed) {
    (ResourceOf(t.signal) == Resource::kMemory ? memory : disk) = true;
  }
  UpdatePressure(Resource::kMemory, memory);
  UpdatePressure(Resource::kDisk, disk);
  if (crossed.empty()) return std::nullopt;
  if (summary = summary_(true); !summary.ok()) {
    kLog.Debug("eviction: no pod stats: {}", summary.status().message());
    return std::nullopt;
  }

  // Memory first, as upstream orders its signals.
  const Threshold* first = &crossed[0];
  for (const Threshold& t : crossed) {
    if (t.signal == Signal::kMemoryAvailable) first = &t;
  }
  std::map<std::string, const stats::PodStats*> by_uid;
  for (const stats::PodStats& p : summary->pods) by_uid[p.uid] = &p;
  std::vector<Candidate> candidates;
  std::map<std::string, client::ObjectPtr> pods;
  for (const client::ObjectPtr& pod : active_pods_()) {
    std::string uid = api::GetString(api::ObjectField(*pod, "metadata"), "uid");
    auto it = by_uid.find(uid);
    std::optional<Candidate> c = MakeCandidate(*pod, it == by_uid.end() ? nullptr : it->second);
    if (!c) continue;
    pods[uid] = pod;
    candidates.push_back(std::move(*c));
  }
  if (candidates.empty()) {
    kLog.Debug("eviction: {} threshold crossed, no pod to evict", SignalName(first->signal));
    return std::nullopt;
  }
  Rank(ResourceOf(first->signal), candidates);
  const Candidate& victim = candidates.front();
  std::string message = EvictionMessage(*first, observed[first->signal], victim);
  kLog.Info("evicting pod {}: {}", victim.key, message);
  evict_(*pods[victim.uid], message);
  return victim.key;
}

}  // namespace sampan::kubelet::eviction
