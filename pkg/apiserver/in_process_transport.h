#pragma once
// The in-process client transport: components inside the server process (controllers,
// scheduler, the local kubelet) call the API server's request handler directly, without
// sockets or TLS, under an identity of their own, through the same authentication,
// authorization, validation and admission as HTTPS clients.

#include <memory>

#include "pkg/apiserver/authn.h"
#include "pkg/client/transport.h"
#include "pkg/util/http.h"

namespace sampan::apiserver {

// `handler` must outlive the transport and every stream it started.
std::shared_ptr<client::Transport> NewInProcessTransport(http::Handler handler, UserInfo user);

}  // namespace sampan::apiserver
