// mkimage OUT_DIR: writes the standard test images (test/fixtures/image_builder.h) for the
// integration tests:
//   busybox.oci.tar        OCI layout, named docker.io/library/busybox:fixture
//   busybox.docker.tar.gz  docker save archive, gzip, busybox:docker
//   multi.oci.tar.zst      OCI layout, zstd, example.com/multi:1 (whiteouts, links, ...)
//   multi.docker.tar       docker save archive, multi:docker
//   busybox.layout/        OCI layout directory (for skopeo/umoci), ref "fixture"
//   multi.layout/          the same for the multi-layer image

#include <cstdio>
#include <string>

#include "test/fixtures/image_builder.h"

using namespace sampan;            // NOLINT
using namespace sampan::fixtures;  // NOLINT

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: mkimage OUT_DIR\n");
    return 2;
  }
  std::string out = argv[1];
  Result<Image> busybox = BusyboxImage();
  Result<Image> multi = MultiLayerImage();
  if (!busybox.ok() || !multi.ok()) {
    fprintf(stderr, "mkimage: %s\n",
            (busybox.ok() ? multi.status() : busybox.status()).ToString().c_str());
    return 1;
  }
  Status st =
      WriteOciArchive(*busybox, "docker.io/library/busybox:fixture", out + "/busybox.oci.tar");
  if (st.ok()) {
    st = WriteDockerArchive(*busybox, "busybox:docker", out + "/busybox.docker.tar.gz",
                            Compression::kGzip);
  }
  if (st.ok()) {
    st = WriteOciArchive(*multi, "example.com/multi:1", out + "/multi.oci.tar.zst",
                         Compression::kZstd);
  }
  if (st.ok()) st = WriteDockerArchive(*multi, "multi:docker", out + "/multi.docker.tar");
  if (st.ok()) st = WriteOciDir(*busybox, "fixture", out + "/busybox.layout");
  if (st.ok()) st = WriteOciDir(*multi, "fixture", out + "/multi.layout");
  if (!st.ok()) {
    fprintf(stderr, "mkimage: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
