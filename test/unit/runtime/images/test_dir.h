#pragma once
// A temporary directory for a test, removed with everything in it afterwards.

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace sampan::images::testing {

class TestDir {
 public:
  TestDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sampan-img-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

}  // namespace sampan::images::testing
