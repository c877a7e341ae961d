#pragma once
// SPDY/3.1 framing (what Kubernetes' streaming endpoints speak besides WebSocket: exec,
// attach and port-forward of kubectl up to 1.29, and port-forward tunnelled in WebSocket
// messages by newer ones). FrameParser turns received bytes into frames, decompressing
// header blocks; FrameWriter builds frames, compressing header blocks. Both keep the one
// zlib context per direction that SPDY/3 header compression (with its dictionary) needs,
// so a connection has exactly one of each. Flow control is not enforced (Kubernetes'
// spdystream does not use it either): WINDOW_UPDATE and SETTINGS are parsed and left to
// the caller. No I/O, no threads: callers own the sockets. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::spdy {

inline constexpr uint16_t kVersion = 3;

enum class FrameType : uint16_t {
  kData = 0,  // not a control frame; here for a uniform Frame
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

inline constexpr uint8_t kFlagFin = 0x01;
inline constexpr uint8_t kFlagUnidirectional = 0x02;  // SYN_STREAM only

// RST_STREAM status codes used here.
inline constexpr uint32_t kRstProtocolError = 1;
inline constexpr uint32_t kRstRefusedStream = 3;
inline constexpr uint32_t kRstCancel = 5;

// Header names travel lowercase (upstream's framer rejects others); a value holding several
// values separates them with NUL.
using HeaderBlock = std::vector<std::pair<std::string, std::string>>;
// The first value of `name` (compared case-insensitively), "" if absent.
std::string_view HeaderValue(const HeaderBlock& headers, std::string_view name);

struct Frame {
  FrameType type = FrameType::kData;
  uint8_t flags = 0;
  // DATA, SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE: the stream;
  // GOAWAY: the last good stream.
  uint32_t stream_id = 0;
  uint32_t associated_stream_id = 0;  // SYN_STREAM
  uint8_t priority = 0;               // SYN_STREAM (0 highest .. 7)
  HeaderBlock headers;                // SYN_STREAM, SYN_REPLY, HEADERS (decompressed)
  std::string data;                   // DATA payload; SETTINGS: the raw entries
  // RST_STREAM, GOAWAY: the status code; PING: the id; WINDOW_UPDATE: the delta.
  uint32_t value = 0;

  bool fin() const { return (flags & kFlagFin) != 0; }
};

class FrameParser {
 public:
  // Frames whose payload is larger than `max_frame_bytes` (or whose header block
  // decompresses to more than `max_header_bytes`) are an error instead of a big allocation.
  explicit FrameParser(size_t max_frame_bytes = 4 * 1024 * 1024,
                       size_t max_header_bytes = 256 * 1024);
  ~FrameParser();
  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame, nullopt if more bytes are needed, or an error: BadRequest for a
  // protocol violation (a version other than 3, a truncated or malformed control frame, a
  // header block that does not inflate or does not parse), TooLarge for a frame over the
  // limit. Unknown control frame types are skipped, as the spec asks. After an error the
  // parser is unusable (the compression context is lost).
  Result<std::optional<Frame>> Next();

 private:
  Result<HeaderBlock> Inflate(std::string_view block);

  struct Inflater;
  const size_t max_frame_bytes_;
  const size_t max_header_bytes_;
  std::unique_ptr<Inflater> inflater_;
  std::string buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ already parsed
  bool failed_ = false;
};

class FrameWriter {
 public:
  FrameWriter();
  ~FrameWriter();
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;

  // The frames, as bytes to send. Data payloads over 2^24-1 bytes are split into several
  // frames (FIN on the last).
  std::string Data(uint32_t stream_id, std::string_view data, bool fin = false);
  std::string SynStream(uint32_t stream_id, const HeaderBlock& headers, bool fin = false,
                        uint32_t associated_stream_id = 0, uint8_t priority = 0);
  std::string SynReply(uint32_t stream_id, const HeaderBlock& headers, bool fin = false);
  std::string Headers(uint32_t stream_id, const HeaderBlock& headers, bool fin = false);
  std::string RstStream(uint32_t stream_id, uint32_t status);
  std::string Ping(uint32_t id);
  std::string GoAway(uint32_t last_good_stream_id, uint32_t status = 0);
  std::string WindowUpdate(uint32_t stream_id, uint32_t delta);
  // A SETTINGS frame with no entries.
  std::string EmptySettings();

 private:
  std::string Deflate(const HeaderBlock& headers);

  struct Deflater;
  std::unique_ptr<Deflater> deflater_;
};

// The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1).
std::string_view HeaderDictionary();

}  // namespace sampan::spdy
