#include "runtime/images/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <functional>

namespace sampan::images {

TarReader::TarReader(Reader* in) : in_(in), archive_(archive_read_new()), buffer_(1 << 20) {
  archive_read_support_format_tar(archive_);
}

TarReader::~TarReader() { archive_read_free(archive_); }

long TarReader::ReadCallback(archive* a, void* self, const void** buffer) {  // NOLINT
  auto* r = static_cast<TarReader*>(self);
  Result<size_t> got = r->in_->Read(r->buffer_.data(), r->buffer_.size());
  if (!got.ok()) {
    r->read_error_ = got.status();
    archive_set_error(a, EIO, "%s", got.status().message().c_str());
    return -1;
  }
  *buffer = r->buffer_.data();
  return static_cast<long>(*got);  // NOLINT(runtime/int)
}

Status TarReader::Error(std::string_view what) {
  if (!read_error_.ok()) return read_error_;
  const char* msg = archive_error_string(archive_);
  return Status::Invalid(std::string("tar: ") + std::string(what) + ": " +
                         (msg ? msg : "malformed archive"));
}

Result<archive_entry*> TarReader::Next() {
  if (!opened_) {
    opened_ = true;
    if (archive_read_open(archive_, this, nullptr, &TarReader::ReadCallback, nullptr) !=
        ARCHIVE_OK) {
      return Error("open");
    }
  }
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(archive_, &entry);
  if (rc == ARCHIVE_EOF) return static_cast<archive_entry*>(nullptr);
  // ARCHIVE_WARN (e.g. an unknown pax keyword) still gives a usable entry.
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Error("header");
  return entry;
}

Status TarReader::ReadData(const std::function<Status(int64_t, std::string_view)>& fn) {
  while (true) {
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc = archive_read_data_block(archive_, &buf, &size, &offset);
    if (rc == ARCHIVE_EOF) return Status::Ok();
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Error("data");
    if (size > 0) RETURN_IF_ERROR(fn(offset, {static_cast<const char*>(buf), size}));
  }
}

Status TarReader::SkipData() {
  if (archive_read_data_skip(archive_) != ARCHIVE_OK) return Error("data");
  return Status::Ok();
}

Result<std::vector<std::string>> CleanEntryPath(std::string_view path) {
  // PATH_MAX: no real image has longer paths, and a hostile one could otherwise ask for
  // directories nested thousands deep.
  if (path.size() >= 4096) return Status::Invalid("path longer than 4095 bytes in archive");
  if (path.starts_with("/")) {
    return Status::Invalid("absolute path \"" + std::string(path) + "\" in archive");
  }
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      return Status::Invalid("path \"" + std::string(path) + "\" leaves the archive root");
    }
    if (!part.empty() && part != ".") parts.emplace_back(part);
    i = j + 1;
  }
  return parts;
}

}  // namespace sampan::images
