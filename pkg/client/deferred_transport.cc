#include "pkg/client/deferred_transport.h"

namespace sampan::client {
namespace {

Status NotYet() { return Status::Unavailable("not connected to the API server yet"); }

}  // namespace

void DeferredTransport::Set(std::shared_ptr<Transport> transport) {
  std::lock_guard lock(mu_);
  transport_ = std::move(transport);
}

std::shared_ptr<Transport> DeferredTransport::Current() {
  std::lock_guard lock(mu_);
  return transport_;
}

Result<http::Response> DeferredTransport::Do(const Request& request) {
  std::shared_ptr<Transport> t = Current();
  if (t == nullptr) return NotYet();
  return t->Do(request);
}

Result<std::unique_ptr<StreamHandle>> DeferredTransport::Stream(const Request& request,
                                                                StreamCallbacks callbacks) {
  std::shared_ptr<Transport> t = Current();
  if (t == nullptr) return NotYet();
  return t->Stream(request, std::move(callbacks));
}

}  // namespace sampan::client
