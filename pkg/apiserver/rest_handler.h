#pragma once
// RestHandler: the verbs on stored resources (get, list, create, update, patch, delete,
// deletecollection, watch, and the status/scale/binding subresources), with upstream's
// metadata rules, resourceVersion semantics and errors. Called on HTTP worker threads;
// holds no per-request state, so it is safe to use from many threads at once.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/admission/chain.h"
#include "pkg/apiserver/api_error.h"
#include "pkg/apiserver/request_info.h"
#include "pkg/apiserver/write_options.h"
#include "pkg/util/clock.h"
#include "pkg/util/http.h"
#include "storage/store.h"

namespace sampan::apiserver {

class ServiceAllocator;
class WatchManager;

// What the client wants back.
enum class OutputFormat { kObject, kTable, kPartialMetadata };

struct RequestContext {
  const http::Request* http = nullptr;
  RequestInfo info;
  // The snapshot of served resources `resource` belongs to (keeps it alive).
  std::shared_ptr<const api::Registry> registry;
  const api::ResourceInfo* resource = nullptr;
  Query query{""};
  OutputFormat format = OutputFormat::kObject;
  std::string user;
  std::vector<std::string> groups;
};

class ListBody;

struct Reply {
  int code = 200;
  std::string body;
  std::string content_type = "application/json";
  http::Headers headers;
  // When set, the body is written by this after the headers, as a chunked stream (a large
  // list goes out page by page instead of being held whole); `body` is unused.
  std::function<void(http::ResponseWriter&)> stream;

  static Reply Error(const ApiError& e);
  static Reply Json(int code, const api::Json& body);
};

class RestHandler {
 public:
  RestHandler(storage::Store& store, const Clock& clock, ServiceAllocator& services,
              AdmissionOptions admission = {});

  Reply Get(const RequestContext& ctx);
  Reply List(const RequestContext& ctx);
  Reply Create(const RequestContext& ctx);
  Reply Update(const RequestContext& ctx);
  Reply Patch(const RequestContext& ctx);
  Reply Delete(const RequestContext& ctx);
  Reply DeleteCollection(const RequestContext& ctx);
  // POST pods/NAME/binding: assigns an unassigned pod to a node (the scheduler's write).
  Reply Bind(const RequestContext& ctx);

  // Internal writes used by bootstrap and built-in components (no HTTP request).
  Result<api::Json> CreateObject(const api::ResourceInfo& r, api::Json obj);
  Result<api::Json> GetObject(const api::ResourceInfo& r, const std::string& ns,
                              const std::string& name);

  storage::Store& store() { return store_; }

  // Parses a create/update body (JSON, YAML or protobuf), checks apiVersion/kind and applies
  // fieldValidation; warnings for the response go to `warnings`.
  Result<api::Json> DecodeBody(const RequestContext& ctx, const api::ResourceInfo& r,
                               std::vector<std::string>* warnings);

 private:
  Reply StreamRestOfList(const api::ResourceInfo& r, std::string prefix,
                         storage::ListOptions opts, int64_t list_rv, ListBody items);

  struct Stored {
    api::Json object;  // with resourceVersion
    std::string raw;   // as stored
    int64_t revision = 0;
  };
  Result<Stored> Load(const api::ResourceInfo& r, const std::string& ns, const std::string& name);
  // Decodes a request body (JSON or YAML) into an object, checking kind and apiVersion.

  // The shared tail of create: metadata rules, strategy, admission, store. `manager` is
  // recorded in managedFields; empty: the object already carries its managedFields (apply).
  // `ctx` is null for the server's own writes.
  Reply CreateInternal(const api::ResourceInfo& r, api::Json obj, const std::string& ns,
                       bool dry_run, const std::string& manager,
                       const RequestContext* ctx = nullptr);
  // The shared tail of update and patch: `mutate` turns the current object into the new one;
  // retried on conflicts when the client did not pin a resourceVersion. The request's field
  // manager is recorded in managedFields unless `mutation_owns_fields` (apply computes them).
  using Mutation = std::function<Result<api::Json>(const api::Json& current)>;
  Reply UpdateInternal(const RequestContext& ctx, const Mutation& mutate, bool dry_run,
                       bool mutation_owns_fields = false);
  // PATCH with application/apply-patch+yaml (server-side apply).
  Reply Apply(const RequestContext& ctx);
  // `ctx`: the request, for admission to know who deletes (nullptr: the API server itself).
  Reply DeleteOne(const api::ResourceInfo& r, const std::string& ns, const std::string& name,
                  const api::Json& options, bool dry_run, const RequestContext* ctx = nullptr);
  // The autoscaling/v1 Scale of `object` (spec.replicas, status.replicas and selector).
  api::Json ScaleOf(const api::ResourceInfo& r, const api::Json& object);

  storage::Store& store_;
  const Clock& clock_;
  ServiceAllocator& services_;
  const std::unique_ptr<admission::Chain> admission_;
};

// Formats an object or list for the requested output (object, Table, metadata only).
std::string FormatObject(const RequestContext& ctx, const api::Json& object);

}  // namespace sampan::apiserver
