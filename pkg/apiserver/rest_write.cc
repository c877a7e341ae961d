// Create, update and delete of stored resources.
#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <optional>

#include "pkg/api/custom_resource.h"
#include "pkg/api/label_selector.h"
#include "pkg/api/object_names.h"
#include "pkg/api/protobuf.h"
#include "pkg/apiserver/field_validation.h"
#include "pkg/apiserver/negotiation.h"
#include "pkg/apiserver/managed_fields.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/apiserver/object_meta.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/service_allocator.h"
#include "pkg/apiserver/strategy.h"
#include "pkg/apiserver/strategy_custom.h"
#include "pkg/apiserver/version_conversion.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");
constexpr int kMaxConflictRetries = 5;

bool IsService(const api::ResourceInfo& r) { return r.storage_name == "core/services"; }

admission::Attributes AdmissionAttributes(admission::Operation op, const api::ResourceInfo& r,
                                          const std::string& ns, const std::string& name,
                                          bool dry_run, const RequestContext* ctx) {
  admission::Attributes a;
  a.operation = op;
  a.resource = &r;
  a.ns = r.namespaced ? ns : "";
  a.name = name;
  a.dry_run = dry_run;
  if (ctx != nullptr) {
    a.user = ctx->user;
    a.groups = ctx->groups;
  }
  return a;
}

// The bytes kept in storage for an object written through r.
std::string EncodeStorageVersion(const api::ResourceInfo& r, const Json& obj) {
  if (r.storage_name == r.type_key && !r.custom) return EncodeForStorage(obj);
  Json stored = obj;
  ConvertToStorageVersion(r, stored);
  return EncodeForStorage(stored);
}

// The reply to a create or update: the object as written. When it is stored in the version
// it is served in, that is the stored bytes with their resourceVersion, as a get would
// answer, and the object need not be encoded a second time.
Reply WrittenReply(int code, const api::ResourceInfo& r, Json& object,
                   const storage::KeyValue& written) {
  if (r.storage_name == r.type_key && !r.custom) {
    Reply reply;
    reply.code = code;
    reply.body = WithResourceVersion(written.value, written.mod_revision);
    return reply;
  }
  object["metadata"]["resourceVersion"] = std::to_string(written.mod_revision);
  return Reply::Json(code, object);
}

bool IsCrd(const api::ResourceInfo& r) {
  return r.type_key == "apiextensions.k8s.io/customresourcedefinitions";
}

}  // namespace

Reply Reply::Error(const ApiError& e) {
  Reply r;
  r.code = e.code;
  r.body = e.Body();
  if (e.retry_after_seconds > 0)
    r.headers.Add("Retry-After", std::to_string(e.retry_after_seconds));
  return r;
}

Reply Reply::Json(int code, const api::Json& body) {
  Reply r;
  r.code = code;
  r.body = api::Dump(body);
  return r;
}

RestHandler::RestHandler(storage::Store& store, const Clock& clock, ServiceAllocator& services,
                         AdmissionOptions admission)
    : store_(store),
      clock_(clock),
      services_(services),
      admission_(admission::DefaultChain(admission, store, clock)) {}

Result<RestHandler::Stored> RestHandler::Load(const api::ResourceInfo& r, const std::string& ns,
                                              const std::string& name) {
  ASSIGN_OR_RETURN(storage::KeyValue kv, store_.Get(StorageKey(r, ns, name)));
  ASSIGN_OR_RETURN(Json obj, DecodeServed(r, kv.value, kv.mod_revision));
  return Stored{std::move(obj), std::move(kv.value), kv.mod_revision};
}

Result<Json> RestHandler::GetObject(const api::ResourceInfo& r, const std::string& ns,
                                    const std::string& name) {
  ASSIGN_OR_RETURN(Stored s, Load(r, ns, name));
  return std::move(s.object);
}

Result<Json> RestHandler::DecodeBody(const RequestContext& ctx, const api::ResourceInfo& r,
                                     std::vector<std::string>* warnings) {
  std::string_view content_type = ctx.http->headers.Get("Content-Type");
  ASSIGN_OR_RETURN(FieldValidation validation, ParseFieldValidation(ctx.query));
  bool strict = validation == FieldValidation::kStrict;
  Result<Json> parsed = Status::BadRequest("empty body");
  if (content_type.starts_with(api::kProtobufContentType)) {
    parsed = api::DecodeProtobufObject(ctx.http->body);
  } else if (content_type.find("yaml") != std::string_view::npos) {
    parsed = api::ParseYaml(ctx.http->body);
  } else if (content_type.empty() || content_type.find("json") != std::string_view::npos) {
    parsed = api::ParseJson(ctx.http->body,
                            strict ? api::DuplicateFields::kReject : api::DuplicateFields::kAllow);
  } else {
    return Status(Code::kUnsupported, std::string(content_type));
  }
  if (!parsed.ok()) return parsed.status();
  Json obj = std::move(*parsed);
  if (!obj.is_object()) return Status::BadRequest("the body of the request must be an object");
  std::string api_version = api::GetString(obj, "apiVersion");
  std::string kind = api::GetString(obj, "kind");
  if (!api_version.empty() && api_version != r.GroupVersion()) {
    return Status::BadRequest(
        fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                    api_version, r.GroupVersion()));
  }
  if (!kind.empty() && kind != r.kind) {
    return Status::BadRequest(fmt::format(
        "the kind in the data ({}) does not match the expected kind ({})", kind, r.kind));
  }
  obj["apiVersion"] = r.GroupVersion();
  obj["kind"] = r.kind;
  RETURN_IF_ERROR(ValidateFields(obj, r, validation, warnings));
  RoundTripAsTyped(obj, r);
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = Json::object();
  return obj;
}

static void AddWarnings(Reply& reply, const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) reply.headers.Add("Warning", WarningHeaderValue(w));
}

Reply RestHandler::Create(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  if (!ctx.info.subresource.empty()) {
    return Reply::Error(MethodNotAllowed(
        fmt::format("the server does not allow this method on the requested resource ({}/{})",
                    r.resource, ctx.info.subresource)));
  }
  std::vector<std::string> warnings;
  Result<Json> body = DecodeBody(ctx, r, &warnings);
  if (!body.ok()) {
    if (body.status().code() == Code::kUnsupported) {
      return Reply::Error(UnsupportedMediaType(body.status().message()));
    }
    return Reply::Error(FromStatus(body.status()));
  }
  Json obj = std::move(*body);
  std::string ns = ctx.info.namespace_;
  if (r.namespaced) {
    std::string body_ns = api::NamespaceOf(obj);
    if (!body_ns.empty() && body_ns != ns) {
      return Reply::Error(BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request"));
    }
    obj["metadata"]["namespace"] = ns;
  } else {
    obj["metadata"].erase("namespace");
  }
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "CreateOptions", &dry_run)) return Reply::Error(*e);
  Reply reply = CreateInternal(r, std::move(obj), ns, dry_run, FieldManagerOf(ctx), &ctx);
  AddWarnings(reply, warnings);
  return reply;
}

Result<Json> RestHandler::CreateObject(const api::ResourceInfo& r, Json obj) {
  obj["apiVersion"] = r.GroupVersion();
  obj["kind"] = r.kind;
  std::string ns = api::NamespaceOf(obj);
  Reply reply = CreateInternal(r, std::move(obj), ns, false, "kube-apiserver");
  if (reply.code != 201) {
    Json err = Json::parse(reply.body, nullptr, false);
    std::string message = err.is_object() ? api::GetString(err, "message") : reply.body;
    return Status(reply.code == 409 ? Code::kAlreadyExists : Code::kInvalid, message);
  }
  return Json::parse(reply.body);
}

Reply RestHandler::CreateInternal(const api::ResourceInfo& r, Json obj, const std::string& ns,
                                  bool dry_run, const std::string& manager,
                                  const RequestContext* ctx) {
  std::optional<CustomResourceStrategy> custom;
  if (r.custom) custom.emplace(r);
  const Strategy& strategy = custom ? *custom : StrategyFor(r);
  if (r.custom && r.custom->terminating) {
    return Reply::Error(
        MethodNotAllowed("create not allowed while custom resource definition is terminating"));
  }
  if (!api::GetString(obj["metadata"], "resourceVersion").empty()) {
    return Reply::Error(Internal("resourceVersion should not be set on objects to be created"));
  }
  Json provided_fields = obj["metadata"].value("managedFields", Json());
  PrepareMetaForCreate(obj, clock_);
  strategy.Default(obj);
  // As upstream, ownership is recorded on the defaulted object, before mutating admission.
  if (manager.empty()) {
    if (!provided_fields.is_null()) obj["metadata"]["managedFields"] = provided_fields;
  } else {
    RecordUpdate(nullptr, obj, std::move(provided_fields), r, "", manager,
                 FormatRfc3339(clock_.WallNow()));
  }
  // Mutating admission runs on the defaulted object, before the strategy and validation.
  admission::Attributes attrs =
      AdmissionAttributes(admission::Operation::kCreate, r, ns, api::NameOf(obj), dry_run, ctx);
  attrs.object = &obj;
  if (auto rejected = admission_->Admit(attrs)) return Reply::Error(*rejected);
  strategy.PrepareForCreate(obj);
  std::string name = api::NameOf(obj);
  std::vector<Cause> causes;
  ValidateMeta(obj, r, strategy.name_rule(), causes);
  strategy.Validate(obj, nullptr, causes);
  if (!causes.empty()) return Reply::Error(Invalid(r, name, std::move(causes)));
  attrs.name = name;
  if (auto rejected = admission_->Validate(attrs)) return Reply::Error(*rejected);
  if (IsService(r)) {
    std::vector<Cause> alloc = services_.AllocateForCreate(obj);
    if (!alloc.empty()) return Reply::Error(Invalid(r, name, std::move(alloc)));
  }
  if (dry_run) {
    if (IsService(r)) services_.Release(obj);
    return Reply::Json(201, obj);
  }
  Result<storage::KeyValue> kv =
      store_.Create(StorageKey(r, ns, name), EncodeStorageVersion(r, obj));
  if (!kv.ok()) {
    if (IsService(r)) services_.Release(obj);
    return Reply::Error(FromStatus(kv.status(), &r, name));
  }
  return WrittenReply(201, r, obj, *kv);
}

Reply RestHandler::Update(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  const std::string& sub = ctx.info.subresource;
  if (!sub.empty() && sub != "status" && sub != "scale" && sub != "finalize") {
    return Reply::Error(NotFound(r, ctx.info.name));
  }
  std::vector<std::string> warnings;
  Result<Json> body = [&]() -> Result<Json> {
    if (sub == "scale") return api::ParseJson(ctx.http->body);
    return DecodeBody(ctx, r, &warnings);
  }();
  if (!body.ok()) {
    if (body.status().code() == Code::kUnsupported) {
      return Reply::Error(UnsupportedMediaType(body.status().message()));
    }
    return Reply::Error(FromStatus(body.status()));
  }
  Json incoming = std::move(*body);
  if (!incoming.contains("metadata") || !incoming["metadata"].is_object()) {
    incoming["metadata"] = Json::object();
  }
  std::string body_name = api::NameOf(incoming);
  if (!body_name.empty() && body_name != ctx.info.name) {
    return Reply::Error(BadRequest(
        fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                    body_name, ctx.info.name)));
  }
  if (r.namespaced) {
    std::string body_ns = api::NamespaceOf(incoming);
    if (!body_ns.empty() && body_ns != ctx.info.namespace_) {
      return Reply::Error(BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request"));
    }
  }
  std::string pinned_rv = api::GetString(incoming["metadata"], "resourceVersion");
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "UpdateOptions", &dry_run)) return Reply::Error(*e);
  Reply reply = UpdateInternal(
      ctx,
      [&](const Json& current) -> Result<Json> {
        std::string current_rv = api::GetString(current["metadata"], "resourceVersion");
        if (!pinned_rv.empty() && pinned_rv != current_rv) {
          return Status::Conflict(kObjectModified);
        }
        std::string uid = api::GetString(incoming["metadata"], "uid");
        if (!uid.empty() && uid != api::GetString(current["metadata"], "uid")) {
          return Status::Conflict(
              fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}",
                          uid, api::GetString(current["metadata"], "uid")));
        }
        if (sub == "scale") {
          Json next = current;
          const Json* replicas = api::FindPath(incoming, "spec.replicas");
          if (r.custom) {
            SetCustomSpecReplicas(r, next, replicas ? *replicas : Json(0));
          } else {
            next["spec"]["replicas"] = replicas ? *replicas : Json(0);
          }
          return next;
        }
        if (sub == "status") {
          Json next = current;
          if (incoming.contains("status")) {
            next["status"] = incoming["status"];
          } else {
            next.erase("status");
          }
          return next;
        }
        if (sub == "finalize") {  // namespaces: only spec.finalizers may change
          Json next = current;
          const Json* fin = api::FindPath(incoming, "spec.finalizers");
          next["spec"]["finalizers"] = fin ? *fin : Json::array();
          return next;
        }
        return incoming;
      },
      dry_run);
  AddWarnings(reply, warnings);
  return reply;
}

Reply RestHandler::UpdateInternal(const RequestContext& ctx, const Mutation& mutate, bool dry_run,
                                  bool mutation_owns_fields) {
  const api::ResourceInfo& r = *ctx.resource;
  const std::string& ns = ctx.info.namespace_;
  const std::string& name = ctx.info.name;
  const std::string& sub = ctx.info.subresource;
  std::optional<CustomResourceStrategy> custom;
  if (r.custom) custom.emplace(r);
  const Strategy& strategy = custom ? *custom : StrategyFor(r);
  for (int attempt = 0;; ++attempt) {
    Result<Stored> current = Load(r, ns, name);
    if (!current.ok()) return Reply::Error(FromStatus(current.status(), &r, name));
    Result<Json> next_or = mutate(current->object);
    if (!next_or.ok()) {
      const Status& st = next_or.status();
      // A mutation's conflict carries its own reason (stale version, failed precondition).
      if (st.IsConflict()) return Reply::Error(Conflict(r, name, st.message()));
      return Reply::Error(FromStatus(st, &r, name));
    }
    Json next = std::move(*next_or);
    next["apiVersion"] = r.GroupVersion();
    next["kind"] = r.kind;
    if (!next.contains("metadata") || !next["metadata"].is_object())
      next["metadata"] = Json::object();
    // Moved out, not copied (a large list): every branch below writes the field again.
    Json provided_fields;
    if (auto it = next["metadata"].find("managedFields"); it != next["metadata"].end()) {
      provided_fields = std::move(*it);
    }
    PrepareMetaForUpdate(next, current->object);
    if (sub.empty()) strategy.PrepareForUpdate(next, current->object, r);
    strategy.Default(next);
    if (mutation_owns_fields) {
      if (!provided_fields.is_null()) {
        next["metadata"]["managedFields"] = std::move(provided_fields);
      }
    } else if (sub == "binding" || sub == "finalize") {
      // Written by the system, not a field manager (as upstream's binding storage).
      if (const Json* kept = api::FindPath(current->object, "metadata.managedFields")) {
        next["metadata"]["managedFields"] = *kept;
      } else {
        next["metadata"].erase("managedFields");
      }
    } else {
      RecordUpdate(&current->object, next, std::move(provided_fields), r, sub, FieldManagerOf(ctx),
                   FormatRfc3339(clock_.WallNow()));
    }
    // Admission sees updates of the main resource (not of its subresources).
    admission::Attributes attrs = AdmissionAttributes(admission::Operation::kUpdate, r, ns, name,
                                                      dry_run, &ctx);
    attrs.object = &next;
    attrs.old_object = &current->object;
    if (sub.empty()) {
      if (auto rejected = admission_->Admit(attrs)) return Reply::Error(*rejected);
    }
    std::vector<Cause> causes;
    ValidateMeta(next, r, strategy.name_rule(), causes);
    ValidateMetaUpdate(next, current->object, causes);
    // A binding changes spec.nodeName, which the pod's own update rules forbid: as upstream's
    // separate binding storage, it skips them (the mutation only sets the node).
    if (sub != "binding") strategy.Validate(next, &current->object, causes);
    if (!causes.empty()) return Reply::Error(Invalid(r, name, std::move(causes)));
    if (sub.empty()) {
      if (auto rejected = admission_->Validate(attrs)) return Reply::Error(*rejected);
    }
    if (IsService(r) && sub.empty()) {
      std::vector<Cause> alloc = services_.AllocateForUpdate(next, current->object);
      if (!alloc.empty()) return Reply::Error(Invalid(r, name, std::move(alloc)));
    }

    std::string encoded = EncodeStorageVersion(r, next);
    std::string key = StorageKey(r, ns, name);
    // The last finalizer gone from an object being deleted: it goes now.
    const Json* fin = api::FindPath(next, "metadata.finalizers");
    // An update of an object being deleted completes the deletion once no finalizer is left,
    // unless it is in a graceful deletion (a pod whose kubelet has yet to stop it): as
    // upstream, only with deletionGracePeriodSeconds 0.
    bool finalize = api::FindPath(next, "metadata.deletionTimestamp") &&
                    (!fin || !fin->is_array() || fin->empty()) &&
                    api::GetInt(api::ObjectField(current->object, "metadata"),
                                "deletionGracePeriodSeconds", 0) == 0;
    if (r.storage_name == "core/namespaces") {  // also waits for spec.finalizers (content)
      const Json* spec_fin = api::FindPath(next, "spec.finalizers");
      finalize = finalize && (!spec_fin || !spec_fin->is_array() || spec_fin->empty());
    }
    if (dry_run) {
      // Nothing is kept, not even what the update allocated (a new ClusterIP or NodePort).
      if (IsService(r) && sub.empty()) services_.ReleaseDifference(next, current->object);
      next["metadata"]["resourceVersion"] = std::to_string(current->revision);
      return sub == "scale" ? Reply::Json(200, ScaleOf(r, next)) : Reply::Json(200, next);
    }
    if (encoded == current->raw && !finalize) {
      // Nothing changed: no write, the resourceVersion stays (as upstream).
      return sub == "scale" ? Reply::Json(200, ScaleOf(r, current->object))
                            : Reply::Json(200, current->object);
    }
    Result<storage::KeyValue> kv = finalize
                                       ? store_.Delete(key, current->revision)
                                       : store_.Update(key, std::move(encoded), current->revision);
    if (kv.ok()) {
      if (finalize && IsService(r)) services_.Release(next);
      if (sub == "scale" || finalize) {
        next["metadata"]["resourceVersion"] = std::to_string(kv->mod_revision);
        return sub == "scale" ? Reply::Json(200, ScaleOf(r, next)) : Reply::Json(200, next);
      }
      return WrittenReply(200, r, next, *kv);
    }
    if (IsService(r) && sub.empty()) services_.ReleaseDifference(next, current->object);
    // Lost a race with another writer: retry unless the client pinned a resourceVersion
    // (then mutate() reports the conflict on the next round).
    if (!kv.status().IsConflict() || attempt >= kMaxConflictRetries) {
      return Reply::Error(FromStatus(kv.status(), &r, name));
    }
  }
}

Reply RestHandler::Bind(const RequestContext& ctx) {
  Result<Json> body = api::ParseJson(ctx.http->body);
  if (!body.ok()) return Reply::Error(FromStatus(body.status()));
  const Json* target = api::Find(*body, "target");
  std::string node = target ? api::GetString(*target, "name") : "";
  if (node.empty()) return Reply::Error(BadRequest("binding target name is required"));
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "CreateOptions", &dry_run)) return Reply::Error(*e);
  // The check runs inside the compare-and-swap loop, so two racing binds cannot both win.
  Reply reply = UpdateInternal(
      ctx,
      [&](const Json& pod) -> Result<Json> {
        std::string current = api::GetString(pod.value("spec", Json::object()), "nodeName");
        if (!current.empty()) {
          return Status::Conflict(
              fmt::format("pod {} is already assigned to node \"{}\"", ctx.info.name, current));
        }
        Json next = pod;
        next["spec"]["nodeName"] = node;
        // As upstream's binding: the pod is now scheduled.
        Json& status = next["status"];
        if (!status.is_object()) status = Json::object();
        Json conditions = Json::array();
        if (status.contains("conditions") && status["conditions"].is_array()) {
          for (const Json& c : status["conditions"]) {
            if (api::GetString(c, "type") != "PodScheduled") conditions.push_back(c);
          }
        }
        conditions.push_back({{"type", "PodScheduled"},
                              {"status", "True"},
                              {"lastProbeTime", nullptr},
                              {"lastTransitionTime", FormatRfc3339(clock_.WallNow())}});
        status["conditions"] = std::move(conditions);
        return next;
      },
      dry_run);
  if (reply.code != 200) return reply;
  return Reply::Json(201, {{"kind", "Status"},
                           {"apiVersion", "v1"},
                           {"metadata", Json::object()},
                           {"status", "Success"},
                           {"code", 201}});
}

Json RestHandler::ScaleOf(const api::ResourceInfo& r, const Json& object) {
  if (r.custom) return CustomScale(r, object);
  Json meta = Json::object();
  for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (object["metadata"].contains(f)) meta[f] = object["metadata"][f];
  }
  Json scale = {
      {"kind", "Scale"},
      {"apiVersion", "autoscaling/v1"},
      {"metadata", meta},
      {"spec", {{"replicas", api::GetInt(object["spec"], "replicas", 0)}}},
      {"status",
       {{"replicas", api::GetInt(object.value("status", Json::object()), "replicas", 0)}}}};
  // status.selector is the label selector in its string form (apps: a LabelSelector,
  // ReplicationControllers: a plain label map).
  std::string selector;
  if (const Json* sel = api::FindPath(object, "spec.selector"); sel && sel->is_object()) {
    if (sel->contains("matchLabels") || sel->contains("matchExpressions")) {
      if (auto parsed = api::LabelSelector::FromJson(*sel); parsed.ok())
        selector = parsed->ToString();
    } else {
      std::map<std::string, std::string> set;
      for (auto it = sel->begin(); it != sel->end(); ++it) {
        if (it.value().is_string()) set[it.key()] = it.value().get<std::string>();
      }
      selector = api::LabelSelector::FromSet(set).ToString();
    }
  }
  if (!selector.empty()) scale["status"]["selector"] = selector;
  return scale;
}

Reply RestHandler::Delete(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  if (!ctx.info.subresource.empty()) {
    return Reply::Error(
        MethodNotAllowed("the server does not allow this method on the requested resource"));
  }
  Json options = Json::object();
  if (!ctx.http->body.empty()) {
    Result<Json> parsed = DecodeOptionsBody(ctx.http->headers.Get("Content-Type"), ctx.http->body);
    if (!parsed.ok()) return Reply::Error(FromStatus(parsed.status()));
    if (parsed->is_object()) options = std::move(*parsed);
  }
  Result<std::optional<int64_t>> grace = ctx.query.Int("gracePeriodSeconds");
  if (!grace.ok()) return Reply::Error(FromStatus(grace.status()));
  if (*grace) options["gracePeriodSeconds"] = **grace;
  if (auto policy = ctx.query.Get("propagationPolicy")) options["propagationPolicy"] = *policy;
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "DeleteOptions", &dry_run, &options)) return Reply::Error(*e);
  return DeleteOne(r, ctx.info.namespace_, ctx.info.name, options, dry_run, &ctx);
}

Reply RestHandler::DeleteOne(const api::ResourceInfo& r, const std::string& ns,
                             const std::string& name, const Json& options, bool dry_run,
                             const RequestContext* ctx) {
  std::string key = StorageKey(r, ns, name);
  for (int attempt = 0;; ++attempt) {
    Result<Stored> current = Load(r, ns, name);
    if (!current.ok()) return Reply::Error(FromStatus(current.status(), &r, name));
    Json obj = current->object;
    const Json* pre = api::Find(options, "preconditions");
    if (pre && pre->is_object()) {
      std::string uid = api::GetString(*pre, "uid");
      if (!uid.empty() && uid != api::GetString(obj["metadata"], "uid")) {
        return Reply::Error(Conflict(
            r, name,
            fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}", uid,
                        api::GetString(obj["metadata"], "uid"))));
      }
      std::string rv = api::GetString(*pre, "resourceVersion");
      if (!rv.empty() && rv != api::GetString(obj["metadata"], "resourceVersion")) {
        return Reply::Error(
            Conflict(r, name,
                     fmt::format("Precondition failed: ResourceVersion in precondition: {}, "
                                 "ResourceVersion in object meta: {}",
                                 rv, api::GetString(obj["metadata"], "resourceVersion"))));
      }
    }
    admission::Attributes attrs =
        AdmissionAttributes(admission::Operation::kDelete, r, ns, name, dry_run, ctx);
    attrs.old_object = &current->object;
    if (auto rejected = admission_->Validate(attrs)) return Reply::Error(*rejected);
    // Foreground and orphan deletion leave the object to the garbage collector, marked by
    // a finalizer it removes when the dependents are gone or orphaned.
    std::string policy = api::GetString(options, "propagationPolicy");
    if (policy.empty() && api::GetBool(options, "orphanDependents")) policy = "Orphan";
    if (!policy.empty() && policy != "Foreground" && policy != "Background" && policy != "Orphan") {
      return Reply::Error(BadRequest(fmt::format(
          "propagationPolicy: Unsupported value: \"{}\": supported values: \"Foreground\", "
          "\"Background\", \"Orphan\"",
          policy)));
    }
    const char* gc_finalizer = policy == "Foreground" ? "foregroundDeletion"
                               : policy == "Orphan"   ? "orphan"
                                                      : nullptr;
    // A CRD goes once its objects are gone (CrdController removes the finalizer).
    if (IsCrd(r) && !obj["metadata"].contains("deletionTimestamp")) {
      Json& list = obj["metadata"]["finalizers"];
      if (!list.is_array()) list = Json::array();
      if (std::find(list.begin(), list.end(), Json(api::kCrdCleanupFinalizer)) == list.end()) {
        list.push_back(api::kCrdCleanupFinalizer);
      }
      Json& conditions = obj["status"]["conditions"];
      if (!conditions.is_array()) conditions = Json::array();
      conditions.push_back({{"type", "Terminating"},
                            {"status", "True"},
                            {"lastTransitionTime", FormatRfc3339(clock_.WallNow())},
                            {"reason", "InstanceDeletionPending"},
                            {"message", "CustomResourceDefinition marked for deletion; "
                                        "CustomResource deletion will begin soon"}});
    }
    if (gc_finalizer != nullptr && !obj["metadata"].contains("deletionTimestamp")) {
      Json& list = obj["metadata"]["finalizers"];
      if (!list.is_array()) list = Json::array();
      if (std::find(list.begin(), list.end(), Json(gc_finalizer)) == list.end()) {
        list.push_back(gc_finalizer);
      }
    }
    const Json* finalizers = api::FindPath(obj, "metadata.finalizers");
    bool has_finalizers = finalizers && finalizers->is_array() && !finalizers->empty();
    bool is_namespace = r.storage_name == "core/namespaces";
    // Pods on a node are deleted gracefully: the node agent stops them, then removes them.
    int64_t grace = api::GetInt(options, "gracePeriodSeconds",
                                api::GetInt(api::Find(obj, "spec") ? obj["spec"] : Json(),
                                            "terminationGracePeriodSeconds", 30));
    bool graceful = r.storage_name == "core/pods" &&
                    !api::GetString(obj.value("spec", Json::object()), "nodeName").empty() &&
                    grace > 0 &&
                    api::GetString(obj.value("status", Json::object()), "phase") != "Succeeded" &&
                    api::GetString(obj.value("status", Json::object()), "phase") != "Failed";
    if (has_finalizers || graceful || is_namespace) {
      if (obj["metadata"].contains("deletionTimestamp")) {
        return Reply::Json(200, obj);  // already being deleted
      }
      auto when = clock_.WallNow() + std::chrono::seconds(graceful ? grace : 0);
      obj["metadata"]["deletionTimestamp"] = FormatRfc3339(when);
      obj["metadata"]["deletionGracePeriodSeconds"] = graceful ? grace : 0;
      if (is_namespace) obj["status"]["phase"] = "Terminating";
      if (dry_run) return Reply::Json(200, obj);
      Result<storage::KeyValue> kv =
          store_.Update(key, EncodeStorageVersion(r, obj), current->revision);
      if (kv.ok()) {
        obj["metadata"]["resourceVersion"] = std::to_string(kv->mod_revision);
        return Reply::Json(200, obj);
      }
      if (!kv.status().IsConflict() || attempt >= kMaxConflictRetries) {
        return Reply::Error(FromStatus(kv.status(), &r, name));
      }
      continue;
    }
    if (dry_run) return Reply::Json(200, obj);
    Result<storage::KeyValue> kv = store_.Delete(key, current->revision);
    if (kv.ok()) {
      if (IsService(r)) services_.Release(obj);
      return Reply::Json(200, obj);
    }
    if (!kv.status().IsConflict() || attempt >= kMaxConflictRetries) {
      return Reply::Error(FromStatus(kv.status(), &r, name));
    }
  }
}

}  // namespace sampan::apiserver
