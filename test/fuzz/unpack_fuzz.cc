// libFuzzer target: the layer unpacker (tar parsing, whiteouts, links, path checks) and the
// decompressors in front of it. Each input is a layer blob (gzip/zstd/plain tar) unpacked
// into a fresh directory; afterwards nothing may exist next to that directory (a write
// outside the layer root aborts the run).

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "runtime/images/layer_unpacker.h"
#include "runtime/images/stream.h"

namespace {

std::string& Sandbox() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/sampan-fuzz-unpack-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sampan::images;  // NOLINT
  namespace fs = std::filesystem;
  const std::string& sandbox = Sandbox();
  std::string root = sandbox + "/root";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directory(root, ec);
  StringReader in(std::string(reinterpret_cast<const char*>(data), size));
  auto plain = Decompress(&in);
  if (plain.ok()) {
    HashingReader hashed(plain->get());
    (void)UnpackLayer(&hashed, root);
    (void)hashed.Drain();
  }
  for (const auto& entry : fs::directory_iterator(sandbox, ec)) {
    if (entry.path().filename() != "root") {
      fprintf(stderr, "unpack wrote outside its root: %s\n", entry.path().c_str());
      abort();
    }
  }
  fs::remove_all(root, ec);
  return 0;
}
