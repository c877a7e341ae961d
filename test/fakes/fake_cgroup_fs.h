#pragma once
// FakeCgroupFs: an in-memory cgroup file system for the cgroup drivers' unit tests. Files
// and directories are map entries; writes are recorded in order. Not thread-safe.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cgroups/cgroup_fs.h"

namespace sampan::testing {

class FakeCgroupFs final : public runtime::CgroupFs {
 public:
  Status Write(const std::string& path, const std::string& value) override {
    std::string dir = path.substr(0, path.rfind('/'));
    if (!dirs_.count(dir)) return Status::NotFound("no directory " + dir);
    files_[path] = value;
    writes_.emplace_back(path, value);
    return Status::Ok();
  }
  Result<std::string> Read(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::NotFound("no file " + path);
    return it->second;
  }
  bool Exists(const std::string& path) override {
    return dirs_.count(path) > 0 || files_.count(path) > 0;
  }
  Status MakeDir(const std::string& path) override {
    std::string parent = path.substr(0, path.rfind('/'));
    if (!dirs_.count(parent)) return Status::NotFound("no parent for " + path);
    dirs_.insert(path);
    return Status::Ok();
  }
  Status RemoveDir(const std::string& path) override {
    dirs_.erase(path);
    return Status::Ok();
  }

  Status RestrictDevices(const std::string& dir, const std::vector<std::string>& rules) override {
    if (!dirs_.count(dir)) return Status::NotFound("no directory " + dir);
    device_rules_[dir] = rules;
    return Status::Ok();
  }

  void AddDir(const std::string& path) { dirs_.insert(path); }
  // The rules given to RestrictDevices for a directory (empty: none).
  std::vector<std::string> DeviceRules(const std::string& dir) const {
    auto it = device_rules_.find(dir);
    return it == device_rules_.end() ? std::vector<std::string>() : it->second;
  }
  void SetFile(const std::string& path, std::string value) { files_[path] = std::move(value); }
  std::string File(const std::string& path) const {
    auto it = files_.find(path);
    return it == files_.end() ? "" : it->second;
  }
  const std::vector<std::pair<std::string, std::string>>& writes() const { return writes_; }
  bool HasDir(const std::string& path) const { return dirs_.count(path) > 0; }

 private:
  std::set<std::string> dirs_;
  std::map<std::string, std::string> files_;
  std::vector<std::pair<std::string, std::string>> writes_;
  std::map<std::string, std::vector<std::string>> device_rules_;
};

}  // namespace sampan::testing
