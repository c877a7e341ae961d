#pragma once
// DeferredTransport: a Transport whose real transport comes later. Until Set(), every
// request fails with Unavailable ("not connected to the API server yet"), as an unreachable
// server would, so that components built on it (informers, the kubelet, node status) start at
// once and retry with their usual back-off. A node agent uses it to run its static pods
// before it has joined (credentials come from the server).
//
// Threading: thread-safe; Set() may run while requests are in flight (they keep the
// transport they started with).

#include <memory>
#include <mutex>

#include "pkg/client/transport.h"

namespace sampan::client {

class DeferredTransport final : public Transport {
 public:
  void Set(std::shared_ptr<Transport> transport);
  Result<http::Response> Do(const Request& request) override;
  Result<std::unique_ptr<StreamHandle>> Stream(const Request& request,
                                               StreamCallbacks callbacks) override;

 private:
  std::shared_ptr<Transport> Current();

  std::mutex mu_;
  std::shared_ptr<Transport> transport_;
};

}  // namespace sampan::client
