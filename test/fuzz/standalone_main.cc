// A main() for fuzz targets built without libFuzzer (ordinary builds): runs the target once
// on each file named on the command line, so that the targets keep compiling and a corpus
// can be replayed as a regression test. `make fuzz` builds the real libFuzzer binaries.

#include <stddef.h>
#include <stdint.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      fprintf(stderr, "cannot read %s\n", argv[i]);
      return 1;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  printf("ran %d inputs\n", argc - 1);
  return 0;
}
