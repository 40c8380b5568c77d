#pragma once
// The .xz layer of ArchiveReader, decoded here with a memory limit: libarchive 3.6.2's xz filter
// passes liblzma no limit, so a stream whose header asks for a 1.5 GiB dictionary would get one.
// liblzma checks the limit against each block header before allocating anything.
#include <lzma.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "irel/result.hpp"

namespace irel {

inline constexpr std::size_t kXzMagicBytes = 6;

// True when `bytes` (at least kXzMagicBytes of them) start an .xz stream: FD 37 7A 58 5A 00.
bool HasXzMagic(const std::uint8_t* bytes);

class XzInput {
 public:
  // As ArchivePullFn: bytes written (at most cap), 0 at the end of the input, -1 on error.
  using Pull = std::function<std::int64_t(std::uint8_t* buf, std::size_t cap)>;

  // `head`: the input's first bytes, already pulled; `block`: bytes asked of `pull` per call;
  // `memlimit`: the most the decoder may allocate (dictionary and state).
  XzInput(Pull pull, std::string_view head, std::size_t block, std::uint64_t memlimit);
  ~XzInput();
  XzInput(const XzInput&) = delete;
  XzInput& operator=(const XzInput&) = delete;

  // Decoded bytes written into out (at most cap, at least 1 unless at the end); 0 once the input
  // ended after whole streams (concatenated streams and stream padding are read through).
  // Errors (messages without the "archive: " prefix) are sticky:
  //   ARCHIVE_MEMORY_LIMIT  a block needs more than memlimit (or the allocation failed)
  //   ARCHIVE_TRUNCATED     the input ended inside a stream
  //   ARCHIVE_INVALID       damaged or unsupported data
  //   ARCHIVE_IO_ERROR      pull returned -1
  Result<std::size_t> Read(std::uint8_t* out, std::size_t cap);

 private:
  Error Fail(lzma_ret ret);

  Pull pull_;
  std::vector<std::uint8_t> in_;
  std::uint64_t memlimit_;
  lzma_stream stream_ = LZMA_STREAM_INIT;
  bool input_ended_ = false;  // pull returned 0
  bool done_ = false;         // every stream decoded, input ended
  std::optional<Error> error_;
};

}  // namespace irel
