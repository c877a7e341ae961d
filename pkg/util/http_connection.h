#pragma once
// Connection: one accepted TCP (or TLS) connection of the HTTP server, as a state machine
// driven by libuv callbacks: read bytes -> (decrypt) -> parse one request with http-parser ->
// hand it to a worker -> write the response the handler sends back through its writer ->
// next request, or close.
//
//   kIdle ----bytes----> kHead --headers--> kBody --complete--> kHandling --response done--+
//     ^   (idle timeout)        (header timeout)   (idle timeout)                          |
//     +---------------------------- keep-alive -------------------------------------------+
//                                   otherwise: kLingering (flush, FIN, drain) -> kClosed
//
// Threading: everything here runs on the server's loop thread; other threads reach a
// connection only through ResponseWriterImpl, which posts to the loop and holds a weak_ptr.
// Ownership: the server's map holds the shared_ptr; after Close() both uv handles close and
// ServerContext::closed drops it (the last callback touching the object).
//
// Protocol upgrades (WebSocket for exec): a handler may answer with Upgrade(); the connection
// then stays in kHandling with upgraded_ set, hands every byte it reads (the unparsed rest of
// `in_` first) to the handler's callback and writes the handler's bytes unframed, until the
// handler ends it (graceful close) or the client goes away (OnClose).

#include <http_parser.h>
#include <uv.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/http_loop.h"
#include "pkg/util/http_server.h"
#include "pkg/util/status.h"
#include "pkg/util/tls_session.h"

namespace sampan::http {

struct ResponseState;

// What the server shares with its connections. Owned by the server, outlives them.
struct ServerContext {
  ServerOptions options;
  SSL_CTX* ssl_ctx = nullptr;  // null: plain TCP
  std::shared_ptr<LoopQueue> queue;
  // Runs the handler for a request on a worker thread.
  std::function<void(std::shared_ptr<Request>, std::shared_ptr<ResponseWriter>)> run_handler;
  // A connection finished closing: the server drops its reference.
  std::function<void(uint64_t id)> closed;
  // Every read lands here first (one loop thread, one read at a time).
  char read_buffer[64 * 1024];
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerContext* ctx, uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Initializes the handles, accepts the pending connection of `listener` and starts
  // reading. On error the connection is already closing.
  Status Accept(uv_loop_t* loop, uv_stream_t* listener);
  // Closes now (no flush). Fires the pending response's OnClose. Idempotent.
  void Close();

  // The halves of ResponseWriterImpl's methods; `seq` names the request they answer, so a
  // stale writer cannot write into a later response.
  void SendResponse(uint64_t seq, int status, Headers headers, std::string body);
  void StartStream(uint64_t seq, int status, Headers headers);
  void WriteChunk(uint64_t seq, std::string chunk);
  void EndStream(uint64_t seq);
  // Sends the 101 head; from now on raw bytes both ways (WriteChunk writes them unframed,
  // EndStream closes).
  void Upgrade(uint64_t seq, int status, Headers headers,
               std::function<void(std::string_view)> on_data);
  // The writer gave up (its client stopped reading): close.
  void Abort(uint64_t seq, std::string_view why);

 private:
  enum class State { kIdle, kHead, kBody, kHandling, kLingering, kClosed };

  static const http_parser_settings kParserSettings;

  // http-parser callbacks; non-zero stops the parser (error_status_ says why).
  int OnMessageBegin();
  int OnUrl(std::string_view data);
  int OnHeaderField(std::string_view data);
  int OnHeaderValue(std::string_view data);
  int OnHeadersComplete();
  int OnBody(std::string_view data);
  int OnMessageComplete();

  void OnRead(ssize_t nread);
  void ProcessInput();
  void Dispatch();
  // Answers a request that never reached a handler (Status JSON), then closes.
  void FailRequest(int status, std::string_view reason, std::string message);
  int Reject(int status, std::string_view reason, std::string message);
  bool IsCurrent(uint64_t seq) const;
  // Content-Type default, Date, Connection; strips framing headers the handler set.
  void PrepareHeaders(Headers* headers);
  void FinishResponse();

  // Sends a, b and c in this order (parts avoid copying a body behind its head).
  void Output(std::string a, std::string b = {}, std::string c = {});
  // Encrypts `plain` and queues the ciphertext; false (and closed) on a TLS error.
  bool EncryptAndFlush(std::string_view plain);
  void FlushTls();
  // Sends a, b and c (ciphertext or plain HTTP) in order: what the socket takes now goes at
  // once, the rest is queued.
  void WriteRaw(std::string a, std::string b = {}, std::string c = {});
  // Writes without blocking what the socket takes when nothing is queued; bytes sent, or
  // nullopt when the connection failed (it is closed then).
  std::optional<size_t> SendNow(const uv_buf_t* bufs, unsigned count);
  // Queues the parts (without their first `skip` bytes) behind earlier writes.
  void Queue(std::array<std::string, 3> parts, size_t skip);
  void OnWriteDone(int status);
  void UpdateBacklog();
  // Flushes, sends FIN, then reads and drops input until EOF or a timeout, so the client
  // sees the last response instead of a reset caused by unread data.
  void CloseGracefully(bool tls_close_notify);
  void StartReading();
  void StopReading();
  void ArmTimer(std::chrono::milliseconds timeout);
  void OnTimeout();
  void OnHandleClosed();

  ServerContext* ctx_;
  const uint64_t id_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdown_req_;
  int open_handles_ = 0;
  State state_ = State::kIdle;
  bool reading_ = false;
  bool first_request_ = true;

  std::unique_ptr<TlsSession> tls_;
  // Reused between writes (their capacity stays): plaintext of one TLS record, and the
  // ciphertext on its way to the socket.
  std::string plain_out_;
  std::string tls_out_;
  bool peer_known_ = false;
  PeerIdentity peer_;
  std::string remote_address_;

  http_parser parser_;
  std::string in_;  // plaintext not yet parsed (pipelined requests wait here)

  // The request being read.
  std::shared_ptr<Request> request_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  size_t head_bytes_ = 0;      // target + header names and values
  size_t raw_head_bytes_ = 0;  // every byte of an incomplete head (whitespace too)
  bool message_complete_ = false;
  int error_status_ = 0;
  std::string error_reason_;
  std::string error_message_;

  // The response being written.
  uint64_t seq_ = 0;
  std::shared_ptr<ResponseState> response_;
  bool responded_ = false;  // SendResponse or StartStream happened
  bool streaming_ = false;
  bool chunked_ = false;
  bool keep_alive_ = false;
  bool head_request_ = false;
  bool http10_ = false;
  bool upgraded_ = false;
  std::function<void(std::string_view)> on_upgraded_data_;
};

}  // namespace sampan::http
