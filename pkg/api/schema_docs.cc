#include "pkg/api/schema_docs.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace sampan::api {

Result<std::unique_ptr<SchemaDocs>> SchemaDocs::Parse(std::string_view text, const Schema* schema) {
  auto docs = std::make_unique<SchemaDocs>();
  std::string package;
  int line_number = 0;
  auto error = [&](std::string_view what) {
    return Status::Invalid(fmt::format("descriptions line {}: {}", line_number, what));
  };
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0) return error("expected KEY TEXT");
    std::string_view key = line.substr(0, space);
    std::string_view value = line.substr(space + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (key == "package") {
      package = std::string(value);
      continue;
    }
    if (value.empty()) return error("empty description");
    size_t dot = key.find('.');
    std::string_view type_name = key.substr(0, dot);
    std::string_view field_name =
        dot == std::string_view::npos ? std::string_view() : key.substr(dot + 1);
    std::string full_key;
    if (type_name == "*") {
      if (field_name.empty()) return error("'*' needs a field");
      full_key = std::string(key);
    } else {
      if (package.empty()) return error("entry outside a package");
      if (schema != nullptr) {
        const SchemaType* type = schema->Find(package, type_name);
        if (type == nullptr) return error(fmt::format("unknown type {}", type_name));
        if (!field_name.empty()) {
          bool found = false;
          for (const SchemaField& f : type->fields) found |= f.json_name == field_name;
          if (!found) return error(fmt::format("unknown field {}", key));
        }
      }
      full_key = fmt::format("{}.{}", package, key);
    }
    if (!docs->entries_.emplace(std::move(full_key), value).second) {
      return error(fmt::format("duplicate entry {}", key));
    }
  }
  return docs;
}

const SchemaDocs& SchemaDocs::BuiltIn() {
  static const SchemaDocs* const kDocs = [] {
    Result<std::unique_ptr<SchemaDocs>> parsed =
        Parse(BuiltInDescriptionText(), &Schema::BuiltIn());
    // The text is compiled in and covered by tests: failing here is a build defect.
    if (!parsed.ok()) {
      fmt::print(stderr, "built-in descriptions: {}\n", parsed.status().message());
      std::abort();
    }
    return parsed->release();
  }();
  return *kDocs;
}

std::string_view SchemaDocs::Type(std::string_view package, std::string_view name) const {
  auto it = entries_.find(fmt::format("{}.{}", package, name));
  return it == entries_.end() ? std::string_view() : it->second;
}

std::string_view SchemaDocs::Field(const SchemaType& type, std::string_view json_name) const {
  auto it = entries_.find(fmt::format("{}.{}.{}", type.package, type.name, json_name));
  if (it != entries_.end()) return it->second;
  return type.is_kind ? KindField(json_name) : std::string_view();
}

std::string_view SchemaDocs::KindField(std::string_view json_name) const {
  auto it = entries_.find(fmt::format("*.{}", json_name));
  return it == entries_.end() ? std::string_view() : it->second;
}

std::string SchemaDocs::Expand(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace sampan::api
