#include "pkg/apiserver/resource_metrics.h"

#include <fmt/format.h>

#include <map>

#include "pkg/api/builtin_resources.h"
#include "pkg/api/label_selector.h"
#include "pkg/api/quantity.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/apiserver/pod_log.h"
#include "pkg/util/http_client.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::builtin::Core;

using api::Json;

const log::Logger kLog("apiserver");
constexpr char kGroupVersion[] = "metrics.k8s.io/v1beta1";

// {"cpu": "<n>n", "memory": "<bytes>"} from a summary's cpu and memory stats; nullopt
// without a CPU rate.
std::optional<Json> Usage(const Json& stats) {
  const Json* nano_cores = api::FindPath(stats, "cpu.usageNanoCores");
  if (nano_cores == nullptr || !nano_cores->is_number()) return std::nullopt;
  int64_t working_set = api::GetInt(api::ObjectField(stats, "memory"), "workingSetBytes", 0);
  return Json{
      {"cpu", api::Quantity::FromScaled(nano_cores->get<int64_t>(), -9).ToString()},
      {"memory", api::Quantity::FromInt64(working_set, api::QuantityFormat::kBinarySI).ToString()}};
}

std::string TimestampOf(const Json& stats, const std::string& fallback) {
  std::string t = api::GetString(api::ObjectField(stats, "cpu"), "time");
  return t.empty() ? fallback : t;
}

Json MetricsMeta(const Json& object, const std::string& now) {
  const Json& meta = api::ObjectField(object, "metadata");
  Json out = {{"name", api::GetString(meta, "name")}, {"creationTimestamp", now}};
  std::string ns = api::GetString(meta, "namespace");
  if (!ns.empty()) out["namespace"] = ns;
  if (const Json* labels = api::Find(meta, "labels"); labels != nullptr && labels->is_object()) {
    out["labels"] = *labels;
  }
  return out;
}

// Objects of a core collection (all namespaces if `ns` is empty) matching `selector`.
Result<std::vector<Json>> ListCore(RestHandler& rest, const char* resource, const std::string& ns,
                                   const api::LabelSelector& selector) {
  ASSIGN_OR_RETURN(storage::ListResult list,
                   rest.store().List(StoragePrefix(Core(resource), ns), {}));
  std::vector<Json> out;
  for (const storage::KeyValue& kv : list.items) {
    Result<Json> object = api::ParseJson(kv.value);
    if (!object.ok()) continue;
    const Json* labels = api::FindPath(*object, "metadata.labels");
    static const Json kNoLabels = Json::object();
    if (!selector.MatchesJson(labels != nullptr ? *labels : kNoLabels)) continue;
    out.push_back(std::move(*object));
  }
  return out;
}

Json ListOf(const char* kind, Json items) {
  return {{"kind", kind},
          {"apiVersion", kGroupVersion},
          {"metadata", Json::object()},
          {"items", std::move(items)}};
}

}  // namespace

SummaryFetcher KubeletSummaryFetcher(KubeletClientConfig config) {
  return [config](const Json& node) -> Result<Json> {
    if (config.cert_file.empty()) {
      return Status::Unavailable("this API server has no client certificate for kubelets");
    }
    ASSIGN_OR_RETURN(KubeletEndpoint endpoint, KubeletEndpointOf(node));
    http::ClientOptions options;
    options.host = endpoint.host;
    options.port = endpoint.port;
    options.user_agent = "sampan-apiserver";
    options.timeout = std::chrono::seconds(5);
    options.tls = http::ClientTlsOptions{config.ca_file, config.cert_file, config.key_file};
    ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client, http::HttpClient::New(options));
    ASSIGN_OR_RETURN(http::Response response, client->Do("GET", "/stats/summary"));
    if (response.status != 200) {
      return Status(http::CodeForHttpStatus(response.status),
                    fmt::format("kubelet answered {}: {}", response.status, response.body));
    }
    return api::ParseJson(response.body);
  };
}

std::optional<Json> NodeMetricsFromSummary(const Json& node, const Json& summary,
                                           const std::string& now) {
  const Json& stats = api::ObjectField(summary, "node");
  std::optional<Json> usage = Usage(stats);
  if (!usage) return std::nullopt;
  return Json{{"kind", "NodeMetrics"},
              {"apiVersion", kGroupVersion},
              {"metadata", MetricsMeta(node, now)},
              {"timestamp", TimestampOf(stats, now)},
              {"window", kMetricsWindow},
              {"usage", std::move(*usage)}};
}

std::optional<Json> PodMetricsFromSummary(const Json& pod, const Json& summary,
                                          const std::string& now) {
  const Json& meta = api::ObjectField(pod, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::string name = api::GetString(meta, "name");
  std::string uid = api::GetString(meta, "uid");
  const Json* pods = api::Find(summary, "pods");
  if (pods == nullptr || !pods->is_array()) return std::nullopt;
  for (const Json& p : *pods) {
    const Json& ref = api::ObjectField(p, "podRef");
    if (api::GetString(ref, "namespace") != ns || api::GetString(ref, "name") != name) continue;
    if (!uid.empty() && api::GetString(ref, "uid") != uid) continue;
    Json containers = Json::array();
    std::string timestamp = now;
    if (const Json* list = api::Find(p, "containers"); list != nullptr && list->is_array()) {
      for (const Json& c : *list) {
        std::optional<Json> usage = Usage(c);
        if (!usage) continue;
        timestamp = TimestampOf(c, now);
        containers.push_back({{"name", api::GetString(c, "name")}, {"usage", std::move(*usage)}});
      }
    }
    if (containers.empty()) return std::nullopt;
    return Json{{"kind", "PodMetrics"},
                {"apiVersion", kGroupVersion},
                {"metadata", MetricsMeta(pod, now)},
                {"timestamp", timestamp},
                {"window", kMetricsWindow},
                {"containers", std::move(containers)}};
  }
  return std::nullopt;
}

ResourceMetrics::ResourceMetrics(RestHandler& rest, const Clock& clock, SummaryFetcher fetch)
    : rest_(rest), clock_(clock), fetch_(std::move(fetch)) {}

Reply ResourceMetrics::Serve(const RequestContext& ctx) {
  const std::string& verb = ctx.info.verb;
  if (verb != "get" && verb != "list") {
    return Reply::Error(
        MethodNotAllowed("the server does not allow this method on the requested resource"));
  }
  return ctx.resource->resource == "nodes" ? Nodes(ctx) : Pods(ctx);
}

Reply ResourceMetrics::Nodes(const RequestContext& ctx) {
  std::string now = FormatRfc3339(clock_.WallNow());
  if (ctx.info.verb == "get") {
    Result<Json> node = rest_.GetObject(Core("nodes"), "", ctx.info.name);
    if (!node.ok()) return Reply::Error(NotFound(*ctx.resource, ctx.info.name));
    Result<Json> summary = fetch_(*node);
    if (!summary.ok()) {
      kLog.Debug("metrics of node {}: {}", ctx.info.name, summary.status().message());
      return Reply::Error(NotFound(*ctx.resource, ctx.info.name));
    }
    std::optional<Json> metrics = NodeMetricsFromSummary(*node, *summary, now);
    if (!metrics) return Reply::Error(NotFound(*ctx.resource, ctx.info.name));
    return Reply::Json(200, *metrics);
  }
  Result<api::LabelSelector> selector =
      api::LabelSelector::Parse(ctx.query.GetOr("labelSelector", ""));
  if (!selector.ok()) return Reply::Error(BadRequest(selector.status().message()));
  Result<std::vector<Json>> nodes = ListCore(rest_, "nodes", "", *selector);
  if (!nodes.ok()) return Reply::Error(FromStatus(nodes.status()));
  Json items = Json::array();
  for (const Json& node : *nodes) {
    Result<Json> summary = fetch_(node);
    if (!summary.ok()) {
      kLog.Debug("metrics of node {}: {}",
                 api::GetString(api::ObjectField(node, "metadata"), "name"),
                 summary.status().message());
      continue;
    }
    if (std::optional<Json> m = NodeMetricsFromSummary(node, *summary, now)) {
      items.push_back(std::move(*m));
    }
  }
  return Reply::Json(200, ListOf("NodeMetricsList", std::move(items)));
}

Reply ResourceMetrics::Pods(const RequestContext& ctx) {
  std::string now = FormatRfc3339(clock_.WallNow());
  const std::string& ns = ctx.info.namespace_;
  std::vector<Json> pods;
  if (ctx.info.verb == "get") {
    Result<Json> pod = rest_.GetObject(Core("pods"), ns, ctx.info.name);
    if (!pod.ok()) return Reply::Error(NotFound(*ctx.resource, ctx.info.name));
    pods.push_back(std::move(*pod));
  } else {
    Result<api::LabelSelector> selector =
        api::LabelSelector::Parse(ctx.query.GetOr("labelSelector", ""));
    if (!selector.ok()) return Reply::Error(BadRequest(selector.status().message()));
    Result<std::vector<Json>> listed = ListCore(rest_, "pods", ns, *selector);
    if (!listed.ok()) return Reply::Error(FromStatus(listed.status()));
    pods = std::move(*listed);
  }
  // One summary per node that runs any of the pods.
  std::map<std::string, std::optional<Json>> summaries;
  Json items = Json::array();
  for (const Json& pod : pods) {
    std::string node_name = api::GetString(api::ObjectField(pod, "spec"), "nodeName");
    std::string phase = api::GetString(api::ObjectField(pod, "status"), "phase");
    if (node_name.empty() || phase == "Succeeded" || phase == "Failed") continue;
    auto it = summaries.find(node_name);
    if (it == summaries.end()) {
      std::optional<Json> summary;
      if (Result<Json> node = rest_.GetObject(Core("nodes"), "", node_name); node.ok()) {
        if (Result<Json> s = fetch_(*node); s.ok()) {
          summary = std::move(*s);
        } else {
          kLog.Debug("metrics of node {}: {}", node_name, s.status().message());
        }
      }
      it = summaries.emplace(node_name, std::move(summary)).first;
    }
    if (!it->second) continue;
    if (std::optional<Json> m = PodMetricsFromSummary(pod, *it->second, now)) {
      items.push_back(std::move(*m));
    }
  }
  if (ctx.info.verb == "get") {
    if (items.empty()) return Reply::Error(NotFound(*ctx.resource, ctx.info.name));
    return Reply::Json(200, items[0]);
  }
  return Reply::Json(200, ListOf("PodMetricsList", std::move(items)));
}

}  // namespace sampan::apiserver
