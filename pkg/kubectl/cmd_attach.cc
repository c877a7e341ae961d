// attach: to a running container's stdio over the same channel protocol as exec.
#include <fmt/format.h>
#include <unistd.h>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"

namespace sampan::kubectl {

int RunAttach(Session& s, const Options& o, Io io) {
  if (o.positional().empty() || o.positional().size() > 2) {
    io.err << "error: expected POD, TYPE/NAME, or TYPE NAME, (" << o.positional().size()
           << ") as arguments\n";
    return 1;
  }
  std::string pod = o.positional().back();
  if (o.positional().size() == 1) {
    if (size_t slash = pod.find('/'); slash != std::string::npos) {
      std::string type = pod.substr(0, slash);
      if (type != "pod" && type != "pods" && type != "po") {
        io.err << "error: cannot attach to " << type << ": only pods are supported here\n";
        return 1;
      }
      pod = pod.substr(slash + 1);
    }
  }
  std::string path =
      fmt::format("/api/v1/namespaces/{}/pods/{}", api::UrlEncode(s.ns()), api::UrlEncode(pod));
  Result<api::Json> obj = s.ApiCall("GET", path);
  if (!obj.ok()) {
    io.err << obj.status().message() << "\n";
    return 1;
  }
  std::string phase = api::GetString(api::ObjectField(*obj, "status"), "phase");
  if (phase == "Succeeded" || phase == "Failed") {
    io.err << "error: cannot attach a container in a completed pod; current phase is " << phase
           << "\n";
    return 1;
  }
  // The container: -c, else the default-container annotation, else the first (kubectl's
  // FindOrDefaultContainerByName, with its notice when there was a choice).
  const api::Json& spec = api::ObjectField(*obj, "spec");
  auto list = [&](const char* field) {
    const api::Json* v = api::Find(spec, field);
    return v != nullptr && v->is_array() ? *v : api::Json::array();
  };
  api::Json containers = list("containers"), inits = list("initContainers"),
            ephemeral = list("ephemeralContainers");
  auto find = [&](const std::string& n) -> const api::Json* {
    for (const api::Json* l : {&containers, &inits, &ephemeral}) {
      for (const api::Json& c : *l) {
        if (api::GetString(c, "name") == n) return &c;
      }
    }
    return nullptr;
  };
  bool quiet = o.Bool("quiet");
  std::string name = o.Get("container");
  const api::Json* container = nullptr;
  if (!name.empty()) {
    container = find(name);
    if (container == nullptr) {
      io.err << "error: cannot attach to the container: container " << name << " not found in pod "
             << pod << "\n";
      return 1;
    }
  } else {
    std::string annotated =
        api::GetString(api::ObjectField(api::ObjectField(*obj, "metadata"), "annotations"),
                       "kubectl.kubernetes.io/default-container");
    if (!annotated.empty()) container = find(annotated);
    if (container == nullptr && !containers.empty()) {
      container = &containers[0];
      if (!quiet && (containers.size() > 1 || !inits.empty() || !ephemeral.empty())) {
        std::string all;
        for (const api::Json& c : containers)
          all += (all.empty() ? "" : ", ") + api::GetString(c, "name");
        for (const api::Json& c : ephemeral) all += ", " + api::GetString(c, "name") + " (ephem)";
        for (const api::Json& c : inits) all += ", " + api::GetString(c, "name") + " (init)";
        io.err << "Defaulted container \"" << api::GetString(*container, "name")
               << "\" out of: " << all << "\n";
      }
    }
    if (container == nullptr) {
      io.err << "error: cannot attach to the container: pod " << s.ns() << "/" << pod
             << " does not have any containers\n";
      return 1;
    }
    name = api::GetString(*container, "name");
  }
  bool in = o.Bool("stdin"), tty = o.Bool("tty");
  bool container_tty = api::GetBool(*container, "tty");
  if (tty && !container_tty) {
    tty = false;
    if (!quiet) {
      io.err << "error: Unable to use a TTY - container " << name << " did not allocate one\n";
    }
  } else if (!tty && container_tty) {
    tty = true;
  }
  if (!quiet) io.err << "If you don't see a command prompt, try pressing enter.\n";
  std::string q = "?stdout=true&stderr=" + std::string(tty ? "false" : "true");
  if (in) q += "&stdin=true";
  if (tty) q += "&tty=true";
  q += "&container=" + api::UrlEncode(name);
  int exit_code = RunChannelSession(s, path + "/attach" + q, in ? STDIN_FILENO : -1, tty, io);
  if (exit_code == kSessionFailed) return 1;
  if (exit_code < 0) {
    io.err << "error: the connection to the pod was lost\n";
    return 1;
  }
  return exit_code;
}

}  // namespace sampan::kubectl
