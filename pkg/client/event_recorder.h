#pragma once
// EventRecorder: writes core/v1 Events about objects (`kubectl describe` shows them), the way
// client-go's recorder does for components, through an EventCorrelator (event_correlator.h):
// a repeat of the same type, reason and message about the same object within 10 minutes
// bumps `count`, `lastTimestamp` and `series` of the event already written instead of
// creating another; many similar events are combined; a flood per object is rate limited.
//
// Threading: Record() may be called from any thread and never blocks on the API: events are
// written in order on the recorder's own thread. Events still queued at Stop() are written
// before it returns. Write failures are logged at debug level and dropped (events are
// best-effort, as upstream).

#include <chrono>
#include <map>
#include <string>

#include "pkg/api/json.h"
#include "pkg/client/client.h"
#include "pkg/client/event_correlator.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::client {

struct EventSource {
  std::string component;  // "kubelet", "default-scheduler"
  std::string host;       // node name for node components ("" otherwise)
};

class EventRecorder {
 public:
  EventRecorder(Client& client, const Clock& clock, EventSource source);
  ~EventRecorder();  // Stop()
  void Start();
  void Stop();

  // `type` is "Normal" or "Warning". `field_path` names the part of the object
  // ("spec.containers{web}") or is "".
  void Record(const api::Json& object, const std::string& type, const std::string& reason,
              const std::string& message, const std::string& field_path = "");

 private:
  void Write(api::Json involved, std::string type, std::string reason, std::string message);

  Client& client_;
  const Clock& clock_;
  const EventSource source_;
  DispatcherThread thread_;
  EventCorrelator correlator_;  // recorder thread only
};

}  // namespace sampan::client
