// SSL_CTX construction for the HTTP server and client (declared in tls_session.h).

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

#include "pkg/util/tls_session.h"

namespace sampan::http {
namespace {

// Wire format of the one protocol we speak: length-prefixed "http/1.1".
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// Picks http/1.1 if the client offers it; otherwise no ALPN at all (rather than failing the
// handshake), so an h2-only client still gets a clear HTTP/1.1 answer or error.
int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void* /*arg*/) {
  unsigned char* selected = nullptr;
  int rc = SSL_select_next_proto(&selected, outlen, kAlpnHttp11, sizeof(kAlpnHttp11), in, inlen);
  if (rc != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Status SslError(std::string_view what) {
  return Status::Invalid(std::string(what) + ": " + SslErrorString());
}

Result<SslCtxPtr> NewContext(const SSL_METHOD* method) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) return Status::Internal("SSL_CTX_new: " + SslErrorString());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Idle keep-alive connections then hold no 34 KiB read/write buffers.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  // AES-128-GCM first, as Go and BoringSSL order them: as safe, and a third cheaper per byte
  // than OpenSSL's default AES-256 (large lists, log streams, watch fan-out).
  if (SSL_CTX_set_ciphersuites(ctx.get(), "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                          "TLS_CHACHA20_POLY1305_SHA256") != 1) {
    return Status::Internal("TLS 1.3 cipher suites: " + SslErrorString());
  }
  return ctx;
}

Status LoadKeyPair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return SslError("loading certificate " + cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return SslError("loading private key " + key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return SslError("private key " + key_file + " does not match " + cert_file);
  }
  return Status::Ok();
}

}  // namespace

std::string SslErrorString() {
  std::string out;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

Result<SslCtxPtr> NewServerSslContext(const std::string& cert_file, const std::string& key_file,
                                      const std::string& client_ca_file) {
  ASSIGN_OR_RETURN(SslCtxPtr ctx, NewContext(TLS_server_method()));
  RETURN_IF_ERROR(LoadKeyPair(ctx.get(), cert_file, key_file));
  SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(ctx.get(), SelectAlpn, nullptr);
  if (!client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), client_ca_file.c_str(), nullptr) != 1) {
      return SslError("loading client CA " + client_ca_file);
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca_file.c_str());
    if (names == nullptr) return SslError("reading client CA names from " + client_ca_file);
    SSL_CTX_set_client_CA_list(ctx.get(), names);  // takes ownership
    // Request, but do not require, a certificate: bearer tokens and anonymous requests are
    // authenticated later. A certificate that is sent must verify, or the handshake fails.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  // No session resumption: kubectl, client-go and the Python client keep no session cache
  // (each kubectl run is a new process), so tickets would never be used. Making them was a
  // third of a handshake's CPU: OpenSSL copies the session, decoding the client certificate
  // again, for each of the two tickets it sends by default.
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  // OpenSSL fails a handshake that would reuse a session when client certificates are in
  // use and no session id context is set. Nothing is reused now; it stays set all the same.
  static constexpr unsigned char kSessionContext[] = "sampan";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof(kSessionContext) - 1);
  return ctx;
}

Result<SslCtxPtr> NewClientSslContext(const std::string& ca_file, const std::string& cert_file,
                                      const std::string& key_file, bool insecure_skip_verify) {
  ASSIGN_OR_RETURN(SslCtxPtr ctx, NewContext(TLS_client_method()));
  if (SSL_CTX_set_alpn_protos(ctx.get(), kAlpnHttp11, sizeof(kAlpnHttp11)) != 0) {
    return SslError("setting ALPN");
  }
  if (!insecure_skip_verify) {
    int rc = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                             : SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
    if (rc != 1) return SslError("loading CA " + ca_file);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  if (cert_file.empty() != key_file.empty()) {
    return Status::Invalid("client certificate and key must be given together");
  }
  if (!cert_file.empty()) RETURN_IF_ERROR(LoadKeyPair(ctx.get(), cert_file, key_file));
  return ctx;
}

}  // namespace sampan::http
