#include "pkg/kubectl/kubectl.h"

#include "pkg/kubectl/commands.h"

namespace sampan::kubectl {
namespace {

const std::vector<FlagSpec> kOutputFlags = {{"output", 'o'},
                                            {"selector", 'l'},
                                            {"field-selector"},
                                            {"all-namespaces", 'A', false},
                                            {"show-labels", 0, false},
                                            {"no-headers", 0, false},
                                            {"chunk-size"},
                                            {"watch", 'w', false},
                                            {"watch-only", 0, false},
                                            {"output-watch-events", 0, false}};

std::vector<FlagSpec> With(std::vector<FlagSpec> a, const std::vector<FlagSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void Usage(std::ostream& out) {
  out << "sampan kubectl controls the cluster with kubectl's verbs and flags.\n\n"
         "Usage: sampan kubectl VERB [flags] [args]\n\nVerbs:\n";
  for (const Verb& v : Verbs()) {
    out << "  " << v.name << std::string(v.name.size() < 15 ? 15 - v.name.size() : 1, ' ')
        << v.summary << "\n";
  }
  out << "\nGlobal flags: --kubeconfig, --context, -n/--namespace, --insecure-skip-tls-verify\n"
         "The kubeconfig is --kubeconfig, else $KUBECONFIG, else /etc/sampan/sampan.yaml.\n";
}

}  // namespace

const std::vector<Verb>& Verbs() {
  static const std::vector<Verb> verbs = {
      {"get", "Display one or many resources", kOutputFlags, RunGet},
      {"create",
       "Create resources from files (-f)",
       {{"filename", 'f'}, {"dry-run"}, {"save-config", 0, false}, {"validate"}},
       RunCreate},
      {"apply",
       "Apply a configuration to resources (server-side apply)",
       {{"filename", 'f'},
        {"server-side", 0, false},
        {"force-conflicts", 0, false},
        {"field-manager"},
        {"dry-run"},
        {"validate"}},
       RunApply},
      {"delete",
       "Delete resources by file, type and name, or label selector",
       {{"filename", 'f'},
        {"selector", 'l'},
        {"all", 0, false},
        {"grace-period"},
        {"force", 0, false},
        {"now", 0, false},
        {"wait"},
        {"cascade"},
        {"timeout"},
        {"ignore-not-found", 0, false}},
       RunDelete},
      {"label", "Update the labels on a resource", {{"overwrite", 0, false}}, RunLabel},
      {"annotate", "Update the annotations on a resource", {{"overwrite", 0, false}}, RunAnnotate},
      {"patch",
       "Update fields of a resource",
       {{"patch", 'p'}, {"type"}, {"subresource"}},
       RunPatch},
      {"scale",
       "Set a new size for a deployment, replica set, stateful set or controller",
       {{"replicas"}, {"timeout"}},
       RunScale},
      {"logs",
       "Print the logs of a container in a pod",
       {{"container", 'c'},
        {"follow", 'f', false},
        {"previous", 'p', false},
        {"timestamps", 0, false},
        {"tail"},
        {"since"},
        {"limit-bytes"}},
       RunLogs},
      {"describe",
       "Show details of a resource or group of resources",
       {{"selector", 'l'}},
       RunDescribe},
      {"edit", "Edit a resource in $KUBE_EDITOR or $EDITOR", {}, RunEdit},
      {"rollout",
       "Manage the rollout of a resource (restart, pause, resume, status, history, undo)",
       {{"revision"}, {"to-revision"}, {"dry-run"}, {"output", 'o'}},
       RunRollout},
      {"autoscale",
       "Auto-scale a deployment, replica set, stateful set or controller",
       {{"min"}, {"max"}, {"cpu-percent"}, {"name"}},
       RunAutoscale},
      {"top",
       "Display resource (CPU/memory) usage of nodes or pods",
       {{"all-namespaces", 'A', false}, {"selector", 'l'}, {"containers", 0, false}},
       RunTop},
      {"exec",
       "Execute a command in a container",
       {{"container", 'c'}, {"stdin", 'i', false}, {"tty", 't', false}, {"quiet", 'q', false}},
       RunExec},
      {"attach",
       "Attach to a running container",
       {{"container", 'c'}, {"stdin", 'i', false}, {"tty", 't', false}, {"quiet", 'q', false}},
       RunAttach},
      {"port-forward",
       "Forward one or more local ports to a pod",
       {{"address"}, {"pod-running-timeout"}},
       RunPortForward},
      {"cp",
       "Copy files and directories to and from containers",
       {{"container", 'c'}, {"no-preserve", 0, false}, {"retries"}},
       RunCp},
      {"wait",
       "Wait for a condition on one or many resources",
       {{"for"}, {"timeout"}, {"selector", 'l'}},
       RunWait},
      {"api-resources",
       "Print the supported API resources on the server",
       {{"output", 'o'}, {"namespaced"}},
       RunApiResources},
      {"explain",
       "Get the documentation of a resource and its fields",
       {{"recursive", 0, false}, {"api-version"}, {"output"}},
       RunExplain},
      {"version", "Print the client and server version information", {{"output", 'o'}}, RunVersion},
  };
  return verbs;
}

int RunKubectl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    Usage(out);
    return args.empty() ? 1 : 0;
  }
  // Global flags may come before the verb: `kubectl -n ns get pods`.
  std::vector<std::string> leading;
  size_t at = 0;
  while (at < args.size() && args[at].size() > 1 && args[at][0] == '-') {
    const std::string& a = args[at];
    leading.push_back(a);
    bool has_value = a.find('=') != std::string::npos || (a[1] != '-' && a.size() > 2);
    bool boolean = a == "--insecure-skip-tls-verify";
    if (!has_value && !boolean && at + 1 < args.size()) leading.push_back(args[++at]);
    ++at;
  }
  if (at >= args.size()) {
    Usage(out);
    return 1;
  }
  const Verb* verb = nullptr;
  for (const Verb& v : Verbs()) {
    if (v.name == args[at]) verb = &v;
  }
  if (verb == nullptr) {
    err << "error: unknown command \"" << args[at] << "\" for \"kubectl\"\n";
    return 1;
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(at) + 1, args.end());
  rest.insert(rest.end(), leading.begin(), leading.end());
  if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
    out << verb->summary << ".\n\nFlags:";
    for (const FlagSpec& f : With(GlobalFlags(), verb->flags)) {
      out << " " << (f.shorthand ? std::string("-") + f.shorthand + "/" : "") << "--" << f.name;
    }
    out << "\n";
    return 0;
  }
  Result<Options> options = Options::Parse(rest, With(GlobalFlags(), verb->flags));
  if (!options.ok()) {
    err << "error: " << options.status().message() << "\nSee 'sampan kubectl " << verb->name
        << " --help' for usage.\n";
    return 1;
  }
  Result<std::unique_ptr<Session>> session = Session::Open(*options);
  if (!session.ok()) {
    err << "error: " << session.status().message() << "\n";
    return 1;
  }
  return verb->run(**session, *options, Io{out, err});
}

}  // namespace sampan::kubectl
