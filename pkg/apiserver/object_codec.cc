#include "pkg/apiserver/object_codec.h"

#include <fmt/core.h>

namespace sampan::apiserver {
namespace {

constexpr std::string_view kMetadataOpen = "\"metadata\":{";

}  // namespace

std::string EncodeForStorage(const api::Json& object) {
  api::Json out = api::Json::object();
  // apiVersion and kind first, then metadata: WithResourceVersion relies on this layout.
  out["apiVersion"] = object.contains("apiVersion") ? object["apiVersion"] : api::Json("");
  out["kind"] = object.contains("kind") ? object["kind"] : api::Json("");
  api::Json metadata = object.contains("metadata") && object["metadata"].is_object()
                           ? object["metadata"]
                           : api::Json::object();
  metadata.erase("resourceVersion");
  out["metadata"] = std::move(metadata);
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() != "apiVersion" && it.key() != "kind" && it.key() != "metadata") {
      out[it.key()] = it.value();
    }
  }
  return api::Dump(out);
}

std::string WithResourceVersion(std::string_view stored, int64_t rv) {
  size_t pos = stored.find(kMetadataOpen);
  if (pos == std::string_view::npos) return std::string(stored);
  pos += kMetadataOpen.size();
  bool empty = pos < stored.size() && stored[pos] == '}';
  std::string out;
  out.reserve(stored.size() + 40);
  out.append(stored.substr(0, pos));
  out.append(fmt::format("\"resourceVersion\":\"{}\"{}", rv, empty ? "" : ","));
  out.append(stored.substr(pos));
  return out;
}

Result<api::Json> DecodeStored(std::string_view stored, int64_t rv) {
  ASSIGN_OR_RETURN(api::Json obj, api::ParseJson(stored));
  if (!obj.is_object()) return Status::Internal("stored object is not a JSON object");
  obj["metadata"]["resourceVersion"] = std::to_string(rv);
  return obj;
}

bool StoredAs(std::string_view stored, std::string_view api_version) {
  std::string prefix = fmt::format("{{\"apiVersion\":\"{}\",", api_version);
  return stored.starts_with(prefix);
}

std::string StorageKey(const api::ResourceInfo& r, std::string_view ns, std::string_view name) {
  if (r.namespaced) return fmt::format("/registry/{}/{}/{}", r.storage_name, ns, name);
  return fmt::format("/registry/{}/{}", r.storage_name, name);
}

std::string StoragePrefix(const api::ResourceInfo& r, std::string_view ns) {
  if (r.namespaced && !ns.empty()) return fmt::format("/registry/{}/{}/", r.storage_name, ns);
  return fmt::format("/registry/{}/", r.storage_name);
}

std::string AssembleList(const api::ResourceInfo& r, int64_t list_rv,
                         const std::vector<std::string>& items, std::string_view continue_token,
                         int64_t remaining) {
  size_t total = 128;
  for (const auto& i : items) total += i.size() + 1;
  std::string out;
  out.reserve(total);
  out += fmt::format("{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"{}\"",
                     r.ListKind(), r.GroupVersion(), list_rv);
  if (!continue_token.empty()) out += fmt::format(",\"continue\":\"{}\"", continue_token);
  if (remaining > 0) out += fmt::format(",\"remainingItemCount\":{}", remaining);
  out += "},\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    out += items[i];
  }
  out += "]}";
  return out;
}

}  // namespace sampan::apiserver
