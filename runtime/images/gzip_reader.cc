#include "runtime/images/gzip_reader.h"

#include <cstring>
#include <string>
#include <vector>

#ifdef SAMPAN_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

namespace sampan::images {
namespace {

constexpr size_t kCompressedBuffer = 256 * 1024;

#ifdef SAMPAN_HAVE_ISAL

std::string IsalError(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid block";
    case ISAL_INVALID_SYMBOL: return "invalid symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    case ISAL_NEED_DICT: return "need dictionary";
  }
  return "corrupt data (" + std::to_string(rc) + ")";
}

class IsalGzipReader : public Reader {
 public:
  explicit IsalGzipReader(std::unique_ptr<Reader> in)
      : in_(std::move(in)), buf_(kCompressedBuffer), state_(new inflate_state) {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;  // parses the header, checks CRC-32 and length
  }

  Result<size_t> Read(char* out, size_t n) override {
    inflate_state& s = *state_;
    if (done_ || n == 0) return size_t{0};
    n = std::min<size_t>(n, UINT32_MAX);
    s.next_out = reinterpret_cast<uint8_t*>(out);
    s.avail_out = static_cast<uint32_t>(n);
    while (s.avail_out == n) {
      if (s.block_state == ISAL_BLOCK_FINISH) {  // a member ended: another may follow
        if (s.avail_in == 0) RETURN_IF_ERROR(Refill());
        if (s.avail_in == 0) {
          done_ = true;
          break;
        }
        isal_inflate_reset(&s);  // keeps the input position and crc_flag
      }
      if (s.avail_in == 0) RETURN_IF_ERROR(Refill());
      uint32_t in_before = s.avail_in;
      int rc = isal_inflate(&s);
      if (rc < 0 || rc == ISAL_NEED_DICT) {
        return Status::Invalid("gzip: " + IsalError(rc));
      }
      bool progress =
          s.avail_out != n || s.avail_in != in_before || s.block_state == ISAL_BLOCK_FINISH;
      if (!progress && in_eof_) return Status::Invalid("gzip stream truncated");
    }
    return n - s.avail_out;
  }

 private:
  Status Refill() {
    if (in_eof_) return Status::Ok();
    ASSIGN_OR_RETURN(size_t got, in_->Read(buf_.data(), buf_.size()));
    in_eof_ = got == 0;
    state_->next_in = reinterpret_cast<uint8_t*>(buf_.data());
    state_->avail_in = static_cast<uint32_t>(got);
    return Status::Ok();
  }

  std::unique_ptr<Reader> in_;
  std::vector<char> buf_;
  std::unique_ptr<inflate_state> state_;  // about 80 KiB: not on the stack
  bool in_eof_ = false;
  bool done_ = false;
};

#else  // zlib

class ZlibGzipReader : public Reader {
 public:
  ZlibGzipReader(std::unique_ptr<Reader> in, Checksum checksum)
      : in_(std::move(in)), buf_(kCompressedBuffer) {
    memset(&z_, 0, sizeof(z_));
    inflateInit2(&z_, 15 + 16);
    // Also skips the length check of the trailer; inflateReset keeps the setting.
    if (checksum == Checksum::kSkip) inflateValidate(&z_, 0);
  }
  ~ZlibGzipReader() override { inflateEnd(&z_); }

  Result<size_t> Read(char* out, size_t n) override {
    if (done_) return size_t{0};
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(n);
    while (z_.avail_out == n) {
      if (z_.avail_in == 0) {
        ASSIGN_OR_RETURN(size_t got, in_->Read(buf_.data(), buf_.size()));
        if (got == 0) {
          if (member_started_) return Status::Invalid("gzip stream truncated");
          done_ = true;
          break;
        }
        z_.next_in = reinterpret_cast<Bytef*>(buf_.data());
        z_.avail_in = static_cast<uInt>(got);
      }
      member_started_ = true;
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // Concatenated gzip members form one stream (RFC 1952).
        inflateReset(&z_);
        member_started_ = false;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Invalid(std::string("gzip: ") + (z_.msg ? z_.msg : "corrupt data"));
      }
    }
    return n - z_.avail_out;
  }

 private:
  std::unique_ptr<Reader> in_;
  std::vector<char> buf_;
  z_stream z_;
  bool member_started_ = false;
  bool done_ = false;
};

#endif

}  // namespace

std::unique_ptr<Reader> NewGzipReader(std::unique_ptr<Reader> in, Checksum checksum) {
#ifdef SAMPAN_HAVE_ISAL
  (void)checksum;
  return std::make_unique<IsalGzipReader>(std::move(in));
#else
  return std::make_unique<ZlibGzipReader>(std::move(in), checksum);
#endif
}

std::string_view GzipImplementation() {
#ifdef SAMPAN_HAVE_ISAL
  return "isa-l";
#else
  return "zlib";
#endif
}

}  // namespace sampan::images
