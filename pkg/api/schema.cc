#include "pkg/api/schema.h"

#include <fmt/format.h>

#include <utility>

namespace sampan::api {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool ScalarKind(std::string_view name, ValueKind* kind) {
  static const std::pair<std::string_view, ValueKind> kKinds[] = {
      {"string", ValueKind::kString},
      {"int32", ValueKind::kInt32},
      {"int64", ValueKind::kInt64},
      {"bool", ValueKind::kBool},
      {"double", ValueKind::kDouble},
      {"bytes", ValueKind::kBytes},
      {"@time", ValueKind::kTime},
      {"@microtime", ValueKind::kMicroTime},
      {"@duration", ValueKind::kDuration},
      {"@quantity", ValueKind::kQuantity},
      {"@intorstr", ValueKind::kIntOrString},
      {"@raw", ValueKind::kRaw},
      {"@strings", ValueKind::kStringList},
  };
  for (const auto& [n, k] : kKinds) {
    if (n == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

// A field whose message type is resolved after every type is known.
struct PendingType {
  SchemaType* owner;
  size_t field;
  std::string type_key;
  int line;
};

}  // namespace

const SchemaField* SchemaType::FieldByNumber(int number) const {
  for (const SchemaField& f : fields) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

const SchemaField* SchemaType::FieldByJsonName(std::string_view json_name) const {
  for (const SchemaField& f : fields) {
    if (f.inlined()) {
      if (const SchemaField* inner = f.message->FieldByJsonName(json_name)) return inner;
    } else if (f.json_name == json_name) {
      return &f;
    }
  }
  return nullptr;
}

std::string PackageOf(std::string_view api_version) {
  size_t slash = api_version.find('/');
  if (slash == std::string_view::npos) return fmt::format("core/{}", api_version);
  std::string_view group = api_version.substr(0, slash);
  std::string_view version = api_version.substr(slash + 1);
  return fmt::format("{}/{}", group.substr(0, group.find('.')), version);
}

Result<std::unique_ptr<Schema>> Schema::Parse(std::string_view text) {
  auto schema = std::make_unique<Schema>();
  std::string package;
  SchemaType* current = nullptr;
  std::vector<PendingType> pending;
  int line_number = 0;
  auto error = [&](std::string_view what) {
    return Status::Invalid(fmt::format("schema line {}: {}", line_number, what));
  };
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    std::vector<std::string_view> w = Words(line);
    if (w.empty() || w[0][0] == '#') continue;
    bool field_line = line[0] == ' ';
    if (!field_line && w[0] == "package" && w.size() == 2) {
      package = std::string(w[1]);
      current = nullptr;
      continue;
    }
    if (!field_line && w[0] == "type" && w.size() >= 2) {
      if (package.empty()) return error("type outside a package");
      auto type = std::make_unique<SchemaType>();
      type->package = package;
      type->name = std::string(w[1]);
      type->is_kind = w.size() > 2 && w[2] == "kind";
      current = type.get();
      std::string key = package + "." + type->name;
      if (!schema->types_.emplace(key, std::move(type)).second) return error("duplicate type");
      continue;
    }
    if (current == nullptr || !field_line || w.size() < 3) return error("unexpected line");
    SchemaField field;
    if (w[0] != "-") field.json_name = std::string(w[0]);
    field.number = std::atoi(std::string(w[1]).c_str());
    if (field.number <= 0) return error("bad field number");
    std::string_view type = w[2];
    if (type.starts_with("[]") && type != "[]byte") {
      field.repeated = true;
      type.remove_prefix(2);
    } else if (type.starts_with("map[string]")) {
      field.map = true;
      type.remove_prefix(11);
    }
    std::string type_key;
    if (!ScalarKind(type, &field.kind)) {
      field.kind = ValueKind::kMessage;
      type_key = type.find('.') == std::string_view::npos ? package + "." + std::string(type)
                                                          : std::string(type);
    }
    for (size_t i = 3; i < w.size(); ++i) {
      std::string_view flag = w[i];
      size_t eq = flag.find('=');
      std::string_view name = flag.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : flag.substr(eq + 1);
      if (name == "ptr")
        field.pointer = true;
      else if (name == "omit")
        field.omitempty = true;
      else if (name == "strategy")
        field.patch_strategy = std::string(value);
      else if (name == "merge")
        field.patch_merge_key = std::string(value);
      else if (name == "list")
        field.list_type = std::string(value);
      else if (name == "keys")
        field.list_map_keys = SplitCommas(value);
      else if (name == "map")
        field.map_type = std::string(value);
      else if (name == "struct")
        field.struct_type = std::string(value);
      else
        return error("unknown flag");
    }
    if (field.inlined() && field.kind != ValueKind::kMessage) return error("inline scalar");
    current->fields.push_back(std::move(field));
    if (!type_key.empty()) {
      pending.push_back({current, current->fields.size() - 1, std::move(type_key), line_number});
    }
  }
  for (const PendingType& p : pending) {
    auto it = schema->types_.find(p.type_key);
    if (it == schema->types_.end()) {
      line_number = p.line;
      return error("unknown type " + p.type_key);
    }
    p.owner->fields[p.field].message = it->second.get();
  }
  return schema;
}

const Schema& Schema::BuiltIn() {
  static const Schema* const kSchema = [] {
    Result<std::unique_ptr<Schema>> parsed = Parse(BuiltInSchemaText());
    // The text is generated and covered by tests: failing here is a build defect.
    if (!parsed.ok()) {
      fmt::print(stderr, "built-in schema: {}\n", parsed.status().message());
      std::abort();
    }
    return parsed->release();
  }();
  return *kSchema;
}

const SchemaType* Schema::Find(std::string_view package, std::string_view name) const {
  auto it = types_.find(fmt::format("{}.{}", package, name));
  return it == types_.end() ? nullptr : it->second.get();
}

const SchemaType* Schema::ForKind(std::string_view api_version, std::string_view kind) const {
  const SchemaType* type = Find(PackageOf(api_version), kind);
  // As upstream, the meta.k8s.io options kinds belong to every group-version too (a typed
  // client sends its DeleteOptions as "v1" or "apps/v1").
  if (type == nullptr && kind.ends_with("Options")) type = Find("meta/v1", kind);
  return type != nullptr && type->is_kind ? type : nullptr;
}

}  // namespace sampan::api
