#include "pkg/client/event_recorder.h"

#include <fmt/format.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/util/log.h"
#include "pkg/util/random.h"
#include "pkg/util/time_format.h"

namespace sampan::client {
namespace {

const log::Logger kLog("client");

using api::builtin::Events;

}  // namespace

EventRecorder::EventRecorder(Client& client, const Clock& clock, EventSource source)
    : client_(client),
      clock_(clock),
      source_(std::move(source)),
      thread_("events"),
      correlator_(source_.component + "\x1f" + source_.host) {}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Start() { thread_.Start(); }

void EventRecorder::Stop() { thread_.Stop(); }

void EventRecorder::Record(const api::Json& object, const std::string& type,
                           const std::string& reason, const std::string& message,
                           const std::string& field_path) {
  const api::Json& meta = api::ObjectField(object, "metadata");
  api::Json involved = {{"apiVersion", api::GetString(object, "apiVersion", "v1")},
                        {"kind", api::GetString(object, "kind")},
                        {"name", api::GetString(meta, "name")},
                        {"uid", api::GetString(meta, "uid")},
                        {"resourceVersion", api::GetString(meta, "resourceVersion")}};
  if (std::string ns = api::GetString(meta, "namespace"); !ns.empty()) involved["namespace"] = ns;
  if (!field_path.empty()) involved["fieldPath"] = field_path;
  thread_.dispatcher().Post(
      [this, involved = std::move(involved), type, reason, message]() mutable {
        Write(std::move(involved), std::move(type), std::move(reason), std::move(message));
      });
}

void EventRecorder::Write(api::Json involved, std::string type, std::string reason,
                          std::string message) {
  std::string ns = api::GetString(involved, "namespace", "default");
  Clock::MonoTime mono = clock_.Now();
  EventCorrelator::Decision d = correlator_.Observe(involved, type, reason, message, mono);
  if (d.action == EventCorrelator::Action::kDrop) {
    kLog.Debug("event {} about {}/{} dropped by the spam filter", reason, ns,
               api::GetString(involved, "name"));
    return;
  }
  auto wall = clock_.WallNow();
  std::string now = FormatRfc3339(wall);
  if (d.action == EventCorrelator::Action::kUpdate) {
    api::Json patch = {
        {"count", d.count},
        {"lastTimestamp", now},
        {"message", d.message},
        {"series", {{"count", d.count}, {"lastObservedTime", FormatRfc3339Micro(wall)}}}};
    Result<api::Json> patched = client_.Patch(Events(), d.ns, d.name, PatchType::kMerge, patch);
    if (patched.ok()) {
      correlator_.Written(d.key, d.ns, d.name, d.count, mono);
      return;
    }
    correlator_.Forget(d.key);  // gone (TTL, deleted): write a new one
  }

  std::string name =
      fmt::format("{}.{}", api::GetString(involved, "name"), RandomString(16, "0123456789abcdef"));
  api::Json source = {{"component", source_.component}};
  if (!source_.host.empty()) source["host"] = source_.host;
  api::Json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"involvedObject", std::move(involved)},
      {"reason", reason},
      {"message", d.message},
      {"type", type},
      {"source", std::move(source)},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
      {"reportingComponent", source_.component},
      {"reportingInstance", source_.host.empty() ? source_.component : source_.host}};
  Result<api::Json> created = client_.Create(Events(), event);
  if (!created.ok()) {
    kLog.Debug("event {} {}: {}", reason, name, created.status().message());
    return;
  }
  correlator_.Written(d.key, ns, name, 1, mono);
}

}  // namespace sampan::client
