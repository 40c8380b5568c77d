#include "irel/archive_reader.hpp"

#include "irel/archive_path.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "xz_input.hpp"

namespace irel {
namespace {

constexpr std::size_t kMinBlock = 4096;
constexpr std::size_t kMaxBlock = std::size_t{16} << 20;

std::string Quote(std::string_view path) { return QuoteArchivePath(path); }

// Drops empty and "." components (so "./a//b/" is "a/b"); "." for the archive's root.
std::string Normalize(std::string_view path) {
  std::string out = NormalizeArchivePath(path);
  return out.empty() ? "." : out;
}

bool LooksTruncated(const std::string& message) {
  // libarchive's readers (tar, gzip, bzip2, zstd, archive_read.c) say "truncated" or "Premature
  // end-of-file".
  for (const char* word : {"runcated", "Premature", "premature", "end-of-file"}) {
    if (message.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

const char* ArchiveEntryTypeName(ArchiveEntryType type) {
  switch (type) {
    case ArchiveEntryType::File: return "file";
    case ArchiveEntryType::Directory: return "dir";
    case ArchiveEntryType::Symlink: return "symlink";
    case ArchiveEntryType::Hardlink: return "hardlink";
    case ArchiveEntryType::Other: break;
  }
  return "other";
}

bool IsSafePath(std::string_view path) { return ArchivePathProblem(path).empty(); }

struct ArchiveReader::Impl {
  ArchivePullFn pull;
  ArchiveOptions options;
  archive* a = nullptr;
  std::vector<std::uint8_t> block;
  bool opened = false;
  bool at_end = false;
  bool sniffed = false;      // the first bytes were looked at (xz or not)
  std::unique_ptr<XzInput> xz;  // set when the input is .xz: libarchive then reads the tar inside
  bool raw_eof = false;      // the pull callback returned 0
  bool eof_seen = false;     // libarchive was given the end of its (tar or compressed) stream
  bool io_failed = false;    // the pull callback returned -1, too much, or threw
  std::string io_message;
  std::optional<Error> xz_error;
  std::optional<Error> error;
  bool has_entry = false;    // a current entry whose data may still be read
  bool entry_done = false;   // its data was read to the end or skipped
  std::string entry_path;
  std::uint64_t entry_size = 0;
  std::uint64_t entry_read = 0;
  std::uint64_t entries = 0;
  std::uint64_t pulled = 0;

  ~Impl() {
    if (a != nullptr) archive_read_free(a);
  }

  // One call of the caller's pull callback: bytes written, 0 at the end, -1 on error.
  std::int64_t PullRaw(std::uint8_t* buf, std::size_t cap) {
    if (io_failed) return -1;
    if (raw_eof) return 0;
    std::int64_t n = -1;
    try {
      n = pull(buf, cap);
    } catch (...) {
      n = -1;
    }
    if (n < 0 || static_cast<std::uint64_t>(n) > cap) {
      io_failed = true;
      io_message = n < 0 ? "the archive's source reported a read error"
                         : "the archive's source returned more bytes than asked for";
      return -1;
    }
    if (n == 0) raw_eof = true;
    pulled += static_cast<std::uint64_t>(n);
    return n;
  }

  // What libarchive reads next into `block`. The first call looks at the input's magic: .xz is
  // decoded here, under max_decoder_bytes, and libarchive gets the tar inside.
  std::int64_t Fill() {
    if (xz) {
      auto n = xz->Read(block.data(), block.size());
      if (!n) {
        if (!io_failed) xz_error = n.error();
        return -1;
      }
      return static_cast<std::int64_t>(*n);
    }
    if (sniffed) return PullRaw(block.data(), block.size());
    sniffed = true;
    std::size_t have = 0;
    while (have < kXzMagicBytes) {
      const std::int64_t n = PullRaw(block.data() + have, block.size() - have);
      if (n < 0) return -1;
      if (n == 0) break;
      have += static_cast<std::size_t>(n);
    }
    if (have < kXzMagicBytes || !HasXzMagic(block.data())) return static_cast<std::int64_t>(have);
    xz = std::make_unique<XzInput>([this](std::uint8_t* buf, std::size_t cap) { return PullRaw(buf, cap); },
                                   std::string_view(reinterpret_cast<const char*>(block.data()), have),
                                   block.size(), options.max_decoder_bytes);
    return Fill();
  }

  static la_ssize_t ReadCallback(archive* ar, void* client, const void** out) {
    auto* self = static_cast<Impl*>(client);
    *out = self->block.data();
    if (self->eof_seen) return 0;
    const std::int64_t n = self->Fill();
    if (n < 0) {
      archive_set_error(ar, EIO, "%s", self->io_failed ? self->io_message.c_str() : self->xz_error->message.c_str());
      return -1;
    }
    if (n == 0) self->eof_seen = true;
    return static_cast<la_ssize_t>(n);
  }

  std::uint64_t Position() const {
    if (a == nullptr) return 0;
    const la_int64_t p = archive_filter_bytes(a, 0);
    return p < 0 ? 0 : static_cast<std::uint64_t>(p);
  }

  Error Fail(Error e) {
    error = e;
    has_entry = false;
    return e;
  }

  Error Fail(std::string code, std::string message) { return Fail(Error{std::move(code), std::move(message)}); }

  std::string Where() const {
    return has_entry ? "archive entry " + Quote(entry_path) + ": " : std::string("archive: ");
  }

  // A libarchive failure, classified: our source's error, input that ended early, or bad data.
  Error FailFromArchive() {
    const char* text = a != nullptr ? archive_error_string(a) : nullptr;
    const std::string detail = text != nullptr ? text : "unknown libarchive error";
    if (io_failed) return Fail("ARCHIVE_IO_ERROR", Where() + io_message);
    if (xz_error) return Fail(xz_error->code, Where() + xz_error->message);
    // libzstd refuses frames whose window is over its default limit of 2^27 bytes (zstd --long=28
    // and up); libarchive 3.6.2 does not raise it, and neither do we: decoding such a frame takes
    // its window in memory.
    if (detail.find("Frame requires too much memory for decoding") != std::string::npos) {
      return Fail("ARCHIVE_MEMORY_LIMIT", Where() + "the zstd stream's window is over 128 MiB, libzstd's limit for "
                                                    "decoding (zstd --long=28 and up make such windows): recompress "
                                                    "it with --long=27 or less");
    }
    if (eof_seen && LooksTruncated(detail)) {
      return Fail("ARCHIVE_TRUNCATED", Where() + "the input ended before the archive did (" + detail + ")");
    }
    return Fail("ARCHIVE_INVALID", Where() + detail);
  }

  std::optional<Error> Open() {
    opened = true;
    block.resize(std::clamp(options.block_size, kMinBlock, kMaxBlock));
    a = archive_read_new();
    if (a == nullptr) return Fail("ARCHIVE_INVALID", "archive: cannot allocate a reader");
    // Only built-in decompressors: libarchive would otherwise fall back to running external
    // programs (ARCHIVE_WARN), which the core must never do. No xz: the outer .xz layer is ours
    // (Fill), and libarchive's xz filter, which has no memory limit, must not decode any other
    // (an xz stream inside gzip, or inside xz, is then not recognized: ARCHIVE_INVALID).
    const std::pair<const char*, int (*)(archive*)> filters[] = {
        {"gzip", archive_read_support_filter_gzip},
        {"bzip2", archive_read_support_filter_bzip2},
        {"zstd", archive_read_support_filter_zstd},
    };
    for (const auto& [name, add] : filters) {
      if (add(a) != ARCHIVE_OK) {
        return Fail("ARCHIVE_UNSUPPORTED", std::string("archive: this build has no built-in ") + name + " decompressor");
      }
    }
    if (archive_read_support_format_tar(a) != ARCHIVE_OK) {
      return Fail("ARCHIVE_UNSUPPORTED", "archive: this build cannot read tar");
    }
    if (archive_read_open(a, this, nullptr, &Impl::ReadCallback, nullptr) != ARCHIVE_OK) {
      return FailFromArchive();
    }
    return std::nullopt;
  }

  std::optional<Error> CheckTotal(std::uint64_t extra) {
    const std::uint64_t pos = Position();
    if (pos > options.max_total_bytes || extra > options.max_total_bytes - pos) {
      return Fail("ARCHIVE_TOO_LARGE", Where() + "the uncompressed archive is over the limit of " +
                                           std::to_string(options.max_total_bytes) + " bytes");
    }
    return std::nullopt;
  }

  Result<std::optional<ArchiveEntry>> Next() {
    if (error) return *error;
    if (at_end) return std::optional<ArchiveEntry>{};
    if (!opened) {
      if (auto e = Open()) return *e;
    }
    if (has_entry && !entry_done) {
      if (archive_read_data_skip(a) != ARCHIVE_OK) return FailFromArchive();
    }
    has_entry = false;
    const std::uint64_t before = Position();
    archive_entry* e = nullptr;
    const int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) {
      if (io_failed) return FailFromArchive();
      at_end = true;
      if (options.require_end_marker && Position() - before < 512) {
        return Fail("ARCHIVE_TRUNCATED", "archive: the input ended after " + std::to_string(entries) +
                                             " entries without the end-of-archive marker");
      }
      return std::optional<ArchiveEntry>{};
    }
    if (r < ARCHIVE_WARN || e == nullptr) return FailFromArchive();

    const char* raw = archive_entry_pathname_utf8(e);
    if (raw == nullptr) raw = archive_entry_pathname(e);
    if (raw == nullptr) {
      return Fail("ARCHIVE_INVALID", "archive: entry " + std::to_string(entries + 1) + " has no readable path");
    }
    const std::string_view raw_path(raw);
    entry_path = std::string(raw_path);
    if (const std::string why = ArchivePathProblem(raw_path); !why.empty()) {
      return Fail("ARCHIVE_ENTRY_UNSAFE", "archive entry " + Quote(raw_path) + ": " + why);
    }

    ArchiveEntry out;
    out.path = Normalize(raw_path);
    entry_path = out.path;
    if (const char* hard = archive_entry_hardlink(e)) {
      out.type = ArchiveEntryType::Hardlink;
      out.link_target = IsSafePath(hard) ? Normalize(hard) : std::string(hard);
    } else {
      switch (archive_entry_filetype(e)) {
        case AE_IFREG: out.type = ArchiveEntryType::File; break;
        case AE_IFDIR: out.type = ArchiveEntryType::Directory; break;
        case AE_IFLNK:
          out.type = ArchiveEntryType::Symlink;
          if (const char* target = archive_entry_symlink(e)) out.link_target = target;
          break;
        default: out.type = ArchiveEntryType::Other; break;
      }
    }
    const la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (size < 0) return Fail("ARCHIVE_INVALID", "archive entry " + Quote(out.path) + ": negative size");
    out.size = out.type == ArchiveEntryType::Directory || out.type == ArchiveEntryType::Symlink
                   ? 0
                   : static_cast<std::uint64_t>(size);

    if (++entries > options.max_entries) {
      return Fail("ARCHIVE_TOO_MANY_ENTRIES", "archive entry " + Quote(out.path) + ": the archive has more than " +
                                                  std::to_string(options.max_entries) + " entries");
    }
    if (out.size > options.max_entry_bytes) {
      return Fail("ARCHIVE_ENTRY_TOO_LARGE", "archive entry " + Quote(out.path) + " is " + std::to_string(out.size) +
                                                 " bytes, over the limit of " +
                                                 std::to_string(options.max_entry_bytes));
    }
    has_entry = true;
    entry_done = out.size == 0 && out.type != ArchiveEntryType::File;
    entry_size = out.size;
    entry_read = 0;
    if (auto err = CheckTotal(out.size)) return *err;
    return std::optional<ArchiveEntry>(std::move(out));
  }

  Result<std::size_t> Read(std::uint8_t* buf, std::size_t cap) {
    if (error) return *error;
    if (!has_entry || entry_done || cap == 0) return std::size_t{0};
    const la_ssize_t n = archive_read_data(a, buf, cap);
    if (n < 0) return FailFromArchive();
    if (n == 0) {
      entry_done = true;
      if (entry_read != entry_size) {
        return Fail("ARCHIVE_INVALID", Where() + "data ended after " + std::to_string(entry_read) + " of " +
                                           std::to_string(entry_size) + " bytes");
      }
      return std::size_t{0};
    }
    entry_read += static_cast<std::uint64_t>(n);
    if (entry_read > entry_size) {
      return Fail("ARCHIVE_INVALID", Where() + "more data than the " + std::to_string(entry_size) +
                                         " bytes its header declares");
    }
    if (auto err = CheckTotal(0)) return *err;
    return static_cast<std::size_t>(n);
  }

  Result<bool> Skip() {
    if (error) return *error;
    if (!has_entry) return false;
    if (!entry_done) {
      if (archive_read_data_skip(a) != ARCHIVE_OK) return FailFromArchive();
      entry_done = true;
    }
    if (auto err = CheckTotal(0)) return *err;
    return true;
  }

  Result<std::string> ReadAll(std::size_t max) {
    if (error) return *error;
    std::string out;
    if (!has_entry || entry_done) return out;
    const std::uint64_t remaining = entry_size - entry_read;
    if (remaining > max) {  // nothing consumed: not sticky, the caller may Skip() instead
      return Error{"ARCHIVE_ENTRY_TOO_LARGE", Where() + "is " + std::to_string(entry_size) +
                                                  " bytes, over the limit of " + std::to_string(max) +
                                                  " for reading it whole"};
    }
    out.resize(static_cast<std::size_t>(remaining));
    std::size_t filled = 0;
    for (;;) {
      if (filled == out.size()) {
        // Confirms the end of the entry (and its declared size) with one more read.
        std::uint8_t probe[1];
        auto n = Read(probe, sizeof probe);
        if (!n) return n.error();
        if (*n != 0) return Fail("ARCHIVE_INVALID", Where() + "more data than its header declares");
        return out;
      }
      auto n = Read(reinterpret_cast<std::uint8_t*>(&out[filled]), out.size() - filled);
      if (!n) return n.error();
      if (*n == 0) return Fail("ARCHIVE_INVALID", Where() + "data ended early");
      filled += *n;
    }
  }
};

ArchiveReader::ArchiveReader(ArchivePullFn pull, ArchiveOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->pull = std::move(pull);
  impl_->options = options;
}

ArchiveReader::~ArchiveReader() = default;
ArchiveReader::ArchiveReader(ArchiveReader&&) noexcept = default;
ArchiveReader& ArchiveReader::operator=(ArchiveReader&&) noexcept = default;

Result<std::optional<ArchiveEntry>> ArchiveReader::Next() { return impl_->Next(); }
Result<std::size_t> ArchiveReader::Read(std::uint8_t* buf, std::size_t cap) { return impl_->Read(buf, cap); }
Result<bool> ArchiveReader::Skip() { return impl_->Skip(); }
Result<std::string> ArchiveReader::ReadAll(std::size_t max) { return impl_->ReadAll(max); }
const ArchiveOptions& ArchiveReader::options() const { return impl_->options; }
std::uint64_t ArchiveReader::entries() const { return impl_->entries; }
std::uint64_t ArchiveReader::uncompressed_bytes() const { return impl_->Position(); }
std::uint64_t ArchiveReader::compressed_bytes() const { return impl_->pulled; }

}  // namespace irel
