#include "pkg/util/byte_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace sampan {

Result<std::unique_ptr<ByteQueue>> ByteQueue::New() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return Status::FromErrno(errno, "eventfd");
  return std::unique_ptr<ByteQueue>(new ByteQueue(fd));
}

ByteQueue::~ByteQueue() { ::close(event_fd_); }

void ByteQueue::Signal() {
  uint64_t one = 1;
  (void)!::write(event_fd_, &one, sizeof one);
}

void ByteQueue::Push(std::string_view bytes) {
  if (bytes.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    bytes_.append(bytes);
  }
  Signal();
}

void ByteQueue::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  Signal();
}

std::string ByteQueue::Take(bool* eof) {
  uint64_t count = 0;
  (void)!::read(event_fd_, &count, sizeof count);  // reset; Push/Close signal again
  std::lock_guard lock(mu_);
  std::string out;
  out.swap(bytes_);
  *eof = closed_ && out.empty();
  if (closed_ && !*eof) Signal();  // the end is still to be reported
  return out;
}

}  // namespace sampan
