#pragma once
// EventCorrelator: decides what EventRecorder writes for each recorded event, as
// client-go's EventCorrelator does for components:
// - spam filter: per source, object, type, reason and message, a token bucket of 25 events
//   refilled with one every 5 minutes; an event without a token is dropped;
// - aggregation: once 10 events differing only in their message were seen about the same
//   object with the same type and reason within 10 minutes, further ones are written as one
//   event with the message "(combined from similar events): <latest message>";
// - dedup: a repeat of an event written within the last 10 minutes updates that event
//   (count + 1, lastTimestamp) instead of creating another.
// Plain state, no I/O, no locking: the recorder uses it from its own thread only. Memory is
// bounded (the maps are cleared past 4096 keys, as client-go's LRU caches forget).

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "pkg/api/json.h"
#include "pkg/util/clock.h"

namespace sampan::client {

class EventCorrelator {
 public:
  enum class Action { kDrop, kCreate, kUpdate };
  struct Decision {
    Action action = Action::kCreate;
    std::string message;  // to write (the aggregated form when combined)
    std::string key;      // what Written() / Forget() take
    // kUpdate: the event to update and its new count.
    std::string ns, name;
    int64_t count = 1;
  };

  // `source_key` names the recording component (and host) for the spam filter.
  explicit EventCorrelator(std::string source_key) : source_key_(std::move(source_key)) {}

  // `involved` is the event's involvedObject (kind, namespace, name, uid, fieldPath, ...).
  Decision Observe(const api::Json& involved, const std::string& type, const std::string& reason,
                   const std::string& message, Clock::MonoTime now);
  // The decision's event was written (created or updated) as ns/name with `count`.
  void Written(const std::string& key, const std::string& ns, const std::string& name,
               int64_t count, Clock::MonoTime now);
  // The decision's event could not be updated (deleted, expired): the next repeat creates.
  void Forget(const std::string& key) { written_.erase(key); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::MonoTime last{};
  };
  struct Similar {
    std::set<std::string> messages;
    Clock::MonoTime last{};
  };
  struct WrittenEvent {
    std::string ns, name;
    int64_t count = 0;
    Clock::MonoTime last{};
  };
  bool TakeToken(const std::string& key, Clock::MonoTime now);

  const std::string source_key_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, Similar> similar_;
  std::map<std::string, WrittenEvent> written_;
};

}  // namespace sampan::client
