#pragma once
// HttpClient: a small blocking HTTP/1.1 client over one keep-alive connection, plain or TLS
// (OpenSSL), for agents, tests and the built-in kubectl. One request at a time: not
// thread-safe, except Cancel(). The connection is opened on the first request, reused while
// the server keeps it alive, and reopened once, transparently, when the server had closed
// it before the request went out (an idle timeout, say).
//
// Names: IP literals and "localhost" need no lookup; other names go through ResolveHost
// (c-ares, no NSS), since the static binary cannot use getaddrinfo.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/status.h"

struct ssl_ctx_st;  // SSL_CTX, kept out of this header

namespace sampan::http {

class TlsSession;

struct ClientTlsOptions {
  std::string ca_file;    // PEM roots for the server certificate; "" = system roots
  std::string cert_file;  // client certificate (chain), with key_file
  std::string key_file;
  bool insecure_skip_verify = false;  // no server certificate or name check
  std::string server_name;            // name to verify (and send as SNI); "" = ClientOptions::host
};

struct ClientOptions {
  std::string host;  // IP literal ("127.0.0.1", "::1" or "[::1]"), "localhost" or a name
  int port = 0;
  std::optional<ClientTlsOptions> tls;  // unset: plain HTTP
  std::string bearer_token;             // sent as "Authorization: Bearer ..." if set
  std::string user_agent = "sampan";
  // Bounds connecting and each wait for the server in Do(); in Stream() the response head.
  // A stream's body may take as long as the server likes (use Cancel()).
  std::chrono::milliseconds timeout{30000};
};

// The Status code for an HTTP error status (404 -> NotFound, 410 -> Gone, 5xx -> Internal
// or Unavailable, ...).
Code CodeForHttpStatus(int status);

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  // Loads the TLS material; does not connect.
  static Result<std::unique_ptr<HttpClient>> New(const ClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the whole response (Content-Length, chunked or until EOF).
  // `target` is origin-form ("/api/v1/pods?limit=5"). Host, User-Agent, Content-Length and
  // Authorization (bearer_token, unless `headers` has one) are added. A non-2xx answer is
  // a Response, not an error; errors are transport failures (Unavailable) and bad input.
  Result<Response> Do(std::string_view method, std::string_view target, const Headers& headers = {},
                      std::string_view body = {});

  // Sends a request and hands each chunk of the response body to `on_chunk` as soon as it
  // arrived whole (with chunked encoding one chunk = one server Write(); otherwise whatever
  // each read returned). Returns OK at the end of the body or when `on_chunk` returns false
  // (the connection is then dropped). A non-2xx status is returned as an error whose code
  // follows the HTTP status (410 -> Gone, 404 -> NotFound, ...) and whose message holds the
  // body.
  Status Stream(std::string_view method, std::string_view target, const Headers& headers,
                const std::function<bool(std::string_view chunk)>& on_chunk);
  // The same, and `head` receives the response's status and headers as soon as they arrive
  // (before the first chunk; so `on_chunk` may look at them) and, for a non-2xx answer, its
  // body: what a caller needs to follow a redirect, answer an auth challenge or resume.
  Status Stream(std::string_view method, std::string_view target, const Headers& headers,
                const std::function<bool(std::string_view chunk)>& on_chunk, Response* head);

  // Sends a request that asks to switch protocols (an "Upgrade" header, e.g. websocket;
  // "Connection: Upgrade" is added). On 101 the connection becomes a raw byte stream for
  // ReadUpgraded/WriteUpgraded and the 101's head is returned; any other answer is returned
  // whole (status, headers, body) and the connection is dropped.
  Result<Response> Upgrade(std::string_view method, std::string_view target,
                           const Headers& headers);
  // After a 101: the server's next bytes (blocks until at least one arrives) or *eof.
  Status ReadUpgraded(std::string* out, bool* eof);
  Status WriteUpgraded(std::string_view bytes);
  // For poll() between reads of an upgraded connection: readable when ReadUpgraded has more
  // (HasBufferedInput() too: bytes that came with the 101). -1 when not connected.
  int socket_fd() const { return fd_; }
  bool HasBufferedInput() const { return !upgraded_input_.empty(); }

  // Thread-safe: aborts a request in progress (it returns Unavailable) and makes every later
  // call fail the same way. For stopping a watch from another thread.
  void Cancel();

  // Connections opened so far (tests check keep-alive reuse with it).
  int connections_opened() const { return connections_opened_; }

 private:
  struct Exchange;
  // How long one wait for the socket may take; nullopt = forever.
  using Wait = std::optional<std::chrono::milliseconds>;

  explicit HttpClient(const ClientOptions& options);
  Status Connect();
  Status ConnectTo(const std::string& address);
  void Disconnect();
  // The idle connection is still usable: not closed by the server, no stray bytes.
  bool ConnectionAlive();
  // Sends the request and parses the response into `exchange`, reconnecting once if a
  // reused connection turns out to be dead.
  Status RoundTrip(std::string_view method, std::string_view target, const Headers& headers,
                   std::string_view body, Exchange* exchange);
  Status ReadResponse(Exchange* exchange);
  std::string BuildRequest(std::string_view method, std::string_view target, const Headers& headers,
                           std::string_view body) const;
  Status SendAll(std::string_view plain);
  Status SendRaw(std::string_view data);
  // Appends plaintext (at least one byte) to *out, or sets *eof at the end of the stream.
  Status ReceiveSome(std::string* out, bool* eof, Wait wait);
  Status ReceiveRaw(std::string* out, bool* eof, Wait wait);
  Status WaitFor(short events, Wait wait);
  Status Handshake();
  // `status`, or Unavailable("cancelled") after Cancel().
  Status CancelledOr(Status status) const;

  ClientOptions options_;
  std::string authority_;  // Host header
  std::unique_ptr<ssl_ctx_st, void (*)(ssl_ctx_st*)> ssl_ctx_;
  std::unique_ptr<TlsSession> tls_;
  bool connected_ = false;
  int connections_opened_ = 0;

  std::mutex fd_mu_;  // guards fd_ against Cancel()
  int fd_ = -1;       // changed only by the request thread, under fd_mu_
  std::atomic<bool> cancelled_{false};
  std::string upgraded_input_;  // bytes that arrived with a 101, not yet read
};

}  // namespace sampan::http
