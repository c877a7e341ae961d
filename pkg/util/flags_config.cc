// The config-file half of FlagSet: YAML keys are flag names. yaml-cpp reports errors by
// throwing, so every yaml-cpp call stays inside this file's try block.

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>

#include "pkg/util/flags.h"
#include "pkg/util/fs.h"

namespace sampan::flags {
namespace {

}  // namespace

Status FlagSet::ApplyConfigFile(const std::optional<std::string>& from_flag) {
  std::string path = config_default_;
  bool required = true;
  if (from_flag) {
    path = *from_flag;
  } else if (std::optional<std::string> env = Getenv(EnvName("config"))) {
    path = *env;
  } else {
    required = false;  // the default file is optional
  }
  if (path.empty()) return Status();  // --config= turns the file off

  Result<std::string> content = ReadFileToString(path);
  if (!content.ok()) {
    if (!required && content.status().err() == ENOENT) return Status();
    return content.status().WithContext("cannot read config file");
  }
  config_path_ = path;

  try {
    YAML::Node root = YAML::Load(*content);
    if (root.IsNull()) return Status();  // empty file
    if (!root.IsMap()) {
      return Status::Invalid(
          fmt::format("config file {}: want a mapping of flag names to values", path));
    }
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      int line = entry.first.Mark().line + 1;
      Flag* flag = Find(key);
      if (flag == nullptr || key == "config") {
        bool ignored = false;
        for (const std::string& k : ignored_config_keys_) ignored = ignored || k == key;
        if (ignored) continue;
        return Status::Invalid(
            fmt::format("unknown key \"{}\" in config file {} (line {}): not a flag of \"{}\"", key,
                        path, line, command_));
      }
      std::string origin = fmt::format(" (from key \"{}\" in {})", key, path);
      const YAML::Node& value = entry.second;
      auto* list = std::get_if<std::vector<std::string>*>(&flag->target);
      if (value.IsScalar()) {
        RETURN_IF_ERROR(Set(*flag, value.Scalar(), Source::kConfigFile, origin));
      } else if ((value.IsSequence() || value.IsNull()) && list != nullptr) {
        (*list)->clear();  // an empty list or `key:` sets the list to empty
        flag->source = Source::kConfigFile;
        for (const auto& item : value) {
          if (!item.IsScalar()) {
            return Status::Invalid(
                fmt::format("config file {} (line {}): list items of \"{}\" must be plain values",
                            path, item.Mark().line + 1, key));
          }
          RETURN_IF_ERROR(Set(*flag, item.Scalar(), Source::kConfigFile, origin));
        }
      } else {
        std::string_view want = value.IsNull()       ? "has no value"
                                : value.IsSequence() ? "takes a single value, not a list"
                                                     : "takes a value, not a mapping";
        return Status::Invalid(
            fmt::format("config file {} (line {}): key \"{}\" {}", path, line, key, want));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid(fmt::format("config file {}: {}", path, e.what()));
  } catch (const std::exception& e) {
    return Status::Invalid(fmt::format("config file {}: {}", path, e.what()));
  }
  return Status();
}

}  // namespace sampan::flags
