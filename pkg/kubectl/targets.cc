#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <iterator>

#include "pkg/api/log_options.h"
#include "pkg/client/client.h"
#include "pkg/kubectl/commands.h"
#include "pkg/util/fs.h"

namespace sampan::kubectl {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? at : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

// YAML documents of a stream ("---" lines between them).
std::vector<std::string> Documents(const std::string& text) {
  std::vector<std::string> docs;
  std::string cur;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.rfind("---", 0) == 0 && line.find_first_not_of("- \t\r", 3) == std::string::npos) {
      docs.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += line;
      cur += '\n';
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  docs.push_back(std::move(cur));
  return docs;
}

Status AddObjects(const std::string& text, const std::string& source, std::vector<api::Json>* out) {
  for (const std::string& doc : Documents(text)) {
    if (doc.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    Result<api::Json> obj = api::ParseYaml(doc);
    if (!obj.ok()) {
      return Status::Invalid(fmt::format("error parsing {}: {}", source, obj.status().message()));
    }
    if (obj->is_null()) continue;  // a document of comments only
    if (!obj->is_object()) return Status::Invalid("error parsing " + source + ": not an object");
    if (api::GetString(*obj, "kind") == "List" && obj->contains("items")) {
      for (const api::Json& item : (*obj)["items"]) out->push_back(item);
      continue;
    }
    if (api::GetString(*obj, "kind").empty() || api::GetString(*obj, "apiVersion").empty()) {
      return Status::Invalid(
          fmt::format("error validating data from {}: apiVersion and kind must be set", source));
    }
    out->push_back(std::move(*obj));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Target>> ParseTargets(Session& s, const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(const Discovery* d, s.discovery());
  std::vector<Target> targets;
  if (args.empty()) {
    return Status::Invalid("You must specify the type of resource to get.");
  }
  bool slash_form = args[0].find('/') != std::string::npos;
  if (slash_form) {
    for (const std::string& a : args) {
      size_t slash = a.find('/');
      if (slash == std::string::npos) {
        return Status::Invalid(
            "there is no need to specify a resource type as a separate "
            "argument when passing arguments in resource/name form");
      }
      ASSIGN_OR_RETURN(api::ResourceInfo r, d->Resolve(a.substr(0, slash)));
      targets.push_back({r, {a.substr(slash + 1)}});
    }
    return targets;
  }
  for (const std::string& type : Split(args[0], ',')) {
    if (type == "all") {
      for (const api::ResourceInfo& r : d->Category("all")) targets.push_back({r, {}});
      continue;
    }
    ASSIGN_OR_RETURN(api::ResourceInfo r, d->Resolve(type));
    targets.push_back({r, {}});
  }
  for (size_t i = 1; i < args.size(); ++i) {
    for (Target& t : targets) t.names.push_back(args[i]);
  }
  return targets;
}

Result<std::vector<api::Json>> ReadManifests(const std::vector<std::string>& files) {
  std::vector<api::Json> out;
  for (const std::string& f : files) {
    if (f == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
      RETURN_IF_ERROR(AddObjects(text, "STDIN", &out));
      continue;
    }
    struct stat st;
    if (::stat(f.c_str(), &st) != 0) {
      return Status::NotFound(fmt::format("the path \"{}\" does not exist", f));
    }
    std::vector<std::string> paths;
    if (S_ISDIR(st.st_mode)) {
      DIR* dir = ::opendir(f.c_str());
      if (dir == nullptr) return Status::FromErrno(errno, "opendir " + f);
      while (dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        for (const char* ext : {".yaml", ".yml", ".json"}) {
          if (name.size() > std::string(ext).size() &&
              name.compare(name.size() - std::string(ext).size(), std::string::npos, ext) == 0) {
            paths.push_back(f + "/" + name);
          }
        }
      }
      ::closedir(dir);
      std::sort(paths.begin(), paths.end());
    } else {
      paths.push_back(f);
    }
    for (const std::string& p : paths) {
      ASSIGN_OR_RETURN(std::string text, ReadFileToString(p));
      RETURN_IF_ERROR(AddObjects(text, "\"" + p + "\"", &out));
    }
  }
  return out;
}

Result<Target> OneObject(Session& s, const std::vector<std::string>& args,
                         std::vector<std::string>* rest) {
  if (args.empty()) return Status::Invalid("you must specify the type of resource and its name");
  size_t used = args[0].find('/') != std::string::npos ? 1 : 2;
  if (args.size() < used) return Status::Invalid("you must specify a resource name");
  if (rest == nullptr && args.size() > used) {
    return Status::Invalid("exactly one resource and name must be given");
  }
  std::vector<std::string> head(args.begin(), args.begin() + static_cast<long>(used));
  if (rest != nullptr) rest->assign(args.begin() + static_cast<long>(used), args.end());
  ASSIGN_OR_RETURN(std::vector<Target> targets, ParseTargets(s, head));
  if (targets.size() != 1 || targets[0].names.size() != 1) {
    return Status::Invalid("you must specify exactly one resource and name");
  }
  return targets[0];
}

std::optional<std::vector<api::Json>> ManifestsOf(const Options& o, Io io) {
  if (o.All("filename").empty()) {
    io.err << "error: must specify one of -f and -k\n";
    return std::nullopt;
  }
  Result<std::vector<api::Json>> objects = ReadManifests(o.All("filename"));
  if (!objects.ok()) {
    io.err << "error: " << objects.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(*objects);
}

Query& Query::Add(const std::string& key, const std::string& value) {
  if (value.empty()) return *this;
  text_ += text_.empty() ? "?" : "&";
  text_ += key + "=" + api::UrlEncode(value);
  return *this;
}

std::string ObjectPath(const api::ResourceInfo& r, const std::string& ns, const std::string& name,
                       const std::string& subresource) {
  return client::Client::Path(r, r.namespaced ? ns : "", name, subresource);
}

std::string NamespaceFor(Session& s, const api::ResourceInfo& r, const api::Json& object) {
  if (!r.namespaced) return "";
  std::string ns = api::GetString(api::ObjectField(object, "metadata"), "namespace");
  return ns.empty() ? s.ns() : ns;
}

}  // namespace sampan::kubectl
