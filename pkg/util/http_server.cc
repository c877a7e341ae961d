// HttpServerImpl: the listener, the loop thread and the worker pool. Connections do the
// protocol work (http_connection.cc).

#include "pkg/util/http_server.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <uv.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pkg/util/http_connection.h"
#include "pkg/util/http_loop.h"
#include "pkg/util/log.h"
#include "pkg/util/tls_session.h"

namespace sampan::http {
namespace {

const log::Logger kLog("http");

constexpr int kListenBacklog = 511;

// http-parser's own head limit is a process-wide 80 KiB; connections enforce
// ServerOptions::max_header_bytes themselves, so lift it once.
void LiftParserHeaderLimit() {
  static std::once_flag once;
  std::call_once(once, [] { http_parser_set_max_header_size(0x7fffffff); });
}

// libuv writes with write(2): a peer that reset the connection would raise SIGPIPE.
void IgnoreSigpipe() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
}

// Fixed worker threads draining one FIFO. Stop() drops tasks that have not started.
class WorkerPool {
 public:
  void Start(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      threads_.emplace_back([this] {
        pthread_setname_np(pthread_self(), "http-worker");
        Run();
      });
    }
  }

  void Submit(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  void Stop() {
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      dropped.swap(tasks_);
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (stopping_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(const ServerOptions& options, Handler handler) : handler_(std::move(handler)) {
    ctx_.options = options;
  }
  ~HttpServerImpl() override { Stop(); }

  Status Init();
  void Run();
  int port() const override { return port_; }
  void Stop() override;

 private:
  void OnConnection(int status);
  // Loop thread: closes the listener, every connection and the wake-up handle, after which
  // uv_run returns.
  void Shutdown();

  Handler handler_;
  ServerContext ctx_;
  SslCtxPtr ssl_ctx_;
  uv_loop_t loop_;
  uv_async_t wakeup_;
  uv_prepare_t flush_;
  uv_tcp_t listener_;
  bool loop_open_ = false;
  bool listener_open_ = false;
  int port_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;  // loop thread
  std::thread loop_thread_;
  WorkerPool workers_;
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
};

Status HttpServerImpl::Init() {
  const ServerOptions& o = ctx_.options;
  if (o.tls) {
    ASSIGN_OR_RETURN(ssl_ctx_,
                     NewServerSslContext(o.tls->cert_file, o.tls->key_file, o.tls->client_ca_file));
    ctx_.ssl_ctx = ssl_ctx_.get();
  }
  int rc = uv_loop_init(&loop_);
  if (rc != 0) return Status::Internal(std::string("uv_loop_init: ") + uv_strerror(rc));
  loop_open_ = true;
  wakeup_.data = this;
  uv_async_init(&loop_, &wakeup_,
                [](uv_async_t* h) { static_cast<HttpServerImpl*>(h->data)->ctx_.queue->Drain(); });
  ctx_.queue = std::make_shared<LoopQueue>(&wakeup_);
  // Before each wait: what the loop posted to itself (an inline handler's reply), and what
  // that posted. Such posts signal nothing (LoopQueue).
  flush_.data = this;
  uv_prepare_init(&loop_, &flush_);
  uv_prepare_start(&flush_, [](uv_prepare_t* h) {
    while (static_cast<HttpServerImpl*>(h->data)->ctx_.queue->Drain()) {
    }
  });
  ctx_.closed = [this](uint64_t id) { connections_.erase(id); };
  ctx_.run_handler = [this](std::shared_ptr<Request> request,
                            std::shared_ptr<ResponseWriter> writer) {
    if (ctx_.options.run_inline && ctx_.options.run_inline(*request)) {
      return handler_(*request, std::move(writer));  // replies through the queue, later
    }
    workers_.Submit([this, request = std::move(request), writer = std::move(writer)]() mutable {
      handler_(*request, std::move(writer));
    });
  };

  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  listener_open_ = true;
  sockaddr_storage addr{};
  std::string where = fmt::format("{}:{}", o.bind_address, o.port);
  if (uv_ip4_addr(o.bind_address.c_str(), o.port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(o.bind_address.c_str(), o.port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return Status::Invalid("bind address is not an IP address: " + o.bind_address);
  }
  rc = uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), kListenBacklog,
                   [](uv_stream_t* s, int status) {
                     static_cast<HttpServerImpl*>(s->data)->OnConnection(status);
                   });
  }
  if (rc != 0) {
    return Status(rc == UV_EADDRINUSE ? Code::kUnavailable : Code::kInternal,
                  fmt::format("listen on {}: {}", where, uv_strerror(rc)), -rc);
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::Ok();
}

void HttpServerImpl::Run() {
  workers_.Start(ctx_.options.worker_threads);
  loop_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "http-loop");
    ctx_.queue->BindToThisThread();
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
  kLog.Debug("serving {} on {}:{}", ctx_.ssl_ctx ? "https" : "http", ctx_.options.bind_address,
             port_);
}

void HttpServerImpl::OnConnection(int status) {
  if (status != 0) {
    kLog.Warn("accept: {}", uv_strerror(status));
    return;
  }
  auto* listener = reinterpret_cast<uv_stream_t*>(&listener_);
  if (connections_.size() >= static_cast<size_t>(std::max(0, ctx_.options.max_connections))) {
    // Accept and close at once, so the client gets an answer (EOF) instead of a full backlog.
    auto* refused = new uv_tcp_t;
    uv_tcp_init(&loop_, refused);
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(refused)) == 0) {
      kLog.Warn("refusing a connection: {} connections open", connections_.size());
    }
    uv_close(reinterpret_cast<uv_handle_t*>(refused),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return;
  }
  uint64_t id = next_id_++;
  auto connection = std::make_shared<Connection>(&ctx_, id);
  // Even a failed accept is in the map until its handles have closed.
  connections_.emplace(id, connection);
  Status st = connection->Accept(&loop_, listener);
  if (!st.ok()) kLog.Warn("{}", st.message());
}

void HttpServerImpl::Shutdown() {
  ctx_.queue->Close();
  if (listener_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    listener_open_ = false;
  }
  // Close() only starts closing; the map shrinks in the close callbacks, after this loop.
  for (auto& [id, connection] : connections_) connection->Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&wakeup_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_), nullptr);
}

void HttpServerImpl::Stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!loop_open_) return;
  if (loop_thread_.joinable()) {
    ctx_.queue->Post([this] { Shutdown(); });
    loop_thread_.join();
  } else {
    // Init failed or Run() never happened: tear down on this thread.
    Shutdown();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  int rc = uv_loop_close(&loop_);
  if (rc != 0) kLog.Error("uv_loop_close: {}", uv_strerror(rc));
  loop_open_ = false;
  connections_.clear();
  // Handlers still running see closed writers; their posts are dropped.
  workers_.Stop();
  kLog.Debug("stopped serving on port {}", port_);
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  LiftParserHeaderLimit();
  IgnoreSigpipe();
  auto server = std::make_unique<HttpServerImpl>(options, std::move(handler));
  RETURN_IF_ERROR(server->Init());  // on error the destructor tears down what Init made
  server->Run();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace sampan::http
