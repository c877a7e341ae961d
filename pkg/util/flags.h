#pragma once
// FlagSet: the flags of one subcommand, with k3s-style names (`--data-dir`).
//
// Each flag is bound to a variable owned by the caller; defining it stores the default there.
// Parse() then fills the variables from, lowest to highest precedence:
//   default < config file < environment (SAMPAN_DATA_DIR) < command line.
// The config file (if enabled) is YAML with flag names as keys (`data-dir: /srv/sampan`),
// scalars or lists; it is `--config`, else $SAMPAN_CONFIG, else a default path that may be
// absent. A list flag takes its values from the highest source that sets it (sources do not
// merge); within a source it accepts repeats (`--tls-san a --tls-san b`) and commas (`a,b`).
//
// Accepted syntax: `--flag value`, `--flag=value`, `--bool`, `--bool=false`, `--` ends flags,
// `-h`/`--help`. Other arguments are kept as positional arguments, in order.
// Errors (unknown flag or config key, bad value, unreadable config) are Invalid Statuses that
// name the flag or key and where it came from. Not thread-safe; use from one thread.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pkg/util/duration.h"
#include "pkg/util/status.h"

namespace sampan::flags {

// Where a flag's current value came from, lowest precedence first.
enum class Source { kDefault, kConfigFile, kEnvironment, kCommandLine };

// Reads an environment variable; nullopt if unset. Replaceable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

class FlagSet {
 public:
  // `command` is what usage shows, e.g. "sampan server"; `summary` is one line about it.
  FlagSet(std::string command, std::string summary);
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Flag definitions. `name` has no dashes ("data-dir"); the target must outlive the set.
  void String(std::string* target, std::string name, std::string default_value, std::string help);
  void Int(int* target, std::string name, int default_value, std::string help);
  void Bool(bool* target, std::string name, bool default_value, std::string help);
  // Go-style durations: "300ms", "10s", "1m30s", "2h".
  void Duration(std::chrono::nanoseconds* target, std::string name,
                std::chrono::nanoseconds default_value, std::string help);
  void StringList(std::vector<std::string>* target, std::string name,
                  std::vector<std::string> default_value, std::string help);

  // Also reads `env_name` for flag `name` (e.g. SAMPAN_URL for --server, as k3s has K3S_URL);
  // the SAMPAN_<NAME> variable wins if both are set.
  void AddEnvAlias(const std::string& name, std::string env_name);

  // Adds --config (env SAMPAN_CONFIG). A missing `default_path` is not an error; a missing
  // file named by --config or SAMPAN_CONFIG is.
  void EnableConfigFile(std::string default_path);
  // Config keys that are accepted and ignored: flags of sibling commands sharing the file
  // (server and agent read the same config.yaml).
  void IgnoreConfigKeys(const std::vector<std::string>& keys);
  void SetEnvLookupForTesting(EnvLookup lookup);

  // Parses `args` (the arguments after the subcommand). Call once.
  Status Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_requested_; }
  const std::vector<std::string>& positional() const { return positional_; }
  // The config file that was read ("" if none).
  const std::string& config_path() const { return config_path_; }
  // Where a flag's value came from; kDefault for unknown names.
  Source source(std::string_view name) const;
  // Flag names in definition order (without "config").
  std::vector<std::string> Names() const;
  const std::string& command() const { return command_; }
  // Usage text: the command, its summary and one line per flag with default and env var.
  std::string Usage() const;

  // "data-dir" -> "SAMPAN_DATA_DIR".
  static std::string EnvName(std::string_view flag_name);

 private:
  using Target =
      std::variant<std::string*, int*, bool*, std::chrono::nanoseconds*, std::vector<std::string>*>;
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    std::vector<std::string> env_names;
    Target target;
    Source source = Source::kDefault;
  };

  Flag& Define(std::string name, std::string help, std::string default_text, Target target);
  Flag* Find(std::string_view name);
  const Flag* Find(std::string_view name) const;
  // Sets one value from `source`; `origin` names the source in error messages.
  Status Set(Flag& flag, std::string_view value, Source source, std::string_view origin);
  // Reads the config file (flags_config.cc): `from_flag` is the value of --config, if given.
  Status ApplyConfigFile(const std::optional<std::string>& from_flag);
  Status ApplyEnvironment();
  std::optional<std::string> Getenv(const std::string& name) const;

  std::string command_;
  std::string summary_;
  std::vector<Flag> flags_;
  std::map<std::string, size_t, std::less<>> index_;
  bool config_enabled_ = false;
  std::string config_default_;
  std::string config_flag_;  // bound to --config
  std::vector<std::string> ignored_config_keys_;
  EnvLookup env_lookup_;
  bool parsed_ = false;
  bool help_requested_ = false;
  std::vector<std::string> positional_;
  std::string config_path_;
};

}  // namespace sampan::flags
