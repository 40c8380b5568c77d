// GzipStream: valid gzip (inflated back by zlib), the fixed header, the same bytes whatever the
// input's chunking, and a golden digest that the WebAssembly build must give too
// (tests/node/legacy-archive.test.js computes the same input and expects the same digest).
#include "irel/gzip_stream.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "irel/hash.hpp"

namespace irel {
namespace {

// Text lines with a run of xorshift32 bytes every 8th line, until at least `min` bytes: both
// compressible and not. The Node test builds the same bytes.
std::string DeterminismInput(std::size_t min = std::size_t{1} << 20) {
  std::string s;
  std::uint32_t x = 2463534242u;
  for (int line = 0; s.size() < min; ++line) {
    s += "irel gzip line " + std::to_string(line) + "\n";
    if (line % 8 == 0) {
      for (int k = 0; k < 32; ++k) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s += static_cast<char>(x & 0xff);
      }
    }
  }
  return s;
}

// Pseudo-random bytes (incompressible: deflate stores them).
std::string Noise(std::size_t n, std::uint32_t seed = 1) {
  std::string s(n, '\0');
  for (auto& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  std::vector<unsigned char> buf(1 << 16);
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = buf.data();
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(reinterpret_cast<char*>(buf.data()), buf.size() - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "not a whole gzip stream";
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip stream";
  inflateEnd(&z);
  return out;
}

// `input` fed in pieces of the sizes given (cycled), then finished.
std::string Compress(const std::string& input, const std::vector<std::size_t>& pieces) {
  GzipStream gz;
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; at < input.size(); ++i) {
    const std::size_t n = std::min(pieces[i % pieces.size()], input.size() - at);
    auto r = gz.Update(std::string_view(input).substr(at, n));
    EXPECT_TRUE(r.ok());
    out += r.value();
    at += n;
  }
  auto tail = gz.Finish();
  EXPECT_TRUE(tail.ok());
  out += tail.value();
  EXPECT_EQ(gz.bytes_in(), input.size());
  EXPECT_EQ(gz.bytes_out(), out.size());
  return out;
}

struct RoundTripCase {
  const char* label;
  std::string input;
};

class GzipRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(GzipRoundTrip, InflatesBackWithTheFixedHeaderAndTrailer) {
  const auto& c = GetParam();
  const auto gz = GzipBytes(c.input);
  ASSERT_TRUE(gz.ok()) << gz.error().message;
  ASSERT_GE(gz->size(), 18u);
  // Go's compress/gzip header at BestSpeed: no name, mtime 0, XFL 4 (fastest), OS unknown.
  EXPECT_EQ(gz->substr(0, 10), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff", 10));
  const auto isize = gz->substr(gz->size() - 4);
  const std::uint32_t n = static_cast<std::uint32_t>(c.input.size());
  EXPECT_EQ(isize, std::string({static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                                static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)}));
  EXPECT_EQ(Gunzip(*gz), c.input);
}

INSTANTIATE_TEST_SUITE_P(
    Gzip, GzipRoundTrip,
    ::testing::Values(RoundTripCase{"empty", ""}, RoundTripCase{"one_byte", "x"},
                      RoundTripCase{"one_block_exactly", std::string(std::size_t{64} << 10, 'a')},
                      RoundTripCase{"one_block_and_a_byte", std::string((std::size_t{64} << 10) + 1, 'a')},
                      RoundTripCase{"text_and_noise", DeterminismInput()},
                      RoundTripCase{"incompressible_3_mib", Noise(std::size_t{3} << 20)},
                      RoundTripCase{"zeros_5_mib", std::string(std::size_t{5} << 20, '\0')}),
    [](const auto& info) { return std::string(info.param.label); });

struct ChunkingCase {
  const char* label;
  std::vector<std::size_t> pieces;
};

class GzipChunking : public ::testing::TestWithParam<ChunkingCase> {};

TEST_P(GzipChunking, GivesTheSameBytesAsOneCall) {
  // Long enough for deflate's window to slide several times (32 KiB) and for many blocks.
  static const std::string input = DeterminismInput(std::size_t{3} << 20) + Noise(300000) + DeterminismInput(500000);
  static const std::string whole = GzipBytes(input).value();
  EXPECT_EQ(Compress(input, GetParam().pieces), whole);
}

INSTANTIATE_TEST_SUITE_P(
    Gzip, GzipChunking,
    ::testing::Values(ChunkingCase{"one_piece", {std::size_t{1} << 30}},
                      ChunkingCase{"tiny_pieces", {7, 1, 13}},
                      ChunkingCase{"just_under_a_block", {65535}},
                      ChunkingCase{"just_over_a_block", {65537}},
                      ChunkingCase{"archive_reads", {std::size_t{1} << 20}},
                      ChunkingCase{"uneven", {100, std::size_t{1} << 20, 3, 200000, 65536, 1}}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Gzip, GoldenDigestSharedWithTheWasmBuild) {
  const auto gz = GzipBytes(DeterminismInput());
  ASSERT_TRUE(gz.ok());
  // Also asserted of the WebAssembly build by tests/node/legacy-archive.test.js: same zlib, same
  // bytes. Python's zlib (the system's 1.2.13) deflating the whole input at once agrees.
  EXPECT_EQ(HashDigest("sha256", *gz).value(),
            "sha256:5770b1f19ce3c9d013ca95ff61de6d6b09d7faea1bd115d4922137ab66a70831");
  EXPECT_EQ(gz->size(), 319058u);
}

struct MisuseCase {
  const char* label;
  bool update_after_finish;
};

class GzipMisuse : public ::testing::TestWithParam<MisuseCase> {};

TEST_P(GzipMisuse, IsRefusedOnceFinished) {
  GzipStream gz;
  ASSERT_TRUE(gz.Update("abc").ok());
  ASSERT_TRUE(gz.Finish().ok());
  const auto r = GetParam().update_after_finish ? gz.Update("more") : gz.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "GZIP_FINISHED");
}

INSTANTIATE_TEST_SUITE_P(Gzip, GzipMisuse,
                         ::testing::Values(MisuseCase{"update_after_finish", true}, MisuseCase{"finish_twice", false}),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
