// create, apply, delete.
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"

namespace sampan::kubectl {
namespace {

using api::Json;

struct Resolved {
  api::ResourceInfo resource;
  std::string ns;
  std::string name;
};

Result<Resolved> Resolve(Session& s, const Json& obj) {
  ASSIGN_OR_RETURN(const Discovery* d, s.discovery());
  ASSIGN_OR_RETURN(api::ResourceInfo r,
                   d->ForKind(api::GetString(obj, "apiVersion"), api::GetString(obj, "kind")));
  const Json& meta = api::ObjectField(obj, "metadata");
  std::string ns = NamespaceFor(s, r, obj);
  std::string own = api::GetString(meta, "namespace");
  if (s.namespace_given() && !own.empty() && own != s.ns()) {
    return Status::Invalid(fmt::format(
        "the namespace from the provided object \"{}\" does not match the namespace \"{}\". You "
        "must pass '--namespace={}' to perform this operation.",
        own, s.ns(), own));
  }
  return Resolved{r, ns, api::GetString(meta, "name")};
}

std::string ResourceVersion(const Json& obj) {
  return api::GetString(api::ObjectField(obj, "metadata"), "resourceVersion");
}

std::string DryRunQuery(const Options& o) {
  std::string d = o.Get("dry-run", "none");
  return d == "server" ? "dryRun=All" : "";
}

}  // namespace

int RunCreate(Session& s, const Options& o, Io io) {
  std::optional<std::vector<Json>> objects = ManifestsOf(o, io);
  if (!objects) return 1;
  int rc = 0;
  for (Json& obj : *objects) {
    Result<Resolved> r = Resolve(s, obj);
    if (!r.ok()) {
      io.err << "error: " << r.status().message() << "\n";
      rc = 1;
      continue;
    }
    std::string path = ObjectPath(r->resource, r->ns, "");
    std::string q = DryRunQuery(o);
    Result<Json> created =
        s.ApiCall("POST", path + (q.empty() ? "" : "?" + q), "application/json", api::Dump(obj));
    if (!created.ok()) {
      io.err << created.status().message() << "\n";
      rc = 1;
      continue;
    }
    std::string name = api::GetString(api::ObjectField(*created, "metadata"), "name");
    io.out << NameOf(r->resource, name) << " created" << (q.empty() ? "" : " (server dry run)")
           << "\n";
  }
  return rc;
}

int RunApply(Session& s, const Options& o, Io io) {
  std::optional<std::vector<Json>> objects = ManifestsOf(o, io);
  if (!objects) return 1;
  std::string manager = o.Get("field-manager", "kubectl");
  int rc = 0;
  for (Json& obj : *objects) {
    Result<Resolved> r = Resolve(s, obj);
    if (!r.ok()) {
      io.err << "error: " << r.status().message() << "\n";
      rc = 1;
      continue;
    }
    if (r->name.empty()) {
      io.err << "error: resource name may not be empty\n";
      rc = 1;
      continue;
    }
    std::string path = ObjectPath(r->resource, r->ns, r->name);
    Result<Json> before = s.ApiCall("GET", path);
    if (!before.ok() && before.status().code() != Code::kNotFound) {
      io.err << before.status().message() << "\n";
      rc = 1;
      continue;
    }
    std::string query = "?fieldManager=" + api::UrlEncode(manager);
    if (o.Bool("force-conflicts")) query += "&force=true";
    if (std::string d = DryRunQuery(o); !d.empty()) query += "&" + d;
    // Server-side apply: the server merges and tracks which fields this manager owns.
    Result<Json> after =
        s.ApiCall("PATCH", path + query, "application/apply-patch+yaml", api::Dump(obj));
    if (!after.ok() && after.status().code() == Code::kUnsupported) {
      // A server without server-side apply: create, or merge the manifest into the object.
      after = !before.ok()
                  ? s.ApiCall("POST", ObjectPath(r->resource, r->ns, ""), "application/json",
                              api::Dump(obj))
                  : s.ApiCall("PATCH", path, "application/merge-patch+json", api::Dump(obj));
    }
    if (!after.ok()) {
      io.err << after.status().message() << "\n";
      rc = 1;
      continue;
    }
    const char* what = !before.ok()                                          ? "created"
                       : ResourceVersion(*before) == ResourceVersion(*after) ? "unchanged"
                                                                             : "configured";
    if (o.Bool("server-side")) what = "serverside-applied";
    io.out << NameOf(r->resource, r->name) << " " << what
           << (DryRunQuery(o).empty() ? "" : " (server dry run)") << "\n";
  }
  return rc;
}

int RunDelete(Session& s, const Options& o, Io io) {
  std::vector<std::pair<api::ResourceInfo, std::pair<std::string, std::string>>> victims;
  int rc = 0;
  if (!o.All("filename").empty()) {
    Result<std::vector<Json>> objects = ReadManifests(o.All("filename"));
    if (!objects.ok()) {
      io.err << "error: " << objects.status().message() << "\n";
      return 1;
    }
    for (const Json& obj : *objects) {
      Result<Resolved> r = Resolve(s, obj);
      if (!r.ok()) {
        io.err << "error: " << r.status().message() << "\n";
        return 1;
      }
      victims.push_back({r->resource, {r->ns, r->name}});
    }
  } else {
    Result<std::vector<Target>> targets = ParseTargets(s, o.positional());
    if (!targets.ok()) {
      io.err << "error: " << targets.status().message() << "\n";
      return 1;
    }
    for (const Target& t : *targets) {
      if (!t.names.empty()) {
        for (const std::string& n : t.names) victims.push_back({t.resource, {s.ns(), n}});
        continue;
      }
      if (!o.Bool("all") && o.Get("selector").empty()) {
        io.err << "error: resource(s) were provided, but no name was specified\n";
        return 1;
      }
      std::string path = ObjectPath(t.resource, s.ns(), "");
      if (!o.Get("selector").empty()) path += "?labelSelector=" + api::UrlEncode(o.Get("selector"));
      Result<Json> list = s.ApiCall("GET", path);
      if (!list.ok()) {
        io.err << list.status().message() << "\n";
        return 1;
      }
      for (const Json& item : list->value("items", Json::array())) {
        victims.push_back(
            {t.resource, {s.ns(), api::GetString(api::ObjectField(item, "metadata"), "name")}});
      }
    }
    if (victims.empty()) {
      io.err << "No resources found\n";
      return 0;
    }
  }
  Json options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (o.Has("grace-period")) options["gracePeriodSeconds"] = std::stoll(o.Get("grace-period"));
  if (o.Bool("now")) options["gracePeriodSeconds"] = 1;
  if (o.Bool("force") && !o.Has("grace-period")) options["gracePeriodSeconds"] = 0;
  std::string cascade = o.Get("cascade", "background");
  if (cascade == "true") cascade = "background";
  if (cascade == "false") cascade = "orphan";
  cascade[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(cascade[0])));
  options["propagationPolicy"] = cascade;
  if (o.Bool("force") && o.Get("grace-period", "0") == "0") {
    io.err << "Warning: Immediate deletion does not wait for confirmation that the running "
              "resource has been terminated. The resource may continue to run on the cluster "
              "indefinitely.\n";
  }
  struct Deleted {
    std::string ns, name, uid;
  };
  std::vector<std::pair<api::ResourceInfo, Deleted>> deleted;
  for (const auto& [r, key] : victims) {
    Result<Json> out = s.ApiCall("DELETE", ObjectPath(r, key.first, key.second), "application/json",
                                 api::Dump(options));
    if (!out.ok()) {
      if (out.status().code() == Code::kNotFound && o.Bool("ignore-not-found")) continue;
      io.err << out.status().message() << "\n";
      rc = 1;
      continue;
    }
    std::string uid = api::UidOf(*out);  // a Status when already gone: no uid
    std::string kind = NameOf(r, key.second);
    io.out << kind.substr(0, kind.find('/')) << " \"" << key.second << "\" "
           << (o.Bool("force") ? "force deleted" : "deleted") << "\n";
    deleted.push_back({r, {key.first, key.second, uid}});
  }
  // Like kubectl, wait until the objects are gone (finalizers, graceful pod termination).
  if (o.Get("wait", "true") != "false") {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (const auto& [r, d] : deleted) {
      while (std::chrono::steady_clock::now() < deadline) {
        Result<Json> still = s.ApiCall("GET", ObjectPath(r, d.ns, d.name));
        if (!still.ok() && still.status().code() == Code::kNotFound) break;
        if (still.ok() && api::UidOf(*still) != d.uid) break;  // a new object of that name
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  return rc;
}

}  // namespace sampan::kubectl
