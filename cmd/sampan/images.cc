// `sampan images import|pull|ls|rm|prune|export`: administration of the node's image store
// under <data-dir>/agent/images (shared with a running server: the store locks itself).

#include <fmt/core.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cmd/sampan/commands.h"
#include "pkg/util/log.h"
#include "runtime/images/image_store.h"
#include "runtime/images/puller.h"
#include "runtime/images/registries_config.h"

namespace sampan::cmd {
namespace {

using images::ImageStore;

constexpr std::string_view kDefaultRegistries = "/etc/sampan/registries.yaml";

struct ImagesConfig {
  std::string data_dir;
  std::string private_registry;
  std::string platform;
  bool all = false;
  bool quiet = false;
  std::string log_level;
};

constexpr std::string_view kUsage =
    "Usage: sampan images COMMAND [flags]\n\n"
    "Commands:\n"
    "  import FILE...     Import docker-save archives or OCI layouts (tar, tar.gz, tar.zst, dir)\n"
    "  pull REF           Pull an image from a registry (registries.yaml applies)\n"
    "  ls                 List images: name, digest, size\n"
    "  rm REF...          Remove images (by name or ID)\n"
    "  prune [--all]      Remove unreferenced content (--all: every image not in use)\n"
    "  export REF FILE    Write an image as an OCI layout / docker-load tar\n"
    "  inspect REF        Print an image's ID, layer directories (top first) and config as JSON\n\n"
    "Run 'sampan images COMMAND --help' for its flags.\n";

void DefineFlags(flags::FlagSet& set, ImagesConfig* c, std::string_view sub) {
  set.String(&c->data_dir, "data-dir", "/var/lib/sampan", "Folder to hold state");
  set.String(&c->log_level, "log-level", "warn", "trace, debug, info, warn, error or off");
  if (sub == "pull" || sub == "import") {
    set.String(&c->platform, "platform", "",
               "Platform to pick from multi-platform images "
               "(os/arch[/variant]; default: this machine's)");
  }
  if (sub == "pull") {
    set.String(&c->private_registry, "private-registry", std::string(kDefaultRegistries),
               "Private registry configuration file");
  }
  if (sub == "prune") set.Bool(&c->all, "all", false, "Also remove every image not in use");
  if (sub == "ls") set.Bool(&c->quiet, "quiet", false, "Only print image names");
}

Result<std::unique_ptr<ImageStore>> OpenStore(const ImagesConfig& c) {
  images::StoreOptions options;
  if (!c.platform.empty()) {
    ASSIGN_OR_RETURN(options.platform, images::Platform::Parse(c.platform));
  }
  return ImageStore::Open(c.data_dir, options);
}

int Fail(const flags::FlagSet& set, const Status& st) {
  PrintError(set.command(), st.message());
  return kExitFailure;
}

int Run(std::string_view sub, flags::FlagSet& set, const ImagesConfig& c) {
  const std::vector<std::string>& args = set.positional();
  auto want_args = [&](size_t min, size_t max, std::string_view what) -> std::optional<int> {
    if (args.size() < min || args.size() > max) {
      PrintError(set.command(), fmt::format("expected {}", what));
      return kExitUsage;
    }
    return std::nullopt;
  };
  if (Status st = log::Configure(c.log_level, "text"); !st.ok()) return Fail(set, st);
  if (sub == "import") {
    if (auto e = want_args(1, 1000, "one or more files")) return *e;
  } else if (sub == "pull") {
    if (auto e = want_args(1, 1, "one image reference")) return *e;
  } else if (sub == "ls" || sub == "prune") {
    if (auto e = want_args(0, 0, "no arguments")) return *e;
  } else if (sub == "rm") {
    if (auto e = want_args(1, 1000, "one or more image references")) return *e;
  } else if (sub == "export") {
    if (auto e = want_args(2, 2, "an image reference and a file")) return *e;
  } else if (sub == "inspect") {
    if (auto e = want_args(1, 1, "one image reference")) return *e;
  }
  Result<std::unique_ptr<ImageStore>> opened = OpenStore(c);
  if (!opened.ok()) return Fail(set, opened.status());
  ImageStore& store = **opened;

  if (sub == "import") {
    int rc = kExitOk;
    for (const std::string& file : args) {
      Result<std::vector<std::string>> names = store.Import(file);
      if (!names.ok()) {
        PrintError(set.command(), names.status().message());
        rc = kExitFailure;
        continue;
      }
      for (const std::string& n : *names) fmt::print("imported {}\n", n);
    }
    return rc;
  }
  if (sub == "pull") {
    bool optional = set.source("private-registry") == flags::Source::kDefault;
    Result<images::RegistriesConfig> registries =
        images::RegistriesConfig::Load(c.private_registry, optional);
    if (!registries.ok()) return Fail(set, registries.status());
    images::PullOptions options;
    options.registries = std::move(*registries);
    options.progress = stderr;
    Result<images::PullResult> r = images::Pull(&store, args[0], options);
    if (!r.ok()) return Fail(set, r.status());
    fmt::print("pulled {} ({}, {} downloaded)\n", r->name, r->digest,
               images::FormatBytes(r->downloaded_bytes));
    return kExitOk;
  }
  if (sub == "ls") {
    Result<std::vector<images::ImageInfo>> list = store.List();
    if (!list.ok()) return Fail(set, list.status());
    if (!c.quiet)
      fmt::print("{:<60} {:<20} {:<14} {:>10}\n", "IMAGE", "DIGEST", "IMAGE ID", "SIZE");
    for (const images::ImageInfo& i : *list) {
      if (c.quiet) {
        fmt::print("{}\n", i.name);
        continue;
      }
      fmt::print("{:<60} {:<20} {:<14} {:>10}\n", i.name, i.digest.substr(0, 19),
                 i.id.substr(7, 12), images::FormatBytes(i.size));
    }
    return kExitOk;
  }
  if (sub == "rm") {
    int rc = kExitOk;
    for (const std::string& ref : args) {
      Status st = store.Remove(ref);
      if (!st.ok()) {
        PrintError(set.command(), st.message());
        rc = kExitFailure;
        continue;
      }
      fmt::print("deleted {}\n", ref);
    }
    return rc;
  }
  if (sub == "prune") {
    Result<images::GcReport> r = store.Prune(c.all);
    if (!r.ok()) return Fail(set, r.status());
    for (const std::string& n : r->removed_images) fmt::print("deleted {}\n", n);
    fmt::print("removed {} images, {} blobs, {} snapshots, freed {}\n", r->removed_images.size(),
               r->removed_blobs, r->removed_snapshots, images::FormatBytes(r->freed_bytes));
    return kExitOk;
  }
  if (sub == "inspect") {
    Result<images::ResolvedImage> r = store.Resolve(args[0]);
    if (!r.ok()) return Fail(set, r.status());
    const images::ImageConfig& ic = r->config;
    nlohmann::json config = {
        {"Entrypoint", ic.entrypoint},      {"Cmd", ic.cmd},      {"Env", ic.env},
        {"WorkingDir", ic.working_dir},     {"User", ic.user},    {"StopSignal", ic.stop_signal},
        {"ExposedPorts", ic.exposed_ports}, {"Labels", ic.labels}};
    nlohmann::json out = {{"id", r->id},
                          {"name", r->name},
                          {"manifest", r->manifest_digest},
                          {"layers", r->layer_dirs},
                          {"config", config}};
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  if (sub == "export") {
    Status st = store.Export(args[0], args[1]);
    if (!st.ok()) return Fail(set, st);
    fmt::print("exported {} to {}\n", args[0], args[1]);
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace

int RunImages(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    fmt::print(args.empty() ? stderr : stdout, "{}", kUsage);
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::string sub = args[0];
  if (sub == "list") sub = "ls";
  if (sub == "remove" || sub == "rmi") sub = "rm";
  for (std::string_view known : {"import", "pull", "ls", "rm", "prune", "export", "inspect"}) {
    if (sub == known) {
      flags::FlagSet set("sampan images " + sub,
                         std::string(kUsage.substr(0, 0)) + "Image store: " + sub);
      ImagesConfig config;
      DefineFlags(set, &config, sub);
      std::vector<std::string> rest(args.begin() + 1, args.end());
      if (std::optional<int> exit = ParseFlags(set, rest, /*allow_positional=*/true)) return *exit;
      return Run(sub, set, config);
    }
  }
  PrintError("sampan images", fmt::format("unknown command \"{}\"", args[0]));
  fmt::print(stderr, "{}", kUsage);
  return kExitUsage;
}

}  // namespace sampan::cmd
