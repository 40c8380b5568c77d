// Fuzz target for the archive reader: arbitrary bytes (plain or compressed tar) must give entries
// or a typed error, never a crash, with reads honouring their caps and entries their sizes. The
// first byte picks how the input is pulled (chunk size) and read (cap), to vary the seams.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "irel/archive_reader.hpp"

namespace {

bool KnownCode(const std::string& code) {
  for (const char* c : {"ARCHIVE_INVALID", "ARCHIVE_TRUNCATED", "ARCHIVE_ENTRY_UNSAFE", "ARCHIVE_ENTRY_TOO_LARGE",
                        "ARCHIVE_TOO_LARGE", "ARCHIVE_TOO_MANY_ENTRIES", "ARCHIVE_MEMORY_LIMIT"}) {
    if (code == c) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::size_t kChunks[] = {1, 7, 512, 4096, 65536, 1 << 20};
  static const std::size_t kCaps[] = {1, 13, 4096, 65536};
  const std::size_t chunk = kChunks[data[0] % 6];
  const std::size_t cap = kCaps[(data[0] >> 3) % 4];
  const bool read_all = (data[0] & 0x80) != 0;
  ++data;
  --size;

  std::size_t offset = 0;
  irel::ArchiveOptions options;
  options.max_entry_bytes = 8u << 20;  // keeps each run short whatever the compression ratio
  options.max_total_bytes = 16u << 20;
  options.max_entries = 256;
  options.max_decoder_bytes = 16u << 20;  // an xz dictionary over it: ARCHIVE_MEMORY_LIMIT
  options.block_size = 65536;
  irel::ArchiveReader reader(
      [&](std::uint8_t* buf, std::size_t want) -> std::int64_t {
        const std::size_t n = std::min({want, chunk, size - offset});
        std::memcpy(buf, data + offset, n);
        offset += n;
        return static_cast<std::int64_t>(n);
      },
      options);

  static std::uint8_t buf[65536];
  for (;;) {
    auto next = reader.Next();
    if (!next) {
      if (!KnownCode(next.error().code) || next.error().message.empty()) __builtin_trap();
      return 0;
    }
    if (!next.value()) break;
    const auto& entry = *next.value();
    if (!irel::IsSafePath(entry.path)) __builtin_trap();
    if (entry.size > options.max_entry_bytes) __builtin_trap();
    if (read_all) {
      auto all = reader.ReadAll(1 << 20);
      if (all && all->size() != entry.size) __builtin_trap();
      if (!all && !KnownCode(all.error().code)) __builtin_trap();
      if (!all) return 0;
      continue;
    }
    std::uint64_t got = 0;
    for (;;) {
      auto n = reader.Read(buf, cap);
      if (!n) {
        if (!KnownCode(n.error().code)) __builtin_trap();
        return 0;
      }
      if (*n > cap) __builtin_trap();
      if (*n == 0) break;
      got += *n;
    }
    if (got > entry.size) __builtin_trap();
  }
  // After the end, the end stays the end.
  auto again = reader.Next();
  if (!again || again.value()) __builtin_trap();
  return 0;
}
