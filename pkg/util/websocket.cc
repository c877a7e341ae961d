#include "pkg/util/websocket.h"

#include <openssl/sha.h>

#include "pkg/util/base64.h"

namespace sampan::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool IsControl(Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

bool Known(uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

std::string AcceptKey(std::string_view client_key) {
  std::string text = std::string(client_key) + std::string(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string EncodeFrame(Opcode opcode, std::string_view payload, std::optional<uint32_t> mask_key) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  uint8_t mask_bit = mask_key ? 0x80 : 0;
  uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  if (!mask_key) {
    out.append(payload);
    return out;
  }
  char key[4] = {static_cast<char>(*mask_key >> 24), static_cast<char>(*mask_key >> 16),
                 static_cast<char>(*mask_key >> 8), static_cast<char>(*mask_key)};
  out.append(key, 4);
  size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < payload.size(); ++i) out[start + i] ^= key[i % 4];
  return out;
}

std::string ClosePayload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

Result<std::optional<Message>> FrameParser::Next() {
  while (true) {
    if (buffer_.size() < 2) return std::optional<Message>();
    auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer_[i]); };
    uint8_t b0 = byte(0);
    uint8_t b1 = byte(1);
    bool fin = (b0 & 0x80) != 0;
    if ((b0 & 0x70) != 0) return Status::BadRequest("websocket: reserved bits set");
    uint8_t op = b0 & 0x0F;
    if (!Known(op)) return Status::BadRequest("websocket: unknown opcode " + std::to_string(op));
    Opcode opcode = static_cast<Opcode>(op);
    bool masked = (b1 & 0x80) != 0;
    uint64_t length = b1 & 0x7F;
    size_t header = 2;
    if (length == 126) {
      if (buffer_.size() < 4) return std::optional<Message>();
      length = (uint64_t{byte(2)} << 8) | byte(3);
      header = 4;
    } else if (length == 127) {
      if (buffer_.size() < 10) return std::optional<Message>();
      length = 0;
      for (size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
      header = 10;
    }
    if (IsControl(opcode) && (!fin || length > 125)) {
      return Status::BadRequest("websocket: fragmented or oversized control frame");
    }
    size_t so_far = IsControl(opcode) ? 0 : message_.size();
    if (length > max_message_bytes_ || so_far + length > max_message_bytes_) {
      return Status(Code::kTooLarge, "websocket: message too large");
    }
    size_t mask_at = header;
    if (masked) header += 4;
    if (buffer_.size() < header + length) return std::optional<Message>();
    std::string payload = buffer_.substr(header, static_cast<size_t>(length));
    if (masked) {
      for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= buffer_[mask_at + i % 4];
    }
    buffer_.erase(0, header + static_cast<size_t>(length));

    if (IsControl(opcode)) return std::optional<Message>(Message{opcode, std::move(payload)});
    if (opcode == Opcode::kContinuation) {
      if (!in_message_) return Status::BadRequest("websocket: continuation without a message");
      message_ += payload;
    } else {
      if (in_message_) return Status::BadRequest("websocket: new message inside a fragmented one");
      in_message_ = true;
      message_opcode_ = opcode;
      message_ = std::move(payload);
    }
    if (fin) {
      in_message_ = false;
      Message m{message_opcode_, std::move(message_)};
      message_.clear();
      return std::optional<Message>(std::move(m));
    }
  }
}

}  // namespace sampan::ws
