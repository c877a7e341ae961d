#include "pkg/util/spdy.h"

#include <fmt/core.h>
#include <strings.h>
#include <zlib.h>

namespace sampan::spdy {
namespace {

constexpr size_t kFrameHeaderBytes = 8;
constexpr uint32_t kMaxFrameLength = 0xFFFFFF;
constexpr uint32_t kStreamIdMask = 0x7FFFFFFF;

uint32_t Read32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

void Append32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

// A control frame: C bit, version, type, flags, 24-bit length, payload.
std::string ControlFrame(FrameType type, uint8_t flags, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  out.push_back(static_cast<char>(0x80 | (kVersion >> 8)));
  out.push_back(static_cast<char>(kVersion & 0xFF));
  uint16_t t = static_cast<uint16_t>(type);
  out.push_back(static_cast<char>(t >> 8));
  out.push_back(static_cast<char>(t & 0xFF));
  uint32_t len = static_cast<uint32_t>(payload.size());
  Append32(&out, (uint32_t{flags} << 24) | len);
  out.append(payload);
  return out;
}

Status Malformed(std::string_view what) {
  return Status::BadRequest(fmt::format("spdy: malformed {} frame", what));
}

}  // namespace

std::string_view HeaderValue(const HeaderBlock& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) {
      std::string_view value = v;
      return value.substr(0, value.find('\0'));
    }
  }
  return {};
}

// ---------------------------------------------------------------- parsing
struct FrameParser::Inflater {
  z_stream z{};
  bool ok = false;
  Inflater() { ok = inflateInit(&z) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
};

FrameParser::FrameParser(size_t max_frame_bytes, size_t max_header_bytes)
    : max_frame_bytes_(max_frame_bytes),
      max_header_bytes_(max_header_bytes),
      inflater_(std::make_unique<Inflater>()) {}

FrameParser::~FrameParser() = default;

Result<HeaderBlock> FrameParser::Inflate(std::string_view block) {
  if (!inflater_->ok) return Status::Internal("spdy: zlib inflate could not start");
  z_stream& z = inflater_->z;
  std::string plain;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  z.avail_in = static_cast<uInt>(block.size());
  char buf[16 * 1024];
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      std::string_view dict = HeaderDictionary();
      if (inflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dict.data()),
                               static_cast<uInt>(dict.size())) != Z_OK) {
        return Status::BadRequest("spdy: header block wants another dictionary");
      }
      continue;
    }
    plain.append(buf, sizeof buf - z.avail_out);
    if (plain.size() > max_header_bytes_) {
      return Status(Code::kTooLarge, fmt::format("spdy: header block over {} bytes uncompressed",
                                                 max_header_bytes_));
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // all input consumed
    if (rc == Z_STREAM_END) {
      return Status::BadRequest("spdy: header compression stream ended");
    }
    if (rc != Z_OK) {
      return Status::BadRequest(
          fmt::format("spdy: header block does not inflate: {}", z.msg ? z.msg : "zlib error"));
    }
    if (z.avail_in == 0 && z.avail_out != 0) break;
  }
  // Parse: count, then (name length, name, value length, value) per pair.
  std::string_view p = plain;
  auto take32 = [&](uint32_t* v) {
    if (p.size() < 4) return false;
    *v = Read32(p.data());
    p.remove_prefix(4);
    return true;
  };
  uint32_t count = 0;
  if (!take32(&count)) return Status::BadRequest("spdy: truncated header block");
  if (count > p.size() / 8) return Status::BadRequest("spdy: header block count too large");
  HeaderBlock headers;
  headers.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = 0;
    if (!take32(&len) || len == 0 || len > p.size()) {
      return Status::BadRequest("spdy: bad header name in header block");
    }
    std::string name(p.substr(0, len));
    p.remove_prefix(len);
    if (!take32(&len) || len > p.size()) {
      return Status::BadRequest("spdy: bad header value in header block");
    }
    headers.emplace_back(std::move(name), std::string(p.substr(0, len)));
    p.remove_prefix(len);
  }
  if (!p.empty()) return Status::BadRequest("spdy: trailing bytes in header block");
  return headers;
}

Result<std::optional<Frame>> FrameParser::Next() {
  if (failed_) return Status::BadRequest("spdy: connection already failed");
  auto fail = [&](Status s) -> Result<std::optional<Frame>> {
    failed_ = true;
    return s;
  };
  while (true) {
    std::string_view in = std::string_view(buffer_).substr(consumed_);
    if (in.size() < kFrameHeaderBytes) break;
    uint32_t word0 = Read32(in.data());
    uint32_t word1 = Read32(in.data() + 4);
    uint8_t flags = static_cast<uint8_t>(word1 >> 24);
    uint32_t length = word1 & kMaxFrameLength;
    if (length > max_frame_bytes_) {
      return fail(Status(
          Code::kTooLarge,
          fmt::format("spdy: frame of {} bytes over the limit of {}", length, max_frame_bytes_)));
    }
    if (in.size() < kFrameHeaderBytes + length) break;
    std::string_view payload = in.substr(kFrameHeaderBytes, length);
    consumed_ += kFrameHeaderBytes + length;
    Frame f;
    f.flags = flags;
    if ((word0 & 0x80000000u) == 0) {  // data frame
      f.type = FrameType::kData;
      f.stream_id = word0 & kStreamIdMask;
      f.data = std::string(payload);
    } else {
      uint16_t version = static_cast<uint16_t>((word0 >> 16) & 0x7FFF);
      if (version != kVersion) {
        return fail(Status::BadRequest(fmt::format("spdy: unsupported version {}", version)));
      }
      f.type = static_cast<FrameType>(word0 & 0xFFFF);
      switch (f.type) {
        case FrameType::kSynStream: {
          if (payload.size() < 10) return fail(Malformed("SYN_STREAM"));
          f.stream_id = Read32(payload.data()) & kStreamIdMask;
          f.associated_stream_id = Read32(payload.data() + 4) & kStreamIdMask;
          f.priority = static_cast<uint8_t>(static_cast<uint8_t>(payload[8]) >> 5);
          Result<HeaderBlock> h = Inflate(payload.substr(10));
          if (!h.ok()) return fail(h.status());
          f.headers = std::move(*h);
          break;
        }
        case FrameType::kSynReply:
        case FrameType::kHeaders: {
          if (payload.size() < 4) return fail(Malformed("SYN_REPLY/HEADERS"));
          f.stream_id = Read32(payload.data()) & kStreamIdMask;
          Result<HeaderBlock> h = Inflate(payload.substr(4));
          if (!h.ok()) return fail(h.status());
          f.headers = std::move(*h);
          break;
        }
        case FrameType::kRstStream:
        case FrameType::kWindowUpdate:
        case FrameType::kGoAway:
          if (payload.size() != 8) return fail(Malformed("RST_STREAM/WINDOW_UPDATE/GOAWAY"));
          f.stream_id = Read32(payload.data()) & kStreamIdMask;
          f.value = Read32(payload.data() + 4);
          if (f.type == FrameType::kWindowUpdate) f.value &= kStreamIdMask;
          break;
        case FrameType::kPing:
          if (payload.size() != 4) return fail(Malformed("PING"));
          f.value = Read32(payload.data());
          break;
        case FrameType::kSettings: {
          if (payload.size() < 4) return fail(Malformed("SETTINGS"));
          uint32_t entries = Read32(payload.data());
          if (payload.size() != 4 + uint64_t{entries} * 8) return fail(Malformed("SETTINGS"));
          f.data = std::string(payload.substr(4));
          break;
        }
        default: continue;  // unknown control frames are ignored
      }
    }
    // Keep the buffer from growing without bound: drop what was parsed.
    if (consumed_ > 64 * 1024 && consumed_ * 2 > buffer_.size()) {
      buffer_.erase(0, consumed_);
      consumed_ = 0;
    }
    return std::optional<Frame>(std::move(f));
  }
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return std::optional<Frame>();
}

// ---------------------------------------------------------------- writing
struct FrameWriter::Deflater {
  z_stream z{};
  bool ok = false;
  Deflater() {
    ok = deflateInit(&z, Z_DEFAULT_COMPRESSION) == Z_OK;
    if (ok) {
      std::string_view dict = HeaderDictionary();
      ok = deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dict.data()),
                                static_cast<uInt>(dict.size())) == Z_OK;
    }
  }
  ~Deflater() { deflateEnd(&z); }
};

FrameWriter::FrameWriter() : deflater_(std::make_unique<Deflater>()) {}
FrameWriter::~FrameWriter() = default;

std::string FrameWriter::Deflate(const HeaderBlock& headers) {
  std::string plain;
  Append32(&plain, static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    Append32(&plain, static_cast<uint32_t>(name.size()));
    for (char c : name) plain.push_back(static_cast<char>(tolower(static_cast<unsigned char>(c))));
    Append32(&plain, static_cast<uint32_t>(value.size()));
    plain.append(value);
  }
  z_stream& z = deflater_->z;
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  char buf[4096];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    if (deflate(&z, Z_SYNC_FLUSH) == Z_STREAM_ERROR) break;
    out.append(buf, sizeof buf - z.avail_out);
  } while (z.avail_out == 0);
  return out;
}

std::string FrameWriter::Data(uint32_t stream_id, std::string_view data, bool fin) {
  std::string out;
  do {
    std::string_view part = data.substr(0, kMaxFrameLength);
    data.remove_prefix(part.size());
    bool last = data.empty();
    Append32(&out, stream_id & kStreamIdMask);
    Append32(&out, (uint32_t{last && fin ? kFlagFin : uint8_t{0}} << 24) |
                       static_cast<uint32_t>(part.size()));
    out.append(part);
  } while (!data.empty());
  return out;
}

std::string FrameWriter::SynStream(uint32_t stream_id, const HeaderBlock& headers, bool fin,
                                   uint32_t associated_stream_id, uint8_t priority) {
  std::string payload;
  Append32(&payload, stream_id & kStreamIdMask);
  Append32(&payload, associated_stream_id & kStreamIdMask);
  payload.push_back(static_cast<char>((priority & 0x7) << 5));
  payload.push_back('\0');  // slot
  payload.append(Deflate(headers));
  return ControlFrame(FrameType::kSynStream, fin ? kFlagFin : 0, payload);
}

std::string FrameWriter::SynReply(uint32_t stream_id, const HeaderBlock& headers, bool fin) {
  std::string payload;
  Append32(&payload, stream_id & kStreamIdMask);
  payload.append(Deflate(headers));
  return ControlFrame(FrameType::kSynReply, fin ? kFlagFin : 0, payload);
}

std::string FrameWriter::Headers(uint32_t stream_id, const HeaderBlock& headers, bool fin) {
  std::string payload;
  Append32(&payload, stream_id & kStreamIdMask);
  payload.append(Deflate(headers));
  return ControlFrame(FrameType::kHeaders, fin ? kFlagFin : 0, payload);
}

std::string FrameWriter::RstStream(uint32_t stream_id, uint32_t status) {
  std::string payload;
  Append32(&payload, stream_id & kStreamIdMask);
  Append32(&payload, status);
  return ControlFrame(FrameType::kRstStream, 0, payload);
}

std::string FrameWriter::Ping(uint32_t id) {
  std::string payload;
  Append32(&payload, id);
  return ControlFrame(FrameType::kPing, 0, payload);
}

std::string FrameWriter::GoAway(uint32_t last_good_stream_id, uint32_t status) {
  std::string payload;
  Append32(&payload, last_good_stream_id & kStreamIdMask);
  Append32(&payload, status);
  return ControlFrame(FrameType::kGoAway, 0, payload);
}

std::string FrameWriter::WindowUpdate(uint32_t stream_id, uint32_t delta) {
  std::string payload;
  Append32(&payload, stream_id & kStreamIdMask);
  Append32(&payload, delta & kStreamIdMask);
  return ControlFrame(FrameType::kWindowUpdate, 0, payload);
}

std::string FrameWriter::EmptySettings() {
  std::string payload;
  Append32(&payload, 0);
  return ControlFrame(FrameType::kSettings, 0, payload);
}

}  // namespace sampan::spdy
