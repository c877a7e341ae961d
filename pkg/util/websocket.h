#pragma once
// WebSocket framing (RFC 6455), small and self-contained: what exec, attach and port-forward
// need on both ends. EncodeFrame builds one frame (masked when a client sends it);
// FrameParser turns received bytes into whole messages (fragments joined, control frames
// passed through between them, masked or not) with a size limit. AcceptKey answers a
// handshake. No I/O, no threads: callers own the sockets. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes used here.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseTooBig = 1009;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455's GUID)).
std::string AcceptKey(std::string_view client_key);

// One frame with FIN set. `mask_key` (a client's frames must be masked) masks the payload.
std::string EncodeFrame(Opcode opcode, std::string_view payload,
                        std::optional<uint32_t> mask_key = std::nullopt);
// A close frame's payload: the code (big-endian) and a reason.
std::string ClosePayload(uint16_t code, std::string_view reason = {});

struct Message {
  Opcode opcode = Opcode::kBinary;  // text, binary, close, ping or pong; never continuation
  std::string payload;              // unmasked; fragments joined
};

class FrameParser {
 public:
  explicit FrameParser(size_t max_message_bytes = 16 * 1024 * 1024)
      : max_message_bytes_(max_message_bytes) {}

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole message, nullopt if more bytes are needed, or BadRequest for a protocol
  // violation (reserved bits, unknown opcode, fragmented or oversized control frame, a
  // continuation without a start, a message over the limit: TooLarge). After an error the
  // parser is unusable.
  Result<std::optional<Message>> Next();

 private:
  const size_t max_message_bytes_;
  std::string buffer_;
  bool in_message_ = false;  // a fragmented data message is being assembled
  Opcode message_opcode_ = Opcode::kBinary;
  std::string message_;
};

}  // namespace sampan::ws
