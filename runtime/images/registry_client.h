#pragma once
// RegistryClient: the pull side of the registry v2 protocol for one repository on one
// endpoint: manifests and blobs, with anonymous, bearer-token (WWW-Authenticate challenge,
// token from the realm, basic credentials if configured) and basic auth, redirects (to
// another host without our credentials), and resumption of broken blob downloads with
// Range when the registry allows it. Not thread-safe: one client per thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/http_client.h"
#include "pkg/util/status.h"
#include "runtime/images/blob_store.h"
#include "runtime/images/oci.h"
#include "runtime/images/registries_config.h"

namespace sampan::images {

struct FetchedManifest {
  std::string media_type;
  std::string body;
  Digest digest;  // sha256 of body
};

class RegistryClient {
 public:
  explicit RegistryClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // `ref` is a tag or a digest; a digest is verified against the body.
  Result<FetchedManifest> GetManifest(std::string_view ref);
  // Appends blob `d` to `writer` (resuming from writer->size()); `progress(bytes)` gets the
  // bytes written so far. The caller commits (verifies) the writer.
  Status FetchBlob(const Descriptor& d, BlobWriter* writer,
                   const std::function<void(uint64_t)>& progress);
  const Endpoint& endpoint() const { return endpoint_; }
  // A client for another thread, sharing the credentials obtained so far (not connections).
  std::unique_ptr<RegistryClient> Clone() const {
    auto c = std::make_unique<RegistryClient>(endpoint_);
    c->authorization_ = authorization_;
    return c;
  }

 private:
  struct Url {
    bool https = true;
    std::string host;
    int port = 443;
    std::string target;  // path and query
  };
  Result<http::HttpClient*> ClientFor(const Url& url, bool same_registry);
  // One request with auth challenges answered and redirects followed. With `on_chunk`
  // the 2xx body streams to it; `head` gets the final status and headers.
  Status Send(std::string_view path, http::Headers headers,
              const std::function<bool(std::string_view)>* on_chunk, http::Response* out);
  Status Authorize(std::string_view challenge);
  Url EndpointUrl(std::string target) const;

  Endpoint endpoint_;
  std::string authorization_;                                         // "Bearer ..." or "Basic ..."
  std::map<std::string, std::unique_ptr<http::HttpClient>> clients_;  // by scheme://host:port
};

// Parses the parameters of a WWW-Authenticate header: `Bearer realm="x",service="y"` ->
// scheme "bearer", {realm: x, service: y}.
std::map<std::string, std::string> ParseChallenge(std::string_view header, std::string* scheme);

}  // namespace sampan::images
