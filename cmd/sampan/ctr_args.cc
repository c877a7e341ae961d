#include "cmd/sampan/ctr_args.h"

#include <fmt/core.h>

#include <cmath>
#include <cstdlib>

namespace sampan::cmd {

CtrArgs::CtrArgs(std::string command, std::string usage_line, std::vector<CtrOption> options)
    : command_(std::move(command)),
      usage_line_(std::move(usage_line)),
      options_(std::move(options)) {
  const char* data_dir = std::getenv("SAMPAN_DATA_DIR");
  const char* cgroup_root = std::getenv("SAMPAN_CGROUP_ROOT");
  options_.push_back(
      {"data-dir", 0, true, "Folder to hold state", data_dir ? data_dir : "/var/lib/sampan"});
  options_.push_back({"cgroup-root", 0, true,
                      "Parent of every cgroup the runtime makes (tests use a subtree of their own)",
                      cgroup_root ? cgroup_root : ""});
}

const CtrOption* CtrArgs::Find(const std::string& name) const {
  for (const CtrOption& o : options_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

const CtrOption* CtrArgs::FindShort(char c) const {
  for (const CtrOption& o : options_) {
    if (o.short_name == c) return &o;
  }
  return nullptr;
}

Status CtrArgs::Parse(const std::vector<std::string>& args) {
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-h" || a == "--help") {
      help_ = true;
      return Status::Ok();
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const CtrOption* o = Find(name);
      if (o == nullptr) return Status::Invalid("unknown flag --" + name);
      if (o->takes_value) {
        if (!value) {
          if (i + 1 >= args.size()) return Status::Invalid("flag --" + name + " needs a value");
          value = args[++i];
        }
        values_[name].push_back(*value);
      } else {
        values_[name].push_back(value.value_or("true"));
      }
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      // One or more short options: "-it", "-e K=V", "-eK=V".
      for (size_t j = 1; j < a.size(); ++j) {
        const CtrOption* o = FindShort(a[j]);
        if (o == nullptr) return Status::Invalid(fmt::format("unknown flag -{}", a[j]));
        if (!o->takes_value) {
          values_[o->name].push_back("true");
          continue;
        }
        std::string value = a.substr(j + 1);
        if (value.empty()) {
          if (i + 1 >= args.size())
            return Status::Invalid(fmt::format("flag -{} needs a value", a[j]));
          value = args[++i];
        }
        values_[o->name].push_back(value);
        break;
      }
      continue;
    }
    break;  // first positional: the rest belongs to it
  }
  positional_.assign(args.begin() + static_cast<long>(i), args.end());
  for (const auto& [name, vals] : values_) {
    const CtrOption* o = Find(name);
    if (o != nullptr && !o->takes_value) {
      for (const std::string& v : vals) {
        if (v != "true" && v != "false")
          return Status::Invalid("flag --" + name + " takes true or false");
      }
    }
  }
  return Status::Ok();
}

std::string CtrArgs::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  const CtrOption* o = Find(name);
  if (o == nullptr) return "";
  if (!o->takes_value) return "false";
  return o->default_value;
}

std::vector<std::string> CtrArgs::All(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string CtrArgs::Usage() const {
  std::string out = fmt::format("Usage: {} {}\n\nFlags:\n", command_, usage_line_);
  for (const CtrOption& o : options_) {
    std::string left = o.short_name ? fmt::format("-{}, --{}", o.short_name, o.name)
                                    : fmt::format("    --{}", o.name);
    if (o.takes_value) left += " VALUE";
    out += fmt::format("  {:<28} {}", left, o.help);
    if (o.takes_value && !o.default_value.empty())
      out += fmt::format(" (default {})", o.default_value);
    out += "\n";
  }
  return out;
}

Result<int64_t> ParseMemory(const std::string& text) {
  if (text.empty()) return Status::Invalid("empty memory size");
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  std::string suffix = end ? end : "";
  // Kubernetes quantities (Ki, Mi, Gi binary; K, M, G decimal) and Docker's lowercase
  // binary units (k, m, g).
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},    {"b", 1},   {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"K", 1e3},
      {"M", 1e6}, {"G", 1e9}, {"k", 1024.0},  {"m", 1048576.0},  {"g", 1073741824.0}};
  if (end == text.c_str() || value < 0) return Status::Invalid("bad memory size: " + text);
  for (const auto& [unit, scale] : kUnits) {
    if (suffix == unit) return static_cast<int64_t>(std::llround(value * scale));
  }
  return Status::Invalid("bad memory size: " + text + " (use 64Mi, 1Gi, 512M, 64m, bytes)");
}

}  // namespace sampan::cmd
