#include "irel/repo_prefix.hpp"

#include <gtest/gtest.h>

#include <string>

namespace irel {
namespace {

struct PrefixCase {
  const char* label;
  std::string input;
  bool ok;
  std::string mentions;  // a word of the error message when invalid
};

class ParsesPrefix : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(ParsesPrefix, AcceptsRepositoryNamesWithoutTagOrDigest) {
  const auto& c = GetParam();
  const auto p = ParseRepoPrefix(c.input);
  ASSERT_EQ(p.ok(), c.ok) << c.input;
  if (c.ok) {
    EXPECT_EQ(p->text, c.input);
  } else {
    EXPECT_EQ(p.error().code, "PREFIX_INVALID");
    EXPECT_NE(p.error().message.find(c.mentions), std::string::npos) << p.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    RepoPrefix, ParsesPrefix,
    ::testing::Values(
        PrefixCase{"host_and_user", "registry.internal.acme.com/smith", true, ""},
        PrefixCase{"host_only", "localhost:5000", true, ""},
        PrefixCase{"deep", "registry.gold.gwb.dia/griphook/vault", true, ""},
        PrefixCase{"user_only", "smith", true, ""},
        PrefixCase{"empty", "", false, "empty"},
        PrefixCase{"trailing_slash", "example.com/user/", false, "must not end"},
        PrefixCase{"uppercase_path", "example.com/Smith", false, "lowercase"},
        PrefixCase{"with_tag", "example.com/user:v1", false, "tag"},
        PrefixCase{"with_digest", "example.com/user@sha256:" + std::string(64, 'a'), false, "digest"},
        PrefixCase{"bad_port", "example.com:x/user", false, "host"},
        PrefixCase{"space", "example.com/a b", false, "invalid"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
