#pragma once
// Docker-style argument parsing for `sampan ctr`: short and long options (`-it`, `-e K=V`,
// `--memory=64Mi`), repeatable options kept verbatim (no comma splitting: `-e A=b,c`), and
// option parsing that stops at the first positional argument so the container's command
// keeps its own flags (`ctr run IMAGE sh -c 'echo hi'`).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::cmd {

struct CtrOption {
  std::string name;     // long name without dashes
  char short_name = 0;  // 0 = none
  bool takes_value = false;
  std::string help;
  std::string default_value;
};

class CtrArgs {
 public:
  CtrArgs(std::string command, std::string usage_line, std::vector<CtrOption> options);
  // Parses; the common --data-dir (env SAMPAN_DATA_DIR) and --cgroup-root (env
  // SAMPAN_CGROUP_ROOT) are always accepted.
  Status Parse(const std::vector<std::string>& args);

  bool help() const { return help_; }
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Last value given, or the default.
  std::string Get(const std::string& name) const;
  std::vector<std::string> All(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  std::string Usage() const;
  const std::string& command() const { return command_; }

 private:
  const CtrOption* Find(const std::string& name) const;
  const CtrOption* FindShort(char c) const;

  std::string command_;
  std::string usage_line_;
  std::vector<CtrOption> options_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

// Parses "64Mi", "1G", "512k", "1048576" into bytes.
Result<int64_t> ParseMemory(const std::string& text);

}  // namespace sampan::cmd
