// cp: files and directories to and from a container, as kubectl does it: a tar stream
// through exec (`tar -xmf - -C DIR` into the pod, `tar cf - PATH` out of it).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/tar_stream.h"

namespace sampan::kubectl {
namespace {

struct FileSpec {
  std::string ns, pod, path;  // pod empty: a local path
};

FileSpec ParseSpec(const std::string& arg, const std::string& default_ns) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) return {"", "", arg};
  std::string who = arg.substr(0, colon);
  FileSpec f{default_ns, who, arg.substr(colon + 1)};
  if (size_t slash = who.find('/'); slash != std::string::npos) {
    f.ns = who.substr(0, slash);
    f.pod = who.substr(slash + 1);
  }
  return f;
}

std::string Clean(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}
std::string Base(const std::string& p) {
  std::string c = Clean(p);
  size_t slash = c.rfind('/');
  return slash == std::string::npos ? c : c.substr(slash + 1);
}
std::string Dir(const std::string& p) {
  std::string c = Clean(p);
  size_t slash = c.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : c.substr(0, slash);
}

// kubectl's stripPathShortcuts: the remote path without leading "/", "./" and "../".
std::string StripShortcuts(std::string p) {
  for (;;) {
    if (p.rfind("../", 0) == 0) {
      p = p.substr(3);
    } else if (p.rfind("./", 0) == 0) {
      p = p.substr(2);
    } else if (p.rfind('/', 0) == 0) {
      p = p.substr(1);
    } else {
      break;
    }
  }
  if (p == ".." || p == ".") return "";
  return Clean(p);
}

std::string ExecTarget(const FileSpec& f, const std::string& container,
                       const std::vector<std::string>& command, bool in) {
  std::string q = "?stdout=true&stderr=true";
  if (in) q += "&stdin=true";
  if (!container.empty()) q += "&container=" + api::UrlEncode(container);
  for (const std::string& c : command) q += "&command=" + api::UrlEncode(c);
  return fmt::format("/api/v1/namespaces/{}/pods/{}/exec{}", api::UrlEncode(f.ns),
                     api::UrlEncode(f.pod), q);
}

int ToPod(Session& s, const Options& o, const std::string& local, FileSpec dest, Io io) {
  struct stat st;
  if (::stat(local.c_str(), &st) != 0) {
    io.err << "error: " << local << " doesn't exist in local filesystem\n";
    return 1;
  }
  std::string container = o.Get("container");
  // Into an existing directory: under the source's name.
  std::ostringstream quiet_out, quiet_err;
  int is_dir = RunChannelSession(s, ExecTarget(dest, container, {"test", "-d", dest.path}, false),
                                 -1, false, Io{quiet_out, quiet_err});
  if (is_dir == kSessionFailed) {
    io.err << quiet_err.str();
    return 1;
  }
  if (is_dir == 0) dest.path = Clean(dest.path) + "/" + Base(local);
  Result<std::string> tar = TarOf(local, Base(dest.path));
  if (!tar.ok()) {
    io.err << "error: " << tar.status().message() << "\n";
    return 1;
  }
  std::vector<std::string> command = {"tar", "-xmf", "-"};
  if (o.Bool("no-preserve")) {
    command = {"tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"};
  }
  if (!Dir(dest.path).empty()) {
    command.push_back("-C");
    command.push_back(Dir(dest.path));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    io.err << "error: pipe: " << std::strerror(errno) << "\n";
    return 1;
  }
  std::thread writer([fd = pipe_fds[1], data = std::move(*tar)] {
    std::string_view rest = data;
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      rest.remove_prefix(static_cast<size_t>(n));
    }
    ::close(fd);
  });
  int rc = RunChannelSession(s, ExecTarget(dest, container, command, true), pipe_fds[0], false, io);
  ::close(pipe_fds[0]);
  writer.join();
  if (rc == kSessionFailed) return 1;
  if (rc != 0) {
    io.err << "command terminated with exit code " << rc << "\n";
    return 1;
  }
  return 0;
}

int FromPod(Session& s, const Options& o, const FileSpec& src, const std::string& local, Io io) {
  std::ostringstream tar;
  int rc =
      RunChannelSession(s, ExecTarget(src, o.Get("container"), {"tar", "cf", "-", src.path}, false),
                        -1, false, Io{tar, io.err});
  if (rc == kSessionFailed) return 1;
  std::string prefix = StripShortcuts(src.path);
  Status st = UntarInto(tar.str(), prefix, Clean(local), io.err);
  if (!st.ok()) {
    io.err << "error: " << st.message() << "\n";
    return 1;
  }
  return rc == 0 ? 0 : 1;
}

}  // namespace

int RunCp(Session& s, const Options& o, Io io) {
  if (o.positional().size() != 2) {
    io.err << "error: source and destination are required\n";
    return 1;
  }
  FileSpec src = ParseSpec(o.positional()[0], s.ns());
  FileSpec dest = ParseSpec(o.positional()[1], s.ns());
  if (!src.pod.empty() && !dest.pod.empty()) {
    io.err << "error: one of src or dest must be a local file specification\n";
    return 1;
  }
  if (src.pod.empty() && dest.pod.empty()) {
    io.err << "error: one of src or dest must be a remote file specification\n";
    return 1;
  }
  if ((src.pod.empty() ? dest.path : src.path).empty()) {
    io.err << "error: remote path cannot be empty\n";
    return 1;
  }
  return src.pod.empty() ? ToPod(s, o, src.path, dest, io) : FromPod(s, o, src, dest.path, io);
}

}  // namespace sampan::kubectl
