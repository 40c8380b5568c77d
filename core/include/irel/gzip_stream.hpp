#pragma once
// A deterministic gzip compressor, for layers irel compresses itself (a legacy `docker save`
// tarball's uncompressed layer.tar files): a layer's digest is computed by compressing it once and
// the bytes uploaded by compressing it again, so the same input must give the same bytes every
// time, whatever the sizes of the pieces it is fed in, natively and in WebAssembly alike.
//
// How: zlib 1.2.13 in both builds (Debian's natively, the same source built with emcc), raw
// deflate at a fixed level, window and memory level, fed in fixed-size blocks whatever the
// caller's pieces (zlib's output may depend on how input arrives, not only on what it is), with a
// gzip header and trailer of our own: no name, no time (mtime 0), XFL 4 ("fastest"), OS byte 255
// ("unknown"): the header Go's compress/gzip writes at BestSpeed.
//
// Error codes: GZIP_FAILED (zlib refused: out of memory), GZIP_FINISHED (Update or Finish after
// Finish).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

// Level 1: every byte is compressed twice (once for the digest, once for the upload), and in
// WebAssembly level 6 ran at 23 MB/s against level 1's 73 MB/s (a 64 MiB tar of /usr/lib,
// zlib 1.2.13, Node 20) for layers only a tenth smaller (33.4% of the tar against 36.9%): level 6
// would make compression the slowest step of the copy by far. Changing it changes every
// converted image's digest.
inline constexpr int kGzipLevel = 1;

class GzipStream {
 public:
  GzipStream();
  ~GzipStream();
  GzipStream(GzipStream&&) noexcept;
  GzipStream& operator=(GzipStream&&) noexcept;
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Compresses `data`, returning the compressed bytes this made ready (often none: deflate keeps
  // input until it has a block). The first call's output starts with the gzip header.
  Result<std::string> Update(std::string_view data);
  Result<std::string> Update(const std::uint8_t* data, std::size_t size) {
    return Update(std::string_view(reinterpret_cast<const char*>(data), size));
  }

  // The rest: the last deflate blocks and the trailer (CRC-32, length mod 2^32). Once.
  Result<std::string> Finish();

  std::uint64_t bytes_in() const;   // uncompressed bytes given so far
  std::uint64_t bytes_out() const;  // compressed bytes returned so far, header included

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole gzip of `data` in one call (tests, small inputs).
Result<std::string> GzipBytes(std::string_view data);

}  // namespace irel
