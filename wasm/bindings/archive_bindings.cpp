// Bindings of the streaming archive reader. JavaScript supplies the bytes through a synchronous
// read(maxBytes) -> Uint8Array function (fs.readSync in Node, FileReaderSync in a browser worker)
// that libarchive calls from inside next()/read()/skip(); no Asyncify. The function must not
// throw (a JS exception would unwind through libarchive): wasm/js/archive/archive-file.js wraps
// it, and returns null for an error, which the reader reports as ARCHIVE_IO_ERROR.
#include <emscripten/bind.h>

#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "convert.hpp"
#include "irel/archive_reader.hpp"

namespace irel::bindings {
namespace {

constexpr std::size_t kMaxReadChunk = std::size_t{16} << 20;

ArchiveOptions ToArchiveOptions(const val& o) {
  ArchiveOptions out;
  if (o.isUndefined() || o.isNull()) return out;
  const auto number = [&o](const char* key, auto& field) {
    const val v = o[key];
    if (v.isNumber()) {
      const double d = v.as<double>();
      if (d >= 0) field = static_cast<std::remove_reference_t<decltype(field)>>(d);
    }
  };
  number("maxEntryBytes", out.max_entry_bytes);
  number("maxTotalBytes", out.max_total_bytes);
  number("maxEntries", out.max_entries);
  number("maxDecoderBytes", out.max_decoder_bytes);
  number("blockSize", out.block_size);
  const val marker = o["requireEndMarker"];
  if (!marker.isUndefined()) out.require_end_marker = marker.as<bool>();
  return out;
}

class ArchiveReaderBinding {
 public:
  ArchiveReaderBinding(val read_fn, val options)
      : read_fn_(std::move(read_fn)),
        uint8_array_(val::global("Uint8Array")),
        reader_([this](std::uint8_t* buf, std::size_t cap) { return Pull(buf, cap); }, ToArchiveOptions(options)) {}

  val Next() {
    const auto r = reader_.Next();
    if (!r) return ErrorObject(r.error());
    val out = OkObject();
    if (!r.value()) {
      out.set("entry", val::null());
      return out;
    }
    const ArchiveEntry& e = *r.value();
    val entry = val::object();
    entry.set("path", e.path);
    entry.set("type", std::string(ArchiveEntryTypeName(e.type)));
    entry.set("size", static_cast<double>(e.size));
    if (!e.link_target.empty()) entry.set("linkTarget", e.link_target);
    out.set("entry", entry);
    return out;
  }

  val Read(double max) {
    const std::size_t cap = max <= 0 ? 0 : static_cast<std::size_t>(std::min<double>(max, kMaxReadChunk));
    if (buffer_.size() < cap) buffer_.resize(cap);
    const auto r = reader_.Read(buffer_.data(), cap);
    if (!r) return ErrorObject(r.error());
    val out = OkObject();
    // A copy: the view over wasm memory must not outlive this call (memory can grow).
    out.set("bytes", val(emscripten::typed_memory_view(*r, buffer_.data())).call<val>("slice"));
    return out;
  }

  // Up to max bytes of the current entry straight into target (a Uint8Array) at offset: one copy
  // out of wasm memory, where read() costs two (and an allocation) for a caller filling a buffer.
  val ReadInto(val target, double offset, double max) {
    const auto room = target["length"].as<double>() - offset;
    const std::size_t cap = std::min<double>({max <= 0 ? 0 : max, room <= 0 ? 0 : room, static_cast<double>(kMaxReadChunk)});
    if (buffer_.size() < cap) buffer_.resize(cap);
    const auto r = reader_.Read(buffer_.data(), cap);
    if (!r) return ErrorObject(r.error());
    if (*r > 0) target.call<void>("set", val(emscripten::typed_memory_view(*r, buffer_.data())), offset);
    val out = OkObject();
    out.set("n", static_cast<double>(*r));
    return out;
  }

  val Skip() {
    const auto r = reader_.Skip();
    if (!r) return ErrorObject(r.error());
    val out = OkObject();
    out.set("skipped", *r);
    return out;
  }

  val ReadAll(double max) {
    const auto r = reader_.ReadAll(max <= 0 ? 0 : static_cast<std::size_t>(std::min<double>(max, 1u << 30)));
    if (!r) return ErrorObject(r.error());
    val out = OkObject();
    out.set("bytes", Bytes(*r));
    return out;
  }

  val Stats() const {
    val out = val::object();
    out.set("entries", static_cast<double>(reader_.entries()));
    out.set("uncompressedBytes", static_cast<double>(reader_.uncompressed_bytes()));
    out.set("compressedBytes", static_cast<double>(reader_.compressed_bytes()));
    return out;
  }

 private:
  std::int64_t Pull(std::uint8_t* buf, std::size_t cap) {
    const val got = read_fn_(static_cast<double>(cap));
    if (!got.instanceof(uint8_array_)) return -1;  // null: the source failed
    const auto n = got["length"].as<std::size_t>();
    if (n > cap) return -1;
    if (n > 0) val(emscripten::typed_memory_view(n, buf)).call<void>("set", got);
    return static_cast<std::int64_t>(n);
  }

  val read_fn_;
  val uint8_array_;
  std::vector<std::uint8_t> buffer_;
  ArchiveReader reader_;  // last: its pull callback uses the members above
};

EMSCRIPTEN_BINDINGS(irel_archive) {
  emscripten::class_<ArchiveReaderBinding>("ArchiveReader")
      .constructor<val, val>()
      .function("next", &ArchiveReaderBinding::Next)
      .function("read", &ArchiveReaderBinding::Read)
      .function("readInto", &ArchiveReaderBinding::ReadInto)
      .function("skip", &ArchiveReaderBinding::Skip)
      .function("readAll", &ArchiveReaderBinding::ReadAll)
      .function("stats", &ArchiveReaderBinding::Stats);
}

}  // namespace
}  // namespace irel::bindings
