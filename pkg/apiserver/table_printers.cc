#include <map>

#include "pkg/apiserver/table_printers.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {

using api::Json;

std::string Str(const Json& obj, std::string_view path, std::string_view def) {
  const Json* v = api::FindPath(obj, path);
  if (!v || v->is_null()) return std::string(def);
  if (v->is_string()) return v->get<std::string>();
  return api::Dump(*v);
}

int64_t Int(const Json& obj, std::string_view path, int64_t def) {
  const Json* v = api::FindPath(obj, path);
  return v && v->is_number_integer() ? v->get<int64_t>() : def;
}

std::string AgeOf(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  if (!t) return "<unknown>";
  auto d = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t);
  return HumanDuration(d);
}

std::string Age(const Json& obj) { return AgeOf(Str(obj, "metadata.creationTimestamp")); }

std::string SelectorString(const Json* selector) {
  if (!selector || !selector->is_object()) return "<none>";
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += ",";
    out += s;
  };
  const Json* labels = selector->contains("matchLabels") || selector->contains("matchExpressions")
                           ? api::Find(*selector, "matchLabels")
                           : selector;  // Service and RC selectors are plain maps
  if (labels && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (it.value().is_string()) add(it.key() + "=" + it.value().get<std::string>());
    }
  }
  if (const Json* exprs = api::Find(*selector, "matchExpressions"); exprs && exprs->is_array()) {
    for (const auto& e : *exprs) {
      std::string key = api::GetString(e, "key"), op = api::GetString(e, "operator");
      std::string values;
      if (const Json* vs = api::Find(e, "values"); vs && vs->is_array()) {
        for (const auto& v : *vs) values += (values.empty() ? "" : ",") + v.get<std::string>();
      }
      if (op == "In") add(key + " in (" + values + ")");
      if (op == "NotIn") add(key + " notin (" + values + ")");
      if (op == "Exists") add(key);
      if (op == "DoesNotExist") add("!" + key);
    }
  }
  return out.empty() ? "<none>" : out;
}

static std::string JoinContainerField(const Json* spec, const char* field) {
  std::string out;
  const Json* containers = spec ? api::Find(*spec, "containers") : nullptr;
  if (!containers || !containers->is_array()) return out;
  for (const auto& c : *containers) {
    if (!out.empty()) out += ",";
    out += api::GetString(c, field);
  }
  return out;
}

std::string ContainerNames(const Json* spec) { return JoinContainerField(spec, "name"); }
std::string ContainerImages(const Json* spec) { return JoinContainerField(spec, "image"); }

const Printer& PrinterFor(const api::ResourceInfo& r) {
  static const std::map<std::string, Printer> kPrinters = [] {
    std::vector<std::pair<std::string, Printer>> list;
    AddCorePrinters(list);
    AddWorkloadPrinters(list);
    return std::map<std::string, Printer>(list.begin(), list.end());
  }();
  static const Printer kDefault{
      {{"Name", "string", "name", "Name must be unique within a namespace."},
       {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when "
                             "this object was created."}},
      [](const Json& o) { return Json::array({Str(o, "metadata.name"), Age(o)}); }};
  auto it = kPrinters.find(r.type_key);
  return it == kPrinters.end() ? kDefault : it->second;
}

}  // namespace sampan::apiserver
