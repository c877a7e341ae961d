#pragma once
// HTTP types shared by the HTTP(S) server (http_server.h) and its handlers: the request, a
// thread-safe response writer that can stream (watch), and the handler signature.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sampan::http {

struct Header {
  std::string name;
  std::string value;
};

// Ordered header list with case-insensitive lookup.
class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every header of that name.
  void Set(std::string name, std::string value);
  // Removes every header of that name.
  void Remove(std::string_view name);
  // The first value of `name`, or "" if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  const std::vector<Header>& all() const { return headers_; }

 private:
  std::vector<Header> headers_;
};

// Who is on the other end of a TLS connection, from a client certificate that verified
// against the server's client CA.
struct PeerIdentity {
  bool verified = false;
  std::string common_name;                 // the user
  std::vector<std::string> organizations;  // the groups
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/pods?limit=500"
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without '?'
  Headers headers;
  std::string body;
  PeerIdentity peer;
  std::string remote_address;  // "127.0.0.1:51234"
};

// One response. Every method is thread-safe (work is marshalled to the connection's event
// loop), so a handler may answer from any thread, now or later. Either Send() once, or
// StartStream() then any number of Write() and one End(). After the client goes away
// Closed() is true and writes are dropped. Content-Type defaults to application/json;
// Content-Length, Transfer-Encoding and Connection are the server's (a handler's
// "Connection: close" closes the connection after the response). A stream whose client
// does not keep up is closed once ServerOptions::max_pending_output_bytes are waiting.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // A whole response with Content-Length.
  virtual void Send(int status, Headers headers, std::string body) = 0;
  // A streamed response (Transfer-Encoding: chunked). Each Write() is sent at once.
  virtual void StartStream(int status, Headers headers) = 0;
  // One chunk on the wire; an empty chunk is ignored (it would end the stream).
  virtual void Write(std::string chunk) = 0;
  virtual void End() = 0;
  virtual bool Closed() const = 0;
  // `fn` runs once, on the loop thread, when the connection closes before End() (client
  // gone, timeout, server stopping). Runs at once, on the calling thread, if already
  // closed; never after Send() or End(). It must not block. A later call replaces `fn`.
  // `fn` may hold the writer: it is released when it has run or the response finished.
  virtual void OnClose(std::function<void()> fn) = 0;
  // Switches protocols (WebSocket for exec): answers `status` (101) with `headers` as given
  // (the handler sets Upgrade, Connection and the protocol's own headers). From then on the
  // connection carries raw bytes both ways: Write() sends bytes unframed, `on_data` receives
  // the client's bytes on the server's loop thread (it must not block), End() closes the
  // connection and OnClose() fires when the client goes away. Writers that cannot switch
  // (the in-process transport) answer 400.
  virtual void Upgrade(int status, Headers headers, std::function<void(std::string_view)> on_data) {
    (void)status;
    (void)on_data;
    (void)headers;
    Send(
        400, {},
        R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"protocol upgrades are not supported on this connection","reason":"BadRequest","code":400})");
  }
};

// Runs on one of the server's worker threads, one request of a connection at a time (the
// next request of that connection is read only after this response is complete). It may
// block briefly (store reads), but a long-lived stream (watch) should keep the writer and
// return, feeding it from elsewhere, so that workers stay free. `request` lives until the
// handler returns. If the last reference to the writer goes away before a response was
// started, the client gets a 500; mid-stream, the stream is ended.
using Handler = std::function<void(Request& request, std::shared_ptr<ResponseWriter> response)>;

}  // namespace sampan::http
