#pragma once
// Shared by the `sampan ctr` subcommand files.

#include <memory>
#include <string>
#include <vector>

#include "cmd/sampan/ctr_args.h"
#include "runtime/runtime.h"

namespace sampan::cmd {

int RunCtrRun(const std::vector<std::string>& args);
int RunCtrExec(const std::vector<std::string>& args);
int RunCtrAttach(const std::vector<std::string>& args);

// Parses for a ctr subcommand; returns an exit code to stop with (help, usage error).
std::optional<int> ParseCtrArgs(CtrArgs& parsed, const std::vector<std::string>& args,
                                size_t min_positional);
Result<std::unique_ptr<runtime::Runtime>> OpenRuntime(const CtrArgs& parsed);

// Puts the terminal on `fd` in raw mode until destroyed (no-op if not a terminal).
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  bool active_ = false;
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

// The terminal size of `fd` (0, 0 if not a terminal).
std::pair<uint16_t, uint16_t> TerminalSize(int fd);

}  // namespace sampan::cmd
