#pragma once
// ResponseWriterImpl: the thread-safe ResponseWriter handed to handlers. Every call checks
// the response's phase under a mutex, then posts the work to the server loop, where the
// Connection (reached through a weak_ptr, so a late writer is harmless) writes it. Posting
// under the mutex keeps one response's Write()s in call order even from several threads.
//
// ResponseState is what the writer and its connection share: whether the client went away
// (set on the loop thread) and how many bytes wait for the client, so a stream whose client
// stops reading is cut off at ServerOptions::max_pending_output_bytes instead of growing.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "pkg/util/http.h"
#include "pkg/util/http_backpressure.h"
#include "pkg/util/http_loop.h"

namespace sampan::http {

class Connection;

struct ResponseState {
  std::mutex mu;
  bool closed = false;             // guarded by mu: the connection went away before the end
  bool finished = false;           // guarded by mu: Send() or End() was called
  std::function<void()> on_close;  // guarded by mu
  std::atomic<bool> closed_flag{false};
  std::atomic<size_t> posted_bytes{0};  // posted to the loop, not yet handed to the socket
  std::atomic<size_t> socket_bytes{0};  // in the socket's write queue (set by the loop)
  std::condition_variable room;         // signalled when pending bytes fall or on close
  std::atomic<int> room_waiters{0};     // producers in WaitForRoom (most streams have none)

  // Loop thread: the connection closed. Runs on_close unless the response finished.
  void MarkClosed();
  // Loop thread: `bytes` are now queued in the socket (wakes a producer in WaitForRoom).
  void SetSocketBytes(size_t bytes);
  // Wakes a producer waiting in WaitForRoom to look at the counts again; nothing to do, and
  // no lock taken on the loop's write path, when none waits.
  void SignalRoom();
  size_t pending() const { return posted_bytes.load() + socket_bytes.load(); }
};

class ResponseWriterImpl final : public ResponseWriter, public OutputBackpressure {
 public:
  ResponseWriterImpl(std::shared_ptr<LoopQueue> queue, std::weak_ptr<Connection> connection,
                     uint64_t seq, std::shared_ptr<ResponseState> state, size_t max_pending_bytes);
  // A handler that dropped its writer without answering gets a 500; mid-stream, End().
  ~ResponseWriterImpl() override;

  void Send(int status, Headers headers, std::string body) override;
  void StartStream(int status, Headers headers) override;
  void Write(std::string chunk) override;
  void End() override;
  bool Closed() const override;
  void OnClose(std::function<void()> fn) override;
  void Upgrade(int status, Headers headers, std::function<void(std::string_view)> on_data) override;
  void WaitForRoom(size_t max_pending_bytes) override;

 private:
  enum class Phase { kNone, kStreaming, kDone };

  // Marks the response finished; returns the OnClose callback to destroy outside the lock.
  std::function<void()> FinishLocked();
  void PostLocked(std::function<void(Connection&)> fn);

  const std::shared_ptr<LoopQueue> queue_;
  const std::weak_ptr<Connection> connection_;
  const uint64_t seq_;
  const std::shared_ptr<ResponseState> state_;
  const size_t max_pending_bytes_;
  Phase phase_ = Phase::kNone;  // guarded by state_->mu
  bool overflowed_ = false;     // guarded by state_->mu
};

}  // namespace sampan::http
