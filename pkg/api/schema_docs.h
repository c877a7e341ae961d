#pragma once
// Descriptions of the built-in API types and their fields, the documentation half of the
// schema source (pkg/api/schema.h holds the field facts). They live next to the generated
// tables in pkg/api/schema/*.doc, written by hand in the project's own words, so
// scripts/gen_api_schema.py can regenerate the *.schema files without touching them.
// OpenAPI documents (and through them `kubectl explain`) carry them.
//
// Text format, one entry per line ('#' starts a comment line, blank lines are ignored):
//   package core/v1              following entries belong to this package
//   Pod <text>                   the description of type Pod
//   Pod.spec <text>              the description of field "spec" (JSON name) of Pod
//   *.metadata <text>            a default for field "metadata" of every kind (any package),
//                                used when the kind has no entry of its own; "apiVersion"
//                                and "kind" (which kinds carry without a schema field) are
//                                documented this way too
// The text runs to the end of the line; a literal "\n" in it is a line break. Types and
// fields without an entry have no description (never a placeholder).
//
// Memory: entries are views into the text, which must outlive the SchemaDocs (the built-in
// text is static). The built-in index is parsed on first use (by the OpenAPI builders), so
// a server nobody asks for documentation never pays for it.
// Thread-safety: immutable after Parse; BuiltIn() is initialized once, thread-safely.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pkg/api/schema.h"
#include "pkg/util/status.h"

namespace sampan::api {

class SchemaDocs {
 public:
  // Parses `text`. With `schema`, every entry must name a type of the schema and a field
  // the type declares itself (not through an inlined struct): a typo is an error.
  static Result<std::unique_ptr<SchemaDocs>> Parse(std::string_view text,
                                                   const Schema* schema = nullptr);
  // The descriptions of the built-in types, checked against Schema::BuiltIn().
  static const SchemaDocs& BuiltIn();

  // Empty when not documented. The text may contain escaped line breaks ("\n"): Expand
  // turns them into real ones.
  std::string_view Type(std::string_view package, std::string_view name) const;
  std::string_view Type(const SchemaType& type) const { return Type(type.package, type.name); }
  // A field's description; for kinds, falls back to the "*.<field>" defaults.
  std::string_view Field(const SchemaType& type, std::string_view json_name) const;
  // The "*.<field>" default alone (apiVersion/kind/metadata of any kind, custom ones too).
  std::string_view KindField(std::string_view json_name) const;
  size_t size() const { return entries_.size(); }

  // "a\\nb" -> "a\nb".
  static std::string Expand(std::string_view text);

 private:
  std::unordered_map<std::string, std::string_view> entries_;  // "core/v1.Pod[.spec]", "*.kind"
};

// The concatenated description files (generated at build time).
std::string_view BuiltInDescriptionText();

}  // namespace sampan::api
