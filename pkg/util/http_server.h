#pragma once
// HttpServer: HTTP/1.1 over TLS (OpenSSL) or plain TCP, on libuv, for the API server and
// later the kubelet API. Keep-alive, chunked streaming, request size limits and timeouts so
// slow or half-open clients cannot exhaust it. Handlers run on a pool of worker threads
// (they may block on the store); responses are written back through the event loop, a
// libuv loop on the server's own thread that owns every connection (http_connection.h).
// Errors the server answers itself (400, 413, 431) carry Kubernetes Status JSON bodies.
// A client that closes its end (EOF) while its request is handled counts as gone: the
// response's OnClose fires. A handler may switch protocols (WebSocket, SPDY/3.1) with
// ResponseWriter::Upgrade; the framing is the handler's (websocket.h, spdy.h).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::http {

struct TlsOptions {
  std::string cert_file;       // PEM serving certificate (chain)
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // if set, client certificates are requested and verified
};

struct ServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 0;  // 0 = pick a free port (see HttpServer::port())
  std::optional<TlsOptions> tls;
  size_t max_body_bytes = 3 * 1024 * 1024;  // larger bodies get 413
  size_t max_header_bytes = 1024 * 1024;    // larger headers get 431
  // Timeouts; 0 disables one. The first request head (and the TLS handshake) must arrive
  // within header_timeout of accept, later ones within header_timeout of their first byte.
  std::chrono::milliseconds header_timeout{30000};  // whole request head must arrive by then
  // A keep-alive connection with no request, a request body that stops arriving, and the
  // flush of a connection's last response are each bounded by idle_timeout.
  std::chrono::milliseconds idle_timeout{120000};
  int max_connections = 4096;  // further connections are accepted and closed at once
  int worker_threads = 8;
  // Requests for which the handler is quick and never waits on the loop (a get from a local
  // store): run on the loop thread itself. That saves the hand-offs to a worker and back,
  // two thread wake-ups that cost more than such a request. Null: every request on a worker.
  std::function<bool(const Request&)> run_inline;
  // Response bytes a connection may have waiting for a slow client (posted by the handler
  // or queued in the socket); a stream whose client does not keep up is closed beyond it.
  size_t max_pending_output_bytes = 16 * 1024 * 1024;
};

// Threading: Start() and Stop() from any thread but not from a handler or an OnClose
// callback (Stop joins those threads). Ignores SIGPIPE process-wide if it has its default
// disposition (libuv writes to sockets without MSG_NOSIGNAL).
class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Binds, then serves on its own event-loop thread until Stop() or destruction.
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                   Handler handler);
  virtual int port() const = 0;
  // Stops accepting, closes every connection (streams see OnClose), joins threads.
  virtual void Stop() = 0;
};

}  // namespace sampan::http
