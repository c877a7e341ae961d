#pragma once
// Content digests ("sha256:<64 hex>") and a streaming SHA-256 hasher (OpenSSL). Only sha256
// is accepted: it is what OCI and Docker registries use. Values are plain data, copyable;
// a Sha256 hasher is owned by one thread at a time.

#include <memory>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

struct evp_md_ctx_st;

namespace sampan::images {

class Digest {
 public:
  Digest() = default;
  // Accepts exactly "sha256:" followed by 64 lower-case hex digits.
  static Result<Digest> Parse(std::string_view text);
  static Digest FromHex(std::string hex) { return Digest(std::move(hex)); }
  // sha256 of `data`.
  static Digest Of(std::string_view data);

  const std::string& hex() const { return hex_; }
  std::string str() const { return hex_.empty() ? std::string() : "sha256:" + hex_; }
  bool empty() const { return hex_.empty(); }
  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// True for 64 lower-case hex digits.
bool IsSha256Hex(std::string_view hex);

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // Finishes the hash; the hasher is reset for reuse.
  Digest Finish();

 private:
  evp_md_ctx_st* ctx_;
};

// ChainID of a layer stack (OCI image spec): ChainID(L0) = DiffID(L0),
// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
Digest NextChainId(const Digest& parent_chain, const Digest& diff_id);

}  // namespace sampan::images
