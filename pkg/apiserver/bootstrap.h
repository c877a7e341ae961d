#pragma once
// First-start objects every cluster has: the namespaces default, kube-system, kube-public
// and kube-node-lease, and the `kubernetes` service (the first service IP) with endpoints
// pointing at this API server. Idempotent: later starts only fix the endpoints.

#include <string>

#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/service_allocator.h"

namespace sampan::apiserver {

Status Bootstrap(RestHandler& rest, ServiceAllocator& services, const std::string& advertise_ip,
                 int port);

}  // namespace sampan::apiserver
