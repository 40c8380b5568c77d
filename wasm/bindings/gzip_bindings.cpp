// Bindings of the deterministic gzip compressor (gzip_stream.hpp), for layers irel compresses
// itself (archive/gzip-entry-reader.js). The same bytes in JavaScript as natively: no zlib of the
// environment's (node:zlib and CompressionStream are Chromium's zlib, whose output differs).
#include <emscripten/bind.h>

#include <string>

#include "convert.hpp"
#include "irel/gzip_stream.hpp"

namespace irel::bindings {
namespace {

// update(Uint8Array) and finish() return the compressed bytes they made ready (a Uint8Array,
// often empty), or null when the stream failed: error() then says why.
class GzipStreamBinding {
 public:
  val update(const std::string& bytes) { return Out(gz_.Update(bytes)); }
  val finish() { return Out(gz_.Finish()); }
  val error() const { return error_; }
  double bytesIn() const { return static_cast<double>(gz_.bytes_in()); }
  double bytesOut() const { return static_cast<double>(gz_.bytes_out()); }

 private:
  val Out(const Result<std::string>& r) {
    if (r) return Bytes(*r);
    error_ = ErrorObject(r.error())["error"];
    return val::null();
  }

  GzipStream gz_;
  val error_ = val::null();
};

}  // namespace

EMSCRIPTEN_BINDINGS(irel_gzip) {
  emscripten::class_<GzipStreamBinding>("GzipStream")
      .constructor<>()
      .function("update", &GzipStreamBinding::update)
      .function("finish", &GzipStreamBinding::finish)
      .function("error", &GzipStreamBinding::error)
      .function("bytesIn", &GzipStreamBinding::bytesIn)
      .function("bytesOut", &GzipStreamBinding::bytesOut);
}

}  // namespace irel::bindings
