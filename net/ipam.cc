#include "net/ipam.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "pkg/util/unique_fd.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"

namespace sampan::net {
namespace {

const log::Logger kLog("net");
constexpr char kLastFile[] = "last_reserved_ip";

Status SyncDir(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open " + dir);
  if (fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + dir);
  return Status::Ok();
}

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "write " + path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// The owner stored in an address file: its content up to the first newline.
std::string OwnerFromContent(const std::string& content) {
  return content.substr(0, content.find('\n'));
}

}  // namespace

Result<std::unique_ptr<Ipam>> Ipam::Open(const std::string& state_dir, Ipv4Prefix subnet,
                                         uint32_t gateway) {
  if (subnet.length > 30) {
    return Status::Invalid("pod subnet " + subnet.ToString() + " has no address for pods");
  }
  if (!subnet.Contains(gateway) || gateway == subnet.address || gateway == subnet.Broadcast()) {
    return Status::Invalid("gateway " + FormatIpv4(gateway) + " is not a host address of " +
                           subnet.ToString());
  }
  RETURN_IF_ERROR(MakeDirs(state_dir, 0700));
  std::unique_ptr<Ipam> ipam(new Ipam(state_dir, subnet, gateway));
  RETURN_IF_ERROR(ipam->Load());
  return ipam;
}

std::string Ipam::PathOf(uint32_t address) const { return dir_ + "/" + FormatIpv4(address); }

Status Ipam::Load() {
  DIR* d = opendir(dir_.c_str());
  if (d == nullptr) return Status::FromErrno(errno, "opendir " + dir_);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
  closedir(d);
  bool dropped = false;
  for (const std::string& name : names) {
    auto address = ParseIpv4(name);
    if (!address) continue;  // ".", "..", last_reserved_ip, temporary files
    if (!subnet_.Contains(*address) || *address == subnet_.address ||
        *address == subnet_.Broadcast() || *address == gateway_) {
      kLog.Warn("dropping allocation {} outside the pod subnet {}", name, subnet_.ToString());
      if (unlink(PathOf(*address).c_str()) != 0 && errno != ENOENT) {
        return Status::FromErrno(errno, "unlink " + PathOf(*address));
      }
      dropped = true;
      continue;
    }
    auto content = ReadFileToString(PathOf(*address));
    if (!content.ok()) return content.status();
    allocated_[*address] = OwnerFromContent(*content);
  }
  if (dropped) RETURN_IF_ERROR(SyncDir(dir_));
  auto last = ReadFileToString(dir_ + "/" + kLastFile);
  if (last.ok()) {
    auto address = ParseIpv4(OwnerFromContent(*last));
    if (address && subnet_.Contains(*address)) last_ = *address;
  } else if (!last.status().IsNotFound()) {
    return last.status();
  }
  kLog.Debug("ipam {}: {} addresses allocated", dir_, allocated_.size());
  return Status::Ok();
}

Result<uint32_t> Ipam::Allocate(const std::string& owner) {
  if (owner.empty() || owner.find('\n') != std::string::npos) {
    return Status::Invalid("ipam: invalid owner id \"" + owner + "\"");
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [address, who] : allocated_) {
    if (who == owner) return address;
  }
  const uint32_t first = subnet_.address + 1;
  const uint32_t last = subnet_.Broadcast() - 1;
  const uint32_t count = last - first + 1;
  uint32_t candidate = (last_ >= first && last_ < last) ? last_ + 1 : first;
  for (uint32_t i = 0; i < count; ++i, candidate = candidate == last ? first : candidate + 1) {
    if (candidate == gateway_ || allocated_.count(candidate)) continue;
    std::string path = PathOf(candidate);
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) {
      if (errno == EEXIST) {  // not ours to take (left behind by someone else): skip it
        kLog.Warn("ipam: {} exists but was not loaded; skipping it", path);
        continue;
      }
      return Status::FromErrno(errno, "ipam: create " + path);
    }
    Status st = WriteAll(fd.get(), owner + "\n", path);
    if (st.ok() && fsync(fd.get()) != 0) st = Status::FromErrno(errno, "fsync " + path);
    fd.Reset();
    if (st.ok()) st = SyncDir(dir_);
    if (!st.ok()) {
      unlink(path.c_str());
      return st.WithContext("ipam: allocate for " + owner);
    }
    allocated_[candidate] = owner;
    last_ = candidate;
    // Only a hint for round-robin: losing it in a crash costs nothing but an earlier reuse.
    Status hint = WriteFileAtomic(dir_ + "/" + kLastFile, FormatIpv4(candidate) + "\n", 0600);
    if (!hint.ok()) kLog.Warn("ipam: {}", hint.ToString());
    return candidate;
  }
  return Status::Unavailable("ipam: no free address left in " + subnet_.ToString() + " (" +
                             std::to_string(allocated_.size()) + " allocated)");
}

Status Ipam::ReleaseLocked(uint32_t address) {
  std::string path = PathOf(address);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "ipam: unlink " + path);
  }
  allocated_.erase(address);
  return Status::Ok();
}

Status Ipam::Release(const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint32_t> mine;  // one, unless the files were edited by hand
  for (const auto& [address, who] : allocated_) {
    if (who == owner) mine.push_back(address);
  }
  for (uint32_t address : mine) RETURN_IF_ERROR(ReleaseLocked(address));
  return mine.empty() ? Status::Ok() : SyncDir(dir_);
}

Result<std::vector<std::string>> Ipam::ReleaseExcept(const std::set<std::string>& live) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<uint32_t, std::string>> stale;
  for (const auto& [address, who] : allocated_) {
    if (!live.count(who)) stale.emplace_back(address, who);
  }
  std::vector<std::string> released;
  for (const auto& [address, who] : stale) {
    RETURN_IF_ERROR(ReleaseLocked(address));
    kLog.Info("released {} of gone sandbox {}", FormatIpv4(address), who.empty() ? "(none)" : who);
    released.push_back(who);
  }
  if (!stale.empty()) RETURN_IF_ERROR(SyncDir(dir_));
  return released;
}

std::optional<uint32_t> Ipam::AddressOf(const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [address, who] : allocated_) {
    if (who == owner) return address;
  }
  return std::nullopt;
}

std::map<uint32_t, std::string> Ipam::Allocations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return allocated_;
}

}  // namespace sampan::net
