#pragma once
// The field tables of the built-in API types: one schema source for everything that needs
// to know a type's fields (protobuf decoding, strict field validation, and later OpenAPI and
// strategic merge patch). Generated from the upstream Go types by scripts/gen_api_schema.py
// into pkg/api/schema/*.schema and compiled into the binary.
//
// Text format, one declaration per line ('#' starts a comment line):
//   package core/v1                     following types belong to this package
//   type Pod kind                       a struct; "kind": it carries apiVersion/kind
//     <json> <number> <type> [flags]    a field: JSON name ("-" = inlined into the parent),
//                                       protobuf field number, type, flags
// Types: string int32 int64 bool double bytes, @time @microtime @duration @quantity
// @intorstr @raw (embedded JSON), @strings (a string list as a map value), a struct name (same package) or "pkg/ver.Name",
// "[]T" for lists, "map[string]T" for maps. Flags: ptr (a Go pointer: zero values are
// meaningful), omit (omitempty), strategy=S and merge=KEY (strategic merge patch),
// list=atomic|set|map, keys=a,b (list map keys), map=..., struct=... (apply markers).
//
// Descriptions (documentation text) of the types and fields are kept apart from these
// generated facts, in hand-written pkg/api/schema/*.doc files: see pkg/api/schema_docs.h.
//
// Thread-safety: a Schema is immutable after Parse; BuiltIn() is built once, on first use.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::api {

enum class ValueKind : uint8_t {
  kString,
  kInt32,
  kInt64,
  kBool,
  kDouble,
  kBytes,        // base64 in JSON
  kTime,         // RFC 3339, seconds
  kMicroTime,    // RFC 3339, microseconds
  kDuration,     // Go duration string ("1m30s")
  kQuantity,     // "100m", "64Mi"
  kIntOrString,  // a number or a string
  kRaw,          // any JSON value
  kStringList,   // a list of strings as a map value (authentication's ExtraValue)
  kMessage,      // a struct of this schema
};

struct SchemaType;

struct SchemaField {
  std::string json_name;  // empty: the struct's fields are inlined into the parent
  int number = 0;
  ValueKind kind = ValueKind::kString;   // of the element, for lists and maps
  const SchemaType* message = nullptr;   // when kind == kMessage
  bool repeated = false;
  bool map = false;  // map[string]<kind>
  bool pointer = false;
  bool omitempty = false;
  std::string patch_strategy;  // "merge", "retainKeys", "merge,retainKeys", "replace"
  std::string patch_merge_key;
  std::string list_type;  // "atomic", "set", "map" or empty
  std::vector<std::string> list_map_keys;
  std::string map_type;     // "atomic", "granular" or empty (+mapType)
  std::string struct_type;  // "atomic", "granular" or empty (+structType on the field)

  bool inlined() const { return json_name.empty(); }
};

struct SchemaType {
  std::string package;  // "core/v1"
  std::string name;     // "Pod"
  bool is_kind = false;
  std::vector<SchemaField> fields;

  const SchemaField* FieldByNumber(int number) const;
  // Looks through inlined structs too.
  const SchemaField* FieldByJsonName(std::string_view json_name) const;
};

class Schema {
 public:
  static Result<std::unique_ptr<Schema>> Parse(std::string_view text);
  // The compiled-in tables of the built-in types.
  static const Schema& BuiltIn();

  const SchemaType* Find(std::string_view package, std::string_view name) const;
  // The type of a kind given by apiVersion ("v1", "apps/v1") and kind; nullptr if unknown.
  const SchemaType* ForKind(std::string_view api_version, std::string_view kind) const;
  size_t size() const { return types_.size(); }

 private:
  std::map<std::string, std::unique_ptr<SchemaType>, std::less<>> types_;  // "pkg.Name"
};

// The package key of an API group version: "" + "v1" -> "core/v1",
// "rbac.authorization.k8s.io/v1" -> "rbac/v1".
std::string PackageOf(std::string_view api_version);

// The concatenated schema files (generated at build time).
std::string_view BuiltInSchemaText();

}  // namespace sampan::api
