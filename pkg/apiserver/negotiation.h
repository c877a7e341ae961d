#pragma once
// Content negotiation for responses: which of JSON, Table, PartialObjectMetadata or an
// aggregated discovery document the client's Accept header asks for, in its order.

#include <string>
#include <string_view>
#include <vector>

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

}  // namespace sampan::apiserver
