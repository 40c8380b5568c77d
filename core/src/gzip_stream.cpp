#include "irel/gzip_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace irel {
namespace {

// Input goes to deflate in blocks of exactly this size (the last one shorter), and its output
// comes out through a scratch buffer of a fixed size: the sequence of deflate calls, and so
// every byte they write, depends on the input alone.
constexpr std::size_t kBlock = std::size_t{64} << 10;
constexpr std::size_t kScratch = std::size_t{64} << 10;

// ID1 ID2, CM = deflate, FLG = none, MTIME = 0, XFL = 4 (fastest, for level 1), OS = 255 (unknown).
static_assert(kGzipLevel == 1, "XFL says the level: 4 for level 1, 2 for 9, 0 otherwise");
constexpr std::array<char, 10> kHeader = {'\x1f', '\x8b', '\x08', 0, 0, 0, 0, 0, '\x04', '\xff'};

void PutLe32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

Error Failed(const std::string& what) { return Error{"GZIP_FAILED", "gzip: " + what}; }

}  // namespace

struct GzipStream::Impl {
  z_stream z{};
  bool ready = false;
  bool header_sent = false;
  bool finished = false;
  std::optional<Error> error;
  std::string pending;  // fewer than kBlock bytes, waiting for a whole block
  uLong crc = crc32(0L, Z_NULL, 0);
  std::uint64_t in = 0;
  std::uint64_t out = 0;
  std::array<unsigned char, kScratch> scratch{};

  Impl() {
    // Raw deflate (negative window bits): the gzip framing is ours, so no byte of it is zlib's
    // choice (zlib's own header writes an OS byte that depends on the platform it was built for).
    if (deflateInit2(&z, kGzipLevel, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
      ready = true;
    } else {
      error = Failed("zlib could not start a deflate stream (out of memory)");
    }
  }

  ~Impl() {
    if (ready) deflateEnd(&z);
  }

  // Deflates n bytes (at most kBlock) with `flush`, appending what comes out to dst.
  bool Deflate(const char* p, std::size_t n, int flush, std::string& dst) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p));
    z.avail_in = static_cast<uInt>(n);
    for (;;) {
      z.next_out = scratch.data();
      z.avail_out = static_cast<uInt>(scratch.size());
      const int rc = deflate(&z, flush);
      if (rc == Z_STREAM_ERROR) {
        error = Failed("zlib's deflate failed");
        return false;
      }
      dst.append(reinterpret_cast<const char*>(scratch.data()), scratch.size() - z.avail_out);
      // Without a flush, deflate returns once it took all the input or filled the scratch.
      if (flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_out != 0) return true;
    }
  }

  void Crc(std::string_view data) {
    // crc32 takes a uInt length: pieces larger than 1 GiB go in parts.
    for (std::size_t at = 0; at < data.size();) {
      const std::size_t n = std::min<std::size_t>(data.size() - at, std::size_t{1} << 30);
      crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + at), static_cast<uInt>(n));
      at += n;
    }
  }

  std::optional<Error> Usable() const {
    if (error) return error;
    if (finished) return Error{"GZIP_FINISHED", "gzip: the stream was already finished"};
    return std::nullopt;
  }

  void Header(std::string& dst) {
    if (header_sent) return;
    dst.append(kHeader.data(), kHeader.size());
    header_sent = true;
  }
};

GzipStream::GzipStream() : impl_(std::make_unique<Impl>()) {}
GzipStream::~GzipStream() = default;
GzipStream::GzipStream(GzipStream&&) noexcept = default;
GzipStream& GzipStream::operator=(GzipStream&&) noexcept = default;

Result<std::string> GzipStream::Update(std::string_view data) {
  Impl& s = *impl_;
  if (auto e = s.Usable()) return *e;
  std::string dst;
  s.Header(dst);
  s.Crc(data);
  s.in += data.size();
  if (!s.pending.empty()) {
    const std::size_t take = std::min(kBlock - s.pending.size(), data.size());
    s.pending.append(data.substr(0, take));
    data.remove_prefix(take);
    if (s.pending.size() == kBlock) {
      if (!s.Deflate(s.pending.data(), kBlock, Z_NO_FLUSH, dst)) return *s.error;
      s.pending.clear();
    }
  }
  // Whole blocks straight from the caller's bytes; the remainder waits in `pending`.
  while (data.size() >= kBlock) {
    if (!s.Deflate(data.data(), kBlock, Z_NO_FLUSH, dst)) return *s.error;
    data.remove_prefix(kBlock);
  }
  s.pending.append(data);
  s.out += dst.size();
  return dst;
}

Result<std::string> GzipStream::Finish() {
  Impl& s = *impl_;
  if (auto e = s.Usable()) return *e;
  std::string dst;
  s.Header(dst);
  if (!s.Deflate(s.pending.data(), s.pending.size(), Z_FINISH, dst)) return *s.error;
  s.pending.clear();
  s.pending.shrink_to_fit();
  PutLe32(dst, static_cast<std::uint32_t>(s.crc));
  PutLe32(dst, static_cast<std::uint32_t>(s.in & 0xffffffffu));
  s.finished = true;
  s.out += dst.size();
  return dst;
}

std::uint64_t GzipStream::bytes_in() const { return impl_->in; }
std::uint64_t GzipStream::bytes_out() const { return impl_->out; }

Result<std::string> GzipBytes(std::string_view data) {
  GzipStream gz;
  auto head = gz.Update(data);
  if (!head) return head.error();
  auto tail = gz.Finish();
  if (!tail) return tail.error();
  return std::move(head).value() + tail.value();
}

}  // namespace irel
