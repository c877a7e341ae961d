#pragma once
// AttachFanout: the shim's side of the attach socket (runtime/attach/attach_protocol.h).
// Serves <bundle>/attach.sock, copies the container's output to every attacher and the
// attachers' input to the container, and applies their terminal resizes.
//
// Never blocks the container: output goes to attachers with non-blocking writes (what does
// not fit is dropped for that attacher only); input is read from attachers only while the
// container's input has room. stdinOnce: when the first attacher given the input ends it
// (EOF or detach), the container's input is closed for good.
//
// Single-threaded: driven from the shim's poll loop (FillPoll, then Dispatch with the same
// entries). Owns the listening socket and the attachers' descriptors; the container's input
// fd stays the shim's.

#include <poll.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

struct AttachFanoutOptions {
  bool tty = false;         // one output stream: stderr descriptors are not used
  bool stdin_once = false;  // the input closes after the first attacher that used it
  // Called when stdinOnce closes the container's input (the shim closes its pipe).
  std::function<void()> close_input;
  // Called for "resize ROWS COLS" from an attacher.
  std::function<void(uint16_t rows, uint16_t cols)> resize;
};

class AttachFanout {
 public:
  // Listens on `name` in the directory `dir_fd` refers to (a stale socket is replaced).
  static Result<std::unique_ptr<AttachFanout>> Listen(int dir_fd, std::string_view name,
                                                      AttachFanoutOptions options);
  ~AttachFanout();

  // The container's input (-1: none); made non-blocking. Not owned.
  void SetInput(int fd);

  // Poll integration: FillPoll appends this fanout's entries; Dispatch takes the same entries
  // (with revents) after poll returned. Nothing may change in between.
  void FillPoll(std::vector<pollfd>& fds) const;
  void Dispatch(const pollfd* fds);

  // Copies container output to every attacher that asked for that stream.
  void Broadcast(bool is_stderr, std::string_view data);

  // The container has ended: closes every attacher's descriptors (they see EOF) and removes
  // the socket so that no one attaches any more.
  void CloseAll();

  size_t attachers() const { return attachers_.size(); }

 private:
  struct Attacher {
    UniqueFd conn;
    UniqueFd in, out, err;
    bool ready = false;      // the request was handled
    bool had_input = false;  // it was given the container's input
  };
  AttachFanout(int dir_fd, std::string name, UniqueFd listener, AttachFanoutOptions options);
  void Accept();
  // False when the attacher is done (to be removed).
  bool OnMessage(Attacher& a);
  bool Handshake(Attacher& a, std::string_view text, std::vector<UniqueFd> fds);
  void ReadInput(Attacher& a);
  void FlushPending();
  void InputEnded(Attacher& a);

  UniqueFd dir_;
  std::string name_;
  UniqueFd listener_;
  AttachFanoutOptions options_;
  std::vector<std::unique_ptr<Attacher>> attachers_;
  int input_ = -1;
  std::string pending_;  // input not yet taken by the container
  bool input_closed_ = false;
};

}  // namespace sampan::runtime
