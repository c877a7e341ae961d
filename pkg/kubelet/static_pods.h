#pragma once
// Static pods: pods defined by manifest files in a directory (k3s: <data-dir>/agent/
// pod-manifests, or --pod-manifest-path) that the kubelet runs without the API server and
// mirrors to it, as upstream's file source does:
//  - one Pod per file (YAML or JSON); files starting with "." are ignored;
//  - the pod is named <name>-<node>, namespace "default" unless given, bound to the node,
//    defaulted like the API server would, tolerating every NoExecute taint;
//  - its uid is a hash of the file's pod, the node and the path (annotation
//    kubernetes.io/config.hash), so an unchanged file gives the same pod after a restart and
//    an edited one a new pod;
//  - the mirror pod in the API carries kubernetes.io/config.mirror=<hash> and an owner
//    reference to the Node; the kubelet reports the static pod's status on it.
//
// Threading: StaticPodWatcher runs on the dispatcher it is given; the functions are pure.

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/util/dispatcher.h"
#include "pkg/util/unique_fd.h"

namespace sampan::kubelet {

inline constexpr char kConfigSourceAnnotation[] = "kubernetes.io/config.source";
inline constexpr char kConfigHashAnnotation[] = "kubernetes.io/config.hash";
inline constexpr char kConfigMirrorAnnotation[] = "kubernetes.io/config.mirror";
inline constexpr char kConfigSeenAnnotation[] = "kubernetes.io/config.seen";

// The pod a manifest file defines, ready to run, or why it cannot be one.
Result<api::Json> LoadStaticPod(std::string_view text, const std::string& path,
                                const std::string& node_name);

struct StaticPodScan {
  std::map<std::string, api::Json> pods;      // path -> pod
  std::map<std::string, std::string> errors;  // path -> what is wrong with it
};
// Every manifest in `dir` (a missing directory has none).
StaticPodScan ScanStaticPods(const std::string& dir, const std::string& node_name);

bool IsStaticPod(const api::Json& pod);  // from a file (config.source=file)
bool IsMirrorPod(const api::Json& pod);  // the API's copy of a static pod
// The config hash (= the static pod's uid) a mirror pod stands for.
std::string MirrorHash(const api::Json& mirror);
// The mirror pod to create for a static pod on the node with this uid.
api::Json MirrorPodFor(const api::Json& static_pod, const std::string& node_uid);

// Watches the manifest directory (inotify) and calls `on_change` with the full scan at
// Start() and after every change to it (coalesced over `settle`).
class StaticPodWatcher {
 public:
  using OnChange = std::function<void(StaticPodScan)>;
  StaticPodWatcher(std::string dir, std::string node_name, OnChange on_change);
  ~StaticPodWatcher();  // Stop()
  // Creates the directory if missing. Call on the dispatcher's thread.
  Status Start(Dispatcher& dispatcher,
               std::chrono::milliseconds settle = std::chrono::milliseconds(100));
  // Call on the dispatcher's thread.
  void Stop();

 private:
  void OnReadable();
  void Rescan();

  const std::string dir_;
  const std::string node_name_;
  OnChange on_change_;
  Dispatcher* dispatcher_ = nullptr;
  std::chrono::milliseconds settle_{100};
  UniqueFd inotify_;
  Dispatcher::FdWatchId watch_ = 0;
  Dispatcher::TimerId pending_ = 0;
};

}  // namespace sampan::kubelet
