#include "pkg/kubectl/tar_stream.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "pkg/util/fs.h"

namespace sampan::kubectl {
namespace {

constexpr size_t kBlock = 512;

void Octal(char* field, size_t size, uint64_t value) {
  std::string text = fmt::format("{:0{}o}", value, size - 1);
  std::memcpy(field, text.data(), std::min(text.size(), size - 1));
}

Status Header(std::string& out, const std::string& name, char type, uint64_t size, mode_t mode,
              time_t mtime) {
  char h[kBlock] = {};
  std::string full = type == '5' ? name + "/" : name;
  if (full.size() <= 100) {
    std::memcpy(h, full.data(), full.size());
  } else {
    // ustar: split at a slash into prefix (155) and name (100).
    size_t cut = full.rfind('/', 155);
    if (cut == std::string::npos || full.size() - cut - 1 > 100 || cut == 0) {
      return Status::Invalid("file name too long for tar: " + name);
    }
    std::memcpy(h, full.data() + cut + 1, full.size() - cut - 1);
    std::memcpy(h + 345, full.data(), cut);
  }
  Octal(h + 100, 8, mode & 07777);
  Octal(h + 108, 8, 0);
  Octal(h + 116, 8, 0);
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, static_cast<uint64_t>(mtime));
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::string chk = fmt::format("{:06o}", sum);
  std::memcpy(h + 148, chk.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  out.append(h, kBlock);
  return Status::Ok();
}

Status Add(const std::string& path, const std::string& name, std::string& out) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  if (S_ISDIR(st.st_mode)) {
    RETURN_IF_ERROR(Header(out, name, '5', 0, st.st_mode, st.st_mtime));
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return Status::FromErrno(errno, "opendir " + path);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) RETURN_IF_ERROR(Add(path + "/" + n, name + "/" + n, out));
    return Status::Ok();
  }
  if (!S_ISREG(st.st_mode)) return Status::Ok();  // symlinks, devices: not copied
  ASSIGN_OR_RETURN(std::string data, ReadFileToString(path));
  RETURN_IF_ERROR(Header(out, name, '0', data.size(), st.st_mode, st.st_mtime));
  out += data;
  out.append((kBlock - data.size() % kBlock) % kBlock, '\0');
  return Status::Ok();
}

uint64_t ParseOctal(const char* field, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size && field[i] != '\0'; ++i) {
    if (field[i] >= '0' && field[i] <= '7') v = v * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  return v;
}

// The cleaned path below `dest`, or "" when it would leave it.
std::string Below(const std::string& dest, const std::string& rest) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t slash = rest.find('/', start);
    std::string part = rest.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part == "..") {
      if (parts.empty()) return "";
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out = dest;
  for (const std::string& p : parts) out += "/" + p;
  return out;
}

Status MkdirAll(const std::string& path) {
  for (size_t at = 1; at <= path.size(); ++at) {
    if (at != path.size() && path[at] != '/') continue;
    std::string part = path.substr(0, at);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::FromErrno(errno, "mkdir " + part);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> TarOf(const std::string& local, const std::string& name) {
  std::string out;
  RETURN_IF_ERROR(Add(local, name, out));
  out.append(2 * kBlock, '\0');
  return out;
}

Status UntarInto(std::string_view tar, const std::string& prefix, const std::string& dest,
                 std::ostream& warn) {
  std::string long_name;
  size_t at = 0;
  while (at + kBlock <= tar.size()) {
    const char* h = tar.data() + at;
    at += kBlock;
    if (std::all_of(h, h + kBlock, [](char c) { return c == '\0'; })) break;
    uint64_t size = ParseOctal(h + 124, 12);
    if (at + size > tar.size()) return Status::Invalid("unexpected EOF");
    std::string_view data = tar.substr(at, size);
    at += (size + kBlock - 1) / kBlock * kBlock;
    char type = h[156];
    std::string name;
    if (!long_name.empty()) {
      name = std::move(long_name);
      long_name.clear();
    } else {
      name = std::string(h, strnlen(h, 100));
      std::string pre(h + 345, strnlen(h + 345, 155));
      if (std::memcmp(h + 257, "ustar", 5) == 0 && !pre.empty()) name = pre + "/" + name;
    }
    if (type == 'L') {  // GNU long name: the next entry's name
      long_name = std::string(data.substr(0, data.find('\0')));
      continue;
    }
    if (type == 'x' || type == 'g') continue;  // pax headers: not needed here
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (name.rfind(prefix, 0) != 0) return Status::Invalid("tar contents corrupted");
    std::string target = Below(dest, name.substr(prefix.size()));
    if (target.empty()) {
      warn << "warning: file \"" << dest << "/" << name.substr(prefix.size())
           << "\" is outside target destination, skipping\n";
      continue;
    }
    if (type == '5') {
      RETURN_IF_ERROR(MkdirAll(target));
      continue;
    }
    if (type == '2') {
      warn << "warning: skipping symlink: \"" << target << "\" -> \""
           << std::string(h + 157, strnlen(h + 157, 100)) << "\"\n";
      continue;
    }
    if (type != '0' && type != '\0') continue;
    if (size_t slash = target.rfind('/'); slash != std::string::npos && slash > 0) {
      RETURN_IF_ERROR(MkdirAll(target.substr(0, slash)));
    }
    RETURN_IF_ERROR(
        WriteFileAtomic(target, data, static_cast<mode_t>(ParseOctal(h + 100, 8) & 0777)));
  }
  return Status::Ok();
}

}  // namespace sampan::kubectl
