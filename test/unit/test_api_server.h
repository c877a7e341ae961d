#pragma once
// A real API server over a SQLite store in a temp dir, on a loopback port, for tests of
// components that talk to the cluster through pkg/client.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "pkg/apiserver/api_server.h"
#include "pkg/client/client.h"
#include "storage/sqlite_store.h"
#include "test/unit/storage/store_test_util.h"

namespace sampan::testing {

class TestApiServer {
 public:
  // Starts the server; check ok() (gtest assertions cannot run in a constructor).
  TestApiServer() {
    auto store = storage::OpenSqliteStore({.path = dir_.File("state.db")});
    if (!store.ok()) return;
    store_ = std::move(*store);
    apiserver::ApiServerOptions options;
    options.store = store_.get();
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.tokens = {apiserver::StaticToken{"test-token", {"tester", {"system:masters"}}}};
    // No service-accounts controller here: pods are made without accounts.
    options.admission.service_account = false;
    auto server = apiserver::ApiServer::Start(options);
    if (!server.ok()) return;
    server_ = std::move(*server);
  }
  ~TestApiServer() {
    if (server_) server_->Stop();
  }
  bool ok() const { return server_ != nullptr; }
  apiserver::ApiServer& server() { return *server_; }
  // A client over the in-process transport, as a cluster admin.
  std::unique_ptr<client::Client> NewClient(const std::string& user = "tester") {
    return std::make_unique<client::Client>(server_->InProcessTransport({user, {"system:masters"}}),
                                            user);
  }

 private:
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<apiserver::ApiServer> server_;
};

// Polls `fn` until true or the deadline (tests never sleep-and-hope).
template <typename Fn>
bool WaitFor(Fn fn, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return fn();
}

}  // namespace sampan::testing
