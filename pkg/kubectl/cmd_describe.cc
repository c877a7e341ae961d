// describe: kubectl's generic describer (the one it uses for custom resources) for every
// kind: Name, Namespace, Labels, Annotations, then the object's fields with their names in
// Title Case, nested by indentation, and the object's Events at the end.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/printers.h"
#include "pkg/util/time_format.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// "creationTimestamp" -> "Creation Timestamp", "podIP" -> "Pod IP".
std::string Title(const std::string& key) {
  if (key == "apiVersion") return "API Version";
  if (key == "uid") return "UID";
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(key[i - 1]));
    bool next_lower = i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1]));
    bool prev_upper = i > 0 && std::isupper(static_cast<unsigned char>(key[i - 1]));
    if (i > 0 && upper && (prev_lower || (prev_upper && next_lower))) out += ' ';
    out += i == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
  }
  return out;
}

std::string Scalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return api::Dump(v);
}

std::string MapLine(const Json& map, const std::string& pad) {
  if (!map.is_object() || map.empty()) return "<none>";
  std::vector<std::string> parts;
  for (auto it = map.begin(); it != map.end(); ++it)
    parts.push_back(it.key() + "=" + Scalar(it.value()));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "\n" + pad : "") + parts[i];
  return out;
}

void Fields(const Json& v, int indent, std::ostream& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (auto it = v.begin(); it != v.end(); ++it) {
    const Json& f = it.value();
    std::string name = Title(it.key());
    if (f.is_object()) {
      out << pad << name << ":\n";
      Fields(f, indent + 2, out);
    } else if (f.is_array()) {
      out << pad << name << ":\n";
      for (const Json& item : f) {
        if (item.is_object()) {
          // Items of a list of objects: the first field on a dash line, as kubectl does.
          std::ostringstream inner;
          Fields(item, indent + 4, inner);
          std::string text = inner.str();
          if (text.size() > static_cast<size_t>(indent) + 4) {
            out << pad << "  " << text.substr(static_cast<size_t>(indent) + 2);
          }
        } else {
          out << pad << "  " << Scalar(item) << "\n";
        }
      }
    } else {
      out << pad << name << ":  " << Scalar(f) << "\n";
    }
  }
}

std::string Age(const std::string& timestamp) {
  auto t = ParseRfc3339(timestamp);
  if (!t) return "<unknown>";
  auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t)
               .count();
  if (s < 0) s = 0;
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  if (s < 172800) return fmt::format("{}h", s / 3600);
  return fmt::format("{}d", s / 86400);
}

void Events(Session& s, const Json& obj, std::ostream& out) {
  const Json& meta = api::ObjectField(obj, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::string selector = "involvedObject.uid=" + api::GetString(meta, "uid");
  std::string path = (ns.empty() ? "/api/v1/events" : "/api/v1/namespaces/" + ns + "/events") +
                     "?fieldSelector=" + api::UrlEncode(selector);
  Result<Json> list = s.ApiCall("GET", path);
  std::vector<std::vector<std::string>> rows;
  if (list.ok()) {
    for (const Json& e : list->value("items", Json::array())) {
      std::string last = api::GetString(e, "lastTimestamp");
      if (last.empty()) last = api::GetString(e, "eventTime");
      int64_t count = api::GetInt(e, "count", 1);
      std::string age = Age(last);
      if (count > 1)
        age += fmt::format(" (x{} over {})", count, Age(api::GetString(e, "firstTimestamp")));
      std::string from = api::GetString(api::ObjectField(e, "source"), "component");
      if (from.empty()) from = api::GetString(e, "reportingComponent");
      rows.push_back({api::GetString(e, "type"), api::GetString(e, "reason"), age, from,
                      api::GetString(e, "message")});
    }
  }
  if (rows.empty()) {
    out << "Events:  <none>\n";
    return;
  }
  out << "Events:\n";
  std::vector<std::vector<std::string>> all = {{"Type", "Reason", "Age", "From", "Message"},
                                               {"----", "------", "----", "----", "-------"}};
  all.insert(all.end(), rows.begin(), rows.end());
  PrintColumns(all, out, 2, "  ");
}

void Describe(Session& s, const Json& obj, std::ostream& out) {
  const Json& meta = api::ObjectField(obj, "metadata");
  out << "Name:         " << api::GetString(meta, "name") << "\n";
  if (meta.contains("namespace"))
    out << "Namespace:    " << api::GetString(meta, "namespace") << "\n";
  out << "Labels:       " << MapLine(api::ObjectField(meta, "labels"), std::string(14, ' '))
      << "\n";
  out << "Annotations:  " << MapLine(api::ObjectField(meta, "annotations"), std::string(14, ' '))
      << "\n";
  Json shown_meta = meta;
  for (const char* k : {"name", "namespace", "labels", "annotations", "managedFields"}) {
    shown_meta.erase(k);
  }
  // API Version and Kind first, then Metadata, then the rest, as kubectl's generic view.
  Json head = Json::object();
  for (const char* k : {"apiVersion", "kind"}) {
    if (const Json* v = api::Find(obj, k)) head[k] = *v;
  }
  Fields(head, 0, out);
  if (!shown_meta.empty()) {
    out << "Metadata:\n";
    Fields(shown_meta, 2, out);
  }
  Json rest = obj;
  for (const char* k : {"apiVersion", "kind", "metadata"}) rest.erase(k);
  Fields(rest, 0, out);
  Events(s, obj, out);
}

}  // namespace

int RunDescribe(Session& s, const Options& o, Io io) {
  Result<std::vector<Target>> targets = ParseTargets(s, o.positional());
  if (!targets.ok()) {
    io.err << "error: " << targets.status().message() << "\n";
    return 1;
  }
  int rc = 0;
  bool first = true;
  for (const Target& t : *targets) {
    std::vector<Json> objects;
    if (t.names.empty()) {
      std::string path = ObjectPath(t.resource, s.ns(), "");
      if (o.Has("selector")) path += "?labelSelector=" + api::UrlEncode(o.Get("selector"));
      Result<Json> list = s.ApiCall("GET", path);
      if (!list.ok()) {
        io.err << list.status().message() << "\n";
        rc = 1;
        continue;
      }
      for (Json item : list->value("items", Json::array())) {
        item["apiVersion"] = t.resource.GroupVersion();
        item["kind"] = t.resource.kind;
        objects.push_back(std::move(item));
      }
    } else {
      for (const std::string& name : t.names) {
        Result<Json> obj = s.ApiCall("GET", ObjectPath(t.resource, s.ns(), name));
        if (!obj.ok()) {
          io.err << obj.status().message() << "\n";
          rc = 1;
          continue;
        }
        objects.push_back(std::move(*obj));
      }
    }
    for (const Json& obj : objects) {
      if (!first) io.out << "\n\n";
      first = false;
      Describe(s, obj, io.out);
    }
  }
  return rc;
}

}  // namespace sampan::kubectl
