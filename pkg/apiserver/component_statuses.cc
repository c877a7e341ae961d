#include "pkg/apiserver/component_statuses.h"

#include <fmt/format.h>

#include <algorithm>

#include "pkg/api/json.h"
#include "pkg/apiserver/field_validation.h"
#include "pkg/apiserver/health_checks.h"
#include "pkg/apiserver/table.h"

namespace sampan::apiserver {
namespace {

using api::Json;

Json Item(const std::string& name, const Status& health) {
  Json condition = {{"type", "Healthy"}, {"status", health.ok() ? "True" : "False"}};
  if (health.ok()) {
    condition["message"] = "ok";
  } else {
    condition["error"] = health.message();
  }
  return {{"kind", "ComponentStatus"},
          {"apiVersion", "v1"},
          {"metadata", {{"name", name}}},
          {"conditions", Json::array({std::move(condition)})}};
}

}  // namespace

ComponentStatuses::ComponentStatuses(storage::Store& store,
                                     std::vector<ControlPlaneComponent> components)
    : store_(store), components_(std::move(components)) {}

std::vector<Json> ComponentStatuses::Items() const {
  std::vector<Json> items;
  for (const ControlPlaneComponent& c : components_) {
    items.push_back(Item(c.name, c.running
                                     ? Status()
                                     : Status::Unavailable(fmt::format(
                                           "not running in this server ({})", c.disabled_flag))));
  }
  items.push_back(Item("etcd-0", CheckStoreReadable(store_)));
  std::sort(items.begin(), items.end(), [](const Json& a, const Json& b) {
    return a["metadata"]["name"].get_ref<const std::string&>() <
           b["metadata"]["name"].get_ref<const std::string&>();
  });
  return items;
}

Reply ComponentStatuses::Serve(const RequestContext& ctx) const {
  const std::string& verb = ctx.info.verb;
  if (verb != "get" && verb != "list") {
    return Reply::Error(
        MethodNotAllowed("the server does not allow this method on the requested resource"));
  }
  std::vector<Json> items = Items();
  if (verb == "get") {
    auto it = std::find_if(items.begin(), items.end(),
                           [&](const Json& i) { return i["metadata"]["name"] == ctx.info.name; });
    if (it == items.end()) return Reply::Error(NotFound(*ctx.resource, ctx.info.name));
    items = {std::move(*it)};
  }
  Reply reply;
  if (ctx.format == OutputFormat::kTable) {
    reply.body =
        api::Dump(BuildTable(*ctx.resource, items, -1, "", TableOptions::FromQuery(ctx.query)));
  } else if (verb == "get") {
    reply.body = api::Dump(items[0]);
  } else {
    Json list = {{"kind", "ComponentStatusList"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"items", Json::array()}};
    for (Json& i : items) list["items"].push_back(std::move(i));
    reply.body = api::Dump(list);
  }
  reply.headers.Add("Warning", WarningHeaderValue("v1 ComponentStatus is deprecated in v1.19+"));
  return reply;
}

}  // namespace sampan::apiserver
