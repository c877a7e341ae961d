#pragma once
// TLS over memory BIOs, so that the same code serves the libuv server (bytes arrive in read
// callbacks) and the blocking client (bytes come from poll + recv): the owner moves
// ciphertext between the socket and the session, the session never touches a socket.
//
// SslCtxPtr is an SSL_CTX, immutable after construction and shared by many sessions (and
// threads). A TlsSession is one connection; it is not thread-safe (the server uses it only on
// its loop thread). Every call clears the thread's OpenSSL error queue first, so one
// connection's failure never leaks into another's.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::http {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// Serving context: TLS 1.2+, the certificate chain and key from PEM files, ALPN "http/1.1"
// only (a client offering just h2 gets no ALPN and speaks HTTP/1.1). With `client_ca_file`,
// a client certificate is requested (not required) and verified against it.
Result<SslCtxPtr> NewServerSslContext(const std::string& cert_file, const std::string& key_file,
                                      const std::string& client_ca_file);

// Client context: TLS 1.2+, ALPN "http/1.1". The server certificate is verified against
// `ca_file` (system roots if empty) unless `insecure_skip_verify`; the name is checked per
// session (TlsSession::NewClient). `cert_file`/`key_file` (both or neither) authenticate us.
Result<SslCtxPtr> NewClientSslContext(const std::string& ca_file, const std::string& cert_file,
                                      const std::string& key_file, bool insecure_skip_verify);

// The thread's OpenSSL error queue as text (and cleared), for messages.
std::string SslErrorString();

// Ciphertext from the peer that OpenSSL has yet to read (the bytes before `read` are done).
struct TlsInput {
  std::string bytes;
  size_t read = 0;
};

class TlsSession {
 public:
  static Result<std::unique_ptr<TlsSession>> NewServer(SSL_CTX* ctx);
  // `host` is an IP literal or a DNS name: sent as SNI (names only) and, when the context
  // verifies, matched against the certificate's SANs.
  static Result<std::unique_ptr<TlsSession>> NewClient(SSL_CTX* ctx, const std::string& host);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext received from the peer.
  void Feed(std::string_view ciphertext);
  // Advances the handshake and appends all plaintext that can be decrypted so far to
  // `plain`. Sets *peer_closed when the peer sent close_notify. An error (bad certificate,
  // protocol violation) is fatal for the connection.
  Status Read(std::string* plain, bool* peer_closed);
  // Drives the handshake without reading application data (the client starts with this).
  // OK while it is still in progress: check HandshakeDone(), send output, feed input.
  Status Handshake();
  bool HandshakeDone() const;
  // Keeps the record buffers between writes (the context releases them when idle): for a
  // stream of many small writes, where allocating them per record costs more than the rest.
  void KeepBuffers();
  // Encrypts `plain`; the ciphertext waits in TakeOutput(). Only after the handshake.
  Status Write(std::string_view plain);
  // Queues close_notify.
  void Shutdown();
  // Appends the ciphertext waiting to be sent to `out` (swaps buffers when `out` is empty);
  // returns how many bytes.
  size_t TakeOutput(std::string* out);

  // Server side: the client certificate's identity, verified = it chained to the client CA.
  PeerIdentity Peer() const;
  // The negotiated ALPN protocol, "" if none.
  std::string AlpnProtocol() const;

 private:
  explicit TlsSession(SSL* ssl) : ssl_(ssl) {}
  static Result<std::unique_ptr<TlsSession>> New(SSL_CTX* ctx);

  SSL* ssl_;  // owns its two BIOs, which read input_ and append to output_
  TlsInput input_;
  std::string output_;  // ciphertext to the peer
};

}  // namespace sampan::http
