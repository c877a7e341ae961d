#include "pkg/client/event_correlator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace sampan::client {
namespace {

constexpr double kSpamBurst = 25;
constexpr std::chrono::seconds kSpamRefillEvery{300};
constexpr size_t kAggregateMaxEvents = 10;
constexpr std::chrono::minutes kAggregateWindow{10};
constexpr std::chrono::minutes kDedupWindow{10};
constexpr size_t kMaxRemembered = 4096;
constexpr const char* kCombinedPrefix = "(combined from similar events): ";

std::string ObjectKey(const api::Json& involved) {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", api::GetString(involved, "apiVersion"),
                     api::GetString(involved, "kind"), api::GetString(involved, "namespace"),
                     api::GetString(involved, "name"), api::GetString(involved, "uid"),
                     api::GetString(involved, "fieldPath"));
}

template <typename Map>
void Bound(Map& map) {
  if (map.size() >= kMaxRemembered) map.clear();
}

}  // namespace

bool EventCorrelator::TakeToken(const std::string& key, Clock::MonoTime now) {
  Bound(buckets_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{kSpamBurst, now});
  Bucket& b = it->second;
  if (!fresh) {
    double refill = std::chrono::duration<double>(now - b.last) /
                    std::chrono::duration<double>(kSpamRefillEvery);
    b.tokens = std::min(kSpamBurst, b.tokens + refill);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

EventCorrelator::Decision EventCorrelator::Observe(const api::Json& involved,
                                                   const std::string& type,
                                                   const std::string& reason,
                                                   const std::string& message,
                                                   Clock::MonoTime now) {
  Decision d;
  std::string object = ObjectKey(involved);
  if (!TakeToken(
          fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}", source_key_, object, type, reason, message),
          now)) {
    d.action = Action::kDrop;
    return d;
  }
  // Aggregation by reason: many distinct messages become one combined event.
  std::string aggregate_key = fmt::format("{}\x1f{}\x1f{}", object, type, reason);
  Bound(similar_);
  Similar& similar = similar_[aggregate_key];
  if (now - similar.last > kAggregateWindow) similar.messages.clear();
  similar.last = now;
  similar.messages.insert(message);
  if (similar.messages.size() >= kAggregateMaxEvents) {
    similar.messages.erase(similar.messages.begin());  // do not grow past the limit
    d.message = kCombinedPrefix + message;
    d.key = aggregate_key;
  } else {
    d.message = message;
    d.key = aggregate_key + "\x1f" + message;
  }
  // Dedup: a repeat updates the event written before.
  auto it = written_.find(d.key);
  if (it != written_.end() && now - it->second.last < kDedupWindow) {
    d.action = Action::kUpdate;
    d.ns = it->second.ns;
    d.name = it->second.name;
    d.count = it->second.count + 1;
    return d;
  }
  d.action = Action::kCreate;
  return d;
}

void EventCorrelator::Written(const std::string& key, const std::string& ns,
                              const std::string& name, int64_t count, Clock::MonoTime now) {
  if (!written_.count(key)) Bound(written_);
  written_[key] = WrittenEvent{ns, name, count, now};
}

}  // namespace sampan::client
