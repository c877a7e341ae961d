#include "pkg/kubelet/prober/lifecycle.h"

#include <algorithm>
#include <thread>

#include "pkg/kubelet/prober/dial.h"
#include "pkg/kubelet/prober/exec_probe.h"
#include "pkg/kubelet/prober/handler_runner.h"
#include "pkg/kubelet/prober/http_probe.h"
#include "pkg/util/ascii.h"
#include "pkg/util/log.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using std::chrono::milliseconds;

const log::Logger kLog("kubelet");

constexpr const char* kHttpAnswerToHttps = "server gave HTTP response to HTTPS client";

// upstream's format.Pod: "name_namespace(uid)".
std::string FormatPod(const HookContext& c) {
  return c.pod_name + "_" + c.pod_namespace + "(" + c.pod_uid + ")";
}

std::string Where(const HookContext& c) {
  return "for Container " + GoQuote(c.container_name) + " in Pod " + GoQuote(FormatPod(c)) +
         " failed - error: ";
}

std::string Join(const std::vector<std::string>& args, const char* sep) {
  std::string out;
  for (const std::string& a : args) out += (out.empty() ? "" : sep) + a;
  return out;
}

std::string RunExecHook(const Json& exec, const HookContext& c, milliseconds timeout,
                        bool* timed_out) {
  std::vector<std::string> command;
  if (const Json* list = api::Find(exec, "command"); list && list->is_array()) {
    for (const Json& a : *list) {
      if (a.is_string()) command.push_back(a.get<std::string>());
    }
  }
  const std::string head = "Exec lifecycle hook ([" + Join(command, " ") + "]) " + Where(c);
  if (!c.target.exec) return head + "no executor, message: \"\"";
  if (command.empty()) return head + "empty command, message: \"\"";
  Result<ExecResult> ran = c.target.exec(c.target.container_id, command, timeout);
  if (!ran.ok()) return head + ran.status().message() + ", message: \"\"";
  if (ran->timed_out) {
    *timed_out = true;
    return head + "command " + GoQuote(Join(command, " ")) + " timed out, message: \"\"";
  }
  if (ran->exit_code == 0) return "";
  return head + "command '" + Join(command, " ") + "' exited with " +
         std::to_string(ran->exit_code) + ": " + ran->output + ", message: " + GoQuote(ran->output);
}

std::string RunHttpHook(const Json& http_get, const HookContext& c, milliseconds timeout,
                        bool* timed_out) {
  const std::string head =
      "HTTP lifecycle hook (" + api::GetString(http_get, "path") + ") " + Where(c);
  Result<HttpGetRequest> request = BuildHttpGetRequest(http_get, c.target);
  if (!request.ok()) return head + request.status().message();
  request->user_agent = kLifecycleUserAgent;
  Result<HttpGetResponse> response = HttpGet(*request, timeout);
  if (response.ok()) return "";
  // Upstream retries an HTTPS hook that got a plain HTTP answer over HTTP, with an event.
  if (request->https && response.status().message().find(kHttpAnswerToHttps) != std::string::npos) {
    HttpGetRequest plain = *request;
    plain.https = false;
    std::erase_if(plain.headers,
                  [](const auto& h) { return EqualsIgnoreCase(h.first, "Authorization"); });
    if (HttpGet(plain, timeout).ok()) {
      if (c.on_event) {
        c.on_event("Warning", "LifecycleHTTPFallback",
                   "request to HTTPS lifecycle hook " + JoinHostPort(plain.host, plain.port) +
                       " got HTTP response, retry with HTTP succeeded");
      }
      return "";
    }
  }
  if (response.status().err() == ETIMEDOUT) *timed_out = true;
  return head + response.status().message();
}

}  // namespace

std::string RunLifecycleHandler(const Json& handler, const HookContext& context,
                                milliseconds timeout, bool* timed_out) {
  *timed_out = false;
  if (const Json* exec = api::Find(handler, "exec"); exec && exec->is_object()) {
    return RunExecHook(*exec, context, timeout, timed_out);
  }
  if (const Json* http_get = api::Find(handler, "httpGet"); http_get && http_get->is_object()) {
    return RunHttpHook(*http_get, context, timeout, timed_out);
  }
  if (const Json* sleep = api::Find(handler, "sleep"); sleep && sleep->is_object()) {
    milliseconds duration = std::chrono::seconds(api::GetInt(*sleep, "seconds"));
    if (timeout.count() > 0 && duration > timeout) {
      duration = timeout;
      *timed_out = true;
    }
    if (duration.count() > 0) {
      if (context.target.sleep) {
        context.target.sleep(duration);
      } else {
        std::this_thread::sleep_for(duration);
      }
    }
    return *timed_out ? "Sleep lifecycle hook (" + std::to_string(api::GetInt(*sleep, "seconds")) +
                            ") " + Where(context) + "context deadline exceeded"
                      : "";
  }
  return "Cannot run handler: invalid handler: " + api::Dump(handler);
}

Status RunPostStart(const Json& container, const HookContext& context, milliseconds timeout) {
  const Json* hook = api::FindPath(container, "lifecycle.postStart");
  if (hook == nullptr || !hook->is_object()) return Status::Ok();
  bool timed_out = false;
  std::string message = RunLifecycleHandler(*hook, context, timeout, &timed_out);
  if (message.empty()) return Status::Ok();
  kLog.Warn("postStart hook of container {} in pod {}/{} failed: {}", context.container_name,
            context.pod_namespace, context.pod_name, message);
  if (context.on_event) context.on_event("Warning", kFailedPostStartHook, message);
  return Status::Internal(message);
}

Status RunPreStop(const Json& container, const HookContext& context, milliseconds grace) {
  const Json* hook = api::FindPath(container, "lifecycle.preStop");
  if (hook == nullptr || !hook->is_object()) return Status::Ok();
  if (grace.count() <= 0) return Status::Ok();  // as upstream: no time, no hook
  bool timed_out = false;
  std::string message = RunLifecycleHandler(*hook, context, grace, &timed_out);
  if (message.empty()) return Status::Ok();
  if (timed_out) {
    kLog.Info("preStop hook of container {} in pod {}/{} not completed in grace period",
              context.container_name, context.pod_namespace, context.pod_name);
    return Status::Unavailable("PreStop hook not completed in grace period");
  }
  kLog.Warn("preStop hook of container {} in pod {}/{} failed: {}", context.container_name,
            context.pod_namespace, context.pod_name, message);
  if (context.on_event) context.on_event("Warning", kFailedPreStopHook, "PreStopHook failed");
  return Status::Internal(message);
}

}  // namespace sampan::kubelet::prober
