#include "pkg/util/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "pkg/util/ascii.h"
#include "pkg/util/http_response_writer.h"
#include "pkg/util/http_wire.h"
#include "pkg/util/log.h"

namespace sampan::http {
namespace {

const log::Logger kLog("http");

using std::chrono::milliseconds;

// After the last response of a connection: how long to drain what the client still sends
// (e.g. the rest of a rejected 4 MiB body) before giving up.
constexpr milliseconds kLingerTimeout{2000};
// Unparsed input kept while a handler runs (pipelined requests); beyond it reading pauses.
constexpr size_t kMaxBufferedInput = 1024 * 1024;
// Plaintext per TLS write of a large body (bounds the BIO and each socket write).
constexpr size_t kTlsSlice = 256 * 1024;
// Output buffers a connection keeps between writes; a larger one (a big response) is freed.
constexpr size_t kKeptBufferBytes = 64 * 1024;
constexpr size_t kIdleInputCapacity = 4 * 1024;
// TCP keep-alive probes find dead peers of long watches.
constexpr unsigned kTcpKeepAliveSeconds = 30;

Connection* Self(http_parser* p) { return static_cast<Connection*>(p->data); }

std::string FormatAddress(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return fmt::format("{}:{}", host, ntohs(in->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return fmt::format("[{}]:{}", host, ntohs(in6->sin6_port));
  }
  return "unknown";
}

bool ContainsTokenIgnoreCase(std::string_view value, std::string_view token) {
  for (size_t at = 0; at + token.size() <= value.size(); ++at) {
    if (EqualsIgnoreCase(value.substr(at, token.size()), token)) return true;
  }
  return false;
}

// One uv_write of up to three buffers (head, body, trailer), kept alive until it completes.
struct WriteRequest {
  uv_write_t req;
  std::string parts[3];
  Connection* connection;
};

// "<size in hex>\r\n" before a chunk's data (fmt costs more than the rest of a small chunk).
std::string ChunkSizeLine(size_t size) {
  char buf[2 * sizeof(size_t) + 2];
  char* end = buf + sizeof(buf);
  char* p = end;
  *--p = '\n';
  *--p = '\r';
  do {
    *--p = "0123456789abcdef"[size & 0xf];
    size >>= 4;
  } while (size != 0);
  return std::string(p, end);
}

// The buffers of the non-empty parts, without their first `skip` bytes (already sent).
unsigned BuffersAfter(std::string* parts, size_t skip, uv_buf_t* bufs) {
  unsigned count = 0;
  for (int i = 0; i < 3; ++i) {
    std::string& part = parts[i];
    size_t from = std::min(skip, part.size());
    skip -= from;
    if (from < part.size()) {
      bufs[count++] = uv_buf_init(part.data() + from, static_cast<unsigned>(part.size() - from));
    }
  }
  return count;
}

}  // namespace

// http-parser wants plain C callbacks; these forward to the connection in parser->data.
const http_parser_settings Connection::kParserSettings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_begin = [](http_parser* p) { return Self(p)->OnMessageBegin(); };
  s.on_url = [](http_parser* p, const char* at, size_t n) { return Self(p)->OnUrl({at, n}); };
  s.on_header_field = [](http_parser* p, const char* at, size_t n) {
    return Self(p)->OnHeaderField({at, n});
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t n) {
    return Self(p)->OnHeaderValue({at, n});
  };
  s.on_headers_complete = [](http_parser* p) { return Self(p)->OnHeadersComplete(); };
  s.on_body = [](http_parser* p, const char* at, size_t n) { return Self(p)->OnBody({at, n}); };
  s.on_message_complete = [](http_parser* p) { return Self(p)->OnMessageComplete(); };
  return s;
}();

Connection::Connection(ServerContext* ctx, uint64_t id) : ctx_(ctx), id_(id) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

Connection::~Connection() = default;

Status Connection::Accept(uv_loop_t* loop, uv_stream_t* listener) {
  uv_tcp_init(loop, &tcp_);
  tcp_.data = this;
  ++open_handles_;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  ++open_handles_;
  int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_));
  if (rc != 0) {
    Close();
    return Status::Unavailable(std::string("accept: ") + uv_strerror(rc));
  }
  // Watch events and stream chunks must leave at once, not wait for more data.
  uv_tcp_nodelay(&tcp_, 1);
  uv_tcp_keepalive(&tcp_, 1, kTcpKeepAliveSeconds);
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    remote_address_ = FormatAddress(addr);
  }
  if (ctx_->ssl_ctx != nullptr) {
    auto session = TlsSession::NewServer(ctx_->ssl_ctx);
    if (!session.ok()) {
      Close();
      return session.status();
    }
    tls_ = std::move(session).value();
  }
  // The first request head (and the TLS handshake) must arrive within the header timeout.
  ArmTimer(ctx_->options.header_timeout);
  StartReading();
  return Status::Ok();
}

// --- reading and parsing --------------------------------------------------------------

void Connection::StartReading() {
  if (reading_ || state_ == State::kClosed) return;
  auto alloc = [](uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(h->data);
    *buf = uv_buf_init(self->ctx_->read_buffer, sizeof(self->ctx_->read_buffer));
  };
  auto on_read = [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
    static_cast<Connection*>(s->data)->OnRead(nread);
  };
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc, on_read) == 0) reading_ = true;
}

void Connection::StopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Connection::OnRead(ssize_t nread) {
  if (nread == 0) return;  // EAGAIN
  if (nread < 0) {
    // EOF or reset. A client gone mid-request (or mid-stream) is simply closed.
    if (nread != UV_EOF && nread != UV_ECONNRESET) {
      kLog.Debug("{}: read: {}", remote_address_, uv_strerror(static_cast<int>(nread)));
    }
    Close();
    return;
  }
  if (state_ == State::kLingering) return;  // draining: drop it
  std::string_view data(ctx_->read_buffer, static_cast<size_t>(nread));
  if (tls_) {
    tls_->Feed(data);
    bool peer_closed = false;
    Status st = tls_->Read(&in_, &peer_closed);
    FlushTls();  // handshake messages, alerts
    if (!st.ok()) {
      kLog.Debug("{}: {}", remote_address_, st.message());
      CloseGracefully(/*tls_close_notify=*/false);
      return;
    }
    if (!peer_known_ && tls_->HandshakeDone()) {
      peer_ = tls_->Peer();
      peer_known_ = true;
    }
    if (peer_closed) {
      Close();
      return;
    }
  } else {
    in_.append(data);
  }
  if (upgraded_) {
    if (state_ == State::kHandling && !in_.empty() && on_upgraded_data_) on_upgraded_data_(in_);
    in_.clear();
    return;
  }
  if (state_ == State::kBody) ArmTimer(ctx_->options.idle_timeout);  // body inactivity
  ProcessInput();
  if (state_ == State::kHandling && in_.size() > kMaxBufferedInput) StopReading();
  // Thousands of idle watch connections should not each keep a read-sized buffer.
  if (in_.empty() && in_.capacity() > kIdleInputCapacity) std::string().swap(in_);
}

void Connection::ProcessInput() {
  while (!in_.empty() &&
         (state_ == State::kIdle || state_ == State::kHead || state_ == State::kBody)) {
    if (state_ == State::kIdle) {
      state_ = State::kHead;
      // The first request's clock started at accept (it covers the TLS handshake too).
      if (!first_request_) ArmTimer(ctx_->options.header_timeout);
      first_request_ = false;
    }
    size_t n = http_parser_execute(&parser_, &kParserSettings, in_.data(), in_.size());
    in_.erase(0, n);
    if (error_status_ != 0) {
      FailRequest(error_status_, error_reason_, std::move(error_message_));
      return;
    }
    if (message_complete_) {  // the parser paused itself at the end of the request
      Dispatch();
      return;
    }
    http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_HEADER_OVERFLOW) {
      FailRequest(431, "RequestHeaderFieldsTooLarge", "request headers are too large");
      return;
    }
    if (err != HPE_OK) {
      FailRequest(400, "BadRequest",
                  fmt::format("malformed HTTP request: {}", http_errno_description(err)));
      return;
    }
    if (state_ == State::kHead) {
      raw_head_bytes_ += n;
      // Whitespace and line endings are not in head_bytes_; bound them too.
      if (raw_head_bytes_ > 2 * ctx_->options.max_header_bytes + 64 * 1024) {
        FailRequest(431, "RequestHeaderFieldsTooLarge", "request headers are too large");
        return;
      }
    }
    if (n == 0) break;
  }
}

int Connection::Reject(int status, std::string_view reason, std::string message) {
  error_status_ = status;
  error_reason_ = reason;
  error_message_ = std::move(message);
  return -1;
}

int Connection::OnMessageBegin() {
  request_ = std::make_shared<Request>();
  field_.clear();
  value_.clear();
  in_value_ = false;
  head_bytes_ = 0;
  raw_head_bytes_ = 0;
  return 0;
}

int Connection::OnUrl(std::string_view data) {
  head_bytes_ += data.size();
  if (head_bytes_ > ctx_->options.max_header_bytes) {
    return Reject(431, "RequestHeaderFieldsTooLarge", "request target and headers are too large");
  }
  request_->target.append(data);
  return 0;
}

int Connection::OnHeaderField(std::string_view data) {
  if (in_value_) {
    request_->headers.Add(std::move(field_), std::move(value_));
    field_.clear();
    value_.clear();
    in_value_ = false;
  }
  head_bytes_ += data.size() + 4;  // ": " and CRLF
  if (head_bytes_ > ctx_->options.max_header_bytes) {
    return Reject(431, "RequestHeaderFieldsTooLarge", "request headers are too large");
  }
  field_.append(data);
  return 0;
}

int Connection::OnHeaderValue(std::string_view data) {
  in_value_ = true;
  head_bytes_ += data.size();
  if (head_bytes_ > ctx_->options.max_header_bytes) {
    return Reject(431, "RequestHeaderFieldsTooLarge", "request headers are too large");
  }
  value_.append(data);
  return 0;
}

int Connection::OnHeadersComplete() {
  if (in_value_ || !field_.empty()) {
    request_->headers.Add(std::move(field_), std::move(value_));
    field_.clear();
    value_.clear();
    in_value_ = false;
  }
  Request& r = *request_;
  r.method = http_method_str(static_cast<http_method>(parser_.method));
  head_request_ = parser_.method == HTTP_HEAD;
  http10_ = parser_.http_major == 1 && parser_.http_minor == 0;

  http_parser_url url;
  http_parser_url_init(&url);
  if (http_parser_parse_url(r.target.data(), r.target.size(), parser_.method == HTTP_CONNECT,
                            &url) != 0) {
    return Reject(400, "BadRequest", "malformed request target");
  }
  std::string_view raw_path = "/";
  if (url.field_set & (1 << UF_PATH)) {
    raw_path =
        std::string_view(r.target).substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
  } else if (!(url.field_set & (1 << UF_HOST))) {
    raw_path = r.target;  // "*" (OPTIONS) or authority-form (CONNECT)
  }
  if (!PercentDecode(raw_path, &r.path)) {
    return Reject(400, "BadRequest", "malformed percent-encoding in the request path");
  }
  if (url.field_set & (1 << UF_QUERY)) {
    r.query = r.target.substr(url.field_data[UF_QUERY].off, url.field_data[UF_QUERY].len);
  }

  const size_t limit = ctx_->options.max_body_bytes;
  if (!(parser_.flags & F_CHUNKED) &&
      parser_.content_length != std::numeric_limits<uint64_t>::max() &&
      parser_.content_length > limit) {
    return Reject(413, "RequestEntityTooLarge",
                  fmt::format("Request entity too large: limit is {}", limit));
  }
  if (!(parser_.flags & F_CHUNKED) &&
      parser_.content_length != std::numeric_limits<uint64_t>::max()) {
    r.body.reserve(parser_.content_length);  // within the limit, checked above
  }
  std::string_view expect = r.headers.Get("Expect");
  if (!http10_ && !expect.empty() && ContainsTokenIgnoreCase(expect, "100-continue")) {
    Output("HTTP/1.1 100 Continue\r\n\r\n");
    if (state_ == State::kClosed) return -1;
  }
  state_ = State::kBody;
  ArmTimer(ctx_->options.idle_timeout);
  return 0;
}

int Connection::OnBody(std::string_view data) {
  const size_t limit = ctx_->options.max_body_bytes;
  if (request_->body.size() + data.size() > limit) {
    return Reject(413, "RequestEntityTooLarge",
                  fmt::format("Request entity too large: limit is {}", limit));
  }
  request_->body.append(data);
  return 0;
}

int Connection::OnMessageComplete() {
  // Read while the handler runs, for pipelined requests and to notice a client that
  // leaves, but parse nothing more until this response is complete.
  keep_alive_ = http_should_keep_alive(&parser_) != 0 && !parser_.upgrade;
  message_complete_ = true;
  http_parser_pause(&parser_, 1);
  return 0;
}

void Connection::Dispatch() {
  message_complete_ = false;
  state_ = State::kHandling;
  ArmTimer(milliseconds(0));  // a handler (a watch) may take as long as it likes
  ++seq_;
  response_ = std::make_shared<ResponseState>();
  responded_ = false;
  streaming_ = false;
  // Upgrade seam: a request with `parser_.upgrade` set could be routed to an upgrade
  // handler here; for now it is an ordinary request and keep_alive_ is false.
  request_->peer = peer_;
  request_->remote_address = remote_address_;
  auto writer = std::make_shared<ResponseWriterImpl>(ctx_->queue, weak_from_this(), seq_, response_,
                                                     ctx_->options.max_pending_output_bytes);
  ctx_->run_handler(std::move(request_), std::move(writer));
  request_ = nullptr;
}

void Connection::FailRequest(int status, std::string_view reason, std::string message) {
  kLog.Debug("{}: {} {}", remote_address_, status, message);
  keep_alive_ = false;
  head_request_ = false;
  Headers headers;
  headers.Set("Content-Type", "application/json");
  PrepareHeaders(&headers);
  std::string body = StatusJson(status, reason, message);
  headers.Set("Content-Length", std::to_string(body.size()));
  std::string out;
  AppendResponseHead(status, headers, &out);
  out += body;
  Output(std::move(out));
  CloseGracefully(/*tls_close_notify=*/true);
}

// --- responding -----------------------------------------------------------------------

bool Connection::IsCurrent(uint64_t seq) const { return state_ == State::kHandling && seq == seq_; }

void Connection::PrepareHeaders(Headers* headers) {
  // Framing is the server's business.
  headers->Remove("Content-Length");
  headers->Remove("Transfer-Encoding");
  if (std::string_view connection = headers->Get("Connection"); !connection.empty()) {
    if (ContainsTokenIgnoreCase(connection, "close")) keep_alive_ = false;
    headers->Remove("Connection");
  }
  if (!keep_alive_) {
    headers->Add("Connection", "close");
  } else if (http10_) {
    headers->Add("Connection", "keep-alive");
  }
  if (!headers->Has("Content-Type")) headers->Add("Content-Type", "application/json");
  if (!headers->Has("Date")) headers->Add("Date", HttpDate());
}

void Connection::SendResponse(uint64_t seq, int status, Headers headers, std::string body) {
  if (!IsCurrent(seq) || responded_) return;
  responded_ = true;
  PrepareHeaders(&headers);
  bool has_body = status >= 200 && status != 204 && status != 304;
  if (has_body) headers.Add("Content-Length", std::to_string(body.size()));
  std::string head;
  AppendResponseHead(status, headers, &head);
  if (!has_body || head_request_) body.clear();
  Output(std::move(head), std::move(body));  // no copy of a big body (a large list)
  FinishResponse();
}

void Connection::StartStream(uint64_t seq, int status, Headers headers) {
  if (!IsCurrent(seq) || responded_) return;
  responded_ = true;
  streaming_ = true;
  if (tls_) tls_->KeepBuffers();  // a watch or log stream: many small records
  // HTTP/1.0 has no chunked encoding: the body then ends when the connection closes.
  chunked_ = !http10_;
  if (!chunked_) keep_alive_ = false;
  PrepareHeaders(&headers);
  if (chunked_) headers.Add("Transfer-Encoding", "chunked");
  std::string out;
  AppendResponseHead(status, headers, &out);
  Output(std::move(out));
}

void Connection::Upgrade(uint64_t seq, int status, Headers headers,
                         std::function<void(std::string_view)> on_data) {
  if (!IsCurrent(seq) || responded_) return;
  responded_ = true;
  streaming_ = true;
  upgraded_ = true;
  if (tls_) tls_->KeepBuffers();  // exec, attach, port-forward: many small records
  chunked_ = false;
  keep_alive_ = false;
  headers.Remove("Content-Length");
  headers.Remove("Transfer-Encoding");
  if (!headers.Has("Date")) headers.Add("Date", HttpDate());
  std::string out;
  AppendResponseHead(status, headers, &out);
  Output(std::move(out));
  on_upgraded_data_ = std::move(on_data);
  ArmTimer(milliseconds(0));
  if (!in_.empty()) {  // sent right behind the request
    std::string early;
    early.swap(in_);
    if (on_upgraded_data_) on_upgraded_data_(early);
  }
  StartReading();
}

void Connection::WriteChunk(uint64_t seq, std::string chunk) {
  if (upgraded_) {
    if (IsCurrent(seq) && !chunk.empty()) Output(std::move(chunk));
    return;
  }
  if (!IsCurrent(seq) || !streaming_ || head_request_ || chunk.empty()) return;
  if (!chunked_) {
    Output(std::move(chunk));
    return;
  }
  std::string size_line = ChunkSizeLine(chunk.size());  // before chunk moves
  Output(std::move(size_line), std::move(chunk), "\r\n");
}

void Connection::EndStream(uint64_t seq) {
  if (!IsCurrent(seq) || !streaming_) return;
  if (chunked_ && !head_request_) Output(std::string(kLastChunk));
  FinishResponse();
}

void Connection::Abort(uint64_t seq, std::string_view why) {
  if (!IsCurrent(seq)) return;
  kLog.Warn("{}: closing connection: {}", remote_address_, why);
  Close();
}

void Connection::FinishResponse() {
  if (state_ != State::kHandling) return;  // closed while writing
  response_ = nullptr;
  responded_ = false;
  streaming_ = false;
  if (!keep_alive_) {
    CloseGracefully(/*tls_close_notify=*/true);
    return;
  }
  state_ = State::kIdle;
  ArmTimer(ctx_->options.idle_timeout);
  http_parser_pause(&parser_, 0);
  StartReading();
  ProcessInput();  // a pipelined request may be waiting
}

// --- writing --------------------------------------------------------------------------

void Connection::Output(std::string a, std::string b, std::string c) {
  if (state_ == State::kClosed) return;
  if (!tls_) {
    WriteRaw(std::move(a), std::move(b), std::move(c));
    return;
  }
  if (b.size() > kTlsSlice) {
    // A large body (a big list): encrypted a slice at a time, each handed to the socket
    // before the next, so neither a joined copy nor the whole ciphertext sits in the BIO.
    for (std::string_view part : {std::string_view(a), std::string_view(b), std::string_view(c)}) {
      for (size_t at = 0; at < part.size(); at += kTlsSlice) {
        if (!EncryptAndFlush(part.substr(at, kTlsSlice))) return;
      }
    }
    return;
  }
  if (b.empty() && c.empty()) {
    EncryptAndFlush(a);
    return;
  }
  // One TLS write for the parts (a chunk's size line, data, CRLF): one record, not three.
  // Joined in a buffer the connection keeps, so a watch event costs no allocation here.
  plain_out_.assign(a);
  plain_out_ += b;
  plain_out_ += c;
  EncryptAndFlush(plain_out_);
  if (plain_out_.capacity() > kKeptBufferBytes) std::string().swap(plain_out_);
}

bool Connection::EncryptAndFlush(std::string_view plain) {
  if (Status st = tls_->Write(plain); !st.ok()) {
    kLog.Debug("{}: {}", remote_address_, st.message());
    Close();
    return false;
  }
  FlushTls();
  return state_ != State::kClosed;
}

void Connection::FlushTls() {
  if (!tls_) return;
  // The ciphertext goes through a buffer kept for the connection's life: a write the socket
  // takes at once needs no allocation. What it does not take is queued, buffer and all.
  tls_out_.clear();
  if (tls_->TakeOutput(&tls_out_) == 0) return;
  uv_buf_t buf = uv_buf_init(tls_out_.data(), static_cast<unsigned>(tls_out_.size()));
  std::optional<size_t> sent = SendNow(&buf, 1);
  if (sent && *sent < tls_out_.size()) {
    Queue({std::exchange(tls_out_, std::string()), {}, {}}, *sent);
  } else if (tls_out_.capacity() > kKeptBufferBytes) {
    std::string().swap(tls_out_);
  }
}

std::optional<size_t> Connection::SendNow(const uv_buf_t* bufs, unsigned count) {
  if (state_ == State::kClosed) return std::nullopt;
  // Only when nothing is queued before it (else libuv answers EAGAIN): a write taken whole
  // here needs no request, no write callback and no re-arming of the socket's poll.
  int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), bufs, count);
  if (n >= 0) return static_cast<size_t>(n);
  if (n == UV_EAGAIN) return 0;
  kLog.Debug("{}: write: {}", remote_address_, uv_strerror(n));
  Close();
  return std::nullopt;
}

void Connection::WriteRaw(std::string a, std::string b, std::string c) {
  if (state_ == State::kClosed || a.size() + b.size() + c.size() == 0) return;
  std::array<std::string, 3> parts = {std::move(a), std::move(b), std::move(c)};
  uv_buf_t bufs[3];
  unsigned count = BuffersAfter(parts.data(), 0, bufs);
  std::optional<size_t> sent = SendNow(bufs, count);
  if (!sent) return;
  if (*sent < parts[0].size() + parts[1].size() + parts[2].size()) Queue(std::move(parts), *sent);
}

void Connection::Queue(std::array<std::string, 3> parts, size_t skip) {
  auto* w = new WriteRequest{{}, {std::move(parts[0]), std::move(parts[1]), std::move(parts[2])},
                             this};
  w->req.data = w;
  uv_buf_t bufs[3];
  unsigned count = BuffersAfter(w->parts, skip, bufs);
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), bufs, count,
                    [](uv_write_t* req, int status) {
                      auto* w = static_cast<WriteRequest*>(req->data);
                      Connection* self = w->connection;
                      delete w;
                      self->OnWriteDone(status);
                    });
  if (rc != 0) {
    delete w;
    kLog.Debug("{}: write: {}", remote_address_, uv_strerror(rc));
    Close();
    return;
  }
  UpdateBacklog();
}

void Connection::OnWriteDone(int status) {
  // Write callbacks (also the cancelled ones, UV_ECANCELED) run before the close callback,
  // so the connection is still alive here.
  if (state_ == State::kClosed) return;
  if (status != 0) {
    kLog.Debug("{}: write: {}", remote_address_, uv_strerror(status));
    Close();
    return;
  }
  UpdateBacklog();
}

void Connection::UpdateBacklog() {
  size_t queued = uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&tcp_));
  if (response_) response_->SetSocketBytes(queued);
  // Only a stream can grow without bound; a whole response is as big as it is.
  if (streaming_ && queued > ctx_->options.max_pending_output_bytes) {
    kLog.Warn("{}: closing connection: client is not reading; {} bytes pending", remote_address_,
              queued);
    Close();
  }
}

// --- closing --------------------------------------------------------------------------

void Connection::CloseGracefully(bool tls_close_notify) {
  if (state_ == State::kClosed || state_ == State::kLingering) return;
  state_ = State::kLingering;
  if (response_) std::exchange(response_, nullptr)->MarkClosed();
  if (tls_ && tls_close_notify) {
    tls_->Shutdown();
    FlushTls();
  }
  if (state_ == State::kClosed) return;  // the flush failed
  // Bounds the flush of the last response to a client that does not read.
  ArmTimer(ctx_->options.idle_timeout);
  StartReading();  // drain (and drop) whatever the client still sends
  shutdown_req_.data = this;
  // uv_shutdown waits for the queued writes, then sends FIN.
  int rc = uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(&tcp_),
                       [](uv_shutdown_t* req, int status) {
                         auto* self = static_cast<Connection*>(req->data);
                         if (self->state_ == State::kClosed) return;
                         if (status != 0) {
                           self->Close();
                         } else {
                           self->ArmTimer(kLingerTimeout);
                         }
                       });
  if (rc != 0) Close();
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (response_) std::exchange(response_, nullptr)->MarkClosed();
  request_ = nullptr;
  auto on_closed = [](uv_handle_t* h) { static_cast<Connection*>(h->data)->OnHandleClosed(); };
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&tcp_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_closed);
  }
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_closed);
  }
}

void Connection::OnHandleClosed() {
  if (--open_handles_ > 0) return;
  ctx_->closed(id_);  // destroys this connection: nothing may follow
}

void Connection::ArmTimer(milliseconds timeout) {
  if (state_ == State::kClosed) return;
  if (timeout.count() <= 0) {
    uv_timer_stop(&timer_);
    return;
  }
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<Connection*>(t->data)->OnTimeout(); },
      static_cast<uint64_t>(timeout.count()), 0);
}

void Connection::OnTimeout() {
  switch (state_) {
    case State::kIdle: kLog.Debug("{}: idle timeout", remote_address_); break;
    case State::kHead: kLog.Debug("{}: request header timeout", remote_address_); break;
    case State::kBody: kLog.Debug("{}: request body timeout", remote_address_); break;
    case State::kLingering: break;
    case State::kHandling:
    case State::kClosed: return;
  }
  Close();
}

}  // namespace sampan::http
