#include "pkg/kubectl/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace sampan::kubectl {
namespace {

using api::Json;
using History = std::set<std::string>;

const Json kNull;

// Truthiness as Go templates see it: missing, null, false, 0, "" and empty containers are
// false.
bool Truthy(const Json& j) {
  if (j.is_null()) return false;
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number()) return j.get<double>() != 0;
  if (j.is_string()) return !j.get_ref<const std::string&>().empty();
  if (j.is_array() || j.is_object()) return !j.empty();
  return true;
}

const Json& Member(const Json& j, std::string_view key) {
  if (!j.is_object()) return kNull;
  auto it = j.find(std::string(key));
  return it == j.end() ? kNull : *it;
}

// Go's reflect.DeepEqual on decoded JSON: objects compare regardless of key order.
bool SameGvk(const Json& a, const Json& b) {
  for (const char* key : {"group", "kind", "version"}) {
    if (Member(a, key) != Member(b, key)) return false;
  }
  return a.size() == b.size();
}

std::string StringOf(const Json& j) { return j.is_string() ? j.get<std::string>() : ""; }

// "#/components/schemas/X" -> the schema; null when it does not resolve.
const Json& Resolve(const Json& ref, const Json& document) {
  if (!ref.is_string()) return kNull;
  std::string_view r = ref.get_ref<const std::string&>();
  if (!r.starts_with("#")) return kNull;
  r.remove_prefix(1);
  const Json* cur = &document;
  while (!r.empty()) {
    size_t slash = r.find('/');
    std::string_view part = r.substr(0, slash);
    r.remove_prefix(slash == std::string_view::npos ? r.size() : slash + 1);
    if (part.empty()) continue;
    const Json& next = Member(*cur, part);
    if (!next.is_object()) return kNull;
    cur = &next;
  }
  return *cur;
}

const Json& ResolvedOr(const Json& schema, const Json& document) {
  const Json& resolved = Resolve(Member(schema, "$ref"), document);
  return resolved.is_object() ? resolved : schema;
}

std::string Indent(std::string_view text, size_t amount) {
  std::string pad(amount, ' ');
  std::string out = pad;
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out += pad;
  }
  return out;
}

std::vector<std::string> SortedKeys(const Json& object) {
  std::vector<std::string> keys;
  if (!object.is_object()) return keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

// How Go's template prints a JSON value decoded into interface{}.
std::string GoValue(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number()) {
    double d = j.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      return std::to_string(static_cast<int64_t>(d));
    }
    return fmt::format("{}", d);
  }
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_null()) return "<nil>";
  return j.dump();
}

class Renderer {
 public:
  Renderer(const Json& document, bool recursive) : doc_(document), recursive_(recursive) {}

  std::string TypeGuess(const Json& schema) const {
    if (Truthy(Member(schema, "items"))) return "[]" + TypeGuess(Member(schema, "items"));
    const Json& additional = Member(schema, "additionalProperties");
    if (Truthy(additional) && !additional.is_boolean())
      return "map[string]" + TypeGuess(additional);
    const Json& all_of = Member(schema, "allOf");
    if (Truthy(all_of) && !Truthy(Member(schema, "properties")) && all_of.size() == 1) {
      return TypeGuess(all_of[0]);
    }
    const Json& ref = Member(schema, "$ref");
    if (Truthy(ref)) {
      const Json& target = Resolve(ref, doc_);
      std::string type = StringOf(Member(target, "type"));
      if (!target.is_object() || type.empty() || type == "object") {
        std::string name = StringOf(ref);
        name = name.substr(name.rfind('/') + 1);
        name = name.substr(name.rfind('.') + 1);
        return name.empty() ? "Object" : name;
      }
      return type;
    }
    std::string type = StringOf(Member(schema, "type"));
    if (type == "object" || type.empty()) return "Object";
    return type;
  }

  std::string Enum(const Json& schema, bool long_view, int limit, size_t indent) const {
    const Json& values = Member(schema, "enum");
    if (!Truthy(values) || !values.is_array()) return "";
    std::string out = long_view ? "ENUM:" : "\n" + std::string(indent, ' ') + "enum: ";
    for (size_t i = 0; i < values.size(); ++i) {
      if (limit > -1 && static_cast<int>(i) >= limit) {
        out += ", ....";
        break;
      }
      if (i > 0 && !long_view) out += ", ";
      if (long_view) out += "\n    ";
      out += values[i].is_string() && values[i].get<std::string>().empty() ? "\"\""
                                                                           : GoValue(values[i]);
    }
    return out;
  }

  std::string Description(const Json& schema) const {
    const Json& s = ResolvedOr(schema, doc_);
    std::string out;
    if (Truthy(Member(s, "description"))) out += StringOf(Member(s, "description")) + "\n";
    if (Member(s, "allOf").is_array()) {
      for (const Json& a : Member(s, "allOf")) out += Description(a);
    }
    if (Truthy(Member(s, "items"))) out += Description(Member(s, "items"));
    const Json& additional = Member(s, "additionalProperties");
    if (Truthy(additional) && !additional.is_boolean()) out += Description(additional);
    return out;
  }

  std::string FieldDetail(const std::string& name, const Json& parent, size_t level) const {
    size_t indent = level * 2;
    const Json& field = Member(Member(parent, "properties"), name);
    std::string out = Indent(name, indent) + "\t<" + TypeGuess(field) + ">";
    const Json& required = Member(parent, "required");
    if (required.is_array() &&
        std::find(required.begin(), required.end(), name) != required.end()) {
      out += " -required-";
    }
    out += Enum(field, false, 4, indent);
    out += "\n";
    if (!recursive_) {
      std::string description = StringOf(Member(field, "description"));
      if (description.empty()) description = "<no description>";
      out += Indent(WordWrap(description, 78 - indent), indent + 2) + "\n";
      out += "\n";
    }
    return out;
  }

  std::string FieldList(const Json& schema, size_t level, const History& history) const {
    std::string ref = StringOf(Member(schema, "$ref"));
    if (!ref.empty() && history.count(ref)) return "";
    History next = history;
    next.insert(ref);
    const Json& resolved = ResolvedOr(schema, doc_);
    std::string out;
    const Json& properties = Member(resolved, "properties");
    for (const std::string& key : SortedKeys(properties)) {
      out += FieldDetail(key, resolved, level);
      if (recursive_) out += FieldList(properties[key], level + 1, next);
    }
    if (Member(resolved, "allOf").is_array()) {
      for (const Json& a : Member(resolved, "allOf")) out += FieldList(a, level, next);
    }
    if (Truthy(Member(resolved, "items"))) out += FieldList(Member(resolved, "items"), level, next);
    const Json& additional = Member(resolved, "additionalProperties");
    if (Truthy(additional) && !additional.is_boolean()) out += FieldList(additional, level, next);
    return out;
  }

  std::string Output(const Json& schema, const History& history,
                     const std::vector<std::string>& path, size_t at) const {
    std::string ref = StringOf(Member(schema, "$ref"));
    History next = history;
    next.insert(ref);
    const Json& resolved = ResolvedOr(schema, doc_);
    if (at == path.size()) {
      std::string description = Description(resolved);
      if (description.empty()) description = "<empty>";
      std::string out = "DESCRIPTION:\n" + Indent(WordWrap(description, 76), 4) + "\n";
      std::string fields = FieldList(resolved, 1, next);
      if (!fields.empty()) out += "FIELDS:\n" + fields;
      return out;
    }
    if (!ref.empty() && history.count(ref)) return "";
    const Json& properties = Member(resolved, "properties");
    if (Truthy(properties) && Truthy(Member(properties, path[at]))) {
      const Json& sub = properties[path[at]];
      std::string out;
      if (at + 1 == path.size()) {
        out += fmt::format("FIELD: {} <{}>\n", path[at], TypeGuess(sub));
        out += Enum(sub, true, -1, 0) + "\n";
        out += "\n";
      }
      return out + Output(sub, History(), path, at + 1);
    }
    if (Truthy(Member(resolved, "items"))) return Output(Member(resolved, "items"), next, path, at);
    const Json& additional = Member(resolved, "additionalProperties");
    if (Truthy(additional) && !additional.is_boolean()) return Output(additional, next, path, at);
    if (Member(resolved, "allOf").is_array()) {
      for (const Json& a : Member(resolved, "allOf")) {
        std::string out = Output(a, next, path, at);
        if (!out.empty()) return out;
      }
    }
    return "";
  }

 private:
  const Json& doc_;
  bool recursive_;
};

}  // namespace

std::string WordWrap(std::string_view text, size_t limit) {
  std::string out;
  std::string word;
  std::string space;
  size_t current = 0;
  auto flush = [&]() {
    current += space.size() + word.size();
    out += space;
    out += word;
    space.clear();
    word.clear();
  };
  for (char c : text) {
    if (c == '\n') {
      if (word.empty()) {
        if (current + space.size() <= limit) out += space;
        space.clear();
      } else {
        flush();
      }
      out.push_back('\n');
      current = 0;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (space.empty() || !word.empty()) flush();
      space.push_back(c);
    } else {
      word.push_back(c);
      if (current + space.size() + word.size() > limit && word.size() < limit) {
        out.push_back('\n');
        current = 0;
        space.clear();
      }
    }
  }
  if (word.empty()) {
    if (current + space.size() <= limit) out += space;
  } else {
    out += space;
    out += word;
  }
  return out;
}

ExplainOutput RenderExplain(const Json& document, const ExplainRequest& request) {
  // The kind comes from the resource's operations, as kubectl finds it.
  std::string prefix = request.group.empty() ? "/api" : "/apis/" + request.group;
  std::string base = fmt::format("{}/{}", prefix, request.version);
  const Json& paths = Member(document, "paths");
  Json gvk;
  for (const std::string& path :
       {fmt::format("{}/{}", base, request.resource),
        fmt::format("{}/{}/{{name}}", base, request.resource),
        fmt::format("{}/namespaces/{{namespace}}/{}", base, request.resource),
        fmt::format("{}/namespaces/{{namespace}}/{}/{{name}}", base, request.resource)}) {
    const Json& item = Member(paths, path);
    if (!Truthy(item)) continue;
    for (const char* method : {"get", "post", "put", "patch", "delete"}) {
      const Json& found = Member(Member(item, method), "x-kubernetes-group-version-kind");
      if (Truthy(found)) {
        gvk = found;
        break;
      }
    }
  }
  if (!Truthy(gvk)) {
    return {"", fmt::format(
                    "error: GVR ({}, Resource={}) not found in OpenAPI schema",
                    request.group.empty() ? request.version : request.group + "/" + request.version,
                    request.resource)};
  }
  std::string out;
  if (Truthy(Member(gvk, "group"))) out += "GROUP:      " + GoValue(gvk["group"]) + "\n";
  out += "KIND:       " + GoValue(Member(gvk, "kind")) + "\n";
  out += "VERSION:    " + GoValue(Member(gvk, "version")) + "\n";
  out += "\n";
  Renderer renderer(document, request.recursive);
  const Json& schemas = Member(Member(document, "components"), "schemas");
  for (const std::string& name : SortedKeys(schemas)) {
    const Json& schema = schemas[name];
    const Json& kinds = Member(schema, "x-kubernetes-group-version-kind");
    if (!kinds.is_array() ||
        std::none_of(kinds.begin(), kinds.end(), [&](const Json& k) { return SameGvk(k, gvk); })) {
      continue;
    }
    std::string body = renderer.Output(schema, History(), request.field_path, 0);
    if (body.empty()) {
      return {out, fmt::format("error: field \"{}\" does not exist", request.field_path.back())};
    }
    return {out + body + "\n", ""};
  }
  return {out, fmt::format("error: GVK {} not found in OpenAPI schema", gvk.dump())};
}

}  // namespace sampan::kubectl
