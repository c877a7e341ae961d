#pragma once
// HttpsTransport: a Transport over HttpClient connections to a remote API server. Unary
// requests take an idle keep-alive connection from a small pool (or open one); each stream
// gets its own connection and thread.

#include <memory>
#include <mutex>
#include <vector>

#include "pkg/client/transport.h"
#include "pkg/util/http_client.h"

namespace sampan::client {

class HttpsTransport final : public Transport {
 public:
  explicit HttpsTransport(http::ClientOptions options, size_t max_idle = 4);
  Result<http::Response> Do(const Request& request) override;
  Result<std::unique_ptr<StreamHandle>> Stream(const Request& request,
                                               StreamCallbacks callbacks) override;

 private:
  Result<std::unique_ptr<http::HttpClient>> Acquire();
  void Release(std::unique_ptr<http::HttpClient> client);

  const http::ClientOptions options_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<http::HttpClient>> idle_;
};

}  // namespace sampan::client
