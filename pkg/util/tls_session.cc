#include "pkg/util/tls_session.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace sampan::http {
namespace {

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string EntryText(X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// Empties this thread's OpenSSL error queue, so that a failure reports its own error. A
// peek first: clearing walks every slot of the queue, a cost per record on a watch stream.
void ClearErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

// The session's two BIOs, over its own strings. OpenSSL's memory BIO zero-fills its
// buffer before copying bytes in, and they then need a second copy out: three passes over
// every byte, where these make one each way.

// Reads the session's TlsInput; with nothing left it asks to retry (WANT_READ: wait for more),
// never reports end of stream.
int InputBioRead(BIO* bio, char* out, int len) {
  BIO_clear_retry_flags(bio);
  auto* in = static_cast<TlsInput*>(BIO_get_data(bio));
  size_t left = in->bytes.size() - in->read;
  if (left == 0 || len <= 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  size_t n = std::min(left, static_cast<size_t>(len));
  std::memcpy(out, in->bytes.data() + in->read, n);
  in->read += n;
  return static_cast<int>(n);
}

long InputBioCtrl(BIO* bio, int cmd, long, void*) {
  auto* in = static_cast<TlsInput*>(BIO_get_data(bio));
  switch (cmd) {
    case BIO_CTRL_PENDING: return static_cast<long>(in->bytes.size() - in->read);
    case BIO_CTRL_FLUSH: return 1;
    default: return 0;
  }
}

// Appends what OpenSSL writes (whole records) to the session's output string.
int OutputBioWrite(BIO* bio, const char* data, int len) {
  if (len <= 0) return 0;
  static_cast<std::string*>(BIO_get_data(bio))->append(data, static_cast<size_t>(len));
  return len;
}

long OutputBioCtrl(BIO* bio, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_WPENDING:
      return static_cast<long>(static_cast<std::string*>(BIO_get_data(bio))->size());
    default: return 0;
  }
}

int BioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* MakeBioMethod(const char* name, int (*read)(BIO*, char*, int),
                                int (*write)(BIO*, const char*, int),
                                long (*ctrl)(BIO*, int, long, void*)) {
  BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
  if (m == nullptr) return nullptr;
  if (read != nullptr) BIO_meth_set_read(m, read);
  if (write != nullptr) BIO_meth_set_write(m, write);
  BIO_meth_set_ctrl(m, ctrl);
  BIO_meth_set_create(m, BioCreate);
  return m;
}

const BIO_METHOD* InputBioMethod() {
  static const BIO_METHOD* method =
      MakeBioMethod("sampan input", InputBioRead, nullptr, InputBioCtrl);
  return method;
}

const BIO_METHOD* OutputBioMethod() {
  static const BIO_METHOD* method =
      MakeBioMethod("sampan output", nullptr, OutputBioWrite, OutputBioCtrl);
  return method;
}

}  // namespace

Result<std::unique_ptr<TlsSession>> TlsSession::New(SSL_CTX* ctx) {
  ClearErrors();
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return Status::Internal("SSL_new: " + SslErrorString());
  const BIO_METHOD* input = InputBioMethod();
  const BIO_METHOD* output = OutputBioMethod();
  BIO* in = input ? BIO_new(input) : nullptr;
  BIO* out = output ? BIO_new(output) : nullptr;
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    SSL_free(ssl);
    return Status::Internal("BIO_new failed");
  }
  SSL_set_bio(ssl, in, out);
  std::unique_ptr<TlsSession> session(new TlsSession(ssl));
  BIO_set_data(in, &session->input_);
  BIO_set_data(out, &session->output_);
  return session;
}

Result<std::unique_ptr<TlsSession>> TlsSession::NewServer(SSL_CTX* ctx) {
  ASSIGN_OR_RETURN(auto session, New(ctx));
  SSL_set_accept_state(session->ssl_);
  return session;
}

Result<std::unique_ptr<TlsSession>> TlsSession::NewClient(SSL_CTX* ctx, const std::string& host) {
  ASSIGN_OR_RETURN(auto session, New(ctx));
  SSL* ssl = session->ssl_;
  SSL_set_connect_state(ssl);
  if (IsIpLiteral(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
      return Status::Invalid("bad IP address " + host);
    }
  } else {
    // SNI is for names only (RFC 6066).
    if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 || SSL_set1_host(ssl, host.c_str()) != 1) {
      return Status::Invalid("bad TLS server name " + host);
    }
  }
  return session;
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

void TlsSession::Feed(std::string_view ciphertext) {
  // Drop what OpenSSL has read before appending, so the string stays the unread bytes.
  if (input_.read == input_.bytes.size()) {
    input_.bytes.clear();
    input_.read = 0;
  } else if (input_.read >= 64 * 1024) {
    input_.bytes.erase(0, input_.read);
    input_.read = 0;
  }
  input_.bytes.append(ciphertext);
}

Status TlsSession::Read(std::string* plain, bool* peer_closed) {
  *peer_closed = false;
  char buf[16 * 1024];
  while (true) {
    ClearErrors();
    int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n > 0) {
      plain->append(buf, static_cast<size_t>(n));
      continue;
    }
    switch (SSL_get_error(ssl_, n)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE: return Status::Ok();
      case SSL_ERROR_ZERO_RETURN: *peer_closed = true; return Status::Ok();
      default: return Status::Unavailable("TLS: " + SslErrorString());
    }
  }
}

Status TlsSession::Handshake() {
  ClearErrors();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return Status::Ok();
  int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Status::Ok();
  std::string message = SslErrorString();
  long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    message += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
  }
  return Status::Unavailable("TLS handshake: " + message);
}

bool TlsSession::HandshakeDone() const { return SSL_is_init_finished(ssl_) == 1; }

void TlsSession::KeepBuffers() { SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS); }

Status TlsSession::Write(std::string_view plain) {
  while (!plain.empty()) {
    ClearErrors();
    int chunk = static_cast<int>(std::min<size_t>(plain.size(), INT_MAX));
    int n = SSL_write(ssl_, plain.data(), chunk);
    if (n <= 0) return Status::Unavailable("TLS write: " + SslErrorString());
    plain.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

void TlsSession::Shutdown() {
  ClearErrors();
  if (HandshakeDone()) SSL_shutdown(ssl_);
  ClearErrors();
}

size_t TlsSession::TakeOutput(std::string* out) {
  size_t n = output_.size();
  if (n == 0) return 0;
  if (out->empty()) {
    out->swap(output_);  // `out`'s old buffer collects the next records
  } else {
    out->append(output_);
  }
  output_.clear();
  return n;
}

PeerIdentity TlsSession::Peer() const {
  PeerIdentity peer;
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK) return peer;
  // Without a client CA nothing was verified, even if a certificate arrived.
  if (!(SSL_get_verify_mode(ssl_) & SSL_VERIFY_PEER)) return peer;
  peer.verified = true;
  X509_NAME* subject = X509_get_subject_name(cert);
  int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) peer.common_name = EntryText(X509_NAME_get_entry(subject, cn));
  for (int i = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) {
    peer.organizations.push_back(EntryText(X509_NAME_get_entry(subject, i)));
  }
  return peer;
}

std::string TlsSession::AlpnProtocol() const {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &proto, &len);
  return proto == nullptr ? "" : std::string(reinterpret_cast<const char*>(proto), len);
}

}  // namespace sampan::http
