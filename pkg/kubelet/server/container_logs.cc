#include "pkg/kubelet/server/container_logs.h"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "pkg/kubelet/container_config.h"
#include "pkg/kubelet/pod_runtime.h"
#include "pkg/kubelet/server/kubelet_status.h"

namespace sampan::kubelet {
namespace {

// Output is sent in chunks of at least this much unless the reader waits or ends first.
constexpr size_t kFlushBytes = 32 * 1024;

}  // namespace

Result<std::string> ResolveLogContainer(const std::vector<runtime::ContainerStatus>& containers,
                                        const std::string& ns, const std::string& pod,
                                        const std::string& container, bool previous) {
  // The pod's newest incarnation: a pod deleted and made again keeps its name, not its uid.
  std::vector<runtime::ContainerStatus> mine;
  std::string uid;
  runtime::WallTime newest{};
  for (const runtime::ContainerStatus& c : containers) {
    if (LabelValue(c.labels, kPodNamespaceLabel) != ns ||
        LabelValue(c.labels, kPodNameLabel) != pod)
      continue;
    if (uid.empty() || c.created_at > newest) {
      uid = LabelValue(c.labels, kPodUidLabel);
      newest = c.created_at;
    }
    mine.push_back(c);
  }
  if (mine.empty()) {
    return Status::NotFound(fmt::format("pod \"{}\" not found", pod));
  }
  std::erase_if(mine, [&](const runtime::ContainerStatus& c) {
    return LabelValue(c.labels, kPodUidLabel) != uid;
  });
  PodRuntime view = std::move(GroupByPod({}, std::move(mine))[uid]);
  std::string name = container;
  if (name.empty()) {
    if (view.containers.size() != 1) {
      std::string names;
      for (const auto& [n, instances] : view.containers) names += (names.empty() ? "" : " ") + n;
      return Status::BadRequest(fmt::format(
          "a container name must be specified for pod {}, choose one of: [{}]", pod, names));
    }
    name = view.containers.begin()->first;
  }
  if (previous) {
    const runtime::ContainerStatus* prev = view.Previous(name);
    if (prev == nullptr) {
      return Status::BadRequest(
          fmt::format("previous terminated container \"{}\" in pod \"{}\" not found", name, pod));
    }
    return prev->id;
  }
  const runtime::ContainerStatus* latest = view.Latest(name);
  if (latest == nullptr) {
    return Status::BadRequest(fmt::format(
        "container \"{}\" in pod \"{}\" is waiting to start: ContainerCreating", name, pod));
  }
  return latest->id;
}

void StreamContainerLogs(runtime::Runtime& runtime, const std::string& id,
                         const api::LogQuery& query,
                         const std::shared_ptr<http::ResponseWriter>& out) {
  auto closed = std::make_shared<std::atomic<bool>>(false);
  out->OnClose([closed] { closed->store(true); });

  runtime::LogReadOptions options;
  if (query.tail_lines) options.tail = *query.tail_lines;
  options.since = query.Since(std::chrono::system_clock::now());
  options.timestamps = query.timestamps;
  options.follow = query.follow;

  std::string pending;
  bool started = false;
  auto flush = [&] {
    if (!started) {
      http::Headers headers;
      headers.Add("Content-Type", "text/plain");
      out->StartStream(200, std::move(headers));
      started = true;
    }
    if (!pending.empty()) out->Write(std::move(pending));
    pending.clear();
  };
  if (options.follow) {
    options.done = [&] {
      flush();
      if (closed->load()) return true;
      Result<runtime::ContainerStatus> s = runtime.GetContainerStatus(id);
      return !s.ok() || s->state == runtime::ContainerState::kExited;
    };
  }
  int64_t budget = query.limit_bytes.value_or(-1);
  Status status = runtime.ReadLogs(id, options, [&](runtime::LogStream, std::string_view line) {
    if (closed->load()) return false;
    if (budget >= 0) {
      if (static_cast<int64_t>(line.size()) >= budget) {
        pending.append(line.substr(0, static_cast<size_t>(budget)));
        budget = 0;
        return false;
      }
      budget -= static_cast<int64_t>(line.size());
    }
    pending.append(line);
    if (pending.size() >= kFlushBytes) flush();
    return true;
  });
  if (!status.ok() && !started) return SendError(*out, status);
  flush();
  out->End();
}

}  // namespace sampan::kubelet
