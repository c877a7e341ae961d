#include "pkg/apiserver/jwt.h"

#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>

#include "pkg/util/base64.h"

namespace sampan::apiserver {
namespace {

using api::Json;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Status OpensslFailure(std::string what) {
  unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    what += ": ";
    what += buf;
  }
  return Status::Internal(std::move(what));
}

std::vector<std::string_view> SplitDots(std::string_view token) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = token.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(token.substr(start));
      return parts;
    }
    parts.push_back(token.substr(start, dot - start));
    start = dot + 1;
  }
}

int64_t ToUnix(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  std::string s = Base64Encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '+' || c == '/' || c == '=') return std::nullopt;  // not base64url
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (s.size() % 4 == 1) return std::nullopt;
  while (s.size() % 4 != 0) s.push_back('=');
  return Base64Decode(s);
}

Result<EvpPkeyPtr> GenerateRsaKey(int bits) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  if (!key) return OpensslFailure("cannot generate an RSA key");
  return key;
}

Result<EvpPkeyPtr> LoadOrCreateServiceAccountKey(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    ASSIGN_OR_RETURN(std::string pem, ReadFileToString(path));
    Result<EvpPkeyPtr> key = DecodeKeyPem(pem);
    if (!key.ok()) {
      return Status::Invalid(
          fmt::format("{} does not hold a private key: {}", path, key.status().message()));
    }
    if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA) {
      return Status::Invalid(fmt::format("{} is not an RSA key", path));
    }
    return key;
  }
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateRsaKey());
  ASSIGN_OR_RETURN(std::string pem, EncodeKeyPem(key.get()));
  RETURN_IF_ERROR(WriteFileAtomic(path, pem, 0600));
  return key;
}

Result<std::string> KeyId(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return OpensslFailure("cannot encode the public key");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

JwtSigner::JwtSigner(EvpPkeyPtr key) : key_(std::move(key)) {
  Result<std::string> kid = KeyId(key_.get());
  if (kid.ok()) key_id_ = *kid;
}

Result<std::string> JwtSigner::Sign(const Json& claims) const {
  Json header = {{"alg", "RS256"}, {"kid", key_id_}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return OpensslFailure("cannot sign the token");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return OpensslFailure("cannot sign the token");
  }
  sig.resize(len);
  return input + "." + Base64UrlEncode(sig);
}

std::vector<std::string> JwtVerifier::Audiences(const Json& claims) {
  std::vector<std::string> out;
  const Json* aud = api::Find(claims, "aud");
  if (aud == nullptr) return out;
  if (aud->is_string()) out.push_back(aud->get<std::string>());
  if (aud->is_array()) {
    for (const Json& a : *aud) {
      if (a.is_string()) out.push_back(a.get<std::string>());
    }
  }
  return out;
}

Result<Json> JwtVerifier::Verify(std::string_view token, const JwtExpectations& expect) const {
  std::vector<std::string_view> parts = SplitDots(token);
  if (parts.size() != 3) return Status::Unauthorized("not a compact JWT");
  std::optional<std::string> header_text = Base64UrlDecode(parts[0]);
  std::optional<std::string> payload_text = Base64UrlDecode(parts[1]);
  std::optional<std::string> sig = Base64UrlDecode(parts[2]);
  if (!header_text || !payload_text || !sig) return Status::Unauthorized("malformed JWT encoding");
  Result<Json> header = api::ParseJson(*header_text);
  if (!header.ok() || !header->is_object()) return Status::Unauthorized("malformed JWT header");
  if (api::GetString(*header, "alg") != "RS256") {
    return Status::Unauthorized("unsupported JWT algorithm");
  }
  std::string_view input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1) {
    ERR_clear_error();
    return Status::Unauthorized("cannot verify signatures");
  }
  int ok =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
  ERR_clear_error();
  if (ok != 1) return Status::Unauthorized("invalid signature");
  Result<Json> claims = api::ParseJson(*payload_text);
  if (!claims.ok() || !claims->is_object()) return Status::Unauthorized("malformed JWT claims");
  int64_t now = ToUnix(expect.now);
  int64_t leeway = expect.leeway.count();
  if (const Json* exp = api::Find(*claims, "exp")) {
    if (!exp->is_number() || exp->get<int64_t>() + leeway < now) {
      return Status::Unauthorized("token has expired");
    }
  }
  if (const Json* nbf = api::Find(*claims, "nbf")) {
    if (!nbf->is_number() || nbf->get<int64_t>() - leeway > now) {
      return Status::Unauthorized("token is not valid yet");
    }
  }
  if (!expect.issuers.empty()) {
    std::string iss = api::GetString(*claims, "iss");
    if (std::find(expect.issuers.begin(), expect.issuers.end(), iss) == expect.issuers.end()) {
      return Status::Unauthorized("token issuer is not accepted");
    }
  }
  if (!expect.audiences.empty()) {
    std::vector<std::string> auds = Audiences(*claims);
    bool any = std::any_of(auds.begin(), auds.end(), [&](const std::string& a) {
      return std::find(expect.audiences.begin(), expect.audiences.end(), a) !=
             expect.audiences.end();
    });
    if (!any) return Status::Unauthorized("token audiences are not accepted");
  }
  return std::move(*claims);
}

}  // namespace sampan::apiserver
