#pragma once
// Transport: how a Client reaches the API server. Over HTTPS for agents and `sampan kubectl`
// (https_transport.h); in-process for the components inside the server process, which
// the API server implements (pkg/apiserver/in_process_transport.h) against this interface
// so that pkg/client never depends on pkg/apiserver. Both go through the same
// authentication, authorization, validation and admission.
//
// Threading: implementations are thread-safe; any number of requests and streams may be
// in flight at once.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/http_client.h"
#include "pkg/util/status.h"

namespace sampan::client {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: "/api/v1/namespaces/default/pods?limit=5"
  http::Headers headers;
  std::string body;
};

// A streamed response (a watch) in progress.
class StreamHandle {
 public:
  virtual ~StreamHandle() = default;
  // Ends the stream from any thread; no callback runs after Cancel() returns, except an
  // on_end already running. Destroying the handle cancels.
  virtual void Cancel() = 0;
};

// Receives a stream's body and end. Callbacks may run on a thread the transport owns (the
// in-process transport delivers from the store's writer thread): they must not block.
struct StreamCallbacks {
  std::function<void(std::string_view chunk)> on_chunk;  // body bytes, split anywhere
  std::function<void(Status)> on_end;  // once: OK when the server ended it, else the failure
};

class Transport {
 public:
  virtual ~Transport() = default;
  // A unary request. A non-2xx answer is a Response, not an error; errors are transport
  // failures.
  virtual Result<http::Response> Do(const Request& request) = 0;
  // A streamed request: the body flows to `callbacks`. A non-2xx answer ends the stream with
  // on_end(error) whose code follows the HTTP status (410 -> Gone, ...) and whose message
  // holds the body.
  virtual Result<std::unique_ptr<StreamHandle>> Stream(const Request& request,
                                                       StreamCallbacks callbacks) = 0;
};

}  // namespace sampan::client
