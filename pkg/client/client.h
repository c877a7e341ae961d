#pragma once
// Client: the Kubernetes API as controllers, the scheduler and the kubelet use it, over a
// Transport (HTTPS or in-process). Objects are JSON (pkg/api/json.h); resources are
// registry entries (pkg/api/registry.h). API errors come back as Status with the code of
// the HTTP status (404 NotFound, 409 AlreadyExists or Conflict, 410 Gone, 422 Invalid, ...)
// and the server's message.
//
// Threading: thread-safe (as its Transport); a Watch's callbacks run on the transport's
// thread and must not block.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/client/transport.h"
#include "pkg/util/status.h"

namespace sampan::client {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" = most recent; watches start after it
  int64_t limit = 0;
  std::string continue_token;
  bool allow_bookmarks = false;  // watch only
  int timeout_seconds = 0;       // watch only; 0 = the server's default
  // Items (and watch objects) are PartialObjectMetadata: apiVersion, kind and metadata only,
  // for components that need no more (the garbage collector), to keep caches small.
  bool metadata_only = false;
};

struct ObjectList {
  std::vector<api::Json> items;
  std::string resource_version;
  std::string continue_token;
};

enum class PatchType { kMerge, kStrategic, kJson };

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  std::string propagation_policy;  // "Background", "Foreground", "Orphan" or ""
  std::string uid_precondition;
};

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  EventType type;
  api::Json object;  // for kError: the Status object
};

// Splits a watch stream (one JSON event per line, chunks split anywhere) into events.
class WatchDecoder {
 public:
  // Calls `emit` for every complete event in `chunk`; a malformed line is an error.
  Status Feed(std::string_view chunk, const std::function<void(WatchEvent)>& emit);

 private:
  std::string pending_;
};

class Client {
 public:
  // `user_agent` is sent as the User-Agent (fieldManager defaults follow it upstream).
  explicit Client(std::shared_ptr<Transport> transport, std::string user_agent = "sampan");

  Result<api::Json> Get(const api::ResourceInfo& r, std::string_view ns, std::string_view name);
  Result<ObjectList> List(const api::ResourceInfo& r, std::string_view ns,
                          const ListOptions& options = {});
  // The namespace comes from the object's metadata.
  Result<api::Json> Create(const api::ResourceInfo& r, const api::Json& object);
  // PUT of the whole object (or its "status" subresource); metadata.resourceVersion, if
  // set, is the precondition.
  Result<api::Json> Update(const api::ResourceInfo& r, const api::Json& object,
                           std::string_view subresource = "");
  Result<api::Json> Patch(const api::ResourceInfo& r, std::string_view ns, std::string_view name,
                          PatchType type, const api::Json& patch,
                          std::string_view subresource = "");
  Status Delete(const api::ResourceInfo& r, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {});
  // POST to a subresource of an object (pods/binding, pods/eviction).
  Result<api::Json> CreateSubresource(const api::ResourceInfo& r, std::string_view ns,
                                      std::string_view name, std::string_view subresource,
                                      const api::Json& body);

  // Watches from options.resource_version. `on_event` gets each event; `on_end` once when
  // the stream ends (timeout, server gone, 410 Gone, Cancel()).
  Result<std::unique_ptr<StreamHandle>> Watch(const api::ResourceInfo& r, std::string_view ns,
                                              const ListOptions& options,
                                              std::function<void(WatchEvent)> on_event,
                                              std::function<void(Status)> on_end);

  // "/api/v1/namespaces/ns/pods" (collection) or ".../pods/name[/sub]".
  static std::string Path(const api::ResourceInfo& r, std::string_view ns,
                          std::string_view name = "", std::string_view subresource = "");

 private:
  Result<api::Json> Call(std::string method, std::string target, std::string content_type,
                         std::string body, const char* accept = "application/json");

  std::shared_ptr<Transport> transport_;
  std::string user_agent_;
};

// The Status for a non-2xx API answer: the code follows the HTTP status, the message is the
// server's Status message (or the body).
Status StatusFromResponse(int http_status, std::string_view body);

}  // namespace sampan::client
