// Helpers shared by the subcommands: flag parsing with the usual exits, error printing.

#include <fmt/core.h>

#include "cmd/sampan/commands.h"

namespace sampan::cmd {

void PrintError(std::string_view command, std::string_view message) {
  fmt::print(stderr, "{}: error: {}\n", command, message);
}

std::optional<int> ParseFlags(flags::FlagSet& set, const std::vector<std::string>& args,
                              bool allow_positional) {
  Status status = set.Parse(args);
  if (status.ok() && set.help_requested()) {
    fmt::print("{}", set.Usage());
    return kExitOk;
  }
  if (status.ok() && !allow_positional && !set.positional().empty()) {
    status = Status::Invalid(fmt::format("unexpected argument \"{}\"", set.positional().front()));
  }
  if (!status.ok()) {
    PrintError(set.command(), status.message());
    fmt::print(stderr, "Run '{} --help' for usage.\n", set.command());
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace sampan::cmd
