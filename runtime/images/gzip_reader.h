#pragma once
// Streaming gzip decompression for stream.h's Decompress(): ISA-L's igzip when the build
// found its static archive (SAMPAN_HAVE_ISAL; 2-3x faster than zlib on x86-64), zlib
// otherwise. Concatenated members form one stream (RFC 1952); a stream that ends inside a
// member, corrupt data and a CRC or length mismatch in a trailer are Invalid errors.
// Checksum::kSkip drops zlib's CRC-32 (ISA-L's is cheap and always checked).

#include <memory>
#include <string_view>

#include "runtime/images/stream.h"

namespace sampan::images {

std::unique_ptr<Reader> NewGzipReader(std::unique_ptr<Reader> in, Checksum checksum);
// "isa-l" or "zlib": which implementation NewGzipReader uses.
std::string_view GzipImplementation();

}  // namespace sampan::images
