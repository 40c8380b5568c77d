#pragma once
// Streaming reader of tar archives (plain, gzip, zstd, xz, bzip2) over libarchive, for thick
// bundles: bundle.json plus an OCI image layout, read entry by entry without unpacking to disk.
// The core does no I/O: bytes come from a pull callback the caller supplies (a memory buffer or a
// file natively; fs.readSync or FileReaderSync in WebAssembly). Memory stays bounded whatever the
// archive's size: one fixed read block (two for .xz) plus the decompressor's state, whose size the
// archive's headers choose: bounded by max_decoder_bytes for xz (decoded by the core with liblzma,
// not by libarchive) and by libzstd's window limit of 128 MiB for zstd.
//
// Error codes (messages name the entry when there is one):
//   ARCHIVE_INVALID          not a supported archive, or damaged
//   ARCHIVE_TRUNCATED        the input ended before the archive did
//   ARCHIVE_IO_ERROR         the pull callback reported an error (returned -1 or too many bytes)
//   ARCHIVE_ENTRY_UNSAFE     absolute path, ".." component, NUL, empty or overlong path
//   ARCHIVE_ENTRY_TOO_LARGE  an entry's size is over max_entry_bytes (or over ReadAll's max)
//   ARCHIVE_TOO_LARGE        the uncompressed stream is over max_total_bytes
//   ARCHIVE_TOO_MANY_ENTRIES more than max_entries entries
//   ARCHIVE_MEMORY_LIMIT     decoding needs more memory than allowed: an xz stream's dictionary over
//                            max_decoder_bytes, or a zstd window over libzstd's 128 MiB limit
//   ARCHIVE_UNSUPPORTED      this build's libarchive lacks a built-in decompressor (never shells out)
// Errors are sticky: once a call fails, every later call returns the same error (except ReadAll's
// own max).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

// Returns bytes written into buf (at most cap), 0 at end of input, -1 on error.
using ArchivePullFn = std::function<std::int64_t(std::uint8_t* buf, std::size_t cap)>;

// Limits against decompression bombs and runaway archives, and how the input is pulled.
struct ArchiveOptions {
  std::uint64_t max_entry_bytes = std::uint64_t{16} << 30;  // 16 GiB: an entry's declared size
  std::uint64_t max_total_bytes = std::uint64_t{64} << 30;  // 64 GiB of uncompressed tar stream
  std::uint64_t max_entries = 100000;
  // The most the xz decoder may allocate, its dictionary included (xz -9 needs about 65 MiB);
  // liblzma checks it against each block's header before allocating. zstd has a fixed limit
  // (libzstd's 128 MiB window), whatever this says.
  std::uint64_t max_decoder_bytes = std::uint64_t{128} << 20;
  std::size_t block_size = std::size_t{1} << 20;  // bytes asked of the pull callback per call
  // A tar stream that stops at an entry boundary without its end-of-archive marker (zero blocks)
  // was cut there: ARCHIVE_TRUNCATED. Off only for writers known to omit the marker.
  bool require_end_marker = true;
};

enum class ArchiveEntryType { File, Directory, Symlink, Hardlink, Other };

const char* ArchiveEntryTypeName(ArchiveEntryType type);  // "file", "dir", "symlink", "hardlink", "other"

struct ArchiveEntry {
  std::string path;         // normalized: no leading "./", no empty or "." components, no trailing "/"
  ArchiveEntryType type = ArchiveEntryType::Other;
  std::uint64_t size = 0;   // bytes of data Read() will return (0 for directories and links)
  std::string link_target;  // symlink or hardlink target as stored (hardlink targets normalized)
};

// True for a relative path with no "..", no NUL, not empty, not absolute. Links are not judged:
// callers decide whether to accept symlink/hardlink entries (IsSafePath(link_target) helps).
bool IsSafePath(std::string_view path);

class ArchiveReader {
 public:
  explicit ArchiveReader(ArchivePullFn pull, ArchiveOptions options = {});
  ~ArchiveReader();
  ArchiveReader(ArchiveReader&&) noexcept;
  ArchiveReader& operator=(ArchiveReader&&) noexcept;
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next entry's header, skipping whatever was left of the current entry's data; nullopt at
  // the end of the archive. The first call opens the archive (and makes the first pull).
  Result<std::optional<ArchiveEntry>> Next();

  // Data of the current entry: bytes written into buf (at most cap); 0 at the end of the entry,
  // or when there is no current entry.
  Result<std::size_t> Read(std::uint8_t* buf, std::size_t cap);

  // Skips the rest of the current entry's data; false when there was no current entry.
  Result<bool> Skip();

  // The rest of the current entry as one string, for small entries (bundle.json, index.json,
  // manifests): ARCHIVE_ENTRY_TOO_LARGE when the entry is over max bytes (the one error that is
  // not sticky: nothing was read, the caller may Skip() or Read() instead).
  Result<std::string> ReadAll(std::size_t max);

  const ArchiveOptions& options() const;
  std::uint64_t entries() const;           // entries returned by Next() so far
  std::uint64_t uncompressed_bytes() const;  // position in the uncompressed tar stream
  std::uint64_t compressed_bytes() const;    // bytes pulled from the callback

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace irel
