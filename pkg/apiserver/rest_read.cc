// Get and list of stored resources, with upstream's resourceVersion and paging rules.
#include <fmt/core.h>
#include <malloc.h>

#include <thread>

#include "pkg/api/object_names.h"
#include "pkg/apiserver/list_filter.h"
#include "pkg/apiserver/negotiation.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/apiserver/object_meta.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/table.h"
#include "pkg/apiserver/version_conversion.h"
#include "pkg/util/base64.h"
#include "pkg/util/http_backpressure.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

const log::Logger kLog("apiserver");

using api::Json;

constexpr int64_t kStorePageItems = 500;  // rows per store read of an unlimited list
// An unlimited list whose body passes this after a page is streamed from then on (see
// StreamRestOfList), with at most kStreamPendingBytes waiting for the client.
constexpr size_t kStreamFromBytes = 1 << 20;
constexpr size_t kStreamPendingBytes = 4 << 20;
constexpr size_t kStreamChunkBytes = 256 << 10;

struct ContinueToken {
  int64_t revision = 0;
  std::string start_after;
};

std::string EncodeContinue(int64_t revision, const std::string& last_key) {
  return Base64Encode(
      api::Dump(Json{{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", last_key}}));
}

Result<ContinueToken> DecodeContinue(const std::string& token) {
  auto raw = Base64Decode(token);
  if (!raw) return Status::BadRequest("continue key is not valid: illegal base64 data");
  Result<Json> j = api::ParseJson(*raw);
  if (!j.ok() || !j->is_object() || !j->contains("rv") || !j->contains("start")) {
    return Status::BadRequest("continue key is not valid: incorrect encoded start resourceVersion");
  }
  return ContinueToken{api::GetInt(*j, "rv"), api::GetString(*j, "start")};
}

Result<int64_t> ParseRv(const std::string& rv) {
  char* end = nullptr;
  long long v = std::strtoll(rv.c_str(), &end, 10);
  if (rv.empty() || *end != '\0' || v < 0) {
    return Status::BadRequest(fmt::format("invalid resource version: {}", rv));
  }
  return static_cast<int64_t>(v);
}

ApiError TooLargeRv(int64_t asked, int64_t current) {
  ApiError e;
  e.code = 504;
  e.reason = "Timeout";
  e.message = fmt::format("Too large resource version: {}, current: {}", asked, current);
  e.causes.push_back({"ResourceVersionTooLarge", "Too large resource version", ""});
  e.retry_after_seconds = 1;
  return e;
}

}  // namespace

// Waits briefly for the store to reach `rv` (a client may have seen it from another
// server or a watch a moment ago); upstream waits up to 3 s too.
static bool WaitForRevision(storage::Store& store, int64_t rv) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (store.CurrentRevision() < rv) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

Reply RestHandler::Get(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  const std::string& sub = ctx.info.subresource;
  if (!sub.empty() && sub != "status" && sub != "scale") {
    return Reply::Error(NotFound(r, ctx.info.name));
  }
  if (sub == "scale" && !r.HasSubresource("scale")) return Reply::Error(NotFound(r, ctx.info.name));
  Result<storage::KeyValue> kv = store_.Get(StorageKey(r, ctx.info.namespace_, ctx.info.name));
  if (!kv.ok()) return Reply::Error(FromStatus(kv.status(), &r, ctx.info.name));
  if (sub != "scale" && ctx.format == OutputFormat::kObject && !r.custom &&
      StoredAs(kv->value, r.GroupVersion())) {
    // Served as stored: the stored bytes with the resourceVersion spliced in, unparsed.
    Reply reply;
    reply.body = WithResourceVersion(kv->value, kv->mod_revision);
    return reply;
  }
  Result<Json> object = DecodeServed(r, kv->value, kv->mod_revision);
  if (!object.ok()) return Reply::Error(FromStatus(object.status(), &r, ctx.info.name));
  if (sub == "scale") {
    Json scale = ScaleOf(r, *object);
    if (ctx.format != OutputFormat::kTable) return Reply::Json(200, scale);
    Reply reply;  // with the Scale's own columns (DESIRED, AVAILABLE), not the parent's
    reply.body =
        api::Dump(BuildTable(ScaleResource(), {scale}, -1, "", TableOptions::FromQuery(ctx.query)));
    return reply;
  }
  Reply reply;
  reply.body = FormatObject(ctx, *object);
  return reply;
}

// An item of a list served without filtering: its stored bytes when stored as served,
// else converted. An item that cannot be decoded is left out.
static void AddUnfiltered(const api::ResourceInfo& r, std::string_view stored, int64_t rv,
                          ListBody& items) {
  if (StoredAs(stored, r.GroupVersion())) {
    items.AddStored(stored, rv);
    return;
  }
  Result<Json> obj = DecodeServed(r, stored, rv);
  if (obj.ok()) items.AddSerialized(api::Dump(*obj));
}

// Room in `body` for `rows` as stored plus their resourceVersions, so that a page is
// appended without regrowing (and re-faulting) the buffer.
static void ReserveFor(const std::vector<storage::KeyValue>& rows, ListBody& body) {
  size_t bytes = 0;
  for (const storage::KeyValue& kv : rows) bytes += kv.value.size() + 48;
  body.Reserve(bytes);
}

// The rest of a large unlimited list, read a page at a time from the same snapshot and
// written as the client takes it: the body is never held whole, and the server encrypts a
// chunk while the next is read. Rows go from the store's buffers straight into chunks of
// about kStreamChunkBytes: small enough to stay in cache until the loop encrypts them.
Reply RestHandler::StreamRestOfList(const api::ResourceInfo& r, std::string prefix,
                                    storage::ListOptions opts, int64_t list_rv, ListBody items) {
  Reply reply;
  auto body = std::make_shared<ListBody>(std::move(items));
  reply.stream = [this, &r, prefix = std::move(prefix), opts, list_rv,
                  body](http::ResponseWriter& out) mutable {
    auto* backpressure = dynamic_cast<http::OutputBackpressure*>(&out);
    auto flush = [&] {
      out.Write(body->TakeChunk());
      body->Reserve(kStreamChunkBytes + kStreamChunkBytes / 4);
    };
    flush();
    opts.limit = kStorePageItems;
    while (!out.Closed()) {
      if (backpressure) backpressure->WaitForRoom(kStreamPendingBytes);
      Result<storage::ListEachResult> page =
          store_.ListEach(prefix, opts, [&](const storage::KeyValueView& kv) {
            AddUnfiltered(r, kv.value, kv.mod_revision, *body);
            if (body->size_bytes() >= kStreamChunkBytes) flush();
          });
      if (!page.ok()) {
        // The headers are out: the client sees a cut-off body, not a Status.
        kLog.Warn("list {}: page after {}: {}", prefix, opts.start_after, page.status().message());
        return;
      }
      if (!page->more) break;
      opts.start_after = std::move(page->last_key);
    }
    out.Write(std::move(*body).Finish(list_rv, ""));
    // The chunks were allocated here and freed on the loop thread, into malloc's arenas,
    // which keep them: give back what is free now.
    ::malloc_trim(0);
  };
  return reply;
}

Reply RestHandler::List(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  Result<ListFilter> filter = ListFilter::FromQuery(r, ctx.query);
  if (!filter.ok()) return Reply::Error(FromStatus(filter.status()));
  std::string rv_param = ctx.query.GetOr("resourceVersion", "");
  std::string match = ctx.query.GetOr("resourceVersionMatch", "");
  std::string cont = ctx.query.GetOr("continue", "");
  Result<std::optional<int64_t>> limit_param = ctx.query.Int("limit");
  if (!limit_param.ok()) return Reply::Error(FromStatus(limit_param.status()));
  int64_t limit = std::max<int64_t>(0, limit_param->value_or(0));  // negative: no limit

  if (!match.empty() && rv_param.empty()) {
    return Reply::Error(
        BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
                   "resourceVersion is provided"));
  }
  if (ctx.query.Has("sendInitialEvents")) {
    return Reply::Error(
        BadRequest("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"));
  }
  if (!cont.empty() && !rv_param.empty() && rv_param != "0") {
    return Reply::Error(
        BadRequest("specifying resource version is not allowed when using continue"));
  }
  if (!match.empty() && match != "Exact" && match != "NotOlderThan") {
    return Reply::Error(BadRequest(
        fmt::format("resourceVersionMatch: Unsupported value: \"{}\": supported values: \"Exact\", "
                    "\"NotOlderThan\"",
                    match)));
  }

  storage::ListOptions opts;
  if (!cont.empty()) {
    Result<ContinueToken> token = DecodeContinue(cont);
    if (!token.ok()) return Reply::Error(FromStatus(token.status()));
    opts.revision = token->revision;
    opts.start_after = token->start_after;
  } else if (!rv_param.empty() && rv_param != "0") {
    Result<int64_t> rv = ParseRv(rv_param);
    if (!rv.ok()) return Reply::Error(FromStatus(rv.status()));
    // Exact: that snapshot. Otherwise (NotOlderThan or legacy unset) anything as new.
    bool exact = match == "Exact" || (match.empty() && limit > 0);
    if (!WaitForRevision(store_, *rv))
      return Reply::Error(TooLargeRv(*rv, store_.CurrentRevision()));
    if (exact) opts.revision = *rv;
  }

  std::string prefix = StoragePrefix(r, ctx.info.namespace_);
  ListBody items(r);
  std::vector<Json> parsed;  // only when filtering or building a Table
  // Custom objects are parsed to apply their schema's defaults and pruning as they are read.
  bool need_parse = !filter->Empty() || ctx.format != OutputFormat::kObject || r.custom;
  int64_t list_rv = 0;
  std::string last_key;
  bool more = false;
  // Pages of the store are read until `limit` matching items are collected. The continue
  // token names the last item returned, so nothing is skipped or repeated.
  bool full = false;
  while (!full) {
    storage::ListOptions page = opts;
    // Without a limit the store is still read in pages, so a large collection is never
    // held twice (its rows and the response) at once.
    page.limit = limit > 0 ? std::max<int64_t>(
                                 limit - static_cast<int64_t>(items.count() + parsed.size()), 64)
                           : kStorePageItems;
    Result<storage::ListResult> res = store_.List(prefix, page);
    if (!res.ok()) {
      if (res.status().IsGone() && !cont.empty()) {
        return Reply::Error(
            Gone("The provided continue parameter is too old to display a consistent list result. "
                 "You can start a new list without the continue parameter."));
      }
      if (res.status().IsGone()) {
        return Reply::Error(Gone("The resourceVersion for the provided list is too old."));
      }
      return Reply::Error(FromStatus(res.status()));
    }
    list_rv = res->revision;
    opts.revision = res->revision;  // later pages read the same snapshot
    if (!need_parse) ReserveFor(res->items, items);
    for (size_t i = 0; i < res->items.size(); ++i) {
      storage::KeyValue& kv = res->items[i];
      if (full) {
        more = true;  // a further item exists after the last one returned
        break;
      }
      last_key = kv.key;
      if (!need_parse) {
        AddUnfiltered(r, kv.value, kv.mod_revision, items);
      } else {
        Result<Json> obj = DecodeServed(r, kv.value, kv.mod_revision);
        if (!obj.ok()) continue;
        if (!filter->Matches(*obj)) continue;
        parsed.push_back(std::move(*obj));
      }
      full = limit > 0 && static_cast<int64_t>(items.count() + parsed.size()) >= limit;
    }
    if (!res->more) break;
    if (full) {
      more = true;
      break;
    }
    opts.start_after = last_key;
    if (!need_parse && limit == 0 && items.size_bytes() >= kStreamFromBytes) {
      return StreamRestOfList(r, std::move(prefix), opts, list_rv, std::move(items));
    }
  }
  std::string token = more ? EncodeContinue(list_rv, last_key) : "";

  Reply reply;
  if (ctx.format == OutputFormat::kTable) {
    reply.body =
        api::Dump(BuildTable(r, parsed, list_rv, token, TableOptions::FromQuery(ctx.query)));
    return reply;
  }
  if (ctx.format == OutputFormat::kPartialMetadata) {
    Json list = {{"kind", "PartialObjectMetadataList"},
                 {"apiVersion", "meta.k8s.io/v1"},
                 {"metadata", {{"resourceVersion", std::to_string(list_rv)}}},
                 {"items", Json::array()}};
    if (!token.empty()) list["metadata"]["continue"] = token;
    for (const auto& o : parsed) {
      list["items"].push_back({{"kind", "PartialObjectMetadata"},
                               {"apiVersion", "meta.k8s.io/v1"},
                               {"metadata", o["metadata"]}});
    }
    reply.body = api::Dump(list);
    return reply;
  }
  for (auto& o : parsed) items.AddSerialized(api::Dump(o));
  reply.body = std::move(items).Finish(list_rv, token);
  return reply;
}

Reply RestHandler::DeleteCollection(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  Result<ListFilter> filter = ListFilter::FromQuery(r, ctx.query);
  if (!filter.ok()) return Reply::Error(FromStatus(filter.status()));
  Json options = Json::object();
  if (!ctx.http->body.empty()) {
    Result<Json> parsed = DecodeOptionsBody(ctx.http->headers.Get("Content-Type"), ctx.http->body);
    if (parsed.ok() && parsed->is_object()) options = std::move(*parsed);
  }
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "DeleteOptions", &dry_run, &options)) {
    return Reply::Error(*e);
  }
  std::string prefix = StoragePrefix(r, ctx.info.namespace_);
  Result<storage::ListResult> res = store_.List(prefix, {});
  if (!res.ok()) return Reply::Error(FromStatus(res.status()));
  ListBody deleted(r);
  for (auto& kv : res->items) {
    Result<Json> obj = DecodeServed(r, kv.value, kv.mod_revision);
    if (!obj.ok() || !filter->Matches(*obj)) continue;
    Reply one = DeleteOne(r, api::NamespaceOf(*obj), api::NameOf(*obj), options, dry_run, &ctx);
    if (one.code == 200) deleted.AddSerialized(one.body);
  }
  Reply reply;
  reply.body = std::move(deleted).Finish(store_.CurrentRevision(), "");
  return reply;
}

std::string FormatObject(const RequestContext& ctx, const Json& object) {
  if (ctx.format == OutputFormat::kTable) {
    return api::Dump(
        BuildTable(*ctx.resource, {object}, -1, "", TableOptions::FromQuery(ctx.query)));
  }
  if (ctx.format == OutputFormat::kPartialMetadata) {
    return api::Dump(Json{{"kind", "PartialObjectMetadata"},
                          {"apiVersion", "meta.k8s.io/v1"},
                          {"metadata", object["metadata"]}});
  }
  return api::Dump(object);
}

}  // namespace sampan::apiserver
