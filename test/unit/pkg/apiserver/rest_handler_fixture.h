#pragma once
// A RestHandler over a real SQLite store in a temp dir (the kubernetes service bootstrapped,
// a fake clock), and Call(): one verb run the way the HTTP layer runs it. For the tests of
// the REST verbs and of admission through them.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pkg/api/registry.h"
#include "pkg/apiserver/api_error.h"
#include "pkg/apiserver/bootstrap.h"
#include "pkg/apiserver/request_info.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/service_allocator.h"
#include "storage/sqlite_store.h"
#include "test/fakes/fake_clock.h"
#include "test/unit/storage/store_test_util.h"

namespace sampan::apiserver::testing {

class RestHandlerFixture : public ::testing::Test {
 protected:
  // Call from SetUp (gtest assertions need a void function).
  void OpenRestHandler(const AdmissionOptions& admission = {}) {
    auto store = storage::OpenSqliteStore({.path = dir_.File("state.db")});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    services_ = ServiceAllocator::Create("10.43.0.0/16", "30000-32767").value();
    rest_ = std::make_unique<RestHandler>(*store_, clock_, *services_, admission);
    ASSERT_TRUE(Bootstrap(*rest_, *services_, "127.0.0.1", 6443).ok());
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "application/json") {
    http::Request req;
    req.method = method;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.body = body;
    req.headers.Add("Content-Type", content_type);
    RequestContext ctx;
    ctx.http = &req;
    ctx.query = Query(req.query);
    ctx.info = ParseRequestInfo(method, req.path, ctx.query);
    ctx.resource =
        api::Registry::Builtin().Find(ctx.info.group, ctx.info.version, ctx.info.resource);
    if (!ctx.resource) return Reply::Error(BadRequest("no such resource in test"));
    const std::string& v = ctx.info.verb;
    if (v == "get") return rest_->Get(ctx);
    if (v == "list") return rest_->List(ctx);
    if (v == "create") {
      return ctx.info.subresource == "binding" ? rest_->Bind(ctx) : rest_->Create(ctx);
    }
    if (v == "update") return rest_->Update(ctx);
    if (v == "patch") return rest_->Patch(ctx);
    if (v == "delete") return rest_->Delete(ctx);
    return rest_->DeleteCollection(ctx);
  }

  storage::testing::TempDir dir_;
  sampan::testing::FakeClock clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ServiceAllocator> services_;
  std::unique_ptr<RestHandler> rest_;
};

}  // namespace sampan::apiserver::testing
