#pragma once
// Content negotiation for responses: which of JSON, Table, PartialObjectMetadata or an
// aggregated discovery document the client's Accept header asks for, in its order; and the
// decoding of option bodies (DeleteOptions) by their Content-Type.

#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::apiserver {

struct MediaType {
  std::string type;  // "application/json"
  std::string as, version, group;  // the as=, v=, g= parameters
};

std::vector<MediaType> ParseAccept(std::string_view accept);

enum class Negotiated { kJson, kTable, kPartialMetadata, kDiscoveryV2, kDiscoveryV2Beta1,
                        kUnsupported };

// For a resource request (discovery = false) or /api and /apis (discovery = true).
Negotiated Negotiate(std::string_view accept, bool discovery);

// An options body (DeleteOptions) as JSON, whether sent as JSON or as protobuf (client-go
// clients configured for protobuf, e.g. helm's release storage, send it so).
Result<api::Json> DecodeOptionsBody(std::string_view content_type, std::string_view body);

}  // namespace sampan::apiserver
