#include "irel/digest.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "irel/digest_verifier.hpp"
#include "irel/hash.hpp"

namespace irel {
namespace {

struct DigestCase {
  const char* label;
  std::string input;
  bool ok;
  std::string mentions;  // algorithm when ok, else a word of the error message
};

class ParsesDigest : public ::testing::TestWithParam<DigestCase> {};

TEST_P(ParsesDigest, AcceptsOnlyRegisteredAlgorithmsWithExactLowercaseHex) {
  const auto& c = GetParam();
  const auto d = ParseDigest(c.input);
  ASSERT_EQ(d.ok(), c.ok) << c.input;
  if (c.ok) {
    EXPECT_EQ(d->algorithm, c.mentions);
    EXPECT_EQ(d->String(), c.input);
  } else {
    EXPECT_EQ(d.error().code, "DIGEST_INVALID");
    EXPECT_NE(d.error().message.find(c.mentions), std::string::npos) << d.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Digest, ParsesDigest,
    ::testing::Values(
        DigestCase{"sha256", "sha256:" + std::string(64, 'a'), true, "sha256"},
        DigestCase{"sha384", "sha384:" + std::string(96, '0'), true, "sha384"},
        DigestCase{"sha512", "sha512:" + std::string(128, '9'), true, "sha512"},
        DigestCase{"no_colon", std::string(64, 'a'), false, "algorithm"},
        DigestCase{"empty", "", false, "algorithm"},
        DigestCase{"bad_algorithm", "1sha:" + std::string(64, 'a'), false, "malformed"},
        DigestCase{"unsupported", "md5:" + std::string(32, 'a'), false, "unsupported"},
        DigestCase{"short", "sha256:abc", false, "64 hex"},
        DigestCase{"long", "sha256:" + std::string(65, 'a'), false, "64 hex"},
        DigestCase{"not_hex", "sha256:" + std::string(63, 'a') + "g", false, "hexadecimal"},
        DigestCase{"uppercase", "sha256:" + std::string(64, 'A'), false, "lowercase"}),
    [](const auto& info) { return std::string(info.param.label); });

struct ToVerifyCase {
  const char* label;
  std::string input;
  std::string code;      // "" when accepted
  std::string mentions;  // a word of the error message
};

class ParsesDigestsToVerify : public ::testing::TestWithParam<ToVerifyCase> {};

TEST_P(ParsesDigestsToVerify, TellsAnUnsupportedAlgorithmFromAMalformedDigest) {
  const auto& c = GetParam();
  const auto d = ParseDigestToVerify(c.input);
  ASSERT_EQ(d.ok(), c.code.empty()) << c.input;
  if (d) return;
  EXPECT_EQ(d.error().code, c.code);
  EXPECT_NE(d.error().message.find(c.mentions), std::string::npos) << d.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Digest, ParsesDigestsToVerify,
    ::testing::Values(ToVerifyCase{"sha256", "sha256:" + std::string(64, 'a'), "", ""},
                      ToVerifyCase{"sha384", "sha384:" + std::string(96, 'b'), "", ""},
                      ToVerifyCase{"sha512", "sha512:" + std::string(128, 'c'), "", ""},
                      ToVerifyCase{"md5", "md5:" + std::string(32, 'a'), "DIGEST_ALGORITHM_UNSUPPORTED", "\"md5\""},
                      ToVerifyCase{"blake3", "blake3:" + std::string(64, 'a'), "DIGEST_ALGORITHM_UNSUPPORTED", "\"blake3\""},
                      ToVerifyCase{"malformed_algorithm", "1sha:" + std::string(64, 'a'), "DIGEST_INVALID", "malformed"},
                      ToVerifyCase{"short_sha512", "sha512:" + std::string(64, 'a'), "DIGEST_INVALID", "128 hex"},
                      ToVerifyCase{"no_colon", std::string(64, 'a'), "DIGEST_INVALID", "algorithm"}),
    [](const auto& info) { return std::string(info.param.label); });

// --- one verdict for content, however it was hashed ------------------------------------------

struct VerdictCase {
  const char* label;
  std::string algorithm;
  std::string content;   // what streams by
  std::string expected;  // the content the digest was taken of
  std::int64_t size;     // the expected size (-1: unknown)
  std::string code;      // "" when it matches
};

class JudgesContent : public ::testing::TestWithParam<VerdictCase> {};

TEST_P(JudgesContent, StreamedAndHashedElsewhereAlike) {
  const auto& c = GetParam();
  const std::string expected = *HashDigest(c.algorithm, c.expected);
  const std::string actual = *HashDigest(c.algorithm, c.content);
  auto v = DigestVerifier::Create(expected, c.size);
  ASSERT_TRUE(v.ok()) << v.error().message;
  for (std::size_t i = 0; i < c.content.size(); i += 5) v.value().Update(std::string_view(c.content).substr(i, 5));
  const auto streamed = v.value().Finish("blob " + expected + " from registry r", Side::Source);
  const auto judged = DigestVerifier::Judge(*ParseDigest(expected), c.size, actual, c.content.size(),
                                            "blob " + expected + " from registry r", Side::Source);
  for (const auto* r : {&streamed, &judged}) {
    if (c.code.empty()) {
      ASSERT_TRUE(r->ok()) << r->error().message;
      EXPECT_EQ(**r, expected);
      continue;
    }
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().code, c.code);
    EXPECT_EQ(r->error().side, Side::Source);
    const auto& m = r->error().message;
    EXPECT_EQ(m.rfind("source blob " + expected, 0), 0u) << m;  // the side, then the object
    if (c.code == "DIGEST_MISMATCH") EXPECT_NE(m.find("hashes to " + actual + ", not " + expected), std::string::npos) << m;
    if (c.code == "SIZE_MISMATCH") EXPECT_NE(m.find(std::to_string(c.content.size()) + " bytes"), std::string::npos) << m;
  }
}

const std::string kBody = "the quick brown fox jumps over the lazy dog, once per algorithm";
const std::string kTampered = "the quick brown fox jumps over the lazy cog, once per algorithm";

INSTANTIATE_TEST_SUITE_P(
    Digest, JudgesContent,
    ::testing::Values(VerdictCase{"sha256_match", "sha256", kBody, kBody, static_cast<std::int64_t>(kBody.size()), ""},
                      VerdictCase{"sha384_match", "sha384", kBody, kBody, static_cast<std::int64_t>(kBody.size()), ""},
                      VerdictCase{"sha512_match", "sha512", kBody, kBody, static_cast<std::int64_t>(kBody.size()), ""},
                      VerdictCase{"sha512_size_unknown", "sha512", kBody, kBody, -1, ""},
                      VerdictCase{"sha256_tampered_byte", "sha256", kTampered, kBody, static_cast<std::int64_t>(kBody.size()), "DIGEST_MISMATCH"},
                      VerdictCase{"sha384_tampered_byte", "sha384", kTampered, kBody, static_cast<std::int64_t>(kBody.size()), "DIGEST_MISMATCH"},
                      VerdictCase{"sha512_tampered_byte", "sha512", kTampered, kBody, static_cast<std::int64_t>(kBody.size()), "DIGEST_MISMATCH"},
                      VerdictCase{"sha512_truncated", "sha512", kBody.substr(0, 10), kBody, static_cast<std::int64_t>(kBody.size()), "SIZE_MISMATCH"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(DigestVerifier, RefusesAnAlgorithmItCannotHashNamingIt) {
  const auto v = DigestVerifier::Create("md5:" + std::string(32, 'a'), 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, "DIGEST_ALGORITHM_UNSUPPORTED");
  EXPECT_NE(v.error().message.find("\"md5\""), std::string::npos) << v.error().message;
}

}  // namespace
}  // namespace irel
