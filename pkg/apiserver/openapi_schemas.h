#pragma once
// The schema half of the OpenAPI documents (v2 `definitions`, v3 `components.schemas`),
// built from the one schema source: the field tables (pkg/api/schema.h) with their
// descriptions (pkg/api/schema_docs.h), and CRD schemas for custom resources. Names are
// upstream's ("io.k8s.api.core.v1.Pod", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
// "com.example.v1.Widget"), so clients that look definitions up by name find them.
//
// The dialects differ where upstream's documents do: v3 wraps a described reference in
// allOf (siblings of $ref are ignored there), v2 puts the description beside $ref; v3
// writes quantities as oneOf string/number and int-or-string with its extension, v2 as
// plain strings with upstream's formats; v2 drops the CRD schema keywords Swagger 2.0 has
// no place for (oneOf, anyOf, not, nullable).
//
// Thread-safety: an OpenApiSchemas is used by one thread while a document is built.

#include <set>
#include <string>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/api/schema.h"
#include "pkg/api/schema_docs.h"

namespace sampan::apiserver {

enum class OpenApiDialect { kV2, kV3 };

// "io.k8s.api.core.v1.Pod".
std::string OpenApiSchemaName(const api::SchemaType& type);

// Whether `r` has paths in the documents: stored resources, and the read-only ones computed
// when asked (get and list only: ComponentStatus, metrics); not the create-only reviews.
inline bool Described(const api::ResourceInfo& r) {
  return r.Stored() || r.verbs == std::vector<std::string>{"get", "list"};
}
// "example.com" + "v1" + "Widget" -> "com.example.v1.Widget", as upstream names them.
std::string OpenApiCustomSchemaName(const api::ResourceInfo& r);

class OpenApiSchemas {
 public:
  OpenApiSchemas(OpenApiDialect dialect, const api::SchemaDocs& docs);

  // {"$ref": "#/definitions/NAME"} or {"$ref": "#/components/schemas/NAME"}.
  api::Json Ref(std::string_view name) const;
  // Adds a struct type and everything it reaches.
  void Add(const api::SchemaType& type);
  // Appends a group-version-kind to the type's x-kubernetes-group-version-kind.
  void SetGroupVersionKind(const api::SchemaType& type, const api::Json& gvk);
  // A custom resource's kind: its CRD's schema of that version, with apiVersion, kind and
  // metadata (ObjectMeta) added and the gvk set.
  void AddCustom(const api::ResourceInfo& r, const api::Json& gvk,
                 const api::SchemaType& object_meta);
  api::Json Take() { return std::move(schemas_); }

 private:
  void AddProperties(const api::SchemaType& type, api::Json& properties,
                     std::vector<std::string>& required);
  api::Json Element(const api::SchemaField& f);
  api::Json Special(std::string_view name, api::Json schema);
  api::Json Described(api::Json schema, std::string_view description) const;

  OpenApiDialect dialect_;
  const api::SchemaDocs& docs_;
  std::set<std::string, std::less<>> seen_;
  api::Json schemas_ = api::Json::object();
};

}  // namespace sampan::apiserver
