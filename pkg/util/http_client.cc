#include "pkg/util/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "pkg/util/ascii.h"
#include "pkg/util/log.h"
#include "pkg/util/resolver.h"
#include "pkg/util/tls_session.h"

namespace sampan::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Bytes of an error body kept in a Stream() error message.
constexpr size_t kMaxErrorBody = 4096;
// A server cannot make us buffer endless response headers.
constexpr size_t kMaxResponseHeaderBytes = 1024 * 1024;

std::string StripBrackets(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool IsIpv6Literal(const std::string& host) {
  in6_addr a;
  return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

bool Idempotent(std::string_view method) {
  return method != "POST" && method != "PATCH" && method != "CONNECT";
}


// Framing and routing headers the client writes itself.
bool ClientOwnsHeader(std::string_view name) {
  for (std::string_view own : {"host", "content-length", "transfer-encoding", "connection"}) {
    if (EqualsIgnoreCase(name, own)) return true;
  }
  return false;
}

}  // namespace

Code CodeForHttpStatus(int status) {
  switch (status) {
    case 400: return Code::kBadRequest;
    case 401: return Code::kUnauthorized;
    case 403: return Code::kForbidden;
    case 404: return Code::kNotFound;
    case 405: return Code::kMethodNotAllowed;
    case 409: return Code::kConflict;
    case 410: return Code::kGone;
    case 413: return Code::kTooLarge;
    case 415: return Code::kUnsupported;
    case 422: return Code::kInvalid;
    case 429:
    case 503:
    case 504: return Code::kUnavailable;
  }
  return Code::kInternal;
}

// One request/response exchange: the response parser and where the body goes.
struct HttpClient::Exchange {
  http_parser parser;
  Response response;
  std::string field;
  std::string value;
  bool in_value = false;
  bool head_request = false;
  bool informational = false;  // a 1xx response, skipped
  bool headers_done = false;
  bool message_done = false;
  bool keep_alive = false;
  size_t header_bytes = 0;
  size_t bytes_received = 0;
  // Stream(): 2xx bodies go to on_chunk, others into response.body.
  const std::function<bool(std::string_view)>* on_chunk = nullptr;
  Response* head_out = nullptr;  // Stream(..., head): status and headers before any chunk
  std::string chunk;
  bool stopped = false;  // on_chunk returned false

  bool Streaming() const {
    return on_chunk != nullptr && response.status >= 200 && response.status < 300;
  }
  bool Deliver(std::string_view data) {
    if (!(*on_chunk)(data)) stopped = true;
    return !stopped;
  }

  static const http_parser_settings kSettings;
};

const http_parser_settings HttpClient::Exchange::kSettings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_begin = [](http_parser* p) {
    auto* e = static_cast<Exchange*>(p->data);
    e->response = Response();
    e->informational = false;
    e->header_bytes = 0;
    return 0;
  };
  s.on_header_field = [](http_parser* p, const char* at, size_t n) {
    auto* e = static_cast<Exchange*>(p->data);
    if (e->in_value) {
      e->response.headers.Add(std::move(e->field), std::move(e->value));
      e->field.clear();
      e->value.clear();
      e->in_value = false;
    }
    e->header_bytes += n;
    e->field.append(at, n);
    return e->header_bytes > kMaxResponseHeaderBytes ? -1 : 0;
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t n) {
    auto* e = static_cast<Exchange*>(p->data);
    e->in_value = true;
    e->header_bytes += n;
    e->value.append(at, n);
    return e->header_bytes > kMaxResponseHeaderBytes ? -1 : 0;
  };
  s.on_headers_complete = [](http_parser* p) {
    auto* e = static_cast<Exchange*>(p->data);
    if (e->in_value || !e->field.empty()) {
      e->response.headers.Add(std::move(e->field), std::move(e->value));
      e->field.clear();
      e->value.clear();
      e->in_value = false;
    }
    e->response.status = static_cast<int>(p->status_code);
    if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101) {
      e->informational = true;
      return 0;
    }
    e->headers_done = true;
    if (e->head_out != nullptr) {
      e->head_out->status = e->response.status;
      e->head_out->headers = e->response.headers;
    }
    return e->head_request ? 1 : 0;  // 1: a HEAD response has no body whatever it says
  };
  s.on_body = [](http_parser* p, const char* at, size_t n) {
    auto* e = static_cast<Exchange*>(p->data);
    if (!e->Streaming()) {
      e->response.body.append(at, n);
      return 0;
    }
    if (p->flags & F_CHUNKED) {
      e->chunk.append(at, n);
      return 0;
    }
    return e->Deliver({at, n}) ? 0 : -1;
  };
  s.on_chunk_complete = [](http_parser* p) {
    auto* e = static_cast<Exchange*>(p->data);
    if (!e->Streaming() || e->chunk.empty()) return 0;
    bool more = e->Deliver(e->chunk);
    e->chunk.clear();
    return more ? 0 : -1;
  };
  s.on_message_complete = [](http_parser* p) {
    auto* e = static_cast<Exchange*>(p->data);
    if (e->informational) return 0;  // the real response follows
    e->keep_alive = http_should_keep_alive(p) != 0;
    e->message_done = true;
    http_parser_pause(p, 1);
    return 0;
  };
  return s;
}();

HttpClient::HttpClient(const ClientOptions& options)
    : options_(options), ssl_ctx_(nullptr, &SSL_CTX_free) {
  std::string host = StripBrackets(options_.host);
  authority_ = IsIpv6Literal(host) ? "[" + host + "]" : host;
  authority_ += ":" + std::to_string(options_.port);
}

HttpClient::~HttpClient() { Disconnect(); }

Result<std::unique_ptr<HttpClient>> HttpClient::New(const ClientOptions& options) {
  if (options.host.empty()) return Status::Invalid("HTTP client: no host");
  if (options.port <= 0 || options.port > 65535) {
    return Status::Invalid("HTTP client: bad port " + std::to_string(options.port));
  }
  std::unique_ptr<HttpClient> client(new HttpClient(options));
  if (options.tls) {
    const ClientTlsOptions& t = *options.tls;
    ASSIGN_OR_RETURN(SslCtxPtr ctx, NewClientSslContext(t.ca_file, t.cert_file, t.key_file,
                                                        t.insecure_skip_verify));
    client->ssl_ctx_.reset(ctx.release());
  }
  return client;
}

void HttpClient::Cancel() {
  cancelled_.store(true);
  std::lock_guard lock(fd_mu_);
  // Wakes a blocked poll() with POLLHUP; the request thread then closes the fd.
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

Status HttpClient::CancelledOr(Status status) const {
  return cancelled_.load() ? Status::Unavailable("HTTP request cancelled") : status;
}

// --- connection ------------------------------------------------------------------------

Status HttpClient::Connect() {
  if (cancelled_.load()) return CancelledOr(Status::Ok());
  std::string host = StripBrackets(options_.host);
  std::vector<std::string> addresses;
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    addresses = {host};
  } else if (host == "localhost") {
    addresses = {"127.0.0.1", "::1"};
  } else {
    ASSIGN_OR_RETURN(addresses, ResolveHost(host, options_.timeout));
  }
  Status last;
  for (const std::string& address : addresses) {
    last = ConnectTo(address);
    if (last.ok()) break;
  }
  if (!last.ok()) return CancelledOr(last);
  ++connections_opened_;
  connected_ = true;
  if (ssl_ctx_) {
    std::string name = options_.tls->server_name.empty() ? host : options_.tls->server_name;
    auto session = TlsSession::NewClient(ssl_ctx_.get(), name);
    if (!session.ok()) {
      Disconnect();
      return session.status();
    }
    tls_ = std::move(session).value();
    Status st = Handshake();
    if (!st.ok()) {
      Disconnect();
      return CancelledOr(st.WithContext("connecting to " + authority_));
    }
  }
  return Status::Ok();
}

Status HttpClient::ConnectTo(const std::string& address) {
  sockaddr_storage addr{};
  socklen_t len;
  auto* in = reinterpret_cast<sockaddr_in*>(&addr);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, address.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(options_.port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(options_.port));
    len = sizeof(sockaddr_in6);
  } else {
    return Status::Invalid("not an IP address: " + address);
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno(errno, "socket");
  {
    std::lock_guard lock(fd_mu_);
    fd_ = fd;
    if (cancelled_.load()) shutdown(fd_, SHUT_RDWR);
  }
  std::string where = address + " port " + std::to_string(options_.port);
  Status st;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) {
      st = Status::Unavailable(fmt::format("connect to {}: {}", where, strerror(errno)), errno);
    } else {
      st = WaitFor(POLLOUT, options_.timeout);
      int err = 0;
      socklen_t err_len = sizeof(err);
      if (st.ok() && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err != 0) {
        st = Status::Unavailable(fmt::format("connect to {}: {}", where, strerror(err)), err);
      }
      st = st.WithContext("connect to " + where);
    }
  }
  if (!st.ok()) {
    Disconnect();
    return st;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return Status::Ok();
}

void HttpClient::Disconnect() {
  tls_ = nullptr;
  connected_ = false;
  std::lock_guard lock(fd_mu_);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool HttpClient::ConnectionAlive() {
  if (!connected_) return false;
  // An idle HTTP/1.1 connection has nothing to say: readable means EOF, a TLS close_notify
  // or an error response from a server that timed us out.
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

Status HttpClient::Handshake() {
  while (true) {
    RETURN_IF_ERROR(tls_->Handshake());
    std::string out;
    if (tls_->TakeOutput(&out) > 0) RETURN_IF_ERROR(SendRaw(out));
    if (tls_->HandshakeDone()) return Status::Ok();
    std::string raw;
    bool eof = false;
    RETURN_IF_ERROR(ReceiveRaw(&raw, &eof, options_.timeout));
    if (eof) return Status::Unavailable("connection closed during the TLS handshake");
    tls_->Feed(raw);
  }
}

// --- socket I/O -----------------------------------------------------------------------

Status HttpClient::WaitFor(short events, Wait wait) {
  auto deadline = wait ? Clock::now() + *wait : Clock::time_point::max();
  while (true) {
    if (cancelled_.load()) return CancelledOr(Status::Ok());
    int timeout_ms = -1;
    if (wait) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Status::Unavailable("timed out waiting for " + authority_);
      timeout_ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd p{fd_, events, 0};
    int rc = poll(&p, 1, timeout_ms);
    if (rc > 0) return Status::Ok();  // ready, or an error/hang-up the next call reports
    if (rc < 0 && errno != EINTR) return Status::FromErrno(errno, "poll");
  }
}

Status HttpClient::SendRaw(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      RETURN_IF_ERROR(WaitFor(POLLOUT, options_.timeout));
      continue;
    }
    return CancelledOr(
        Status::Unavailable(fmt::format("send to {}: {}", authority_, strerror(errno)), errno));
  }
  return Status::Ok();
}

Status HttpClient::SendAll(std::string_view plain) {
  if (!tls_) return SendRaw(plain);
  RETURN_IF_ERROR(tls_->Write(plain));
  std::string out;
  tls_->TakeOutput(&out);
  return SendRaw(out);
}

Status HttpClient::ReceiveRaw(std::string* out, bool* eof, Wait wait) {
  *eof = false;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      if (cancelled_.load()) return CancelledOr(Status::Ok());
      out->append(buf, static_cast<size_t>(n));
      return Status::Ok();
    }
    if (n == 0) {
      if (cancelled_.load()) return CancelledOr(Status::Ok());
      *eof = true;
      return Status::Ok();
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      RETURN_IF_ERROR(WaitFor(POLLIN, wait));
      continue;
    }
    return CancelledOr(Status::Unavailable(
        fmt::format("receive from {}: {}", authority_, strerror(errno)), errno));
  }
}

Status HttpClient::ReceiveSome(std::string* out, bool* eof, Wait wait) {
  *eof = false;
  if (!tls_) return ReceiveRaw(out, eof, wait);
  while (true) {
    size_t before = out->size();
    bool closed = false;
    RETURN_IF_ERROR(tls_->Read(out, &closed));
    std::string pending;
    if (tls_->TakeOutput(&pending) > 0) RETURN_IF_ERROR(SendRaw(pending));
    if (out->size() > before) return Status::Ok();
    if (closed) {
      *eof = true;
      return Status::Ok();
    }
    std::string raw;
    bool raw_eof = false;
    RETURN_IF_ERROR(ReceiveRaw(&raw, &raw_eof, wait));
    if (raw_eof) {
      *eof = true;  // without close_notify; the parser decides whether the body is whole
      return Status::Ok();
    }
    tls_->Feed(raw);
  }
}

// --- requests -------------------------------------------------------------------------

std::string HttpClient::BuildRequest(std::string_view method, std::string_view target,
                                     const Headers& headers, std::string_view body) const {
  std::string out;
  out.reserve(256 + body.size());
  out += fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\n", method, target, authority_);
  if (!options_.user_agent.empty() && !headers.Has("User-Agent")) {
    out += "User-Agent: " + options_.user_agent + "\r\n";
  }
  if (!options_.bearer_token.empty() && !headers.Has("Authorization")) {
    out += "Authorization: Bearer " + options_.bearer_token + "\r\n";
  }
  for (const Header& h : headers.all()) {
    if (ClientOwnsHeader(h.name)) continue;
    out += h.name + ": " + h.value + "\r\n";
  }
  if (headers.Has("Upgrade")) out += "Connection: Upgrade\r\n";  // asks to switch protocols
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out += fmt::format("Content-Length: {}\r\n", body.size());
  }
  out += "\r\n";
  out += body;
  return out;
}

Status HttpClient::ReadResponse(Exchange* e) {
  std::string data;
  while (!e->message_done) {
    data.clear();
    bool eof = false;
    // A stream's body may be silent for as long as the server likes (a quiet watch).
    Wait wait = (e->on_chunk != nullptr && e->headers_done) ? Wait() : Wait(options_.timeout);
    RETURN_IF_ERROR(ReceiveSome(&data, &eof, wait));
    e->bytes_received += data.size();
    size_t n = http_parser_execute(&e->parser, &Exchange::kSettings, eof ? nullptr : data.data(),
                                   data.size());
    if (e->stopped) return Status::Ok();
    http_errno err = HTTP_PARSER_ERRNO(&e->parser);
    if (e->message_done) {
      if (e->parser.upgrade && e->response.status == 101) {
        upgraded_input_ = data.substr(n);  // the new protocol's first bytes
        break;
      }
      // Bytes after the response: the connection is out of step, do not reuse it.
      if (n < data.size()) e->keep_alive = false;
      break;
    }
    if (err != HPE_OK) {
      return Status::Unavailable(
          fmt::format("bad HTTP response from {}: {}", authority_, http_errno_description(err)));
    }
    if (eof) {
      return Status::Unavailable(
          fmt::format("{} closed the connection before the response was complete", authority_));
    }
  }
  return Status::Ok();
}

Status HttpClient::RoundTrip(std::string_view method, std::string_view target,
                             const Headers& headers, std::string_view body, Exchange* e) {
  if (cancelled_.load()) return CancelledOr(Status::Ok());
  std::string request = BuildRequest(method, target, headers, body);
  for (int attempt = 0;; ++attempt) {
    if (connected_ && !ConnectionAlive()) Disconnect();
    bool reused = connected_;
    if (!connected_) RETURN_IF_ERROR(Connect());
    http_parser_init(&e->parser, HTTP_RESPONSE);
    e->parser.data = e;
    e->head_request = method == "HEAD";
    Status st = SendAll(request);
    if (st.ok()) st = ReadResponse(e);
    if (st.ok()) {
      if (e->parser.upgrade && e->response.status == 101) return Status::Ok();  // now raw
      if (e->stopped || !e->keep_alive) Disconnect();
      return Status::Ok();
    }
    Disconnect();
    // The server may close an idle connection just as we reuse it; nothing was processed
    // if nothing came back, so an idempotent request can go again on a fresh connection.
    bool retry = reused && attempt == 0 && e->bytes_received == 0 && Idempotent(method) &&
                 !cancelled_.load();
    if (!retry) return CancelledOr(st);
  }
}

Result<Response> HttpClient::Do(std::string_view method, std::string_view target,
                                const Headers& headers, std::string_view body) {
  Exchange exchange;
  RETURN_IF_ERROR(RoundTrip(method, target, headers, body, &exchange));
  return std::move(exchange.response);
}

Status HttpClient::Stream(std::string_view method, std::string_view target, const Headers& headers,
                          const std::function<bool(std::string_view chunk)>& on_chunk) {
  return Stream(method, target, headers, on_chunk, nullptr);
}

Status HttpClient::Stream(std::string_view method, std::string_view target, const Headers& headers,
                          const std::function<bool(std::string_view chunk)>& on_chunk,
                          Response* head) {
  Exchange exchange;
  exchange.on_chunk = &on_chunk;
  exchange.head_out = head;
  Status st = RoundTrip(method, target, headers, {}, &exchange);
  if (head != nullptr) *head = exchange.response;
  RETURN_IF_ERROR(st);
  int status = exchange.response.status;
  if (status >= 200 && status < 300) return Status::Ok();
  std::string body = exchange.response.body.substr(0, kMaxErrorBody);
  return Status(CodeForHttpStatus(status), fmt::format("HTTP {}: {}", status, body));
}

Result<Response> HttpClient::Upgrade(std::string_view method, std::string_view target,
                                     const Headers& headers) {
  Exchange exchange;
  upgraded_input_.clear();
  RETURN_IF_ERROR(RoundTrip(method, target, headers, {}, &exchange));
  if (exchange.response.status != 101) Disconnect();
  return std::move(exchange.response);
}

Status HttpClient::ReadUpgraded(std::string* out, bool* eof) {
  *eof = false;
  if (!upgraded_input_.empty()) {
    out->append(upgraded_input_);
    upgraded_input_.clear();
    return Status::Ok();
  }
  if (!connected_) return Status::Unavailable("not connected");
  return CancelledOr(ReceiveSome(out, eof, Wait()));
}

Status HttpClient::WriteUpgraded(std::string_view bytes) {
  if (!connected_) return Status::Unavailable("not connected");
  return CancelledOr(SendAll(bytes));
}

}  // namespace sampan::http
