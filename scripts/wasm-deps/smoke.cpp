// Smoke test for the WebAssembly dependency prefix built by scripts/build-wasm-deps.sh --smoke.
// Built with emcc against $PREFIX (-sNODERAWFS=1) and run under node:
//   node smoke.js ARCHIVE...
// Prints SHA-256 and MD5 of "abc" (Crypto++), then for every archive the libarchive filter name
// and, per regular entry, "name size sha256(content)". Lines starting with '#' are informational.
// Exit status is non-zero on any libarchive error.

#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1  // required before md5.h
#include <cryptopp/filters.h>
#include <cryptopp/hex.h>
#include <cryptopp/md5.h>
#include <cryptopp/sha.h>

#include <archive.h>
#include <archive_entry.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <string>

namespace {

std::string hex(const CryptoPP::byte* p, size_t n) {
  std::string out;
  CryptoPP::HexEncoder enc(new CryptoPP::StringSink(out), /*uppercase=*/false);
  enc.Put(p, n);
  enc.MessageEnd();
  return out;
}

template <class Hash>
std::string digest_of(const std::string& s) {
  // Filter pipeline, as consumers typically use it.
  std::string out;
  Hash h;
  CryptoPP::StringSource src(
      s, true,
      new CryptoPP::HashFilter(h, new CryptoPP::HexEncoder(new CryptoPP::StringSink(out), false)));
  return out;
}

int list_archive(const char* path) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
    std::fprintf(stderr, "%s: open: %s\n", path, archive_error_string(a));
    archive_read_free(a);
    return 1;
  }
  std::string base = path;
  size_t slash = base.rfind('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);

  int rc = 0;
  bool printed_filter = false;
  struct archive_entry* e;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    if (!printed_filter) {  // the filter is known once the first header has been read
      std::printf("%s filter=%s\n", base.c_str(), archive_filter_name(a, 0));
      printed_filter = true;
    }
    // Incremental SHA-256 over the entry's data blocks (Update/Final API).
    CryptoPP::SHA256 h;
    long long size = 0;
    const void* buf;
    size_t len;
    la_int64_t off;
    int dr;
    while ((dr = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
      h.Update(static_cast<const CryptoPP::byte*>(buf), len);
      size += static_cast<long long>(len);
    }
    if (dr != ARCHIVE_EOF) {
      std::fprintf(stderr, "%s: data: %s\n", path, archive_error_string(a));
      rc = 1;
      break;
    }
    CryptoPP::byte d[CryptoPP::SHA256::DIGESTSIZE];
    h.Final(d);
    std::printf("  %s %lld %s\n", archive_entry_pathname(e), size, hex(d, sizeof d).c_str());
  }
  if (rc == 0 && r != ARCHIVE_EOF) {
    std::fprintf(stderr, "%s: header: %s\n", path, archive_error_string(a));
    rc = 1;
  }
  archive_read_free(a);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("# %s\n", archive_version_details());
  std::printf("# zlib %s, bzip2 %s, liblzma %s, zstd %s, Crypto++ %d\n", zlibVersion(),
              BZ2_bzlibVersion(), lzma_version_string(), ZSTD_versionString(),
              CRYPTOPP_VERSION);
  std::printf("sha256(abc)=%s\n", digest_of<CryptoPP::SHA256>("abc").c_str());
  std::printf("md5(abc)=%s\n", digest_of<CryptoPP::Weak::MD5>("abc").c_str());
  int rc = 0;
  for (int i = 1; i < argc; ++i) rc |= list_archive(argv[i]);
  std::fflush(stdout);
  return rc;
}
