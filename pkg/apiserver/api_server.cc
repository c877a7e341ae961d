#include "pkg/apiserver/api_server.h"

#include <fmt/core.h>
#include <strings.h>

#include <atomic>

#include "build_info.h"
#include "pkg/api/builtin_resources.h"
#include "pkg/api/schema.h"
#include "pkg/apiserver/bootstrap.h"
#include "pkg/apiserver/component_statuses.h"
#include "pkg/apiserver/crd_controller.h"
#include "pkg/apiserver/discovery.h"
#include "pkg/apiserver/health_checks.h"
#include "pkg/apiserver/in_process_transport.h"
#include "pkg/apiserver/issuer_discovery.h"
#include "pkg/apiserver/kubelet_proxy.h"
#include "pkg/apiserver/namespace_finalizer.h"
#include "pkg/apiserver/negotiation.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/apiserver/openapi_v2.h"
#include "pkg/apiserver/openapi_v3.h"
#include "pkg/apiserver/rbac.h"
#include "pkg/apiserver/rbac_bootstrap.h"
#include "pkg/apiserver/request_metrics.h"
#include "pkg/apiserver/resource_metrics.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/reviews.h"
#include "pkg/apiserver/service_allocator.h"
#include "pkg/apiserver/storage_metrics.h"
#include "pkg/apiserver/watch_handler.h"
#include "pkg/util/host_port.h"
#include "pkg/util/libuv_dispatcher.h"
#include "pkg/util/log.h"
#include "pkg/util/prometheus_text.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");

void SendReply(http::ResponseWriter& out, const Reply& reply) {
  http::Headers headers = reply.headers;
  if (!headers.Has("Content-Type")) headers.Add("Content-Type", reply.content_type);
  if (reply.stream) {
    out.StartStream(reply.code, std::move(headers));
    reply.stream(out);
    out.End();
    return;
  }
  out.Send(reply.code, std::move(headers), reply.body);
}

void SendError(http::ResponseWriter& out, const ApiError& e) { SendReply(out, Reply::Error(e)); }

ApiError NotFoundPath() {
  ApiError e;
  e.code = 404;
  e.reason = "NotFound";
  e.message = "the server could not find the requested resource";
  return e;
}

class ApiServerImpl final : public ApiServer {
 public:
  explicit ApiServerImpl(const ApiServerOptions& options)
      : options_(options),
        clock_(options.clock ? *options.clock : RealClock::Get()),
        authn_(options.tokens, options.anonymous_auth),
        timers_("apiserver-tm") {}
  ~ApiServerImpl() override { Stop(); }

  Status Init() {
    ASSIGN_OR_RETURN(services_,
                     ServiceAllocator::Create(options_.service_cidr, options_.node_port_range));
    RETURN_IF_ERROR(RestoreServices());
    rest_ = std::make_unique<RestHandler>(*options_.store, clock_, *services_, options_.admission);
    ASSIGN_OR_RETURN(authz_, RbacAuthorizer::Start(*options_.store));
    EvpPkeyPtr sa_key;
    if (options_.service_account_key_file.empty()) {
      ASSIGN_OR_RETURN(sa_key, GenerateRsaKey());
    } else {
      ASSIGN_OR_RETURN(sa_key, LoadOrCreateServiceAccountKey(options_.service_account_key_file));
    }
    ASSIGN_OR_RETURN(sa_live_, LiveObjectCache::Start(
                                   *options_.store, ServiceAccountTokens::LiveObjectsForTokens()));
    // Upstream's default key set address: this server's external address.
    std::string jwks_uri = fmt::format("https://{}/openid/v1/jwks",
                                       JoinHostPort(options_.advertise_address, options_.port));
    ASSIGN_OR_RETURN(issuer_discovery_, IssuerDiscovery::New(options_.service_account_tokens.issuer,
                                                             jwks_uri, sa_key.get()));
    sa_tokens_ = std::make_unique<ServiceAccountTokens>(
        std::move(sa_key), options_.service_account_tokens, *rest_, *sa_live_, clock_);
    authn_.SetTokenAuthenticator([this](std::string_view token,
                                        const std::vector<std::string>& audiences,
                                        std::vector<std::string>* matched) {
      return sa_tokens_->Authenticate(token, audiences, matched);
    });
    timers_.Start();
    watch_ = std::make_unique<WatchHandler>(*options_.store, timers_.dispatcher());
    RETURN_IF_ERROR(Bootstrap(*rest_, *services_, options_.advertise_address, options_.port));
    RETURN_IF_ERROR(BootstrapRbac(*rest_));
    ASSIGN_OR_RETURN(crds_, CrdController::Start(*rest_, served_));
    ASSIGN_OR_RETURN(finalizer_, NamespaceFinalizer::Start(*rest_, served_));
    kubelet_proxy_ = std::make_unique<KubeletProxy>(
        *rest_, KubeletClientConfig{options_.kubelet_client_cert_file,
                                    options_.kubelet_client_key_file, options_.kubelet_ca_file});
    resource_metrics_ = std::make_unique<ResourceMetrics>(
        *rest_, clock_,
        KubeletSummaryFetcher(KubeletClientConfig{options_.kubelet_client_cert_file,
                                                  options_.kubelet_client_key_file,
                                                  options_.kubelet_ca_file}));

    if (!options_.node_bootstrap.token_secret.empty()) {
      ASSIGN_OR_RETURN(node_bootstrap_, NodeBootstrap::New(options_.node_bootstrap));
    }
    health_ = std::make_unique<HealthEndpoints>(LiveChecks(), ReadyOnlyChecks());
    component_statuses_ = std::make_unique<ComponentStatuses>(*options_.store, options_.components);
    http::ServerOptions http;
    http.bind_address = options_.bind_address;
    http.port = options_.port;
    http.worker_threads = options_.worker_threads;
    // A watch's initial list (every object) is written in one burst; the default 16 MiB cap
    // on unsent output would cut a healthy client watching a large collection.
    http.max_pending_output_bytes = 512 * 1024 * 1024;
    http.run_inline = [](const http::Request& req) { return IsQuickRead(req); };
    if (!options_.cert_file.empty()) {
      http.tls = http::TlsOptions{options_.cert_file, options_.key_file, options_.client_ca_file};
    }
    ASSIGN_OR_RETURN(
        server_, http::HttpServer::Start(
                     http, [this](http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
                       Handle(req, std::move(out));
                     }));
    kLog.Info("serving the Kubernetes API on {}:{}", options_.bind_address, server_->port());
    return Status();
  }

  int port() const override { return server_ ? server_->port() : 0; }

  std::shared_ptr<client::Transport> InProcessTransport(UserInfo user) override {
    return NewInProcessTransport(
        [this](http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
          Handle(req, std::move(out));
        },
        std::move(user));
  }

  Result<std::string> LegacyServiceAccountToken(const Json& account,
                                                const Json& secret) override {
    return sa_tokens_->LegacyToken(account, secret);
  }

  void Stop() override {
    stopping_ = true;  // /readyz fails from here on, for requests still being answered
    if (server_) server_->Stop();
    if (kubelet_proxy_) kubelet_proxy_->Stop();
    if (finalizer_) finalizer_->Stop();
    if (crds_) crds_->Stop();
    timers_.Stop();
  }

 private:
  // The checks of /livez and /healthz (and the first of /readyz), named as upstream's.
  std::vector<HealthCheck> LiveChecks() {
    auto ok = [] { return Status(); };
    return {
        {"ping", ok},
        {"log", ok},
        {"etcd", [this] { return CheckStoreReadable(*options_.store); }},
        // Init ran these before serving: they passed, or the server would not be up.
        {"poststarthook/bootstrap-controller", ok},
        {"poststarthook/rbac/bootstrap-roles", ok},
    };
  }

  std::vector<HealthCheck> ReadyOnlyChecks() {
    return {{"shutdown", [this]() -> Status {
               if (stopping_) return Status::Unavailable("the server is shutting down");
               return Status();
             }}};
  }

  Status RestoreServices() {
    ASSIGN_OR_RETURN(storage::ListResult list,
                     options_.store->List(StoragePrefix(api::builtin::Services(), ""), {}));
    for (const auto& kv : list.items) {
      Result<Json> svc = api::ParseJson(kv.value);
      if (svc.ok()) services_->Restore(*svc);
    }
    return Status();
  }

  // Run on the HTTP loop (http::ServerOptions::run_inline): gets of one object. Everything
  // else goes to workers: it may take long or wait for the loop.
  static bool IsQuickRead(const http::Request& req) {
    if (req.method != "GET" || NodeBootstrap::Handles(req.path)) return false;
    Query query(req.query);
    return IsSingleObjectRead(ParseRequestInfo(req.method, req.path, query), query);
  }

  void Handle(http::Request& req, std::shared_ptr<http::ResponseWriter> out) {
    if (node_bootstrap_ && NodeBootstrap::Handles(req.path)) {
      return node_bootstrap_->Serve(req, *out);  // authenticated by the token, not as a user
    }
    std::optional<UserInfo> user = authn_.Authenticate(req);
    if (!user) return SendError(*out, Unauthorized());
    if (req.headers.Has("Impersonate-User") || req.headers.Has("Impersonate-Group")) {
      Result<UserInfo> as = Impersonate(req, *user);
      if (!as.ok()) return SendError(*out, Forbidden(as.status().message()));
      user = std::move(*as);
    }
    Query query(req.query);
    RequestInfo info = ParseRequestInfo(req.method, req.path, query);
    std::shared_ptr<const api::Registry> registry = served_.Snapshot();
    const api::ResourceInfo* r = info.is_resource_request
                                     ? registry->Find(info.group, info.version, info.resource)
                                     : nullptr;
    out = request_metrics_->Measure(LabelsOf(req, info, query, r != nullptr), std::move(out));
    if (info.resource == "pods" && info.verb == "get" &&
        (info.subresource == "exec" || info.subresource == "attach" ||
         info.subresource == "portforward")) {
      info.verb = "create";  // a WebSocket upgrade is a GET; it needs create as upstream's
    }
    if (!authz_->Allowed(*user, info)) {
      std::string what = info.is_resource_request
                             ? fmt::format("cannot {} resource \"{}\" in API group \"{}\"{}",
                                           info.verb, info.resource, info.group,
                                           info.namespace_.empty()
                                               ? " at the cluster scope"
                                               : " in the namespace \"" + info.namespace_ + "\"")
                             : fmt::format("cannot {} path \"{}\"", info.verb, req.path);
      return SendError(*out, Forbidden(fmt::format(
                                 "{}{}: {}", info.resource.empty() ? "forbidden" : info.resource,
                                 info.resource.empty() ? "" : " is forbidden",
                                 fmt::format("User \"{}\" {}", user->name, what))));
    }
    if (!info.is_resource_request) return HandleNonResource(req, info, *registry, *out);
    HandleResource(req, std::move(info), std::move(query), std::move(registry), r, *user,
                   std::move(out));
  }

  // `kubectl --as/--as-group`: act as another user when allowed to impersonate them.
  Result<UserInfo> Impersonate(const http::Request& req, const UserInfo& requester) {
    UserInfo as{std::string(req.headers.Get("Impersonate-User")), {}};
    for (const http::Header& h : req.headers.all()) {
      if (strcasecmp(h.name.c_str(), "Impersonate-Group") == 0) as.groups.push_back(h.value);
    }
    auto check = [&](const char* resource, const std::string& name) -> Status {
      RequestInfo info;
      info.is_resource_request = true;
      info.verb = "impersonate";
      info.resource = resource;
      info.name = name;
      if (authz_->Allowed(requester, info)) return Status::Ok();
      return Status::Forbidden(fmt::format(
          "{} \"{}\" is forbidden: User \"{}\" cannot impersonate resource \"{}\" in API "
          "group \"\" at the cluster scope",
          resource, name, requester.name, resource));
    };
    if (!as.name.empty()) RETURN_IF_ERROR(check("users", as.name));
    for (const std::string& g : as.groups) RETURN_IF_ERROR(check("groups", g));
    if (as.name.empty()) return Status::BadRequest("impersonating groups requires a user");
    if (as.name.starts_with("system:serviceaccount:")) {
      // As upstream: a service account's groups come with its name.
      std::string ns = as.name.substr(22, as.name.find(':', 22) - 22);
      as.groups.push_back("system:serviceaccounts");
      as.groups.push_back("system:serviceaccounts:" + ns);
    }
    as.groups.push_back("system:authenticated");
    return as;
  }

  // `/openapi/v2` as JSON or gnostic protobuf, with upstream's caching headers: an ETag
  // (a matching If-None-Match gets 304) and "no-cache, private".
  void SendOpenApiV2(const http::Request& req, http::ResponseWriter& out) {
    OpenApiV2::Format format = OpenApiV2::Negotiate(req.headers.Get("Accept"));
    if (format == OpenApiV2::Format::kNotAcceptable) {
      return SendError(out, NotAcceptable("only the following media types are accepted: "
                                          "application/json, "
                                          "application/com.github.proto-openapi.spec.v2"
                                          "@v1.0+protobuf"));
    }
    std::shared_ptr<const OpenApiV2::Body> doc = openapi_v2_.Get(format);
    bool protobuf = format == OpenApiV2::Format::kProtobuf;
    const std::string& etag = doc->etag;
    http::Headers h;
    h.Add("Content-Type",
          protobuf ? std::string(OpenApiV2::kProtobufContentType) : "application/json");
    h.Add("ETag", etag);
    h.Add("Cache-Control", "no-cache, private");
    h.Add("Vary", "Accept");
    if (req.headers.Get("If-None-Match") == etag) return out.Send(304, h, "");
    return out.Send(200, h, doc->bytes);
  }

  void HandleNonResource(const http::Request& req, const RequestInfo& info,
                         const api::Registry& registry, http::ResponseWriter& out) {
    const std::string& path = req.path;
    if (req.method != "GET" && req.method != "HEAD") {
      return SendError(
          out, MethodNotAllowed("the server does not allow this method on the requested resource"));
    }
    if (std::optional<HealthReply> health = health_->Serve(path, req.query)) {
      http::Headers h;
      h.Add("Content-Type", "text/plain; charset=utf-8");
      h.Add("X-Content-Type-Options", "nosniff");
      return out.Send(health->code, h, std::move(health->body));
    }
    if (path == "/version") return SendReply(out, Reply::Json(200, VersionInfo()));
    if (std::optional<IssuerDiscovery::Document> doc = issuer_discovery_.Serve(path)) {
      http::Headers h;
      h.Add("Content-Type", doc->content_type);
      h.Add("Cache-Control", std::string(IssuerDiscovery::kCacheControl));
      return out.Send(200, h, std::move(doc->body));
    }
    if (path == "/metrics") {
      std::string text;
      request_metrics_->AppendText(text);
      AppendStorageMetrics(text, registry, *options_.store);
      prometheus::AppendProcessMetrics(text);
      http::Headers h;
      h.Add("Content-Type", std::string(prometheus::kContentType));
      return out.Send(200, h, std::move(text));
    }
    if (path == "/openapi/v2") return SendOpenApiV2(req, out);
    if (path == "/openapi/v3") {
      Reply r;
      r.body = openapi_v3_.Index();
      return SendReply(out, r);
    }
    if (path.starts_with("/openapi/v3/")) {
      std::optional<std::string> doc = openapi_v3_.Document(path.substr(12));
      if (!doc) return SendError(out, NotFoundPath());
      Reply r;
      r.body = std::move(*doc);
      if (req.query.find("hash=") != std::string::npos) {
        r.headers.Add("Cache-Control", "public, immutable");  // the hash names this build's doc
      }
      return SendReply(out, r);
    }
    if (path == "/api" || path == "/apis") {
      Negotiated n = Negotiate(req.headers.Get("Accept"), true);
      if (n == Negotiated::kDiscoveryV2 || n == Negotiated::kDiscoveryV2Beta1) {
        std::string v = n == Negotiated::kDiscoveryV2 ? "v2" : "v2beta1";
        Reply r = Reply::Json(
            200, AggregatedDiscovery(registry, path == "/api", "apidiscovery.k8s.io/" + v));
        r.content_type =
            "application/json;g=apidiscovery.k8s.io;v=" + v + ";as=APIGroupDiscoveryList";
        return SendReply(out, r);
      }
      if (path == "/api") {
        return SendReply(
            out, Reply::Json(200, ApiVersions(fmt::format("{}:{}", options_.advertise_address,
                                                          options_.port))));
      }
      return SendReply(out, Reply::Json(200, ApiGroupList(registry)));
    }
    if (!info.version.empty()) {  // /api/v1, /apis/apps/v1
      Json list = ApiResourceList(registry, info.group, info.version);
      if (!list.is_null()) return SendReply(out, Reply::Json(200, list));
    } else if (path.starts_with("/apis/")) {  // /apis/apps
      for (const auto& g : registry.groups()) {
        if (!g.name.empty() && path == "/apis/" + g.name) {
          Json versions = Json::array();
          for (const auto& v : g.versions)
            versions.push_back({{"groupVersion", g.name + "/" + v}, {"version", v}});
          return SendReply(out, Reply::Json(200, {{"kind", "APIGroup"},
                                                  {"apiVersion", "v1"},
                                                  {"name", g.name},
                                                  {"versions", versions},
                                                  {"preferredVersion", versions[0]}}));
        }
      }
    }
    SendError(out, NotFoundPath());
  }

  // `r`: the resource in `registry`, or null when it serves none by that name.
  void HandleResource(const http::Request& req, RequestInfo info, Query query,
                      std::shared_ptr<const api::Registry> registry, const api::ResourceInfo* r,
                      const UserInfo& user, std::shared_ptr<http::ResponseWriter> out) {
    if (!r || (!r->namespaced && !info.namespace_.empty() && info.resource != "namespaces") ||
        (!info.subresource.empty() && !r->HasSubresource(info.subresource))) {
      return SendError(*out, NotFoundPath());
    }
    RequestContext ctx;
    ctx.http = &req;
    ctx.info = std::move(info);
    ctx.registry = std::move(registry);
    ctx.resource = r;
    ctx.query = std::move(query);
    ctx.user = user.name;
    ctx.groups = user.groups;
    if (r->resource == "pods" && ctx.info.subresource == "log") {
      if (ctx.info.verb != "get") {
        return SendError(*out, MethodNotAllowed("the server does not allow this method on the "
                                                "requested resource"));
      }
      return kubelet_proxy_->Log(ctx, std::move(out));
    }
    const std::string& sub = ctx.info.subresource;
    if (r->resource == "pods" && (sub == "exec" || sub == "attach" || sub == "portforward")) {
      if (ctx.info.verb != "create") {
        return SendError(*out, MethodNotAllowed("the server does not allow this method on the "
                                                "requested resource"));
      }
      if (sub == "exec") return kubelet_proxy_->Exec(ctx, std::move(out));
      if (sub == "attach") return kubelet_proxy_->Attach(ctx, std::move(out));
      return kubelet_proxy_->PortForward(ctx, std::move(out));
    }
    if (r->group == "metrics.k8s.io") return SendReply(*out, resource_metrics_->Serve(ctx));
    if (r->resource == "serviceaccounts" && ctx.info.subresource == "token") {
      return SendReply(*out, sa_tokens_->CreateToken(ctx));
    }
    if (r->resource == "nodes" && ctx.info.subresource == "proxy") {
      return kubelet_proxy_->NodeProxy(ctx, std::move(out));
    }
    switch (Negotiate(req.headers.Get("Accept"), false)) {
      case Negotiated::kTable: ctx.format = OutputFormat::kTable; break;
      case Negotiated::kPartialMetadata: ctx.format = OutputFormat::kPartialMetadata; break;
      case Negotiated::kUnsupported:
        return SendError(
            *out, NotAcceptable("only the following media types are accepted: application/json, "
                                "application/json;as=Table;v=v1;g=meta.k8s.io"));
      default: break;
    }
    if (r->resource == "componentstatuses") {
      return SendReply(*out, component_statuses_->Serve(ctx));
    }
    const std::string& verb = ctx.info.verb;
    if (!r->Stored()) {  // reviews: create-only, answered here
      if (verb != "create") {
        return SendError(*out, MethodNotAllowed("the server does not allow this method on the "
                                                "requested resource"));
      }
      std::vector<std::string> warnings;
      Result<Json> body = rest_->DecodeBody(ctx, *r, &warnings);
      if (!body.ok() && body.status().code() == Code::kUnsupported &&
          r->kind == "SelfSubjectReview") {
        body = Json::object();  // no schema for v1beta1; the review has no input anyway
      }
      if (!body.ok()) return SendError(*out, FromStatus(body.status()));
      return SendReply(*out, AnswerReview(ctx, std::move(*body), user, *authz_, authn_));
    }
    if (verb == "watch") return watch_->Start(ctx, std::move(out));
    Reply reply;
    if (verb == "get") {
      reply = rest_->Get(ctx);
    } else if (verb == "list") {
      reply = rest_->List(ctx);
    } else if (verb == "create") {
      reply = ctx.info.subresource == "binding" ? rest_->Bind(ctx) : rest_->Create(ctx);
    } else if (verb == "update") {
      reply = rest_->Update(ctx);
    } else if (verb == "patch") {
      reply = rest_->Patch(ctx);
    } else if (verb == "delete") {
      reply = rest_->Delete(ctx);
    } else if (verb == "deletecollection") {
      reply = rest_->DeleteCollection(ctx);
    } else {
      reply = Reply::Error(
          MethodNotAllowed("the server does not allow this method on the requested resource"));
    }
    // A CRD written: its resources are served (or gone) before the client hears back.
    if (r->type_key == "apiextensions.k8s.io/customresourcedefinitions" && verb != "get" &&
        verb != "list" && reply.code < 300) {
      crds_->Resync();
    }
    SendReply(*out, reply);
  }

  Json VersionInfo() const {
    return {{"major", "1"},
            {"minor", "33"},
            {"gitVersion", std::string("v1.33.0+sampan-") + SAMPAN_VERSION},
            {"gitCommit", SAMPAN_GIT_COMMIT},
            {"gitTreeState", "clean"},
            {"buildDate", "1970-01-01T00:00:00Z"},
            {"goVersion", "none (C++)"},
            {"compiler", "gcc"},
            {"platform", "linux/amd64"}};
  }

  const ApiServerOptions options_;
  const std::shared_ptr<RequestMetrics> request_metrics_ = std::make_shared<RequestMetrics>();
  const Clock& clock_;
  Authenticator authn_;
  std::unique_ptr<RbacAuthorizer> authz_;
  DispatcherThread timers_;
  std::unique_ptr<ServiceAllocator> services_;
  std::unique_ptr<RestHandler> rest_;
  std::unique_ptr<LiveObjectCache> sa_live_;  // before sa_tokens_, which uses it
  std::unique_ptr<ServiceAccountTokens> sa_tokens_;
  std::unique_ptr<WatchHandler> watch_;
  api::ServedRegistry served_;
  OpenApiV3 openapi_v3_{served_, api::Schema::BuiltIn()};
  OpenApiV2 openapi_v2_{served_, api::Schema::BuiltIn()};
  std::unique_ptr<CrdController> crds_;
  std::unique_ptr<NamespaceFinalizer> finalizer_;
  std::unique_ptr<KubeletProxy> kubelet_proxy_;
  std::unique_ptr<NodeBootstrap> node_bootstrap_;
  std::unique_ptr<ResourceMetrics> resource_metrics_;
  std::unique_ptr<HealthEndpoints> health_;
  IssuerDiscovery issuer_discovery_;
  std::unique_ptr<ComponentStatuses> component_statuses_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options) {
  if (!options.store) return Status::Invalid("ApiServer needs a store");
  auto server = std::make_unique<ApiServerImpl>(options);
  RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace sampan::apiserver
