#include "xz_input.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace irel {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

std::string Mib(std::uint64_t bytes, bool round_up) {
  if (!round_up && bytes % kMiB != 0) return std::to_string(bytes) + " bytes";
  return std::to_string(bytes / kMiB + (bytes % kMiB != 0 ? 1 : 0)) + " MiB";
}

}  // namespace

bool HasXzMagic(const std::uint8_t* bytes) {
  static const std::uint8_t kMagic[kXzMagicBytes] = {0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00};
  return std::memcmp(bytes, kMagic, kXzMagicBytes) == 0;
}

XzInput::XzInput(Pull pull, std::string_view head, std::size_t block, std::uint64_t memlimit)
    : pull_(std::move(pull)), in_(std::max(block, head.size())), memlimit_(memlimit) {
  std::memcpy(in_.data(), head.data(), head.size());
  stream_.next_in = in_.data();
  stream_.avail_in = head.size();
  // LZMA_CONCATENATED: as xz(1) and libarchive read, streams one after another are one input.
  const lzma_ret r = lzma_stream_decoder(&stream_, memlimit_, LZMA_CONCATENATED);
  if (r != LZMA_OK) error_ = Fail(r);
}

XzInput::~XzInput() { lzma_end(&stream_); }

Error XzInput::Fail(lzma_ret ret) {
  switch (ret) {
    case LZMA_MEMLIMIT_ERROR:
      return Error{"ARCHIVE_MEMORY_LIMIT", "the xz stream needs " + Mib(lzma_memusage(&stream_), true) +
                                               " to decode (its dictionary), over the limit of " +
                                               Mib(memlimit_, false) + " (maxDecoderBytes)"};
    case LZMA_MEM_ERROR:
      return Error{"ARCHIVE_MEMORY_LIMIT", "out of memory allocating the xz decoder"};
    case LZMA_BUF_ERROR:
      // The only way no progress is possible here: the input ended inside a stream.
      return Error{"ARCHIVE_TRUNCATED", "the input ended before the archive did (the xz stream is cut short)"};
    case LZMA_FORMAT_ERROR: return Error{"ARCHIVE_INVALID", "not a valid xz stream"};
    case LZMA_OPTIONS_ERROR: return Error{"ARCHIVE_INVALID", "the xz stream uses options this decoder does not support"};
    case LZMA_DATA_ERROR: return Error{"ARCHIVE_INVALID", "the xz data is corrupt"};
    default: return Error{"ARCHIVE_INVALID", "xz decoding failed (liblzma error " + std::to_string(ret) + ")"};
  }
}

Result<std::size_t> XzInput::Read(std::uint8_t* out, std::size_t cap) {
  if (error_) return *error_;
  if (done_ || cap == 0) return std::size_t{0};
  stream_.next_out = out;
  stream_.avail_out = cap;
  while (stream_.avail_out == cap) {
    if (stream_.avail_in == 0 && !input_ended_) {
      const std::int64_t n = pull_(in_.data(), in_.size());
      if (n < 0) {
        error_ = Error{"ARCHIVE_IO_ERROR", "the archive's source reported a read error"};
        return *error_;
      }
      input_ended_ = n == 0;
      stream_.next_in = in_.data();
      stream_.avail_in = static_cast<std::size_t>(n);
    }
    const lzma_ret r = lzma_code(&stream_, input_ended_ ? LZMA_FINISH : LZMA_RUN);
    if (r == LZMA_STREAM_END) {
      done_ = true;
      break;
    }
    if (r != LZMA_OK) {
      error_ = Fail(r);
      return *error_;
    }
  }
  return cap - stream_.avail_out;
}

}  // namespace irel
