#include "pkg/apiserver/object_codec.h"

#include <fmt/format.h>

#include <iterator>
#include <utility>

namespace sampan::apiserver {
namespace {

constexpr std::string_view kMetadataOpen = "\"metadata\":{";

}  // namespace

std::string EncodeForStorage(const api::Json& object) {
  // Written straight to the string: copying the object first cost as much as the dump.
  // apiVersion and kind first, then metadata: WithResourceVersion relies on this layout.
  static const api::Json kEmptyString = "";
  auto field = [&object](const char* key) -> const api::Json& {
    const api::Json* v = api::Find(object, key);
    return v ? *v : kEmptyString;
  };
  std::string out;
  out.reserve(1024);
  out += "{\"apiVersion\":";
  api::DumpTo(out, field("apiVersion"));
  out += ",\"kind\":";
  api::DumpTo(out, field("kind"));
  out += ",\"metadata\":{";
  bool first = true;
  if (const api::Json* meta = api::Find(object, "metadata"); meta && meta->is_object()) {
    for (auto it = meta->begin(); it != meta->end(); ++it) {
      if (it.key() == "resourceVersion") continue;
      if (!std::exchange(first, false)) out += ',';
      api::DumpTo(out, api::Json(it.key()));
      out += ':';
      api::DumpTo(out, it.value());
    }
  }
  out += '}';
  if (object.is_object()) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (it.key() == "apiVersion" || it.key() == "kind" || it.key() == "metadata") continue;
      out += ',';
      api::DumpTo(out, api::Json(it.key()));
      out += ':';
      api::DumpTo(out, it.value());
    }
  }
  out += '}';
  return out;
}

void AppendWithResourceVersion(std::string& out, std::string_view stored, int64_t rv) {
  size_t pos = stored.find(kMetadataOpen);
  if (pos == std::string_view::npos) {
    out.append(stored);
    return;
  }
  pos += kMetadataOpen.size();
  bool empty = pos < stored.size() && stored[pos] == '}';
  out.append(stored.substr(0, pos));
  fmt::format_to(std::back_inserter(out), "\"resourceVersion\":\"{}\"{}", rv, empty ? "" : ",");
  out.append(stored.substr(pos));
}

std::string WithResourceVersion(std::string_view stored, int64_t rv) {
  std::string out;
  out.reserve(stored.size() + 40);
  AppendWithResourceVersion(out, stored, rv);
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

ListBody::ListBody(const api::ResourceInfo& r) {
  out_ = fmt::format("{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"items\":[", r.ListKind(),
                     r.GroupVersion());
}

void ListBody::AddStored(std::string_view stored, int64_t rv) {
  if (count_++ > 0) out_.push_back(',');
  AppendWithResourceVersion(out_, stored, rv);
}

void ListBody::AddSerialized(std::string_view item) {
  if (count_++ > 0) out_.push_back(',');
  out_.append(item);
}

std::string ListBody::Finish(int64_t list_rv, std::string_view continue_token,
                             int64_t remaining) && {
  fmt::format_to(std::back_inserter(out_), "],\"metadata\":{{\"resourceVersion\":\"{}\"", list_rv);
  if (!continue_token.empty()) {
    fmt::format_to(std::back_inserter(out_), ",\"continue\":\"{}\"", continue_token);
  }
  if (remaining > 0) {
    fmt::format_to(std::back_inserter(out_), ",\"remainingItemCount\":{}", remaining);
  }
  out_.append("}}");
  return std::move(out_);
}

}  // namespace sampan::apiserver
