#pragma once
// Byte streams for blobs and layers: a pull-style Reader, readers over files and strings, a
// hashing tee, and transparent decompression (gzip or zstd, sniffed from the magic bytes).
// Everything streams through fixed buffers: a layer is never held in memory whole.
// A Reader is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "pkg/util/status.h"
#include "runtime/images/digest.h"

namespace sampan::images {

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to `n` bytes; 0 means the end of the stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

enum class Compression { kNone, kGzip, kZstd };
std::string_view CompressionName(Compression c);
// Sniffs the magic bytes of `prefix` (at least 4 bytes for a certain answer).
Compression DetectCompression(std::string_view prefix);

// Owns `fd` (closed on destruction).
class FdReader : public Reader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  ~FdReader() override;
  static Result<std::unique_ptr<FdReader>> Open(const std::string& path);
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  int fd_;
};

class StringReader : public Reader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Passes bytes through and hashes them (digest and count of what was read).
class HashingReader : public Reader {
 public:
  explicit HashingReader(Reader* in) : in_(in) {}
  Result<size_t> Read(char* buf, size_t n) override;
  // Reads the rest of the stream (so the digest covers all of it).
  Status Drain();
  Digest Finish() { return hash_.Finish(); }
  uint64_t bytes() const { return bytes_; }

 private:
  Reader* in_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

// Reads `in` ahead on its own thread (a few 1 MiB buffers), so that decompressing and
// hashing overlap with whatever the consumer does (parsing tar, writing files). `in` must
// outlive it and is used only by that thread until the end of the stream, an error, or
// destruction (which stops and joins the thread).
class ReadAheadReader : public Reader {
 public:
  explicit ReadAheadReader(Reader* in, size_t buffers = 4, size_t buffer_size = 1 << 20);
  ~ReadAheadReader() override;
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Reads `in` to its end, discarding the bytes.
Status Drain(Reader* in);

// Whether gzip's CRC-32 of the decompressed data is computed and checked. kSkip only when
// the caller verifies a digest of all of the decompressed data itself (a layer's DiffID):
// the CRC is then redundant work.
enum class Checksum { kVerify, kSkip };

// Returns a reader of the decompressed content of `in` (gzip, zstd or as-is, by magic
// bytes). `in` must outlive the result. Corrupt compressed data is an Invalid error.
Result<std::unique_ptr<Reader>> Decompress(Reader* in, Compression* detected = nullptr,
                                           Checksum checksum = Checksum::kVerify);

}  // namespace sampan::images
