#include "pkg/kubectl/printers.h"

#include <fmt/format.h>

#include <algorithm>

#include "pkg/kubectl/discovery.h"
#include "pkg/kubectl/jsonpath.h"
#include "pkg/kubectl/yaml_printer.h"

namespace sampan::kubectl {
namespace {

using api::Json;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Cell(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<none>";
  return api::Dump(v);
}

std::string Labels(const Json& row) {
  const Json& labels =
      api::ObjectField(api::ObjectField(api::ObjectField(row, "object"), "metadata"), "labels");
  if (labels.empty()) return "<none>";
  std::vector<std::string> parts;
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    parts.push_back(it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : ""));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

TableLines TableToLines(const api::ResourceInfo& r, const Json& table,
                        const TableOptions& options) {
  TableLines out;
  const Json* columns = api::Find(table, "columnDefinitions");
  const Json* rows = api::Find(table, "rows");
  if (columns == nullptr || rows == nullptr || !rows->is_array()) return out;
  std::vector<size_t> shown;
  if (options.all_namespaces && r.namespaced) out.header.push_back("NAMESPACE");
  for (size_t i = 0; i < columns->size(); ++i) {
    if (api::GetInt((*columns)[i], "priority") > 0 && !options.wide) continue;
    shown.push_back(i);
    out.header.push_back(Upper(api::GetString((*columns)[i], "name")));
  }
  if (options.show_labels) out.header.push_back("LABELS");
  for (const Json& row : *rows) {
    const Json* cells = api::Find(row, "cells");
    if (cells == nullptr || !cells->is_array()) continue;
    std::vector<std::string> line;
    const Json& meta = api::ObjectField(api::ObjectField(row, "object"), "metadata");
    if (options.all_namespaces && r.namespaced) line.push_back(api::GetString(meta, "namespace"));
    for (size_t i : shown) {
      std::string cell = i < cells->size() ? Cell((*cells)[i]) : "";
      // The name column carries the kind when several resource types are listed.
      if (options.show_kind && api::GetString((*columns)[i], "name") == "Name") {
        cell = NameOf(r, cell);
      }
      line.push_back(cell);
    }
    if (options.show_labels) line.push_back(Labels(row));
    out.rows.push_back(std::move(line));
  }
  return out;
}

size_t PrintTable(const api::ResourceInfo& r, const Json& table, const TableOptions& options,
                  std::ostream& out) {
  TableLines t = TableToLines(r, table, options);
  if (t.rows.empty()) return 0;
  size_t n = t.rows.size();
  if (!options.no_headers) t.rows.insert(t.rows.begin(), t.header);
  PrintColumns(t.rows, out);
  return n;
}

void PrintColumns(const std::vector<std::vector<std::string>>& rows, std::ostream& out, size_t gap,
                  const std::string& indent) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()), 0);
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line = indent;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + gap, ' ');
    }
    out << line << "\n";
  }
}

bool IsObjectFormat(const std::string& format) {
  return format == "yaml" || format == "json" || format == "name" ||
         format.rfind("jsonpath=", 0) == 0 || format.rfind("jsonpath-as-json=", 0) == 0 ||
         format.rfind("go-template", 0) == 0;
}

Status PrintObjects(const std::string& format, const std::vector<Json>& objects,
                    const std::vector<api::ResourceInfo>& resources, bool single,
                    std::ostream& out) {
  if (format == "name") {
    for (size_t i = 0; i < objects.size(); ++i) {
      out << NameOf(resources[i], api::GetString(api::ObjectField(objects[i], "metadata"), "name"))
          << "\n";
    }
    return Status::Ok();
  }
  // As kubectl (without --show-managed-fields), JSON and YAML leave managedFields out.
  auto shown = [&](const Json& o) {
    if (format != "json" && format != "yaml") return o;
    Json copy = o;
    if (auto meta = copy.find("metadata"); meta != copy.end() && meta->is_object()) {
      meta->erase("managedFields");
    }
    return copy;
  };
  Json doc;
  if (single && objects.size() == 1) {
    doc = shown(objects[0]);
  } else {
    doc = Json{{"apiVersion", "v1"},
               {"items", Json::array()},
               {"kind", "List"},
               {"metadata", {{"resourceVersion", ""}}}};
    for (const Json& o : objects) doc["items"].push_back(shown(o));
  }
  if (format == "json") {
    out << doc.dump(4) << "\n";
  } else if (format == "yaml") {
    out << ToYaml(doc);
  } else if (format.rfind("jsonpath=", 0) == 0) {
    ASSIGN_OR_RETURN(std::string text, EvalJsonPath(format.substr(9), doc));
    out << text;
  } else {
    return Status::Invalid(fmt::format(
        "unable to match a printer suitable for the output format \"{}\", allowed formats are: "
        "json,jsonpath,name,wide,yaml",
        format));
  }
  return Status::Ok();
}

}  // namespace sampan::kubectl
