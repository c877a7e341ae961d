#include "pkg/kubelet/prober/http_probe.h"

#include <errno.h>
#include <http_parser.h>
#include <poll.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>
#include <memory>

#include "pkg/kubelet/prober/dial.h"
#include "pkg/util/ascii.h"
#include "pkg/util/tls_session.h"

namespace sampan::kubelet::prober {
namespace {

using std::chrono::milliseconds;

constexpr int kMaxRequests = 10;  // Go's client stops after 10 redirects
constexpr const char* kAwaitingHeaders =
    "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
constexpr const char* kReadingBody =
    "context deadline exceeded (Client.Timeout or context cancellation while reading body)";

// A timeout is Unavailable with ETIMEDOUT; the caller words it for the phase it was in.
Status Timeout() { return Status::Unavailable("timeout", ETIMEDOUT); }
bool IsTimeout(const Status& s) { return !s.ok() && s.err() == ETIMEDOUT; }

std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Go's http.CanonicalHeaderKey: "x-custom-header" -> "X-Custom-Header" (names with
// characters outside the token set are left alone).
std::string CanonicalHeaderKey(const std::string& name) {
  for (char c : name) {
    if (c == ' ' || c == ':' || c == '\t' || static_cast<unsigned char>(c) < 0x21) return name;
  }
  std::string out = name;
  bool upper = true;
  for (char& c : out) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

SSL_CTX* InsecureClientContext() {
  static http::SslCtxPtr* ctx = [] {
    Result<http::SslCtxPtr> made = http::NewClientSslContext("", "", "", true);
    return made.ok() ? new http::SslCtxPtr(std::move(made).value()) : nullptr;
  }();
  return ctx ? ctx->get() : nullptr;
}

// One connection, plain or TLS (over memory BIOs, so writes use MSG_NOSIGNAL), whose I/O
// all ends at one deadline.
class Connection {
 public:
  Connection(Socket socket, Deadline deadline) : socket_(std::move(socket)), deadline_(deadline) {}

  Status StartTls(const std::string& host) {
    SSL_CTX* ctx = InsecureClientContext();
    if (ctx == nullptr) return Status::Internal("tls: no client context");
    ASSIGN_OR_RETURN(tls_, http::TlsSession::NewClient(ctx, host));
    std::string first;  // the server's first bytes, to recognise a plain HTTP answer
    auto failed = [&first](std::string message) {
      if (first.rfind("HTTP/", 0) == 0) {
        message = "http: server gave HTTP response to HTTPS client";  // Go's words
      }
      return Status::Unavailable(std::move(message));
    };
    for (;;) {
      Status s = tls_->Handshake();
      if (!s.ok()) return failed("tls: " + s.message());
      RETURN_IF_ERROR(Flush());
      if (tls_->HandshakeDone()) return Status::Ok();
      std::string raw;
      bool eof = false;
      RETURN_IF_ERROR(ReceiveRaw(&raw, &eof));
      if (first.size() < 5) first += raw.substr(0, 5 - first.size());
      if (eof) return failed("EOF");
      tls_->Feed(raw);
    }
  }

  Status Send(std::string_view plain) {
    if (!tls_) return SendRaw(plain);
    RETURN_IF_ERROR(tls_->Write(plain));
    return Flush();
  }

  // Appends at least one byte of plaintext to *out, or sets *eof.
  Status Receive(std::string* out, bool* eof) {
    *eof = false;
    if (!tls_) return ReceiveRaw(out, eof);
    for (;;) {
      size_t before = out->size();
      bool closed = false;
      RETURN_IF_ERROR(tls_->Read(out, &closed));
      RETURN_IF_ERROR(Flush());
      if (out->size() > before) return Status::Ok();
      if (closed) {
        *eof = true;
        return Status::Ok();
      }
      std::string raw;
      RETURN_IF_ERROR(ReceiveRaw(&raw, eof));
      if (*eof) return Status::Ok();
      tls_->Feed(raw);
    }
  }

 private:
  Status Flush() {
    std::string out;
    tls_->TakeOutput(&out);
    return SendRaw(out);
  }

  Status WaitFor(short events) {
    pollfd p{socket_.fd(), events, 0};
    for (;;) {
      int rc = ::poll(&p, 1, PollTimeoutMs(deadline_));
      if (rc > 0) return Status::Ok();
      if (rc == 0) return Timeout();
      if (errno != EINTR) return Status::Unavailable("poll: " + ErrnoText(errno), errno);
    }
  }

  Status SendRaw(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(socket_.fd(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        RETURN_IF_ERROR(WaitFor(POLLOUT));
      } else if (n < 0 && errno != EINTR) {
        return Status::Unavailable("write: " + ErrnoText(errno), errno);
      }
    }
    return Status::Ok();
  }

  Status ReceiveRaw(std::string* out, bool* eof) {
    char buf[16 * 1024];
    for (;;) {
      ssize_t n = ::recv(socket_.fd(), buf, sizeof(buf), 0);
      if (n > 0) {
        out->append(buf, static_cast<size_t>(n));
        return Status::Ok();
      }
      if (n == 0) {
        *eof = true;
        return Status::Ok();
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        RETURN_IF_ERROR(WaitFor(POLLIN));
      } else if (errno != EINTR) {
        return Status::Unavailable("read: " + ErrnoText(errno), errno);
      }
    }
  }

  Socket socket_;
  Deadline deadline_;
  std::unique_ptr<http::TlsSession> tls_;
};

// What the response parser keeps.
struct Parsed {
  int status = 0;
  bool headers_done = false;
  bool complete = false;
  bool in_value = false;
  std::string field;
  std::string value;
  std::string location;
  std::string body;
  bool truncated = false;

  void Commit() {
    if (EqualsIgnoreCase(field, "Location") && location.empty()) location = value;
    field.clear();
    value.clear();
    in_value = false;
  }
};

int OnHeaderField(http_parser* p, const char* at, size_t n) {
  auto* s = static_cast<Parsed*>(p->data);
  if (s->in_value) s->Commit();
  s->field.append(at, n);
  return 0;
}
int OnHeaderValue(http_parser* p, const char* at, size_t n) {
  auto* s = static_cast<Parsed*>(p->data);
  s->in_value = true;
  s->value.append(at, n);
  return 0;
}
int OnHeadersComplete(http_parser* p) {
  auto* s = static_cast<Parsed*>(p->data);
  if (s->in_value) s->Commit();
  s->headers_done = true;
  s->status = static_cast<int>(p->status_code);
  return 0;
}
int OnBody(http_parser* p, const char* at, size_t n) {
  auto* s = static_cast<Parsed*>(p->data);
  size_t room = kMaxProbeOutput - s->body.size();
  s->body.append(at, std::min(n, room));
  if (s->body.size() >= kMaxProbeOutput) s->truncated = true;
  return 0;
}
int OnMessageComplete(http_parser* p) {
  static_cast<Parsed*>(p->data)->complete = true;
  return 0;
}

http_parser_settings MakeSettings() {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_header_field = OnHeaderField;
  settings.on_header_value = OnHeaderValue;
  settings.on_headers_complete = OnHeadersComplete;
  settings.on_body = OnBody;
  settings.on_message_complete = OnMessageComplete;
  return settings;
}

// Where one request goes.
struct Target {
  bool https = false;
  std::string host;
  int port = 80;
  std::string path = "/";
};

std::string NormalizePath(const std::string& path) {
  if (path.empty()) return "/";
  if (path[0] != '/') return "/" + path;
  return path;
}

std::string UrlOf(const Target& t) {
  return std::string(t.https ? "https" : "http") + "://" + JoinHostPort(t.host, t.port) + t.path;
}

// Splits "host[:port]" / "[v6][:port]".
bool ParseAuthority(std::string_view authority, bool https, Target* out) {
  out->port = https ? 443 : 80;
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return false;
  out->host = std::string(host);
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) return false;
      value = value * 10 + (c - '0');
    }
    out->port = value;
  }
  return out->port > 0 && out->port <= 65535;
}

// Resolves a Location header against the URL it answered; false if it cannot be parsed.
// *absolute tells whether it named a scheme or host.
bool ResolveLocation(const Target& base, const std::string& location, Target* next,
                     bool* absolute) {
  *next = base;
  *absolute = false;
  std::string_view loc = location;
  auto take_authority = [&](std::string_view rest, bool https) {
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    next->https = https;
    if (!ParseAuthority(authority, https, next)) return false;
    next->path = end == std::string_view::npos ? "/" : NormalizePath(std::string(rest.substr(end)));
    *absolute = true;
    return true;
  };
  if (loc.size() >= 7 && EqualsIgnoreCase(loc.substr(0, 7), "http://")) {
    return take_authority(loc.substr(7), false);
  }
  if (loc.size() >= 8 && EqualsIgnoreCase(loc.substr(0, 8), "https://")) {
    return take_authority(loc.substr(8), true);
  }
  if (loc.substr(0, 2) == "//") return take_authority(loc.substr(2), base.https);
  if (loc.find("://") != std::string_view::npos) return false;  // another scheme
  if (!loc.empty() && loc[0] == '/') {
    next->path = std::string(loc);
    return true;
  }
  std::string dir = base.path.substr(0, base.path.find('?'));
  dir = dir.substr(0, dir.rfind('/') + 1);
  next->path = dir + std::string(loc);
  return true;
}

bool IsFollowedRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string BuildRequest(const Target& t, const std::string& host_header,
                         const HttpGetRequest& request) {
  const auto& headers = request.headers;
  bool has_agent = false;
  bool has_accept = false;
  std::string extra;
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "Host")) continue;
    if (EqualsIgnoreCase(name, "Connection")) continue;  // probes never keep connections
    if (EqualsIgnoreCase(name, "User-Agent")) has_agent = true;
    if (EqualsIgnoreCase(name, "Accept")) has_accept = true;
    bool removes = EqualsIgnoreCase(name, "User-Agent") || EqualsIgnoreCase(name, "Accept");
    if (removes && value.empty()) continue;
    extra += CanonicalHeaderKey(name) + ": " + value + "\r\n";
  }
  std::string out = "GET " + t.path + " HTTP/1.1\r\nHost: " + host_header + "\r\n";
  if (!has_agent) out += "User-Agent: " + request.user_agent + "\r\n";
  if (!has_accept) out += "Accept: */*\r\n";
  out += extra;
  out += "Connection: close\r\n\r\n";
  return out;
}

// One request on a fresh connection. Errors carry Go's text without the `Get "url": `.
Result<Parsed> RoundTrip(const Target& t, const std::string& host_header,
                         const HttpGetRequest& request, const Deadline& deadline) {
  Result<Socket> socket = DialTcp(t.host, t.port, deadline);
  if (!socket.ok()) {
    if (IsTimeout(socket.status())) return Status::Unavailable(kAwaitingHeaders, ETIMEDOUT);
    return socket.status();
  }
  Connection conn(std::move(socket).value(), deadline);
  auto phase_error = [](const Status& s, const Parsed& parsed) {
    if (IsTimeout(s)) {
      return Status::Unavailable(parsed.headers_done ? kReadingBody : kAwaitingHeaders, ETIMEDOUT);
    }
    return s;
  };
  Parsed parsed;
  if (t.https) {
    Status s = conn.StartTls(t.host);
    if (!s.ok()) return phase_error(s, parsed);
  }
  Status sent = conn.Send(BuildRequest(t, host_header, request));
  if (!sent.ok()) return phase_error(sent, parsed);

  static const http_parser_settings kSettings = MakeSettings();
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &parsed;
  while (!parsed.complete && !parsed.truncated) {
    std::string chunk;
    bool eof = false;
    Status s = conn.Receive(&chunk, &eof);
    if (!s.ok()) return phase_error(s, parsed);
    if (eof) {
      http_parser_execute(&parser, &kSettings, nullptr, 0);
      if (!parsed.headers_done) return Status::Unavailable("EOF");
      break;
    }
    http_parser_execute(&parser, &kSettings, chunk.data(), chunk.size());
    if (HTTP_PARSER_ERRNO(&parser) != HPE_OK && !parsed.complete && !parsed.truncated) {
      if (!parsed.headers_done) {
        return Status::Unavailable(std::string("malformed HTTP response: ") +
                                   http_errno_description(HTTP_PARSER_ERRNO(&parser)));
      }
      break;  // a broken body: keep what arrived
    }
  }
  return parsed;
}

}  // namespace

std::string FormatUrl(const HttpGetRequest& request) {
  return UrlOf({request.https, request.host, request.port, NormalizePath(request.path)});
}

Result<HttpGetResponse> HttpGet(const HttpGetRequest& request, milliseconds timeout) {
  const Deadline deadline = DeadlineAfter(timeout);
  std::string host = request.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  Target target{request.https, host, request.port, NormalizePath(request.path)};
  std::string custom_host;
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "Host") && custom_host.empty()) custom_host = value;
  }
  bool keep_custom_host = true;
  for (int requests = 0;; ++requests) {
    const std::string url = UrlOf(target);
    if (requests >= kMaxRequests) {
      return Status::Unavailable("Get \"" + url + "\": stopped after 10 redirects");
    }
    std::string host_header = keep_custom_host && !custom_host.empty()
                                  ? custom_host
                                  : JoinHostPort(target.host, target.port);
    Result<Parsed> parsed = RoundTrip(target, host_header, request, deadline);
    if (!parsed.ok()) {
      return Status(parsed.status().code(), "Get \"" + url + "\": " + parsed.status().message(),
                    parsed.status().err());
    }
    HttpGetResponse response{parsed->status, std::move(parsed->body), url};
    if (!IsFollowedRedirect(response.status) || parsed->location.empty()) return response;
    Target next;
    bool absolute = false;
    if (!ResolveLocation(target, parsed->location, &next, &absolute)) return response;
    // Upstream's redirect policy: only to the host name of the first request.
    if (!EqualsIgnoreCase(next.host, host)) return response;
    if (absolute) keep_custom_host = false;
    target = std::move(next);
  }
}

ProbeOutcome DoHttpProbe(const HttpGetRequest& request, milliseconds timeout) {
  Result<HttpGetResponse> response = HttpGet(request, timeout);
  if (!response.ok()) return ProbeOutcome::Failure(response.status().message());
  int code = response->status;
  if (code >= 200 && code < 400) {
    if (code >= 300) {
      return ProbeOutcome::Warning("Probe terminated redirects, Response body: " + response->body);
    }
    return ProbeOutcome::Success(std::move(response->body));
  }
  return ProbeOutcome::Failure("HTTP probe failed with statuscode: " + std::to_string(code));
}

}  // namespace sampan::kubelet::prober
