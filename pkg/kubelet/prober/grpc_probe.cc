#include "pkg/kubelet/prober/grpc_probe.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "pkg/kubelet/prober/dial.h"
#include "pkg/kubelet/prober/http_probe.h"

namespace sampan::kubelet::prober {
namespace {

using std::chrono::milliseconds;

// HTTP/2 frame types and flags (RFC 9113).
constexpr uint8_t kData = 0x0;
constexpr uint8_t kHeaders = 0x1;
constexpr uint8_t kRstStream = 0x3;
constexpr uint8_t kSettings = 0x4;
constexpr uint8_t kPing = 0x6;
constexpr uint8_t kGoAway = 0x7;
constexpr uint8_t kEndStream = 0x1;
constexpr uint8_t kAck = 0x1;
constexpr uint8_t kEndHeaders = 0x4;
constexpr uint8_t kPadded = 0x8;
constexpr uint32_t kStream = 1;
constexpr size_t kMaxFrame = 1 << 20;  // more than any health answer; guards the buffer

constexpr const char* kStatusNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

// Go's time.Duration String() for whole milliseconds: "1s", "500ms", "1.5s".
std::string GoDuration(milliseconds d) {
  long long ms = d.count();
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out = std::to_string(ms / 1000);
  if (long long frac = ms % 1000; frac != 0) {
    std::string digits = std::to_string(1000 + frac).substr(1);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "s";
}

// An HPACK integer with an N-bit prefix (RFC 7541 5.1); `first` holds the high bits.
void HpackInt(std::string* out, uint8_t first, int prefix_bits, size_t value) {
  const size_t limit = (1u << prefix_bits) - 1;
  if (value < limit) {
    out->push_back(static_cast<char>(first | value));
    return;
  }
  out->push_back(static_cast<char>(first | limit));
  value -= limit;
  while (value >= 128) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// "Literal Header Field without Indexing - New Name", plain (not Huffman) strings.
void HpackLiteral(std::string* out, std::string_view name, std::string_view value) {
  out->push_back(0);
  HpackInt(out, 0, 7, name.size());
  out->append(name);
  HpackInt(out, 0, 7, value.size());
  out->append(value);
}

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
  std::string f;
  size_t n = payload.size();
  f.push_back(static_cast<char>((n >> 16) & 0xff));
  f.push_back(static_cast<char>((n >> 8) & 0xff));
  f.push_back(static_cast<char>(n & 0xff));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    f.push_back(static_cast<char>((stream >> shift) & 0xff));
  }
  f.append(payload);
  return f;
}

// Blocking I/O on a non-blocking socket until a deadline. Timeouts are ETIMEDOUT.
class Wire {
 public:
  Wire(Socket socket, Deadline deadline) : socket_(std::move(socket)), deadline_(deadline) {}

  Status Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(socket_.fd(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        RETURN_IF_ERROR(Wait(POLLOUT));
      } else if (n < 0 && errno != EINTR) {
        return Status::FromErrno(errno, "write");
      }
    }
    return Status::Ok();
  }

  // Reads exactly n bytes.
  Result<std::string> Read(size_t n) {
    std::string out;
    while (out.size() < n) {
      char buf[16 * 1024];
      size_t want = std::min(sizeof(buf), n - out.size());
      ssize_t got = ::recv(socket_.fd(), buf, want, 0);
      if (got > 0) {
        out.append(buf, static_cast<size_t>(got));
      } else if (got == 0) {
        return Status::Unavailable("connection closed");
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        RETURN_IF_ERROR(Wait(POLLIN));
      } else if (errno != EINTR) {
        return Status::FromErrno(errno, "read");
      }
    }
    return out;
  }

 private:
  Status Wait(short events) {
    pollfd p{socket_.fd(), events, 0};
    for (;;) {
      int rc = ::poll(&p, 1, PollTimeoutMs(deadline_));
      if (rc > 0) return Status::Ok();
      if (rc == 0) return Status::Unavailable("timeout", ETIMEDOUT);
      if (errno != EINTR) return Status::FromErrno(errno, "poll");
    }
  }

  Socket socket_;
  Deadline deadline_;
};

// The status field (1, varint) of a HealthCheckResponse; 0 when absent.
Result<uint64_t> ParseHealthStatus(std::string_view message) {
  uint64_t status = 0;
  size_t i = 0;
  auto varint = [&](uint64_t* v) {
    *v = 0;
    for (int shift = 0; i < message.size() && shift < 64; shift += 7) {
      uint8_t b = static_cast<uint8_t>(message[i++]);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < message.size()) {
    uint64_t key = 0;
    if (!varint(&key)) return Status::Invalid("malformed health response");
    uint64_t field = key >> 3;
    switch (key & 7) {
      case 0: {  // varint
        uint64_t v = 0;
        if (!varint(&v)) return Status::Invalid("malformed health response");
        if (field == 1) status = v;
        break;
      }
      case 2: {  // length-delimited: skip
        uint64_t len = 0;
        if (!varint(&len) || len > message.size() - i) {
          return Status::Invalid("malformed health response");
        }
        i += len;
        break;
      }
      case 1: i += 8; break;
      case 5: i += 4; break;
      default: return Status::Invalid("malformed health response");
    }
  }
  return status;
}

// One Health/Check exchange; the outcome, or an error carrying upstream's wording.
ProbeOutcome Check(Wire& wire, const std::string& authority, const std::string& service,
                   milliseconds timeout) {
  const std::string rpc_failed = "error: health rpc probe failed: ";
  std::string headers;
  HpackLiteral(&headers, ":method", "POST");
  HpackLiteral(&headers, ":scheme", "http");
  HpackLiteral(&headers, ":path", "/grpc.health.v1.Health/Check");
  HpackLiteral(&headers, ":authority", authority);
  HpackLiteral(&headers, "content-type", "application/grpc");
  HpackLiteral(&headers, "te", "trailers");
  HpackLiteral(&headers, "user-agent", kProbeUserAgent);
  if (timeout.count() > 0) {
    HpackLiteral(&headers, "grpc-timeout", std::to_string(timeout.count()) + "m");
  }
  std::string request;  // HealthCheckRequest{service = 1}
  if (!service.empty()) {
    request.push_back(0x0a);  // field 1, length-delimited
    size_t n = service.size();
    while (n >= 128) {
      request.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    request.push_back(static_cast<char>(n));
    request += service;
  }
  std::string message(5, '\0');  // gRPC length prefix: not compressed, 4-byte length
  for (int i = 0; i < 4; ++i) {
    message[1 + i] = static_cast<char>((request.size() >> (24 - 8 * i)) & 0xff);
  }
  message += request;

  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  out += Frame(kSettings, 0, 0, "");
  out += Frame(kHeaders, kEndHeaders, kStream, headers);
  out += Frame(kData, kEndStream, kStream, message);
  auto failed = [&](const Status& s) {
    if (s.err() == ETIMEDOUT) {
      return ProbeOutcome::Failure("timeout: health rpc did not complete within " +
                                   GoDuration(timeout));
    }
    return ProbeOutcome::Failure(rpc_failed + s.message());
  };
  if (Status s = wire.Send(out); !s.ok()) return failed(s);

  std::string data;  // the response stream's DATA payload so far
  for (;;) {
    Result<std::string> head = wire.Read(9);
    if (!head.ok()) return failed(head.status());
    const auto* h = reinterpret_cast<const uint8_t*>(head->data());
    size_t length = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
    uint8_t type = h[3];
    uint8_t flags = h[4];
    uint32_t stream =
        ((uint32_t{h[5]} << 24) | (uint32_t{h[6]} << 16) | (uint32_t{h[7]} << 8) | h[8]) &
        0x7fffffff;
    if (length > kMaxFrame) return failed(Status::Invalid("frame too large"));
    Result<std::string> payload = wire.Read(length);
    if (!payload.ok()) return failed(payload.status());
    if (type == kSettings && !(flags & kAck)) {
      if (Status s = wire.Send(Frame(kSettings, kAck, 0, "")); !s.ok()) return failed(s);
    } else if (type == kPing && !(flags & kAck)) {
      if (Status s = wire.Send(Frame(kPing, kAck, 0, *payload)); !s.ok()) return failed(s);
    } else if (type == kGoAway) {
      return failed(Status::Unavailable("the server closed the connection (GOAWAY)"));
    } else if (type == kRstStream && stream == kStream) {
      return failed(Status::Unavailable("the server reset the stream"));
    } else if (type == kData && stream == kStream) {
      std::string_view body = *payload;
      if (flags & kPadded) {
        size_t pad = body.empty() ? 0 : static_cast<uint8_t>(body[0]);
        if (body.size() < 1 + pad) return failed(Status::Invalid("bad padding"));
        body = body.substr(1, body.size() - 1 - pad);
      }
      data.append(body);
      if (data.size() >= 5) {
        const auto* p = reinterpret_cast<const uint8_t*>(data.data());
        size_t n = (size_t{p[1]} << 24) | (size_t{p[2]} << 16) | (size_t{p[3]} << 8) | p[4];
        if (p[0] != 0) return failed(Status::Invalid("compressed response"));
        if (data.size() >= 5 + n) {
          Result<uint64_t> status = ParseHealthStatus(std::string_view(data).substr(5, n));
          if (!status.ok()) return failed(status.status());
          if (*status == 1) return ProbeOutcome::Success("service healthy");
          std::string name = *status < 4 ? kStatusNames[*status] : std::to_string(*status);
          return ProbeOutcome::Failure("service unhealthy (responded with \"" + name + "\")");
        }
      }
      if (flags & kEndStream) return failed(Status::Unavailable("truncated response"));
    } else if (type == kHeaders && stream == kStream && (flags & kEndStream)) {
      // Trailers without a message: an error status (not decoded, see the header).
      return failed(Status::Unavailable("no health status in the response"));
    }
  }
}

}  // namespace

ProbeOutcome DoGrpcProbe(const std::string& host, int port, const std::string& service,
                         milliseconds timeout) {
  const Deadline deadline = DeadlineAfter(timeout);
  const std::string address = JoinHostPort(host, port);
  Result<Socket> socket = DialTcp(host, port, deadline);
  if (!socket.ok()) {
    if (socket.status().err() == ETIMEDOUT) {
      return ProbeOutcome::Failure("timeout: failed to connect service \"" + address +
                                   "\" within " + GoDuration(timeout) +
                                   ": context deadline exceeded");
    }
    return ProbeOutcome::Failure("error: failed to connect service at \"" + address +
                                 "\": " + socket.status().message());
  }
  Wire wire(std::move(socket).value(), deadline);
  return Check(wire, address, service, timeout);
}

}  // namespace sampan::kubelet::prober
