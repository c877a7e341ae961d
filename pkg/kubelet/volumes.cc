#include "pkg/kubelet/volumes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/util/fs.h"

namespace sampan::kubelet {
namespace {

using api::Json;

Status CheckHostPath(const std::string& path, const std::string& type) {
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (type.empty()) return Status::Ok();
  if (type == "DirectoryOrCreate") {
    if (!exists) return MakeDirs(path, 0755);
    if (!S_ISDIR(st.st_mode)) {
      return Status::Invalid("hostPath type check failed: " + path + " is not a directory");
    }
    return Status::Ok();
  }
  if (type == "FileOrCreate") {
    if (!exists) {
      std::string parent = path.substr(0, path.rfind('/'));
      if (!parent.empty()) RETURN_IF_ERROR(MakeDirs(parent, 0755));
      int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return Status::FromErrno(errno, "create " + path);
      ::close(fd);
      return Status::Ok();
    }
    if (!S_ISREG(st.st_mode)) {
      return Status::Invalid("hostPath type check failed: " + path + " is not a file");
    }
    return Status::Ok();
  }
  if (!exists) return Status::NotFound("hostPath type check failed: " + path + " does not exist");
  bool ok = type == "Directory"     ? S_ISDIR(st.st_mode)
            : type == "File"        ? S_ISREG(st.st_mode)
            : type == "Socket"      ? S_ISSOCK(st.st_mode)
            : type == "CharDevice"  ? S_ISCHR(st.st_mode)
            : type == "BlockDevice" ? S_ISBLK(st.st_mode)
                                    : false;
  if (!ok) return Status::Invalid("hostPath type check failed: " + path + " is not a " + type);
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, std::string>> PrepareVolumes(const Json& pod,
                                                          const std::string& pod_dir,
                                                          const ProjectionContext* projection) {
  std::map<std::string, std::string> out;
  const Json* volumes = api::FindPath(pod, "spec.volumes");
  if (volumes == nullptr || !volumes->is_array()) return out;
  for (const Json& v : *volumes) {
    std::string name = api::GetString(v, "name");
    if (api::Find(v, "emptyDir") != nullptr) {
      std::string dir = pod_dir + "/volumes/kubernetes.io~empty-dir/" + name;
      RETURN_IF_ERROR(MakeDirs(dir, 0777));
      ::chmod(dir.c_str(), 0777);  // as upstream: any user of the pod may write
      // fsGroup: the volume belongs to that group, and new files too (setgid).
      if (const Json* fs = api::FindPath(pod, "spec.securityContext.fsGroup");
          fs && fs->is_number()) {
        if (::chown(dir.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(fs->get<int64_t>())) !=
            0) {
          return Status::FromErrno(errno, "chown " + dir);
        }
        ::chmod(dir.c_str(), 02777);
      }
      out[name] = dir;
    } else if (const Json* host = api::Find(v, "hostPath")) {
      std::string path = api::GetString(*host, "path");
      RETURN_IF_ERROR(CheckHostPath(path, api::GetString(*host, "type")));
      out[name] = path;
    } else if (projection != nullptr && IsProjectedVolume(v)) {
      std::string dir = ProjectedVolumeDir(pod_dir, v);
      Result<Payload> payload = ProjectVolume(pod, v, *projection);
      Result<bool> written = payload.ok() ? WriteAtomic(dir, *payload) : payload.status();
      if (!written.ok()) {
        return Status(written.status().code(),
                      "MountVolume.SetUp failed for volume \"" + name +
                          "\" : " + written.status().message());
      }
      out[name] = dir;
    } else {
      std::string kind;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (it.key() != "name") kind = it.key();
      }
      return Status::Invalid("volume \"" + name + "\": " + kind + " volumes are not supported yet");
    }
  }
  return out;
}

int RefreshProjectedVolumes(const Json& pod, const std::string& pod_dir,
                            const ProjectionContext& projection) {
  int changed = 0;
  const Json* volumes = api::FindPath(pod, "spec.volumes");
  if (volumes == nullptr || !volumes->is_array()) return 0;
  for (const Json& v : *volumes) {
    if (!IsProjectedVolume(v)) continue;
    std::string dir = ProjectedVolumeDir(pod_dir, v);
    struct stat st;
    if (::stat((dir + "/..data").c_str(), &st) != 0) continue;  // not set up yet
    Result<Payload> payload = ProjectVolume(pod, v, projection);
    if (!payload.ok()) continue;
    Result<bool> written = WriteAtomic(dir, *payload);
    if (written.ok() && *written) ++changed;
  }
  return changed;
}

bool HasProjectedVolumes(const Json& pod) {
  const Json* volumes = api::FindPath(pod, "spec.volumes");
  if (volumes == nullptr || !volumes->is_array()) return false;
  for (const Json& v : *volumes) {
    if (IsProjectedVolume(v)) return true;
  }
  return false;
}

Result<std::vector<runtime::BindMount>> VolumeMounts(
    const Json& container, const std::map<std::string, std::string>& volumes) {
  std::vector<runtime::BindMount> out;
  const Json* mounts = api::Find(container, "volumeMounts");
  if (mounts == nullptr || !mounts->is_array()) return out;
  for (const Json& m : *mounts) {
    std::string name = api::GetString(m, "name");
    auto it = volumes.find(name);
    if (it == volumes.end()) return Status::NotFound("volume \"" + name + "\" not found");
    std::string host = it->second;
    std::string sub = api::GetString(m, "subPath");
    if (!sub.empty()) {
      if (sub[0] == '/' || sub.find("..") != std::string::npos) {
        return Status::Invalid("invalid subPath \"" + sub + "\"");
      }
      host += "/" + sub;
      struct stat st;
      if (::stat(host.c_str(), &st) != 0) RETURN_IF_ERROR(MakeDirs(host, 0755));
    }
    runtime::BindMount b{host, api::GetString(m, "mountPath"), api::GetBool(m, "readOnly")};
    std::string propagation = api::GetString(m, "mountPropagation", "None");
    if (propagation == "HostToContainer") b.propagation = runtime::Propagation::kHostToContainer;
    if (propagation == "Bidirectional") b.propagation = runtime::Propagation::kBidirectional;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace sampan::kubelet
