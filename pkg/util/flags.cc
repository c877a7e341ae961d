#include "pkg/util/flags.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <type_traits>
#include <utility>

namespace sampan::flags {
namespace {

constexpr std::string_view kConfigFlag = "config";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<bool> ParseBool(std::string_view text) {
  std::string v = Lower(text);
  if (v == "true" || v == "t" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "f" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::optional<std::string> RealGetenv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

FlagSet::FlagSet(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)), env_lookup_(RealGetenv) {}

FlagSet::Flag& FlagSet::Define(std::string name, std::string help, std::string default_text,
                               Target target) {
  // A duplicate name is a programming error in the command's wiring: fail loudly at once.
  if (index_.count(name) != 0 || name.empty() || name[0] == '-' || name == "help") {
    fmt::print(stderr, "internal error: bad or duplicate flag name \"{}\" in {}\n", name, command_);
    std::abort();
  }
  index_.emplace(name, flags_.size());
  Flag flag;
  flag.env_names.push_back(EnvName(name));
  flag.name = std::move(name);
  flag.help = std::move(help);
  flag.default_text = std::move(default_text);
  flag.target = target;
  flags_.push_back(std::move(flag));
  return flags_.back();
}

void FlagSet::String(std::string* target, std::string name, std::string default_value,
                     std::string help) {
  std::string shown = default_value.empty() ? "" : fmt::format("\"{}\"", default_value);
  *target = std::move(default_value);
  Define(std::move(name), std::move(help), std::move(shown), target);
}

void FlagSet::Int(int* target, std::string name, int default_value, std::string help) {
  *target = default_value;
  Define(std::move(name), std::move(help), std::to_string(default_value), target);
}

void FlagSet::Bool(bool* target, std::string name, bool default_value, std::string help) {
  *target = default_value;
  Define(std::move(name), std::move(help), default_value ? "true" : "", target);
}

void FlagSet::Duration(std::chrono::nanoseconds* target, std::string name,
                       std::chrono::nanoseconds default_value, std::string help) {
  *target = default_value;
  Define(std::move(name), std::move(help), FormatDuration(default_value), target);
}

void FlagSet::StringList(std::vector<std::string>* target, std::string name,
                         std::vector<std::string> default_value, std::string help) {
  std::string shown = default_value.empty() ? "" : "[" + Join(default_value, ",") + "]";
  *target = std::move(default_value);
  Define(std::move(name), std::move(help), std::move(shown), target);
}

void FlagSet::AddEnvAlias(const std::string& name, std::string env_name) {
  if (Flag* flag = Find(name)) flag->env_names.push_back(std::move(env_name));
}

void FlagSet::EnableConfigFile(std::string default_path) {
  config_enabled_ = true;
  config_default_ = default_path;
  String(&config_flag_, std::string(kConfigFlag), "",
         fmt::format("Config file, YAML with flag names as keys (default \"{}\")", default_path));
}

void FlagSet::IgnoreConfigKeys(const std::vector<std::string>& keys) {
  ignored_config_keys_.insert(ignored_config_keys_.end(), keys.begin(), keys.end());
}

void FlagSet::SetEnvLookupForTesting(EnvLookup lookup) { env_lookup_ = std::move(lookup); }

FlagSet::Flag* FlagSet::Find(std::string_view name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &flags_[it->second];
}

const FlagSet::Flag* FlagSet::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &flags_[it->second];
}

Source FlagSet::source(std::string_view name) const {
  const Flag* flag = Find(name);
  return flag ? flag->source : Source::kDefault;
}

std::vector<std::string> FlagSet::Names() const {
  std::vector<std::string> names;
  for (const Flag& flag : flags_) {
    if (flag.name != kConfigFlag) names.push_back(flag.name);
  }
  return names;
}

std::string FlagSet::EnvName(std::string_view flag_name) {
  std::string out = "SAMPAN_";
  for (char c : flag_name) {
    if (c == '-') {
      out.push_back('_');
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> FlagSet::Getenv(const std::string& name) const {
  std::optional<std::string> value = env_lookup_(name);
  // An empty variable counts as unset, so `SAMPAN_TOKEN= sampan ...` cannot clear a default.
  if (value && value->empty()) return std::nullopt;
  return value;
}

Status FlagSet::Set(Flag& flag, std::string_view value, Source source, std::string_view origin) {
  auto invalid = [&](std::string_view want) {
    return Status::Invalid(
        fmt::format("invalid value \"{}\" for flag --{}{}: {}", value, flag.name, origin, want));
  };
  if (auto* s = std::get_if<std::string*>(&flag.target)) {
    **s = std::string(value);
  } else if (auto* i = std::get_if<int*>(&flag.target)) {
    std::optional<int> parsed = ParseInt(value);
    if (!parsed) return invalid("want an integer");
    **i = *parsed;
  } else if (auto* b = std::get_if<bool*>(&flag.target)) {
    std::optional<bool> parsed = ParseBool(value);
    if (!parsed) return invalid("want true or false");
    **b = *parsed;
  } else if (auto* d = std::get_if<std::chrono::nanoseconds*>(&flag.target)) {
    Result<std::chrono::nanoseconds> parsed = ParseDuration(value);
    if (!parsed.ok()) return invalid(parsed.status().message());
    **d = *parsed;
  } else if (auto* list = std::get_if<std::vector<std::string>*>(&flag.target)) {
    // The first value from a higher source replaces the list; later ones from it append.
    if (flag.source != source) (*list)->clear();
    std::string_view rest = value;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = Trim(rest.substr(0, comma));
      if (!item.empty()) (*list)->emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  flag.source = source;
  return Status();
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  if (parsed_) return Status::Internal("FlagSet::Parse called twice");
  parsed_ = true;

  // Help wins over every error, so a broken config file cannot hide the usage text.
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg == "-h" || arg == "--help") {
      help_requested_ = true;
      return Status();
    }
  }

  // Pass 1: the command line is read first (it may name the config file) and applied last.
  struct Assignment {
    Flag* flag;
    std::string value;
  };
  std::vector<Assignment> assignments;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional_.insert(positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional_.push_back(arg);
      continue;
    }
    if (arg[1] != '-') {
      return Status::Invalid(
          fmt::format("unknown flag {} for \"{}\" (flags are spelled --name)", arg, command_));
    }
    std::string_view body = std::string_view(arg).substr(2);
    size_t eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return Status::Invalid(fmt::format("unknown flag --{} for \"{}\"", name, command_));
    }
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(body.substr(eq + 1));
    } else if (std::holds_alternative<bool*>(flag->target)) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::Invalid(fmt::format("flag --{} needs a value", name));
    }
    assignments.push_back({flag, std::move(value)});
  }

  if (config_enabled_) {
    std::optional<std::string> from_flag;
    for (const Assignment& a : assignments) {
      if (a.flag->name == kConfigFlag) from_flag = a.value;
    }
    RETURN_IF_ERROR(ApplyConfigFile(from_flag));
  }
  RETURN_IF_ERROR(ApplyEnvironment());
  for (const Assignment& a : assignments) {
    RETURN_IF_ERROR(Set(*a.flag, a.value, Source::kCommandLine, ""));
  }
  return Status();
}

Status FlagSet::ApplyEnvironment() {
  for (Flag& flag : flags_) {
    // The first variable set wins: SAMPAN_<NAME> before aliases; sources never merge.
    for (const std::string& env_name : flag.env_names) {
      std::optional<std::string> value = Getenv(env_name);
      if (!value) continue;
      RETURN_IF_ERROR(
          Set(flag, *value, Source::kEnvironment, fmt::format(" (from ${})", env_name)));
      break;
    }
  }
  return Status();
}

std::string FlagSet::Usage() const {
  struct Row {
    std::string left;
    std::string right;
  };
  std::vector<Row> rows;
  for (const Flag& flag : flags_) {
    std::string_view type = std::visit(
        [](auto* target) -> std::string_view {
          using T = std::remove_pointer_t<decltype(target)>;
          if constexpr (std::is_same_v<T, std::string>) return " string";
          if constexpr (std::is_same_v<T, int>) return " int";
          if constexpr (std::is_same_v<T, bool>) return "";
          if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) return " duration";
          return " strings";
        },
        flag.target);
    std::string right = flag.help;
    if (!flag.default_text.empty()) right += fmt::format(" (default {})", flag.default_text);
    right += " [";
    for (size_t i = 0; i < flag.env_names.size(); ++i) {
      right += (i == 0 ? "$" : ", $") + flag.env_names[i];
    }
    right += "]";
    rows.push_back({fmt::format("--{}{}", flag.name, type), std::move(right)});
  }
  rows.push_back({"-h, --help", "Show this help"});
  size_t width = 0;
  for (const Row& row : rows) width = std::max(width, row.left.size());

  std::string out = fmt::format("Usage: {} [flags]\n\n{}\n\nFlags:\n", command_, summary_);
  for (const Row& row : rows) {
    out += fmt::format("  {:<{}}  {}\n", row.left, width, row.right);
  }
  if (config_enabled_) {
    out += fmt::format(
        "\nPrecedence: command line > environment > config file ({}, keys are flag names) > "
        "default.\n",
        config_default_);
  }
  return out;
}

}  // namespace sampan::flags
