#include "runtime/images/tar_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sampan::images {
namespace {

constexpr size_t kBlock = 512;

void Octal(char* field, size_t width, uint64_t value) {
  // width-1 digits and a NUL; larger values use base-256 (GNU), as the reader accepts.
  if (width > 1 && value < (uint64_t{1} << (3 * (width - 1)))) {
    field[width - 1] = '\0';
    for (size_t i = width - 1; i > 0; --i) {
      field[i - 1] = static_cast<char>('0' + (value & 7));
      value >>= 3;
    }
    return;
  }
  memset(field, 0, width);
  field[0] = static_cast<char>(0x80);
  for (size_t i = width - 1; i > 0; --i) {
    field[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

std::string PaxRecord(std::string_view key, std::string_view value) {
  // "LEN key=value\n" where LEN counts itself.
  size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

}  // namespace

TarWriter TarWriter::ToFd(int fd) {
  return TarWriter([fd](std::string_view data) -> Status {
    while (!data.empty()) {
      ssize_t n = write(fd, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write tar");
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  });
}

Status TarWriter::WriteHeaderBlock(const TarHeader& h, std::string_view name, std::string_view link,
                                   char type, int64_t size) {
  char b[kBlock];
  memset(b, 0, sizeof(b));
  memcpy(b, name.data(), std::min<size_t>(name.size(), 100));
  Octal(b + 100, 8, h.mode & 07777);
  Octal(b + 108, 8, h.uid);
  Octal(b + 116, 8, h.gid);
  Octal(b + 124, 12, static_cast<uint64_t>(size));
  Octal(b + 136, 12, static_cast<uint64_t>(h.mtime < 0 ? 0 : h.mtime));
  b[156] = type;
  memcpy(b + 157, link.data(), std::min<size_t>(link.size(), 100));
  memcpy(b + 257, "ustar", 6);
  memcpy(b + 263, "00", 2);
  Octal(b + 329, 8, h.dev_major);
  Octal(b + 337, 8, h.dev_minor);
  memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : std::string_view(b, kBlock)) sum += c;
  snprintf(b + 148, 8, "%06o", sum);
  b[155] = ' ';
  return sink_({b, kBlock});
}

Status TarWriter::Add(const TarHeader& h) {
  if (pending_ != 0) return Status::Internal("tar: previous entry incomplete");
  std::string pax;
  if (h.name.size() > 100) pax += PaxRecord("path", h.name);
  if (h.link.size() > 100) pax += PaxRecord("linkpath", h.link);
  for (const auto& [k, v] : h.xattrs) pax += PaxRecord("SCHILY.xattr." + k, v);
  if (!pax.empty()) {
    TarHeader ph;
    ph.mode = 0644;
    RETURN_IF_ERROR(WriteHeaderBlock(ph, "PaxHeader", "", 'x', static_cast<int64_t>(pax.size())));
    pending_ = static_cast<int64_t>(pax.size());
    RETURN_IF_ERROR(Data(pax));
  }
  int64_t size = h.type == '0' ? h.size : 0;
  RETURN_IF_ERROR(WriteHeaderBlock(h, h.name, h.link, h.type, size));
  pending_ = size;
  written_in_entry_ = 0;
  return Status::Ok();
}

Status TarWriter::Data(std::string_view data) {
  if (static_cast<int64_t>(data.size()) > pending_) return Status::Internal("tar: too much data");
  RETURN_IF_ERROR(sink_(data));
  pending_ -= static_cast<int64_t>(data.size());
  written_in_entry_ += static_cast<int64_t>(data.size());
  if (pending_ == 0) return Pad();
  return Status::Ok();
}

Status TarWriter::Pad() {
  size_t rem = static_cast<size_t>(written_in_entry_ % kBlock);
  written_in_entry_ = 0;
  if (rem == 0) return Status::Ok();
  static const char kZeros[kBlock] = {};
  return sink_({kZeros, kBlock - rem});
}

Status TarWriter::AddFile(const std::string& name, std::string_view content, mode_t mode) {
  TarHeader h;
  h.name = name;
  h.mode = mode;
  h.size = static_cast<int64_t>(content.size());
  RETURN_IF_ERROR(Add(h));
  if (content.empty()) return Status::Ok();
  return Data(content);
}

Status TarWriter::AddFromReader(const TarHeader& header, Reader* in) {
  RETURN_IF_ERROR(Add(header));
  std::vector<char> buf(1 << 20);
  while (pending_ > 0) {
    ASSIGN_OR_RETURN(
        size_t got,
        in->Read(buf.data(), std::min<size_t>(buf.size(), static_cast<size_t>(pending_))));
    if (got == 0) return Status::Invalid("tar: source shorter than its size");
    RETURN_IF_ERROR(Data({buf.data(), got}));
  }
  return Status::Ok();
}

Status TarWriter::Finish() {
  if (pending_ != 0) return Status::Internal("tar: last entry incomplete");
  static const char kZeros[2 * kBlock] = {};
  return sink_({kZeros, sizeof(kZeros)});
}

}  // namespace sampan::images
