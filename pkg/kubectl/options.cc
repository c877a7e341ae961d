#include "pkg/kubectl/options.h"

#include <fmt/format.h>

namespace sampan::kubectl {

Result<Options> Options::Parse(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs) {
  Options o;
  auto by_long = [&](const std::string& name) -> const FlagSpec* {
    for (const FlagSpec& s : specs)
      if (s.name == name) return &s;
    return nullptr;
  };
  auto by_short = [&](char c) -> const FlagSpec* {
    for (const FlagSpec& s : specs)
      if (s.shorthand == c) return &s;
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      o.trailing_.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      o.positional_.push_back(a);
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::optional<std::string> value;
    if (a[1] == '-') {
      std::string name = a.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      spec = by_long(name);
      if (spec == nullptr) return Status::Invalid(fmt::format("unknown flag: --{}", name));
    } else {
      spec = by_short(a[1]);
      if (spec == nullptr) {
        return Status::Invalid(fmt::format("unknown shorthand flag: '{}' in {}", a[1], a));
      }
      // Booleans bundle: -it is -i -t.
      size_t k = 1;
      while (!spec->takes_value && k + 1 < a.size() && a[k + 1] != '=') {
        o.values_[spec->name].push_back("true");
        spec = by_short(a[++k]);
        if (spec == nullptr) {
          return Status::Invalid(fmt::format("unknown shorthand flag: '{}' in {}", a[k], a));
        }
      }
      if (a.size() > k + 1) value = a.substr(a[k + 1] == '=' ? k + 2 : k + 1);
    }
    if (spec->takes_value && !value) {
      if (i + 1 >= args.size()) {
        return Status::Invalid(fmt::format("flag needs an argument: --{}", spec->name));
      }
      value = args[++i];
    }
    if (!spec->takes_value && value && *value != "true" && *value != "false") {
      return Status::Invalid(
          fmt::format("invalid argument \"{}\" for \"--{}\" flag", *value, spec->name));
    }
    o.values_[spec->name].push_back(value.value_or("true"));
  }
  return o;
}

std::string Options::Get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? def : it->second.back();
}

std::vector<std::string> Options::All(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Options::Bool(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty() && it->second.back() != "false";
}

std::vector<FlagSpec> GlobalFlags() {
  return {{"kubeconfig"},      {"context"}, {"namespace", 'n'},
          {"request-timeout"}, {"v", 'v'},  {"insecure-skip-tls-verify", 0, false}};
}

}  // namespace sampan::kubectl
