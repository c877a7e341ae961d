#pragma once
// KubeletProxy: the pod subresources the API server answers by asking the pod's node's
// kubelet over HTTPS, with the API server's kubelet client certificate: pods/log (streamed
// to the client as it arrives, `follow` included), pods/exec, pods/attach and pods/portforward (WebSocket
// or SPDY upgrades, spliced) and nodes/proxy.
//
// Threading: Log() is called on an HTTP worker; it answers errors at once and hands a stream
// to a thread of its own so that the worker returns. Stop() cancels every stream and joins
// their threads. The RestHandler must outlive the proxy.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "pkg/apiserver/rest_handler.h"
#include "pkg/util/http.h"
#include "pkg/util/thread_group.h"

namespace sampan {
class ByteQueue;
}
namespace sampan::http {
class HttpClient;
}

namespace sampan::apiserver {

struct KubeletClientConfig {
  std::string cert_file;  // client certificate (CN kube-apiserver-kubelet-client)
  std::string key_file;
  std::string ca_file;  // what kubelet serving certificates chain to
};

class KubeletProxy {
 public:
  KubeletProxy(RestHandler& rest, KubeletClientConfig config);
  ~KubeletProxy();  // Stop()

  // GET pods/NAME/log.
  void Log(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out);
  // GET/POST pods/NAME/exec with a WebSocket or SPDY/3.1 upgrade: the kubelet's 101 is
  // passed on and the connection spliced to the kubelet's until either side ends (frames
  // are not looked at).
  void Exec(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out);
  // GET/POST pods/NAME/portforward: the same, to the kubelet's /portForward.
  void PortForward(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out);
  // Any method on nodes/NAME/proxy/PATH: the request (body included) goes to the node's
  // kubelet at /PATH?query and its answer streams back as it comes.
  void NodeProxy(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out);
  // GET/POST pods/NAME/attach: the same, to the kubelet's /attach.
  void Attach(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out);
  void Stop();

 private:
  // The kubelet of the pod's node, or the error to answer with.
  struct Target {
    std::string host;
    int port = 0;
  };
  // exec or attach (`verb`), spliced to the kubelet's /VERB/NS/POD/CONTAINER.
  void RemoteCommand(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> out,
                     const std::string& verb);
  Result<Target> Locate(const api::Json& pod);
  Result<std::unique_ptr<http::HttpClient>> ClientFor(const Target& target);
  // A client to the pod's node's kubelet, or nullptr after sending the error to `out`.
  std::unique_ptr<http::HttpClient> ConnectForPod(const api::Json& pod, http::ResponseWriter& out);
  void Track(http::HttpClient* client, bool add);
  // Asks the pod's kubelet to upgrade `path` as the client asked, answers the client with
  // the kubelet's 101 and splices both connections on a thread of their own.
  void ProxyUpgrade(const api::Json& pod, const std::string& path, const http::Request& req,
                    std::shared_ptr<http::ResponseWriter> out, std::string what);
  static void Splice(http::HttpClient& client, ByteQueue& input, http::ResponseWriter& out);

  RestHandler& rest_;
  const KubeletClientConfig config_;
  std::mutex mu_;
  bool stopped_ = false;                // guarded by mu_
  std::set<http::HttpClient*> active_;  // guarded by mu_: cancelled by Stop()
  ThreadGroup threads_;
};

}  // namespace sampan::apiserver
