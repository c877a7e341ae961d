#include "pkg/client/client.h"

#include <fmt/format.h>

#include <atomic>
#include <cctype>

namespace sampan::client {
namespace {

using api::Json;

// Query values are percent-encoded as Go's url.QueryEscape does.
std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class QueryBuilder {
 public:
  QueryBuilder& Add(std::string_view key, std::string_view value) {
    if (value.empty()) return *this;
    query_ += query_.empty() ? '?' : '&';
    query_ += fmt::format("{}={}", key, QueryEscape(value));
    return *this;
  }
  const std::string& str() const { return query_; }

 private:
  std::string query_;
};

std::string ListQuery(const ListOptions& o, bool watch) {
  QueryBuilder q;
  if (watch) q.Add("watch", "1");
  q.Add("labelSelector", o.label_selector)
      .Add("fieldSelector", o.field_selector)
      .Add("resourceVersion", o.resource_version)
      .Add("continue", o.continue_token);
  if (o.limit > 0) q.Add("limit", std::to_string(o.limit));
  if (watch && o.allow_bookmarks) q.Add("allowWatchBookmarks", "true");
  if (watch && o.timeout_seconds > 0) q.Add("timeoutSeconds", std::to_string(o.timeout_seconds));
  return q.str();
}

Result<EventType> ParseEventType(std::string_view type) {
  if (type == "ADDED") return EventType::kAdded;
  if (type == "MODIFIED") return EventType::kModified;
  if (type == "DELETED") return EventType::kDeleted;
  if (type == "BOOKMARK") return EventType::kBookmark;
  if (type == "ERROR") return EventType::kError;
  return Status::BadRequest(fmt::format("unknown watch event type \"{}\"", type));
}

}  // namespace

Status StatusFromResponse(int http_status, std::string_view body) {
  std::string message(body);
  Code code = http::CodeForHttpStatus(http_status);
  Result<Json> parsed = api::ParseJson(body);
  if (parsed.ok() && parsed->is_object() && api::GetString(*parsed, "kind") == "Status") {
    message = api::GetString(*parsed, "message");
    if (api::GetString(*parsed, "reason") == "AlreadyExists") code = Code::kAlreadyExists;
  }
  return Status(code, message);
}

Status WatchDecoder::Feed(std::string_view chunk, const std::function<void(WatchEvent)>& emit) {
  pending_.append(chunk);
  size_t start = 0;
  for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending_.data() + start, nl - start);
    if (line.empty()) continue;
    Result<Json> event = api::ParseJson(line);
    if (!event.ok() || !event->is_object()) {
      pending_.clear();
      return Status::BadRequest(fmt::format("malformed watch event: {}", line.substr(0, 200)));
    }
    Result<EventType> type = ParseEventType(api::GetString(*event, "type"));
    if (!type.ok()) {
      pending_.clear();
      return type.status();
    }
    emit(WatchEvent{*type, std::move((*event)["object"])});
  }
  pending_.erase(0, start);
  return Status::Ok();
}

Client::Client(std::shared_ptr<Transport> transport, std::string user_agent)
    : transport_(std::move(transport)), user_agent_(std::move(user_agent)) {}

std::string Client::Path(const api::ResourceInfo& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string path =
      r.group.empty() ? "/api/" + r.version : fmt::format("/apis/{}/{}", r.group, r.version);
  if (r.namespaced && !ns.empty()) path += fmt::format("/namespaces/{}", ns);
  path += "/" + r.resource;
  if (!name.empty()) path += fmt::format("/{}", name);
  if (!subresource.empty()) path += fmt::format("/{}", subresource);
  return path;
}

constexpr const char* kMetadataListAccept =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
constexpr const char* kMetadataAccept =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

Result<Json> Client::Call(std::string method, std::string target, std::string content_type,
                          std::string body, const char* accept) {
  Request request{std::move(method), std::move(target), {}, std::move(body)};
  request.headers.Add("Accept", accept);
  request.headers.Add("User-Agent", user_agent_);
  if (!content_type.empty()) request.headers.Add("Content-Type", content_type);
  ASSIGN_OR_RETURN(http::Response response, transport_->Do(request));
  if (response.status < 200 || response.status > 299) {
    return StatusFromResponse(response.status, response.body);
  }
  return api::ParseJson(response.body);
}

Result<Json> Client::Get(const api::ResourceInfo& r, std::string_view ns, std::string_view name) {
  return Call("GET", Path(r, ns, name), "", "");
}

Result<ObjectList> Client::List(const api::ResourceInfo& r, std::string_view ns,
                                const ListOptions& options) {
  ASSIGN_OR_RETURN(Json list,
                   Call("GET", Path(r, ns) + ListQuery(options, false), "", "",
                        options.metadata_only ? kMetadataListAccept : "application/json"));
  ObjectList out;
  if (const Json* meta = api::Find(list, "metadata")) {
    out.resource_version = api::GetString(*meta, "resourceVersion");
    out.continue_token = api::GetString(*meta, "continue");
  }
  if (list.contains("items") && list["items"].is_array()) {
    out.items.reserve(list["items"].size());
    for (Json& item : list["items"]) {
      // Lists leave out apiVersion and kind of their items upstream; ours keep them, but a
      // client should not rely on either.
      if (!item.contains("apiVersion") || options.metadata_only)
        item["apiVersion"] = r.GroupVersion();
      if (!item.contains("kind") || options.metadata_only) item["kind"] = r.kind;
      out.items.push_back(std::move(item));
    }
  }
  return out;
}

Result<Json> Client::Create(const api::ResourceInfo& r, const Json& object) {
  std::string ns = api::GetString(object.value("metadata", Json::object()), "namespace");
  return Call("POST", Path(r, ns), "application/json", api::Dump(object));
}

Result<Json> Client::Update(const api::ResourceInfo& r, const Json& object,
                            std::string_view subresource) {
  const Json meta = object.value("metadata", Json::object());
  return Call("PUT",
              Path(r, api::GetString(meta, "namespace"), api::GetString(meta, "name"), subresource),
              "application/json", api::Dump(object));
}

Result<Json> Client::Patch(const api::ResourceInfo& r, std::string_view ns, std::string_view name,
                           PatchType type, const Json& patch, std::string_view subresource) {
  const char* content_type = type == PatchType::kJson ? "application/json-patch+json"
                             : type == PatchType::kStrategic
                                 ? "application/strategic-merge-patch+json"
                                 : "application/merge-patch+json";
  return Call("PATCH", Path(r, ns, name, subresource), content_type, api::Dump(patch));
}

Status Client::Delete(const api::ResourceInfo& r, std::string_view ns, std::string_view name,
                      const DeleteOptions& options) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (!options.uid_precondition.empty()) {
    body["preconditions"] = {{"uid", options.uid_precondition}};
  }
  return Call("DELETE", Path(r, ns, name), "application/json", api::Dump(body)).status();
}

Result<Json> Client::CreateSubresource(const api::ResourceInfo& r, std::string_view ns,
                                       std::string_view name, std::string_view subresource,
                                       const Json& body) {
  return Call("POST", Path(r, ns, name, subresource), "application/json", api::Dump(body));
}

Result<std::unique_ptr<StreamHandle>> Client::Watch(const api::ResourceInfo& r, std::string_view ns,
                                                    const ListOptions& options,
                                                    std::function<void(WatchEvent)> on_event,
                                                    std::function<void(Status)> on_end) {
  Request request{"GET", Path(r, ns) + ListQuery(options, true), {}, ""};
  request.headers.Add("Accept", options.metadata_only ? kMetadataAccept : "application/json");
  request.headers.Add("User-Agent", user_agent_);
  // The decoder lives as long as the stream's callbacks.
  auto decoder = std::make_shared<WatchDecoder>();
  auto ended = std::make_shared<std::atomic<bool>>(false);
  StreamCallbacks callbacks;
  callbacks.on_chunk = [decoder, ended, on_event, on_end](std::string_view chunk) {
    if (*ended) return;
    Status st = decoder->Feed(chunk, on_event);
    if (!st.ok() && !ended->exchange(true)) on_end(st);
  };
  callbacks.on_end = [ended, on_end](Status st) {
    if (!ended->exchange(true)) on_end(st);
  };
  return transport_->Stream(request, std::move(callbacks));
}

}  // namespace sampan::client
