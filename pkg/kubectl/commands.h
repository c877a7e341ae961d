#pragma once
// The verbs of `sampan kubectl`. Each gets its parsed options and the session and returns
// the exit code (0 ok, 1 failure); output goes to `out`, errors to `err` in kubectl's words.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubectl/options.h"
#include "pkg/kubectl/session.h"

namespace sampan::kubectl {

struct Io {
  std::ostream& out;
  std::ostream& err;
};

struct Verb {
  std::string name;
  std::string summary;
  std::vector<FlagSpec> flags;  // beside GlobalFlags()
  int (*run)(Session& session, const Options& options, Io io);
};

const std::vector<Verb>& Verbs();

int RunGet(Session& s, const Options& o, Io io);
int RunApiResources(Session& s, const Options& o, Io io);
int RunVersion(Session& s, const Options& o, Io io);
int RunCreate(Session& s, const Options& o, Io io);
int RunApply(Session& s, const Options& o, Io io);
int RunDelete(Session& s, const Options& o, Io io);
int RunLabel(Session& s, const Options& o, Io io);
int RunAnnotate(Session& s, const Options& o, Io io);
int RunPatch(Session& s, const Options& o, Io io);
int RunScale(Session& s, const Options& o, Io io);
int RunLogs(Session& s, const Options& o, Io io);
int RunExec(Session& s, const Options& o, Io io);
int RunDescribe(Session& s, const Options& o, Io io);
int RunEdit(Session& s, const Options& o, Io io);
int RunAutoscale(Session& s, const Options& o, Io io);
int RunRollout(Session& s, const Options& o, Io io);
int RunTop(Session& s, const Options& o, Io io);
int RunWait(Session& s, const Options& o, Io io);
int RunExplain(Session& s, const Options& o, Io io);
int RunAttach(Session& s, const Options& o, Io io);
int RunPortForward(Session& s, const Options& o, Io io);
int RunCp(Session& s, const Options& o, Io io);

// --- shared by the verbs -----------------------------------------------------------------

// A resource and the names given for it on the command line.
struct Target {
  api::ResourceInfo resource;
  std::vector<std::string> names;  // empty = every object (list)
};

// "pods", "pods,svc", "all", "pod/x deploy/y", "pods x y" -> targets.
Result<std::vector<Target>> ParseTargets(Session& s, const std::vector<std::string>& args);

// The single object a verb works on: "TYPE NAME" or "TYPE/NAME"; positional arguments after
// it come back in `rest` (may be null when there must be none).
Result<Target> OneObject(Session& s, const std::vector<std::string>& args,
                         std::vector<std::string>* rest = nullptr);

// The headers of a client WebSocket upgrade offering `protocols` (comma-separated).
http::Headers WebSocketUpgradeHeaders(std::string_view protocols);

// A channel WebSocket session (v5.channel.k8s.io, else v4) with exec or attach at `target`:
// what `in_fd` gives (-1: no stdin) goes out, stdout and stderr come back to `io`; with `tty` and a
// terminal on `in_fd`, the terminal is raw for the session and its size is sent. Returns the exit
// code of the final Status (0 when the server closes without one), -1 when the connection was lost,
// or kSessionFailed when it could not start (the error is printed).
inline constexpr int kSessionFailed = -2;
int RunChannelSession(Session& s, const std::string& target, int in_fd, bool tty, Io io);

// get --watch / --watch-only for one target (cmd_get_watch.cc).
int RunGetWatch(Session& s, const Options& o, const Target& t, Io io);

// Objects of -f FILE|DIR|- (YAML with `---` separators, JSON, `kind: List`).
Result<std::vector<api::Json>> ReadManifests(const std::vector<std::string>& files);

// The objects of the -f flags; prints kubectl's error and returns nullopt when there are
// none or a file is bad.
std::optional<std::vector<api::Json>> ManifestsOf(const Options& o, Io io);

// Query parameters: Add() skips empty values; str() is "" or "?k=v&...".
class Query {
 public:
  Query& Add(const std::string& key, const std::string& value);
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// The API path of an object; `ns` is ignored for cluster-scoped resources.
std::string ObjectPath(const api::ResourceInfo& r, const std::string& ns, const std::string& name,
                       const std::string& subresource = "");

// The namespace an object goes to: its own, else the session's (namespaced kinds only).
std::string NamespaceFor(Session& s, const api::ResourceInfo& r, const api::Json& object);

}  // namespace sampan::kubectl
