#include "pkg/kubelet/static_pods.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/api/pod_defaults.h"
#include "pkg/api/validation.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/pki.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

using api::Json;

Status CheckStaticPod(const Json& pod) {
  std::string kind = api::GetString(pod, "kind", "Pod");
  if (kind != "Pod") return Status::Invalid(fmt::format("kind is {}, want Pod", kind));
  std::string api_version = api::GetString(pod, "apiVersion", "v1");
  if (api_version != "v1") return Status::Invalid("apiVersion must be v1");
  const Json& meta = api::ObjectField(pod, "metadata");
  std::string name = api::GetString(meta, "name");
  if (name.empty()) return Status::Invalid("metadata.name: Required value");
  if (std::vector<std::string> bad = api::IsDNS1123Subdomain(name); !bad.empty()) {
    return Status::Invalid(fmt::format("metadata.name: Invalid value: \"{}\": {}", name, bad[0]));
  }
  const Json* containers = api::FindPath(pod, "spec.containers");
  if (containers == nullptr || !containers->is_array() || containers->empty()) {
    return Status::Invalid("spec.containers: Required value");
  }
  for (const char* list : {"containers", "initContainers"}) {
    const Json* items = api::FindPath(api::ObjectField(pod, "spec"), list);
    if (items == nullptr) continue;
    if (!items->is_array()) return Status::Invalid(fmt::format("spec.{} must be a list", list));
    for (size_t i = 0; i < items->size(); ++i) {
      const Json& c = (*items)[i];
      std::string path = fmt::format("spec.{}[{}]", list, i);
      if (!c.is_object()) return Status::Invalid(path + " must be an object");
      std::string cname = api::GetString(c, "name");
      if (cname.empty()) return Status::Invalid(path + ".name: Required value");
      if (std::vector<std::string> bad = api::IsDNS1123Label(cname); !bad.empty()) {
        return Status::Invalid(
            fmt::format("{}.name: Invalid value: \"{}\": {}", path, cname, bad[0]));
      }
      if (api::GetString(c, "image").empty())
        return Status::Invalid(path + ".image: Required value");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Json> LoadStaticPod(std::string_view text, const std::string& path,
                           const std::string& node_name) {
  ASSIGN_OR_RETURN(Json pod, api::ParseYaml(text));
  if (!pod.is_object()) return Status::Invalid("not an object");
  RETURN_IF_ERROR(CheckStaticPod(pod));
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  Json& meta = pod["metadata"];
  meta["name"] = api::GetString(meta, "name") + "-" + node_name;
  if (api::GetString(meta, "namespace").empty()) meta["namespace"] = "default";
  for (const char* server_owned : {"uid", "resourceVersion", "creationTimestamp", "generation",
                                   "deletionTimestamp", "managedFields", "selfLink"}) {
    meta.erase(server_owned);
  }
  pod.erase("status");
  Json& spec = pod["spec"];
  spec["nodeName"] = node_name;
  api::DefaultPodSpec(spec);
  // Upstream: static pods tolerate every NoExecute taint (nothing can evict them).
  if (!spec.contains("tolerations") || !spec["tolerations"].is_array()) {
    spec["tolerations"] = Json::array();
  }
  spec["tolerations"].push_back({{"operator", "Exists"}, {"effect", "NoExecute"}});
  // The uid is the hash of what the file says, so the same file is the same pod.
  std::string hash = Sha256Hex(api::Dump(pod) + "\n" + node_name + "\n" + path).substr(0, 32);
  meta["uid"] = hash;
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
    meta["annotations"] = Json::object();
  }
  meta["annotations"][kConfigHashAnnotation] = hash;
  meta["annotations"][kConfigSourceAnnotation] = "file";
  return pod;
}

StaticPodScan ScanStaticPods(const std::string& dir, const std::string& node_name) {
  StaticPodScan scan;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return scan;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    names.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Result<std::string> text = ReadFileToString(path);
    if (!text.ok()) {
      scan.errors[path] = text.status().message();
      continue;
    }
    Result<Json> pod = LoadStaticPod(*text, path, node_name);
    if (!pod.ok()) {
      scan.errors[path] = pod.status().message();
      continue;
    }
    scan.pods[path] = std::move(*pod);
  }
  return scan;
}

bool IsStaticPod(const Json& pod) {
  const Json* source = api::Find(api::ObjectField(api::ObjectField(pod, "metadata"), "annotations"),
                                 kConfigSourceAnnotation);
  return source != nullptr && source->is_string() && *source == "file";
}

bool IsMirrorPod(const Json& pod) { return !MirrorHash(pod).empty(); }

std::string MirrorHash(const Json& mirror) {
  return api::GetString(api::ObjectField(api::ObjectField(mirror, "metadata"), "annotations"),
                        kConfigMirrorAnnotation);
}

Json MirrorPodFor(const Json& static_pod, const std::string& node_uid) {
  Json mirror = static_pod;
  mirror.erase("status");
  Json& meta = mirror["metadata"];
  std::string hash = api::GetString(meta, "uid");
  meta.erase("uid");
  meta["annotations"][kConfigMirrorAnnotation] = hash;
  meta["annotations"].erase(kConfigSeenAnnotation);
  std::string node = api::GetString(api::ObjectField(static_pod, "spec"), "nodeName");
  meta["ownerReferences"] = Json::array({{{"apiVersion", "v1"},
                                          {"kind", "Node"},
                                          {"name", node},
                                          {"uid", node_uid},
                                          {"controller", true}}});
  return mirror;
}

StaticPodWatcher::StaticPodWatcher(std::string dir, std::string node_name, OnChange on_change)
    : dir_(std::move(dir)), node_name_(std::move(node_name)), on_change_(std::move(on_change)) {}

StaticPodWatcher::~StaticPodWatcher() { Stop(); }

Status StaticPodWatcher::Start(Dispatcher& dispatcher, std::chrono::milliseconds settle) {
  dispatcher_ = &dispatcher;
  settle_ = settle;
  RETURN_IF_ERROR(MakeDirs(dir_, 0700));
  inotify_ = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify_.valid()) return Status::FromErrno(errno, "inotify_init1");
  if (::inotify_add_watch(inotify_.get(), dir_.c_str(),
                          IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                              IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
    return Status::FromErrno(errno, "watching " + dir_);
  }
  watch_ = dispatcher.WatchFd(inotify_.get(), true, false, [this](int) { OnReadable(); });
  Rescan();
  return Status::Ok();
}

void StaticPodWatcher::Stop() {
  if (dispatcher_ == nullptr) return;
  if (watch_ != 0) dispatcher_->UnwatchFd(watch_);
  if (pending_ != 0) dispatcher_->CancelTimer(pending_);
  watch_ = pending_ = 0;
  inotify_.Reset();
  dispatcher_ = nullptr;
}

void StaticPodWatcher::OnReadable() {
  alignas(inotify_event) char buf[4096];
  while (::read(inotify_.get(), buf, sizeof buf) > 0) {
  }
  // An editor writes a file in several steps: look once things settled.
  if (pending_ != 0) return;
  pending_ = dispatcher_->AddTimer(settle_, [this] {
    pending_ = 0;
    Rescan();
  });
}

void StaticPodWatcher::Rescan() {
  StaticPodScan scan = ScanStaticPods(dir_, node_name_);
  for (const auto& [path, error] : scan.errors) {
    kLog.Warn("static pod {}: {}", path, error);
  }
  on_change_(std::move(scan));
}

}  // namespace sampan::kubelet
