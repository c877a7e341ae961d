#include "runtime/images/stream.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "runtime/images/gzip_reader.h"

namespace sampan::images {
namespace {

// Reads the first bytes of a stream for sniffing, then replays them.
class PrefixReader : public Reader {
 public:
  PrefixReader(Reader* in, std::string prefix) : in_(in), prefix_(std::move(prefix)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return in_->Read(buf, n);
  }

 private:
  Reader* in_;
  std::string prefix_;
  size_t pos_ = 0;
};

class ZstdReader : public Reader {
 public:
  explicit ZstdReader(std::unique_ptr<Reader> in)
      : in_(std::move(in)), buf_(ZSTD_DStreamInSize()), ds_(ZSTD_createDStream()) {
    ZSTD_initDStream(ds_);
  }
  ~ZstdReader() override { ZSTD_freeDStream(ds_); }

  Result<size_t> Read(char* out, size_t n) override {
    ZSTD_outBuffer ob{out, n, 0};
    while (ob.pos == 0 && !done_) {
      if (ib_.pos == ib_.size) {
        ASSIGN_OR_RETURN(size_t got, in_->Read(buf_.data(), buf_.size()));
        if (got == 0) {
          if (frame_open_) return Status::Invalid("zstd stream truncated");
          done_ = true;
          break;
        }
        ib_ = ZSTD_inBuffer{buf_.data(), got, 0};
      }
      size_t rc = ZSTD_decompressStream(ds_, &ob, &ib_);
      if (ZSTD_isError(rc)) return Status::Invalid(std::string("zstd: ") + ZSTD_getErrorName(rc));
      frame_open_ = rc != 0;
    }
    return ob.pos;
  }

 private:
  std::unique_ptr<Reader> in_;
  std::vector<char> buf_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer ib_{nullptr, 0, 0};
  bool frame_open_ = false;
  bool done_ = false;
};

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "?";
}

Compression DetectCompression(std::string_view p) {
  if (p.size() >= 2 && static_cast<unsigned char>(p[0]) == 0x1f &&
      static_cast<unsigned char>(p[1]) == 0x8b) {
    return Compression::kGzip;
  }
  if (p.size() >= 4 && p.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4)) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

FdReader::~FdReader() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<FdReader>> FdReader::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::make_unique<FdReader>(fd);
}

Result<size_t> FdReader::Read(char* buf, size_t n) {
  while (true) {
    ssize_t got = read(fd_, buf, n);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) return Status::FromErrno(errno, "read");
  }
}

Result<size_t> StringReader::Read(char* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

Result<size_t> HashingReader::Read(char* buf, size_t n) {
  ASSIGN_OR_RETURN(size_t got, in_->Read(buf, n));
  hash_.Update({buf, got});
  bytes_ += got;
  return got;
}

Status HashingReader::Drain() { return images::Drain(this); }

Status Drain(Reader* in) {
  std::vector<char> buf(256 * 1024);
  while (true) {
    ASSIGN_OR_RETURN(size_t got, in->Read(buf.data(), buf.size()));
    if (got == 0) return Status::Ok();
  }
}

struct ReadAheadReader::State {
  struct Buffer {
    std::unique_ptr<char[]> data;
    size_t size = 0;  // bytes filled
  };
  Reader* in;
  size_t buffer_size;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Buffer> buffers;  // allocated once, reused
  std::deque<size_t> free;      // indexes of buffers the producer may fill
  std::deque<size_t> full;      // filled buffers, in stream order
  size_t current = SIZE_MAX;    // the buffer being consumed
  size_t pos = 0;
  bool eof = false;
  bool stop = false;
  Status error;
  std::thread thread;

  void Run() {
    while (true) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || !free.empty(); });
        if (stop) return;
        i = free.front();
        free.pop_front();
      }
      // Fill the buffer as far as the source gives in one go (a decompressor returns
      // what fits; a short read is fine).
      Result<size_t> got = in->Read(buffers[i].data.get(), buffer_size);
      std::lock_guard<std::mutex> lock(mu);
      if (!got.ok() || *got == 0) {
        if (!got.ok()) error = got.status();
        eof = got.ok();
        cv.notify_all();
        return;
      }
      buffers[i].size = *got;
      full.push_back(i);
      cv.notify_all();
    }
  }
};

ReadAheadReader::ReadAheadReader(Reader* in, size_t buffers, size_t buffer_size)
    : state_(new State) {
  state_->in = in;
  state_->buffer_size = buffer_size;
  state_->buffers.resize(std::max<size_t>(buffers, 2));
  for (size_t i = 0; i < state_->buffers.size(); ++i) {
    state_->buffers[i].data.reset(new char[buffer_size]);
    state_->free.push_back(i);
  }
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
}

ReadAheadReader::~ReadAheadReader() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

Result<size_t> ReadAheadReader::Read(char* buf, size_t n) {
  State& s = *state_;
  if (s.current == SIZE_MAX || s.pos == s.buffers[s.current].size) {
    std::unique_lock<std::mutex> lock(s.mu);
    if (s.current != SIZE_MAX) {
      s.free.push_back(s.current);
      s.current = SIZE_MAX;
      s.cv.notify_all();
    }
    s.cv.wait(lock, [&] { return !s.full.empty() || s.eof || !s.error.ok(); });
    if (s.full.empty()) {
      if (!s.error.ok()) return s.error;
      return size_t{0};
    }
    s.current = s.full.front();
    s.full.pop_front();
    s.pos = 0;
  }
  const State::Buffer& b = s.buffers[s.current];
  size_t k = std::min(n, b.size - s.pos);
  memcpy(buf, b.data.get() + s.pos, k);
  s.pos += k;
  return k;
}

Result<std::unique_ptr<Reader>> Decompress(Reader* in, Compression* detected,
                                           Checksum checksum) {
  std::string prefix(4, '\0');
  size_t have = 0;
  while (have < prefix.size()) {
    ASSIGN_OR_RETURN(size_t got, in->Read(prefix.data() + have, prefix.size() - have));
    if (got == 0) break;
    have += got;
  }
  prefix.resize(have);
  Compression c = DetectCompression(prefix);
  if (detected) *detected = c;
  auto replay = std::make_unique<PrefixReader>(in, std::move(prefix));
  switch (c) {
    case Compression::kGzip: return NewGzipReader(std::move(replay), checksum);
    case Compression::kZstd: return std::unique_ptr<Reader>(new ZstdReader(std::move(replay)));
    case Compression::kNone: break;
  }
  return std::unique_ptr<Reader>(std::move(replay));
}

}  // namespace sampan::images
