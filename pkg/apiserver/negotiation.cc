#include "pkg/apiserver/negotiation.h"

#include "pkg/api/protobuf.h"

namespace sampan::apiserver {
namespace {

std::string Trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t");
  return a == std::string_view::npos ? "" : std::string(s.substr(a, b - a + 1));
}

}  // namespace

std::vector<MediaType> ParseAccept(std::string_view accept) {
  std::vector<MediaType> out;
  size_t i = 0;
  while (i <= accept.size()) {
    size_t comma = accept.find(',', i);
    if (comma == std::string_view::npos) comma = accept.size();
    std::string_view item = accept.substr(i, comma - i);
    MediaType m;
    size_t semi = item.find(';');
    m.type = Trim(item.substr(0, semi));
    while (semi != std::string_view::npos) {
      size_t next = item.find(';', semi + 1);
      std::string param = Trim(item.substr(semi + 1, next == std::string_view::npos ? std::string_view::npos : next - semi - 1));
      size_t eq = param.find('=');
      if (eq != std::string::npos) {
        std::string k = param.substr(0, eq), v = param.substr(eq + 1);
        if (k == "as") m.as = v;
        if (k == "v") m.version = v;
        if (k == "g") m.group = v;
      }
      semi = next;
    }
    if (!m.type.empty()) out.push_back(std::move(m));
    i = comma + 1;
  }
  return out;
}

Negotiated Negotiate(std::string_view accept, bool discovery) {
  std::vector<MediaType> types = ParseAccept(accept);
  if (types.empty()) return Negotiated::kJson;
  for (const auto& m : types) {
    bool json = m.type == "application/json" || m.type == "*/*" || m.type == "application/*";
    if (!json) continue;  // protobuf, yaml, cbor: not served; JSON when also offered
    if (m.as.empty()) return Negotiated::kJson;
    if (discovery && m.group == "apidiscovery.k8s.io" && m.as == "APIGroupDiscoveryList") {
      if (m.version == "v2") return Negotiated::kDiscoveryV2;
      if (m.version == "v2beta1") return Negotiated::kDiscoveryV2Beta1;
      continue;
    }
    if (!discovery && m.group == "meta.k8s.io" && (m.version == "v1" || m.version == "v1beta1")) {
      if (m.as == "Table") return Negotiated::kTable;
      if (m.as == "PartialObjectMetadata" || m.as == "PartialObjectMetadataList") {
        return Negotiated::kPartialMetadata;
      }
    }
  }
  return Negotiated::kUnsupported;
}

Result<api::Json> DecodeOptionsBody(std::string_view content_type, std::string_view body) {
  if (content_type.starts_with(api::kProtobufContentType)) return api::DecodeProtobufObject(body);
  return api::ParseJson(body);
}

}  // namespace sampan::apiserver
