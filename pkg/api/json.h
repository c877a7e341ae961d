#pragma once
// The JSON value type of sampan's object model. Objects keep their fields in insertion
// order (as nlohmann::ordered_json, see json_object_map.h), so what a client sent comes back
// in the same order and unknown fields are preserved untouched.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json_fwd.h"
#include "pkg/api/json_object_map.h"
#include "pkg/util/status.h"

namespace sampan::api {

enum class DuplicateFields { kAllow, kReject };

// Parses a request body. Malformed input -> BadRequest with the parser's message; with
// kReject, a repeated key in any object -> BadRequest
// `strict decoding error: json: duplicate field "name"` (as upstream's strict decoder).
Result<Json> ParseJson(std::string_view text, DuplicateFields duplicates = DuplicateFields::kAllow);
// Parses YAML (a single document) into JSON; used for `application/yaml` bodies.
Result<Json> ParseYaml(std::string_view text);

// Compact serialization; never throws (invalid UTF-8 is replaced).
std::string Dump(const Json& value);
// Appends the compact form of `value` to `out` (no temporary string).
void DumpTo(std::string& out, const Json& value);

// Small accessors that never throw: a missing or mistyped field gives the default.
const Json* Find(const Json& object, std::string_view key);
std::string GetString(const Json& object, std::string_view key, std::string_view def = "");
int64_t GetInt(const Json& object, std::string_view key, int64_t def = 0);
bool GetBool(const Json& object, std::string_view key, bool def = false);
// The strings of an array field (other elements skipped); empty if absent.
std::vector<std::string> GetStrings(const Json& object, std::string_view key);
// object[key] when it is an object, else an empty object (never throws, never null).
const Json& ObjectField(const Json& object, std::string_view key);
// metadata.uid of an object ("" if it has none).
std::string UidOf(const Json& object);
// Walks a dotted path of object keys ("spec.template.metadata"); nullptr if absent.
const Json* FindPath(const Json& object, std::string_view dotted_path);

}  // namespace sampan::api
