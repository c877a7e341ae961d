#include "pkg/apiserver/request_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "pkg/util/http_backpressure.h"
#include "pkg/util/prometheus_text.h"

namespace sampan::apiserver {

// Forwards every call to the server's writer; tells RequestMetrics when the request started
// and when its answer was complete. A writer dropped unanswered counts as the 500 the
// server then sends.
class MeasuredResponse final : public http::ResponseWriter, public http::OutputBackpressure {
 public:
  MeasuredResponse(std::shared_ptr<RequestMetrics> metrics, RequestLabels labels,
                   std::shared_ptr<http::ResponseWriter> out)
      : metrics_(std::move(metrics)),
        labels_(std::move(labels)),
        out_(std::move(out)),
        series_(metrics_->Started(labels_)) {}
  ~MeasuredResponse() override { Finish(); }

  void Send(int status, http::Headers headers, std::string body) override {
    code_.store(status);
    out_->Send(status, std::move(headers), std::move(body));
    Finish();
  }
  void StartStream(int status, http::Headers headers) override {
    code_.store(status);
    out_->StartStream(status, std::move(headers));
  }
  void Write(std::string chunk) override { out_->Write(std::move(chunk)); }
  void End() override {
    out_->End();
    Finish();
  }
  bool Closed() const override { return out_->Closed(); }
  void OnClose(std::function<void()> fn) override { out_->OnClose(std::move(fn)); }
  void Upgrade(int status, http::Headers headers,
               std::function<void(std::string_view)> on_data) override {
    code_.store(status);
    out_->Upgrade(status, std::move(headers), std::move(on_data));
  }
  void WaitForRoom(size_t max_pending_bytes) override {
    if (auto* b = dynamic_cast<http::OutputBackpressure*>(out_.get())) {
      b->WaitForRoom(max_pending_bytes);
    }
  }

 private:
  void Finish() {
    if (finished_.exchange(true)) return;
    metrics_->Finished(series_, labels_, code_.load(), std::chrono::steady_clock::now() - start_);
  }

  const std::shared_ptr<RequestMetrics> metrics_;
  const RequestLabels labels_;
  const std::shared_ptr<http::ResponseWriter> out_;
  RequestMetrics::Series* const series_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<int> code_{500};
  std::atomic<bool> finished_{false};
};

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsConnect(std::string_view subresource) {
  return subresource == "exec" || subresource == "attach" || subresource == "portforward" ||
         subresource == "proxy";
}

// Upstream's dry_run label: "" when absent, the sorted distinct values when valid ("All"),
// else "invalid".
std::string DryRunLabel(const Query& query) {
  std::vector<std::string> values = query.GetAll("dryRun");
  if (values.empty()) return "";
  if (std::any_of(values.begin(), values.end(), [](const auto& v) { return v != "All"; })) {
    return "invalid";
  }
  return "All";
}

}  // namespace

RequestLabels LabelsOf(const http::Request& req, const RequestInfo& info, const Query& query,
                       bool known_resource) {
  RequestLabels l;
  l.dry_run = DryRunLabel(query);
  if (!info.is_resource_request) {
    l.verb = Upper(req.method);
    l.subresource = info.path.empty() ? req.path : info.path;
    l.mutating = req.method != "GET" && req.method != "HEAD";
    return l;
  }
  if (known_resource) {
    l.group = info.group;
    l.version = info.version;
    l.resource = info.resource;
    l.subresource = info.subresource;
  }
  if (!info.name.empty() || info.verb == "create") {
    l.scope = "resource";
  } else if (!info.namespace_.empty()) {
    l.scope = "namespace";
  } else {
    l.scope = "cluster";
  }
  if (info.verb == "watch") {
    l.verb = "WATCH";
  } else if (IsConnect(info.subresource)) {
    l.verb = "CONNECT";
  } else if (req.method == "GET" || req.method == "HEAD") {
    l.verb = l.scope == "resource" ? "GET" : "LIST";
  } else if (req.method == "PATCH" &&
             req.headers.Get("Content-Type").starts_with("application/apply-patch")) {
    l.verb = "APPLY";
  } else {
    l.verb = Upper(req.method);
  }
  l.long_running = info.verb == "watch" || IsConnect(info.subresource) || info.subresource == "log";
  l.mutating = req.method != "GET" && req.method != "HEAD";
  return l;
}

std::shared_ptr<http::ResponseWriter> RequestMetrics::Measure(
    RequestLabels labels, std::shared_ptr<http::ResponseWriter> out) {
  return std::make_shared<MeasuredResponse>(shared_from_this(), std::move(labels), std::move(out));
}

RequestMetrics::Series* RequestMetrics::Started(const RequestLabels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!labels.long_running) ++(labels.mutating ? inflight_mutating_ : inflight_read_only_);
  // A path that is not a resource gets its series once answered: one nobody serves (404)
  // would add a series per path a client makes up, so those share one.
  if (labels.scope.empty()) return nullptr;
  Series& s = series_[labels];
  if (labels.long_running) ++s.active;
  return &s;
}

void RequestMetrics::Finished(Series* s, const RequestLabels& labels, int code,
                              std::chrono::nanoseconds took) {
  double seconds = std::chrono::duration<double>(took).count();
  std::lock_guard<std::mutex> lock(mu_);
  if (!labels.long_running) --(labels.mutating ? inflight_mutating_ : inflight_read_only_);
  if (s == nullptr && code == 404) {
    RequestLabels any = labels;
    any.subresource.clear();
    s = &series_[any];
  } else if (s == nullptr) {
    s = &series_[labels];
  } else if (labels.long_running) {
    --s->active;
  }
  ++s->by_code[code];
  if (labels.long_running) return;
  size_t bucket = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  if (bucket < kBuckets.size()) ++s->buckets[bucket];
  s->seconds += seconds;
  ++s->observed;
}

void RequestMetrics::AppendText(std::string& out) const {
  using prometheus::AppendHeader;
  using prometheus::AppendSample;
  std::lock_guard<std::mutex> lock(mu_);
  // Labels sorted by name, as Go's client writes them.
  auto labels_of = [](const RequestLabels& l) -> prometheus::Labels {
    return {{"component", "apiserver"}, {"dry_run", l.dry_run}, {"group", l.group},
            {"resource", l.resource},   {"scope", l.scope},     {"subresource", l.subresource},
            {"verb", l.verb},           {"version", l.version}};
  };
  AppendHeader(out, "apiserver_current_inflight_requests",
               "Requests being served now that are not long-running, by kind.", "gauge");
  AppendSample(out, "apiserver_current_inflight_requests", {{"request_kind", "mutating"}},
               static_cast<double>(inflight_mutating_));
  AppendSample(out, "apiserver_current_inflight_requests", {{"request_kind", "readOnly"}},
               static_cast<double>(inflight_read_only_));

  AppendHeader(out, "apiserver_longrunning_requests",
               "Long-running requests (watches, streams, connections) being served now.", "gauge");
  for (const auto& [l, s] : series_) {
    if (s.active == 0) continue;
    prometheus::Labels labels = labels_of(l);
    labels.erase(labels.begin() + 1);  // no dry_run label on this one
    AppendSample(out, "apiserver_longrunning_requests", labels, static_cast<double>(s.active));
  }

  AppendHeader(out, "apiserver_request_duration_seconds",
               "Time to answer requests that are not long-running, in seconds.", "histogram");
  for (const auto& [l, s] : series_) {
    if (l.long_running || s.observed == 0) continue;
    prometheus::Labels labels = labels_of(l);
    int64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      std::string le = fmt::format("{}", kBuckets[i]);
      labels.emplace_back("le", le);
      AppendSample(out, "apiserver_request_duration_seconds_bucket", labels,
                   static_cast<double>(cumulative));
      labels.pop_back();
    }
    labels.emplace_back("le", "+Inf");
    AppendSample(out, "apiserver_request_duration_seconds_bucket", labels,
                 static_cast<double>(s.observed));
    labels.pop_back();
    AppendSample(out, "apiserver_request_duration_seconds_sum", labels, s.seconds);
    AppendSample(out, "apiserver_request_duration_seconds_count", labels,
                 static_cast<double>(s.observed));
  }

  AppendHeader(out, "apiserver_request_total",
               "Requests answered, by verb, dry run, group, version, resource, scope and HTTP "
               "status code.",
               "counter");
  for (const auto& [l, s] : series_) {
    for (const auto& [code, n] : s.by_code) {
      std::string code_text = std::to_string(code);
      prometheus::Labels labels = labels_of(l);
      labels.insert(labels.begin(), {"code", code_text});
      AppendSample(out, "apiserver_request_total", labels, static_cast<double>(n));
    }
  }
}

}  // namespace sampan::apiserver
