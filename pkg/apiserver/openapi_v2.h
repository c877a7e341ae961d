#pragma once
// `/openapi/v2`: one Swagger 2.0 document of every served kind, built from the same schema
// source as the v3 documents (pkg/apiserver/openapi_schemas.h). Definitions carry upstream's
// names and extensions (group-version-kind, patch strategy and merge key, list types),
// paths carry each resource's operations with their group-version-kind and query
// parameters (kubectl 1.27 checks a patch operation's parameters before using
// fieldValidation). Served as JSON, or as the gnostic protobuf encoding kubectl asks for
// (client-go always decodes /openapi/v2 as protobuf, so JSON would not do for it).
//
// Thread-safety: the document is built on first request and rebuilt only when the served
// registry changes (CRDs); all methods may be called from any thread.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/api/schema.h"
#include "pkg/api/served_registry.h"

namespace sampan::apiserver {

class OpenApiV2 {
 public:
  struct Body {
    std::string bytes;
    std::string etag;  // upstream's form: the quoted upper-case hex SHA-512 of the bytes
  };

  enum class Format { kJson, kProtobuf, kNotAcceptable };
  // The body an Accept header asks for: the first listed media type the server offers
  // (JSON for "application/json", "*/*" or no header; protobuf for the gnostic types,
  // with '@' as clients send it or '.' as upstream answers).
  static Format Negotiate(std::string_view accept);
  // The response Content-Type of protobuf bodies (without '@', which Go's MIME parser
  // refuses; as upstream).
  static constexpr std::string_view kProtobufContentType =
      "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

  OpenApiV2(const api::ServedRegistry& served, const api::Schema& schema);

  // The current document in `format` (kJson or kProtobuf), built on first request per
  // format: kubectl only ever asks for protobuf, so the JSON text is not kept for it.
  // Shared: callers keep it alive while sending.
  std::shared_ptr<const Body> Get(Format format);

 private:
  api::Json Build(const api::Registry& registry) const;

  const api::ServedRegistry& served_;
  const api::Schema& schema_;
  std::mutex mu_;
  std::shared_ptr<const api::Registry> built_for_;
  std::shared_ptr<const Body> json_;
  std::shared_ptr<const Body> protobuf_;
};

}  // namespace sampan::apiserver
