#include "pkg/client/https_transport.h"

#include <atomic>
#include <thread>

namespace sampan::client {
namespace {

class HttpsStream final : public StreamHandle {
 public:
  HttpsStream(std::unique_ptr<http::HttpClient> client, Request request, StreamCallbacks callbacks)
      : client_(std::move(client)) {
    thread_ = std::thread([this, request = std::move(request), callbacks = std::move(callbacks)] {
      Status status = client_->Stream(request.method, request.target, request.headers,
                                      [&](std::string_view chunk) {
                                        if (cancelled_) return false;
                                        callbacks.on_chunk(chunk);
                                        return true;
                                      });
      if (!cancelled_ && callbacks.on_end) callbacks.on_end(status);
    });
  }
  ~HttpsStream() override { Cancel(); }

  void Cancel() override {
    cancelled_ = true;
    client_->Cancel();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  std::unique_ptr<http::HttpClient> client_;
  std::atomic<bool> cancelled_{false};
  std::thread thread_;
};

}  // namespace

HttpsTransport::HttpsTransport(http::ClientOptions options, size_t max_idle)
    : options_(std::move(options)), max_idle_(max_idle) {}

Result<std::unique_ptr<http::HttpClient>> HttpsTransport::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return http::HttpClient::New(options_);
}

void HttpsTransport::Release(std::unique_ptr<http::HttpClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

Result<http::Response> HttpsTransport::Do(const Request& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client, Acquire());
  Result<http::Response> response =
      client->Do(request.method, request.target, request.headers, request.body);
  if (response.ok()) Release(std::move(client));  // a failed connection is not reused
  return response;
}

Result<std::unique_ptr<StreamHandle>> HttpsTransport::Stream(const Request& request,
                                                             StreamCallbacks callbacks) {
  ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client, http::HttpClient::New(options_));
  return std::unique_ptr<StreamHandle>(
      std::make_unique<HttpsStream>(std::move(client), request, std::move(callbacks)));
}

}  // namespace sampan::client
