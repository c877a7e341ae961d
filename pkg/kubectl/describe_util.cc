#include "pkg/kubectl/describe_util.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>

#include "pkg/api/quantity.h"
#include "pkg/util/time_format.h"

namespace sampan::kubectl {
namespace {

using api::Json;

std::string Str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return api::Dump(v);
}

std::vector<std::string> SortedKeys(const Json& map) {
  std::vector<std::string> keys;
  if (!map.is_object()) return keys;
  for (auto it = map.begin(); it != map.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

constexpr size_t kMaxAnnotationLen = 140;

}  // namespace

const Json& ArrayField(const Json& obj, std::string_view key) {
  static const Json empty = Json::array();
  const Json* v = api::Find(obj, key);
  return v != nullptr && v->is_array() ? *v : empty;
}

std::string Rfc1123z(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  // Go's zero time, as kubectl prints an unset timestamp.
  if (!t) return "Mon, 01 Jan 0001 00:00:00 +0000";
  time_t secs = std::chrono::system_clock::to_time_t(*t);
  struct tm local;
  localtime_r(&secs, &local);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &local);
  return buf;
}

std::string Since(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  auto t = ParseRfc3339(rfc3339);
  if (!t) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

void PrintLabels(PrefixWriter& w, const std::string& title, const Json& labels) {
  w.Write(0, title + ":\t");
  std::vector<std::string> keys = SortedKeys(labels);
  if (keys.empty()) {
    w.Write(0, "<none>\n");
    return;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i != 0) w.Write(0, "\t");
    w.Write(0, keys[i] + "=" + Str(labels[keys[i]]) + "\n");
  }
}

void PrintAnnotations(PrefixWriter& w, const std::string& title, const Json& annotations) {
  w.Write(0, title + ":\t");
  std::vector<std::string> keys;
  for (const std::string& k : SortedKeys(annotations)) {
    if (k != "kubectl.kubernetes.io/last-applied-configuration") keys.push_back(k);
  }
  if (keys.empty()) {
    w.Write(0, "<none>\n");
    return;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i != 0) w.Write(0, "\t");
    std::string value = Str(annotations[keys[i]]);
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (value.size() + keys[i].size() + 2 > kMaxAnnotationLen ||
        value.find('\n') != std::string::npos) {
      w.Write(0, keys[i] + ":\n");
      size_t start = 0;
      for (;;) {
        size_t nl = value.find('\n', start);
        std::string line = value.substr(start, nl == std::string::npos ? nl : nl - start);
        if (line.size() > kMaxAnnotationLen - 2)
          line = line.substr(0, kMaxAnnotationLen - 2) + "...";
        w.Write(0, "\t  " + line + "\n");
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
    } else {
      w.Write(0, keys[i] + ": " + value + "\n");
    }
  }
}

void PrintTaints(PrefixWriter& w, const std::string& title, const Json& taints) {
  w.Write(0, title + ":\t");
  std::vector<Json> list;
  if (taints.is_array()) list.assign(taints.begin(), taints.end());
  if (list.empty()) {
    w.Write(0, "<none>\n");
    return;
  }
  auto key = [](const Json& t) {
    return api::GetString(t, "effect") + "," + api::GetString(t, "key");
  };
  std::stable_sort(list.begin(), list.end(),
                   [&](const Json& a, const Json& b) { return key(a) < key(b); });
  for (size_t i = 0; i < list.size(); ++i) {
    if (i != 0) w.Write(0, "\t");
    std::string k = api::GetString(list[i], "key"), v = api::GetString(list[i], "value"),
                e = api::GetString(list[i], "effect");
    std::string text = e.empty() ? (v.empty() ? k : k + "=" + v + ":")
                                 : (v.empty() ? k + ":" + e : k + "=" + v + ":" + e);
    w.Write(0, text + "\n");
  }
}

void PrintTolerations(PrefixWriter& w, const std::string& title, const Json& tolerations) {
  w.Write(0, title + ":\t");
  std::vector<Json> list;
  if (tolerations.is_array()) list.assign(tolerations.begin(), tolerations.end());
  if (list.empty()) {
    w.Write(0, "<none>\n");
    return;
  }
  std::stable_sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
    return api::GetString(a, "key") < api::GetString(b, "key");
  });
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& t = list[i];
    if (i != 0) w.Write(0, "\t");
    std::string key = api::GetString(t, "key"), value = api::GetString(t, "value"),
                effect = api::GetString(t, "effect");
    std::string text = key;
    if (!value.empty()) text += "=" + value;
    if (!effect.empty()) text += ":" + effect;
    if (api::GetString(t, "operator") == "Exists" && value.empty()) {
      text += (!key.empty() || !effect.empty()) ? " op=Exists" : "op=Exists";
    }
    if (const Json* secs = api::Find(t, "tolerationSeconds"); secs && secs->is_number()) {
      text += fmt::format(" for {}s", secs->get<int64_t>());
    }
    w.Write(0, text + "\n");
  }
}

std::string CanonicalQuantity(const Json& value) {
  Result<api::Quantity> q = api::Quantity::FromJson(value);
  return q.ok() ? q->ToString() : Str(value);
}

void PrintResources(PrefixWriter& w, int level, const Json& list) {
  for (const std::string& name : SortedKeys(list)) {
    w.Write(level, name + ":\t" + CanonicalQuantity(list[name]) + "\n");
  }
}

void PrintEvents(PrefixWriter& w, std::vector<Json> events,
                 std::chrono::system_clock::time_point now) {
  if (events.empty()) {
    w.Write(0, "Events:\t<none>\n");
    return;
  }
  auto last = [](const Json& e) {
    auto t = ParseRfc3339(api::GetString(e, "lastTimestamp"));
    return t ? *t : std::chrono::system_clock::time_point{};
  };
  std::stable_sort(events.begin(), events.end(),
                   [&](const Json& a, const Json& b) { return last(a) < last(b); });
  w.Write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.Write(1, "----\t------\t----\t----\t-------\n");
  for (const Json& e : events) {
    std::string event_time = api::GetString(e, "eventTime");
    std::string first = event_time.empty() ? Since(api::GetString(e, "firstTimestamp"), now)
                                           : Since(event_time, now);
    std::string interval = first;
    const Json& series = api::ObjectField(e, "series");
    if (!series.empty()) {
      interval =
          fmt::format("{} (x{} over {})", Since(api::GetString(series, "lastObservedTime"), now),
                      api::GetInt(series, "count"), first);
    } else if (api::GetInt(e, "count") > 1) {
      interval = fmt::format("{} (x{} over {})", Since(api::GetString(e, "lastTimestamp"), now),
                             api::GetInt(e, "count"), first);
    }
    std::string source = api::GetString(api::ObjectField(e, "source"), "component");
    if (source.empty()) source = api::GetString(e, "reportingComponent");
    std::string message = api::GetString(e, "message");
    size_t b = message.find_first_not_of(" \t\r\n");
    size_t end = message.find_last_not_of(" \t\r\n");
    message = b == std::string::npos ? "" : message.substr(b, end - b + 1);
    w.Write(1, api::GetString(e, "type") + "\t" + api::GetString(e, "reason") + "\t" + interval +
                   "\t" + source + "\t" + message + "\n");
  }
}

std::string ControllerOf(const Json& obj) {
  for (const Json& ref : ArrayField(api::ObjectField(obj, "metadata"), "ownerReferences")) {
    if (api::GetBool(ref, "controller")) {
      return api::GetString(ref, "kind") + "/" + api::GetString(ref, "name");
    }
  }
  return "";
}

}  // namespace sampan::kubectl
