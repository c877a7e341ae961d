#include "pkg/util/http_response_writer.h"

#include <chrono>

#include "pkg/util/http_connection.h"
#include "pkg/util/http_wire.h"
#include "pkg/util/log.h"

namespace sampan::http {
namespace {

const log::Logger kLog("http");

}  // namespace

void ResponseState::MarkClosed() {
  std::function<void()> fn;
  {
    std::lock_guard lock(mu);
    if (closed) return;
    closed = true;
    closed_flag.store(true);
    if (!finished) fn = std::move(on_close);
    on_close = nullptr;
  }
  room.notify_all();
  if (fn) fn();
}

void ResponseState::SetSocketBytes(size_t bytes) {
  socket_bytes.store(bytes);
  SignalRoom();
}

void ResponseState::SignalRoom() {
  // The counts were stored before this load: a waiter that registers later sees them.
  if (room_waiters.load() == 0) return;
  { std::lock_guard lock(mu); }  // a waiter is either waiting now or sees the new count
  room.notify_all();
}

ResponseWriterImpl::ResponseWriterImpl(std::shared_ptr<LoopQueue> queue,
                                       std::weak_ptr<Connection> connection, uint64_t seq,
                                       std::shared_ptr<ResponseState> state,
                                       size_t max_pending_bytes)
    : queue_(std::move(queue)),
      connection_(std::move(connection)),
      seq_(seq),
      state_(std::move(state)),
      max_pending_bytes_(max_pending_bytes) {}

ResponseWriterImpl::~ResponseWriterImpl() {
  if (phase_ == Phase::kNone) {
    if (!Closed()) kLog.Warn("handler dropped its response writer without answering; 500");
    Send(500, Headers(), StatusJson(500, "InternalError", "the handler did not respond"));
  } else if (phase_ == Phase::kStreaming) {
    End();
  }
}

std::function<void()> ResponseWriterImpl::FinishLocked() {
  phase_ = Phase::kDone;
  state_->finished = true;
  return std::move(state_->on_close);
}

void ResponseWriterImpl::PostLocked(std::function<void(Connection&)> fn) {
  queue_->Post([connection = connection_, fn = std::move(fn)] {
    if (auto c = connection.lock()) fn(*c);
  });
}

void ResponseWriterImpl::Send(int status, Headers headers, std::string body) {
  std::function<void()> dropped;
  std::lock_guard lock(state_->mu);
  if (phase_ != Phase::kNone) {
    kLog.Debug("Send() on a response that was already started; ignored");
    return;
  }
  dropped = FinishLocked();
  if (state_->closed) return;
  PostLocked([seq = seq_, status, headers = std::move(headers),
              body = std::move(body)](Connection& c) mutable {
    c.SendResponse(seq, status, std::move(headers), std::move(body));
  });
}

void ResponseWriterImpl::StartStream(int status, Headers headers) {
  std::lock_guard lock(state_->mu);
  if (phase_ != Phase::kNone) {
    kLog.Debug("StartStream() on a response that was already started; ignored");
    return;
  }
  phase_ = Phase::kStreaming;
  if (state_->closed) return;
  PostLocked([seq = seq_, status, headers = std::move(headers)](Connection& c) mutable {
    c.StartStream(seq, status, std::move(headers));
  });
}

void ResponseWriterImpl::Upgrade(int status, Headers headers,
                                 std::function<void(std::string_view)> on_data) {
  std::lock_guard lock(state_->mu);
  if (phase_ != Phase::kNone) {
    kLog.Debug("Upgrade() on a response that was already started; ignored");
    return;
  }
  phase_ = Phase::kStreaming;  // Write() and End() now carry the new protocol's bytes
  if (state_->closed) return;
  PostLocked([seq = seq_, status, headers = std::move(headers),
              on_data = std::move(on_data)](Connection& c) mutable {
    c.Upgrade(seq, status, std::move(headers), std::move(on_data));
  });
}

void ResponseWriterImpl::Write(std::string chunk) {
  std::lock_guard lock(state_->mu);
  if (phase_ != Phase::kStreaming || state_->closed || overflowed_ || chunk.empty()) return;
  size_t size = chunk.size();
  size_t pending = state_->posted_bytes.load() + state_->socket_bytes.load();
  if (pending + size > max_pending_bytes_) {
    // The client does not keep up (or does not read at all): drop it rather than buffer
    // without bound. Later writes are dropped until the loop closes the connection.
    overflowed_ = true;
    PostLocked([seq = seq_, pending](Connection& c) {
      c.Abort(seq, fmt::format("client is not reading; {} bytes pending", pending));
    });
    return;
  }
  state_->posted_bytes += size;
  queue_->Post([connection = connection_, state = state_, seq = seq_, size,
                chunk = std::move(chunk)]() mutable {
    state->posted_bytes -= size;
    if (auto c = connection.lock()) c->WriteChunk(seq, std::move(chunk));
    state->SignalRoom();
  });
}

void ResponseWriterImpl::End() {
  std::function<void()> dropped;
  std::lock_guard lock(state_->mu);
  if (phase_ != Phase::kStreaming) {
    if (phase_ == Phase::kNone) kLog.Debug("End() without StartStream(); ignored");
    return;
  }
  dropped = FinishLocked();
  if (state_->closed) return;
  PostLocked([seq = seq_](Connection& c) { c.EndStream(seq); });
}

void ResponseWriterImpl::WaitForRoom(size_t max_pending_bytes) {
  std::unique_lock lock(state_->mu);
  ++state_->room_waiters;
  state_->room.wait_for(lock, std::chrono::seconds(30), [&] {
    return state_->closed || overflowed_ || state_->pending() <= max_pending_bytes;
  });
  --state_->room_waiters;
}

bool ResponseWriterImpl::Closed() const { return state_->closed_flag.load(); }

void ResponseWriterImpl::OnClose(std::function<void()> fn) {
  std::unique_lock lock(state_->mu);
  if (state_->closed) {
    lock.unlock();
    if (fn) fn();
    return;
  }
  if (state_->finished) return;  // the response is complete: it can no longer be cut off
  state_->on_close = std::move(fn);
}

}  // namespace sampan::http
