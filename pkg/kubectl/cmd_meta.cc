// label, annotate, patch, scale.
#include <fmt/format.h>

#include "pkg/kubectl/commands.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// label and annotate: KEY=VALUE sets, KEY- removes; an existing different value needs
// --overwrite.
int SetMetadataMap(Session& s, const Options& o, Io io, const char* field, const char* done) {
  std::vector<std::string> pairs;
  Result<Target> t = OneObject(s, o.positional(), &pairs);
  if (!t.ok()) {
    io.err << "error: " << t.status().message() << "\n";
    return 1;
  }
  if (pairs.empty()) {
    io.err << "error: at least one " << (std::string(field) == "labels" ? "label" : "annotation")
           << " update is required\n";
    return 1;
  }
  std::string path = ObjectPath(t->resource, s.ns(), t->names[0]);
  Result<Json> current = s.ApiCall("GET", path);
  if (!current.ok()) {
    io.err << current.status().message() << "\n";
    return 1;
  }
  const Json& existing = api::ObjectField(api::ObjectField(*current, "metadata"), field);
  Json changes = Json::object();
  for (const std::string& p : pairs) {
    if (!p.empty() && p.back() == '-') {
      changes[p.substr(0, p.size() - 1)] = nullptr;
      continue;
    }
    size_t eq = p.find('=');
    if (eq == std::string::npos) {
      io.err << "error: invalid " << field << " spec: " << p << "\n";
      return 1;
    }
    std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    const Json* old = api::Find(existing, key);
    if (old != nullptr && old->is_string() && old->get<std::string>() != value &&
        !o.Bool("overwrite")) {
      io.err << fmt::format("error: '{}' already has a value ({}), and --overwrite is false\n", key,
                            old->get<std::string>());
      return 1;
    }
    changes[key] = value;
  }
  Json patch = {{"metadata", {{field, changes}}}};
  Result<Json> after = s.ApiCall("PATCH", path, "application/merge-patch+json", api::Dump(patch));
  if (!after.ok()) {
    io.err << after.status().message() << "\n";
    return 1;
  }
  bool same = api::GetString(api::ObjectField(*current, "metadata"), "resourceVersion") ==
              api::GetString(api::ObjectField(*after, "metadata"), "resourceVersion");
  io.out << NameOf(t->resource, t->names[0]) << (same ? " not " : " ") << done << "\n";
  return 0;
}

}  // namespace

int RunLabel(Session& s, const Options& o, Io io) {
  return SetMetadataMap(s, o, io, "labels", "labeled");
}

int RunAnnotate(Session& s, const Options& o, Io io) {
  return SetMetadataMap(s, o, io, "annotations", "annotated");
}

int RunPatch(Session& s, const Options& o, Io io) {
  std::vector<std::string> rest;
  Result<Target> t = OneObject(s, o.positional(), &rest);
  if (!t.ok()) {
    io.err << "error: " << t.status().message() << "\n";
    return 1;
  }
  std::string type = o.Get("type", "strategic");
  std::string content_type = type == "merge"       ? "application/merge-patch+json"
                             : type == "json"      ? "application/json-patch+json"
                             : type == "strategic" ? "application/strategic-merge-patch+json"
                                                   : "";
  if (content_type.empty()) {
    io.err << "error: --type must be one of [json merge strategic], not \"" << type << "\"\n";
    return 1;
  }
  Result<Json> patch = api::ParseYaml(o.Get("patch"));
  if (!o.Has("patch") || !patch.ok()) {
    io.err << "error: "
           << (o.Has("patch") ? "unable to parse the patch" : "must specify -p to patch") << "\n";
    return 1;
  }
  std::string path = ObjectPath(t->resource, s.ns(), t->names[0], o.Get("subresource"));
  Result<Json> before = s.ApiCall("GET", path);
  Result<Json> after = s.ApiCall("PATCH", path, content_type, api::Dump(*patch));
  if (!after.ok()) {
    io.err << after.status().message() << "\n";
    return 1;
  }
  bool same =
      before.ok() && api::GetString(api::ObjectField(*before, "metadata"), "resourceVersion") ==
                         api::GetString(api::ObjectField(*after, "metadata"), "resourceVersion");
  io.out << NameOf(t->resource, t->names[0]) << " patched" << (same ? " (no change)" : "") << "\n";
  return 0;
}

int RunScale(Session& s, const Options& o, Io io) {
  std::vector<std::string> rest;
  Result<Target> t = OneObject(s, o.positional(), &rest);
  if (!t.ok()) {
    io.err << "error: " << t.status().message() << "\n";
    return 1;
  }
  if (!o.Has("replicas")) {
    io.err << "error: required flag(s) \"replicas\" not set\n";
    return 1;
  }
  long replicas = -1;
  try {
    replicas = std::stol(o.Get("replicas"));
  } catch (...) {
  }
  if (replicas < 0) {
    io.err << "error: The --replicas=COUNT flag is required, and COUNT must be greater than or "
              "equal to 0\n";
    return 1;
  }
  Json patch = {{"spec", {{"replicas", replicas}}}};
  Result<Json> after = s.ApiCall("PATCH", ObjectPath(t->resource, s.ns(), t->names[0], "scale"),
                                 "application/merge-patch+json", api::Dump(patch));
  if (!after.ok()) {
    io.err << after.status().message() << "\n";
    return 1;
  }
  io.out << NameOf(t->resource, t->names[0]) << " scaled\n";
  return 0;
}

}  // namespace sampan::kubectl
