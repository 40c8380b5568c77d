#include "irel/digest.hpp"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace irel
