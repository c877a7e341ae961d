#pragma once
// A capability of response writers whose output can back up behind a slow client (the
// network server's, not the in-process one): a producer of a long body (a large list) waits
// for room instead of queueing the whole body in memory. Reached with dynamic_cast from a
// ResponseWriter; a writer without it never backs up.

#include <cstddef>

namespace sampan::http {

class OutputBackpressure {
 public:
  virtual ~OutputBackpressure() = default;
  // Blocks until at most `max_pending_bytes` of this response wait for the client, or the
  // client is gone (then Closed() is true), or a generous deadline passes (a client that
  // stops reading is then cut off by the writer's own limit).
  virtual void WaitForRoom(size_t max_pending_bytes) = 0;
};

}  // namespace sampan::http
