// logs, wait.
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/jsonpath.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// "30s", "2m", "1h", "100ms" or plain seconds.
std::chrono::milliseconds ParseDuration(const std::string& text, std::chrono::milliseconds def) {
  if (text.empty()) return def;
  try {
    size_t used = 0;
    double n = std::stod(text, &used);
    std::string unit = text.substr(used);
    double ms = unit == "ms" ? n : unit == "m" ? n * 60000 : unit == "h" ? n * 3600000 : n * 1000;
    return std::chrono::milliseconds(static_cast<int64_t>(ms));
  } catch (...) {
    return def;
  }
}

}  // namespace

int RunLogs(Session& s, const Options& o, Io io) {
  if (o.positional().empty()) {
    io.err << "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n";
    return 1;
  }
  std::string pod = o.positional()[0];
  if (pod.rfind("pod/", 0) == 0) pod = pod.substr(4);
  if (pod.rfind("pods/", 0) == 0) pod = pod.substr(5);
  std::string container = o.Get("container");
  if (container.empty() && o.positional().size() > 1) container = o.positional()[1];
  Query q;
  q.Add("container", container);
  if (o.Bool("follow")) q.Add("follow", "true");
  if (o.Bool("previous")) q.Add("previous", "true");
  if (o.Bool("timestamps")) q.Add("timestamps", "true");
  if (o.Get("tail") != "-1") q.Add("tailLines", o.Get("tail"));
  if (o.Has("since")) {
    q.Add("sinceSeconds",
          std::to_string(ParseDuration(o.Get("since"), std::chrono::seconds(0)).count() / 1000));
  }
  q.Add("limitBytes", o.Get("limit-bytes"));
  client::Request req{"GET",
                      fmt::format("/api/v1/namespaces/{}/pods/{}/log{}", api::UrlEncode(s.ns()),
                                  api::UrlEncode(pod), q.str()),
                      {},
                      ""};
  std::mutex mu;
  std::condition_variable cv;
  bool ended = false;
  Status result;
  client::StreamCallbacks callbacks;
  callbacks.on_chunk = [&](std::string_view chunk) {
    io.out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    io.out.flush();
  };
  callbacks.on_end = [&](Status st) {
    std::lock_guard<std::mutex> lock(mu);
    result = std::move(st);
    ended = true;
    cv.notify_all();
  };
  Result<std::unique_ptr<client::StreamHandle>> stream =
      s.transport().Stream(req, std::move(callbacks));
  if (!stream.ok()) {
    io.err << ServerError(0, stream.status().message()) << "\n";
    return 1;
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return ended; });
  if (!result.ok()) {
    io.err << ServerError(0, result.message()) << "\n";
    return 1;
  }
  return 0;
}

int RunWait(Session& s, const Options& o, Io io) {
  std::string cond = o.Get("for");
  if (cond.empty()) {
    io.err << "error: --for must be set\n";
    return 1;
  }
  Result<std::vector<Target>> targets = ParseTargets(s, o.positional());
  if (!targets.ok()) {
    io.err << "error: " << targets.status().message() << "\n";
    return 1;
  }
  auto timeout = ParseDuration(o.Get("timeout", "30s"), std::chrono::seconds(30));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // condition=NAME[=VALUE] (VALUE "True" by default), jsonpath={...}=VALUE, delete.
  std::string want_type, want_value = "true", jsonpath;
  if (cond.rfind("condition=", 0) == 0) {
    want_type = cond.substr(10);
    if (size_t eq = want_type.find('='); eq != std::string::npos) {
      want_value = want_type.substr(eq + 1);
      want_type = want_type.substr(0, eq);
    }
  } else if (cond.rfind("jsonpath=", 0) == 0) {
    std::string rest = cond.substr(9);
    size_t close = rest.rfind('}');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != '=') {
      io.err << "error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3\n";
      return 1;
    }
    jsonpath = rest.substr(0, close + 1);
    want_value = rest.substr(close + 2);
  } else if (cond != "delete") {
    io.err << "error: unrecognized condition: \"" << cond << "\"\n";
    return 1;
  }
  auto lower = [](std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  auto met = [&](const Json& obj) {
    if (!jsonpath.empty()) {
      Result<std::string> v = EvalJsonPath(jsonpath, obj);
      return v.ok() && *v == want_value;
    }
    const Json* conditions = api::FindPath(obj, "status.conditions");
    if (conditions == nullptr || !conditions->is_array()) return false;
    for (const Json& c : *conditions) {
      if (lower(api::GetString(c, "type")) == lower(want_type)) {
        return lower(api::GetString(c, "status")) == lower(want_value);
      }
    }
    return false;
  };
  int rc = 0;
  for (const Target& t : *targets) {
    for (const std::string& name : t.names) {
      std::string path = ObjectPath(t.resource, s.ns(), name);
      bool done = false;
      std::string first_uid;
      while (!done) {
        Result<Json> obj = s.ApiCall("GET", path);
        if (cond == "delete") {
          if (!obj.ok() && obj.status().code() == Code::kNotFound) done = true;
          if (obj.ok() && first_uid.empty()) first_uid = api::UidOf(*obj);
          if (obj.ok() && api::UidOf(*obj) != first_uid) done = true;
        } else if (obj.ok() && met(*obj)) {
          done = true;
        } else if (!obj.ok() && obj.status().code() == Code::kNotFound && first_uid.empty()) {
          io.err << obj.status().message() << "\n";
          return 1;
        }
        if (done) break;
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!done) {
        io.err << "error: timed out waiting for the condition on " << t.resource.resource << "/"
               << name << "\n";
        rc = 1;
        continue;
      }
      io.out << NameOf(t.resource, name) << (cond == "delete" ? " deleted" : " condition met")
             << "\n";
    }
  }
  return rc;
}

}  // namespace sampan::kubectl
