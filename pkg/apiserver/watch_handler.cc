#include "pkg/apiserver/watch_handler.h"

#include <fmt/core.h>

#include <atomic>
#include <mutex>
#include <random>

#include "pkg/apiserver/list_filter.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/apiserver/table.h"
#include "pkg/apiserver/version_conversion.h"
#include "pkg/apiserver/watch_decode_cache.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");
constexpr auto kBookmarkInterval = std::chrono::seconds(60);

}  // namespace

// One running watch: owns the store watch and timers, ends the stream once.
class ActiveWatch : public std::enable_shared_from_this<ActiveWatch> {
 public:
  ActiveWatch(const RequestContext& ctx, ListFilter filter,
              std::shared_ptr<http::ResponseWriter> response, Dispatcher& timers,
              std::shared_ptr<WatchDecodeCache> decoded)
      : registry_(ctx.registry),
        resource_(*ctx.resource),
        format_(ctx.format),
        table_options_(TableOptions::FromQuery(ctx.query)),
        filter_(std::move(filter)),
        response_(std::move(response)),
        timers_(timers),
        decoded_(std::move(decoded)) {}

  // Formats and sends the events of one store callback.
  void OnEvents(const std::vector<storage::EventPtr>& events) {
    std::string out;
    for (const auto& e : events) AppendEvent(*e, out);
    if (!out.empty()) response_->Write(std::move(out));
    last_revision_.store(events.back()->kv.mod_revision);
  }

  // Initial state of an unset/"0" resourceVersion watch.
  void SendInitial(const std::vector<storage::KeyValue>& items) {
    std::string out;
    for (const auto& kv : items) {
      Result<Json> obj = Decode(kv.value, kv.mod_revision);
      if (!obj.ok() || !filter_.Matches(*obj)) continue;
      AppendLine("ADDED", *obj, out);
      if (out.size() > 256 * 1024) response_->Write(std::exchange(out, {}));
    }
    if (!out.empty()) response_->Write(std::move(out));
  }

  // The bookmark that ends a watch's initial events (sendInitialEvents=true): the client's
  // list is complete, at `revision`.
  void SendInitialEventsEnd(int64_t revision) { WriteBookmark(revision, true); }

  void SendError(const ApiError& error) {
    response_->Write(api::Dump(Json{{"type", "ERROR"}, {"object", error.ToJson()}}) + "\n");
  }

  void Attach(std::unique_ptr<storage::Watch> watch, int64_t start_revision,
              std::chrono::seconds timeout, bool bookmarks) {
    last_revision_.store(start_revision);
    std::weak_ptr<ActiveWatch> weak = weak_from_this();
    {
      std::lock_guard<std::mutex> lock(mu_);
      watch_ = std::move(watch);
      timeout_timer_ = timers_.AddTimer(timeout, [weak] {
        if (auto self = weak.lock()) self->Stop();
      });
      if (bookmarks) {
        bookmark_timer_ = timers_.AddRepeatingTimer(kBookmarkInterval, [weak] {
          if (auto self = weak.lock()) self->SendBookmark();
        });
      }
    }
    response_->OnClose([weak] {
      if (auto self = weak.lock()) self->Stop();
    });
  }

  // Runs once, when the watch stops; the handler drops its reference there.
  void set_on_stop(std::function<void()> fn) { on_stop_ = std::move(fn); }

  void Stop() {
    std::shared_ptr<ActiveWatch> keep = shared_from_this();  // on_stop_ drops the owner's ref
    std::unique_ptr<storage::Watch> watch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      watch = std::move(watch_);
      timers_.CancelTimer(timeout_timer_);
      if (bookmark_timer_) timers_.CancelTimer(bookmark_timer_);
    }
    if (watch) watch->Cancel();
    response_->End();
    if (on_stop_) on_stop_();
  }

 private:
  Result<Json> Decode(std::string_view stored, int64_t rv) {
    return DecodeServed(resource_, stored, rv);
  }

  void AppendEvent(const storage::Event& e, std::string& out) {
    auto obj = Shared(e.kv);
    if (!obj.ok()) return;
    bool now = filter_.Matches((*obj)->object);
    if (e.type == storage::Event::Type::kDelete) {
      if (now) AppendLine("DELETED", **obj, out);
      return;
    }
    bool before = false;
    if (e.type == storage::Event::Type::kUpdate && e.prev) {
      if (filter_.Empty()) {
        before = true;
      } else {
        auto prev = Shared(*e.prev);
        before = prev.ok() && filter_.Matches((*prev)->object);
      }
    }
    if (now && before) AppendLine("MODIFIED", **obj, out);
    if (now && !before) AppendLine("ADDED", **obj, out);
    if (!now && before) AppendLine("DELETED", **obj, out);
  }

  // One decode per event for all the watches it reaches (watch_decode_cache.h).
  Result<std::shared_ptr<const DecodedObject>> Shared(const storage::KeyValue& kv) {
    return decoded_->Get(resource_, kv.key, kv.value, kv.mod_revision);
  }

  void AppendLine(const char* type, const DecodedObject& decoded, std::string& out) {
    if (format_ == OutputFormat::kObject) {
      AppendEnvelope(type, decoded.json, out);
    } else {
      AppendLine(type, decoded.object, out);
    }
  }

  void AppendLine(const char* type, const Json& obj, std::string& out) {
    Json payload;
    if (format_ == OutputFormat::kTable) {
      payload = BuildTable(resource_, {obj}, -1, "", table_options_);
      // Column definitions go with the first event only, as upstream sends them.
      if (sent_columns_.exchange(true)) payload["columnDefinitions"] = Json::array();
    } else if (format_ == OutputFormat::kPartialMetadata) {
      payload = {{"kind", "PartialObjectMetadata"},
                 {"apiVersion", "meta.k8s.io/v1"},
                 {"metadata", obj["metadata"]}};
    }
    AppendEnvelope(type, api::Dump(format_ == OutputFormat::kObject ? obj : payload), out);
  }

  static void AppendEnvelope(const char* type, std::string_view object, std::string& out) {
    out.reserve(out.size() + object.size() + 40);  // one allocation, not one per piece
    out += "{\"type\":\"";
    out += type;
    out += "\",\"object\":";
    out += object;
    out += "}\n";
  }

  void SendBookmark() { WriteBookmark(last_revision_.load(), false); }

  void WriteBookmark(int64_t revision, bool initial_events_end) {
    Json metadata = {{"resourceVersion", std::to_string(revision)}};
    if (initial_events_end) metadata["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    Json bookmark = {{"kind", resource_.kind},
                     {"apiVersion", resource_.GroupVersion()},
                     {"metadata", std::move(metadata)}};
    response_->Write(api::Dump(Json{{"type", "BOOKMARK"}, {"object", bookmark}}) + "\n");
  }

  // Keeps resource_ alive while a CRD changes (a snapshot of the served resources).
  std::shared_ptr<const api::Registry> registry_;
  const api::ResourceInfo& resource_;
  const OutputFormat format_;
  const TableOptions table_options_;
  const ListFilter filter_;
  std::shared_ptr<http::ResponseWriter> response_;
  Dispatcher& timers_;
  std::shared_ptr<WatchDecodeCache> decoded_;
  std::atomic<int64_t> last_revision_{0};
  std::atomic<bool> sent_columns_{false};

  std::function<void()> on_stop_;
  std::mutex mu_;
  bool stopped_ = false;
  std::unique_ptr<storage::Watch> watch_;
  Dispatcher::TimerId timeout_timer_ = 0;
  Dispatcher::TimerId bookmark_timer_ = 0;
};

namespace {

// A watch's sendInitialEvents (upstream's "watch list"): with true the current state comes
// first as ADDED events, then a bookmark annotated k8s.io/initial-events-end (client-go's
// informers wait for it); with false, no initial state even for an unset resourceVersion;
// nullopt when absent. Checked with resourceVersionMatch as upstream.
Result<std::optional<bool>> SendInitialEvents(const Query& query) {
  std::optional<bool> send;
  if (query.Has("sendInitialEvents")) send = query.Flag("sendInitialEvents");
  std::string match = query.GetOr("resourceVersionMatch", "");
  if (send.has_value() && match != "NotOlderThan") {
    return Status::BadRequest(
        "resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
        "resourceVersionMatch to NotOlderThan");
  }
  if (!match.empty() && !send.has_value()) {
    return Status::BadRequest(
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless "
        "sendInitialEvents is provided");
  }
  return send;
}

// Upstream picks a random timeout between 30 and 60 minutes when the client sets none.
std::chrono::seconds WatchTimeout(std::optional<int64_t> timeout_seconds) {
  if (timeout_seconds && *timeout_seconds > 0) return std::chrono::seconds(*timeout_seconds);
  thread_local std::mt19937 gen(std::random_device{}());
  return std::chrono::seconds(1800 + std::uniform_int_distribution<int>(0, 1800)(gen));
}

}  // namespace

void WatchHandler::Start(const RequestContext& ctx,
                         std::shared_ptr<http::ResponseWriter> response) {
  const api::ResourceInfo& r = *ctx.resource;
  auto refuse = [&](const ApiError& e) { response->Send(e.code, {}, e.Body()); };
  Result<ListFilter> filter = ListFilter::FromQuery(r, ctx.query);
  if (!filter.ok()) return refuse(FromStatus(filter.status()));
  Result<std::optional<int64_t>> timeout_seconds = ctx.query.Int("timeoutSeconds");
  if (!timeout_seconds.ok()) return refuse(FromStatus(timeout_seconds.status()));
  Result<std::optional<bool>> send_initial = SendInitialEvents(ctx.query);
  if (!send_initial.ok()) return refuse(FromStatus(send_initial.status()));
  std::string rv_param = ctx.query.GetOr("resourceVersion", "");
  const bool rv_unset = rv_param.empty() || rv_param == "0";  // "0": any state will do
  int64_t after = 0;
  if (!rv_unset) {
    char* end = nullptr;
    after = std::strtoll(rv_param.c_str(), &end, 10);
    if (*end != '\0' || after < 0) {
      return refuse(BadRequest(fmt::format("invalid resource version: {}", rv_param)));
    }
  }
  // Unset or "0": the current state first, unless sendInitialEvents says otherwise.
  const bool initial = send_initial->value_or(rv_unset);
  std::string prefix = StoragePrefix(r, ctx.info.namespace_);
  auto watch = std::make_shared<ActiveWatch>(ctx, std::move(*filter), response, timers_, decoded_);

  http::Headers headers;
  headers.Add("Content-Type", ctx.format == OutputFormat::kObject
                                  ? "application/json"
                                  : "application/json;as=Table;v=v1;g=meta.k8s.io");
  response->StartStream(200, headers);

  if (initial) {
    Result<storage::ListResult> current = store_.List(prefix, {});
    if (!current.ok()) {
      watch->SendError(FromStatus(current.status()));
      response->End();
      return;
    }
    after = current->revision;
    watch->SendInitial(current->items);
    if (send_initial->value_or(false) && ctx.query.Flag("allowWatchBookmarks")) {
      watch->SendInitialEventsEnd(after);
    }
  } else if (rv_unset) {
    after = store_.CurrentRevision();  // sendInitialEvents=false: from now, no initial state
  }
  std::weak_ptr<ActiveWatch> weak = watch;
  Result<std::unique_ptr<storage::Watch>> store_watch =
      store_.WatchPrefix(prefix, after, [weak](const std::vector<storage::EventPtr>& events) {
        if (auto self = weak.lock()) self->OnEvents(events);
      });
  if (!store_watch.ok()) {
    if (store_watch.status().IsGone()) {
      watch->SendError(
          Gone(fmt::format("too old resource version: {} ({})", after, store_.CompactRevision())));
    } else {
      watch->SendError(FromStatus(store_watch.status()));
    }
    response->End();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_[watch.get()] = watch;
  }
  ActiveWatch* key = watch.get();
  watch->set_on_stop([this, key] {
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(key);
  });
  watch->Attach(std::move(*store_watch), after, WatchTimeout(*timeout_seconds),
                ctx.query.Flag("allowWatchBookmarks"));
}

WatchHandler::~WatchHandler() {
  std::map<ActiveWatch*, std::shared_ptr<ActiveWatch>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running = active_;
  }
  for (auto& [key, watch] : running) watch->Stop();
}

size_t WatchHandler::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_.size();
}

}  // namespace sampan::apiserver
