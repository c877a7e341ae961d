#include "pkg/apiserver/in_process_transport.h"

#include <condition_variable>
#include <mutex>
#include <optional>

#include "pkg/client/client.h"

namespace sampan::apiserver {
namespace {

// A unary response as the handler sends it. The writer marks it done when destroyed
// without an answer (the handler dropped it: 500, as the HTTP server does).
struct UnaryState {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<http::Response> response;

  void Finish(http::Response r) {
    std::lock_guard<std::mutex> lock(mu);
    if (!response) response = std::move(r);
    cv.notify_all();
  }
};

class UnaryWriter final : public http::ResponseWriter {
 public:
  explicit UnaryWriter(std::shared_ptr<UnaryState> state) : state_(std::move(state)) {}
  ~UnaryWriter() override {
    if (streaming_) {
      state_->Finish(std::move(streamed_));
    } else {
      state_->Finish(http::Response{500, {}, "the handler sent no response"});
    }
  }
  void Send(int status, http::Headers headers, std::string body) override {
    state_->Finish(http::Response{status, std::move(headers), std::move(body)});
  }
  void StartStream(int status, http::Headers headers) override {
    streaming_ = true;
    streamed_.status = status;
    streamed_.headers = std::move(headers);
  }
  void Write(std::string chunk) override { streamed_.body += chunk; }
  void End() override {
    streaming_ = false;
    state_->Finish(std::move(streamed_));
  }
  bool Closed() const override { return false; }
  void OnClose(std::function<void()>) override {}

 private:
  std::shared_ptr<UnaryState> state_;
  bool streaming_ = false;
  http::Response streamed_;
};

// A streamed response: chunks go straight to the client's callbacks. Cancel() plays the
// part of the client going away (the handler's OnClose runs).
class StreamWriter final : public http::ResponseWriter,
                           public std::enable_shared_from_this<StreamWriter> {
 public:
  explicit StreamWriter(client::StreamCallbacks callbacks) : callbacks_(std::move(callbacks)) {}

  void Send(int status, http::Headers, std::string body) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    on_close_ = nullptr;
    if (callbacks_.on_end) {
      callbacks_.on_end(status >= 200 && status < 300 ? Status::Ok()
                                                      : client::StatusFromResponse(status, body));
    }
  }
  void StartStream(int status, http::Headers) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    status_ = status;
  }
  void Write(std::string chunk) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (closed_) return;
    if (status_ < 200 || status_ > 299) {
      error_body_ += chunk;
      return;
    }
    if (callbacks_.on_chunk) callbacks_.on_chunk(chunk);
  }
  void End() override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    on_close_ = nullptr;
    if (callbacks_.on_end) {
      callbacks_.on_end(status_ >= 200 && status_ < 300
                            ? Status::Ok()
                            : client::StatusFromResponse(status_, error_body_));
    }
  }
  bool Closed() const override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return closed_;
  }
  void OnClose(std::function<void()> fn) override {
    std::unique_lock<std::recursive_mutex> lock(mu_);
    if (closed_) {
      lock.unlock();
      if (fn) fn();
      return;
    }
    on_close_ = std::move(fn);
  }

  // The client side is done: no callback runs after this returns (one running on this
  // thread may finish); the handler's OnClose runs outside the lock, as it may wait for the
  // thread that delivers chunks.
  void Cancel() {
    std::function<void()> on_close;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      on_close = std::move(on_close_);
      on_close_ = nullptr;
    }
    if (on_close) on_close();
  }

 private:
  mutable std::recursive_mutex mu_;
  client::StreamCallbacks callbacks_;
  int status_ = 200;
  std::string error_body_;
  bool closed_ = false;
  std::function<void()> on_close_;
};

class InProcessStream final : public client::StreamHandle {
 public:
  explicit InProcessStream(std::shared_ptr<StreamWriter> writer) : writer_(std::move(writer)) {}
  ~InProcessStream() override { Cancel(); }
  void Cancel() override { writer_->Cancel(); }

 private:
  std::shared_ptr<StreamWriter> writer_;
};

class InProcessTransport final : public client::Transport {
 public:
  InProcessTransport(http::Handler handler, UserInfo user)
      : handler_(std::move(handler)), user_(std::move(user)) {}

  Result<http::Response> Do(const client::Request& request) override {
    auto state = std::make_shared<UnaryState>();
    {
      http::Request req = MakeRequest(request);
      handler_(req, std::make_shared<UnaryWriter>(state));
    }
    std::unique_lock<std::mutex> lock(state->mu);
    state->cv.wait(lock, [&] { return state->response.has_value(); });
    return std::move(*state->response);
  }

  Result<std::unique_ptr<client::StreamHandle>> Stream(const client::Request& request,
                                                       client::StreamCallbacks callbacks) override {
    auto writer = std::make_shared<StreamWriter>(std::move(callbacks));
    http::Request req = MakeRequest(request);
    handler_(req, writer);
    return std::unique_ptr<client::StreamHandle>(std::make_unique<InProcessStream>(writer));
  }

 private:
  http::Request MakeRequest(const client::Request& request) const {
    http::Request req;
    req.method = request.method;
    req.target = request.target;
    size_t q = request.target.find('?');
    req.path = request.target.substr(0, q);
    req.query = q == std::string::npos ? "" : request.target.substr(q + 1);
    req.headers = request.headers;
    req.body = request.body;
    // The identity a verified client certificate would carry.
    req.peer = http::PeerIdentity{true, user_.name, user_.groups};
    req.remote_address = "in-process";
    return req;
  }

  http::Handler handler_;
  UserInfo user_;
};

}  // namespace

std::shared_ptr<client::Transport> NewInProcessTransport(http::Handler handler, UserInfo user) {
  return std::make_shared<InProcessTransport>(std::move(handler), std::move(user));
}

}  // namespace sampan::apiserver
