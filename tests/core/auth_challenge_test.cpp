#include "irel/auth_challenge.hpp"

#include <gtest/gtest.h>

namespace irel {
namespace {

struct ChallengeCase {
  const char* label;
  std::string header;
  std::vector<std::string> schemes;
  std::map<std::string, std::string> first_params;
};

class ParsesChallenges : public ::testing::TestWithParam<ChallengeCase> {};

TEST_P(ParsesChallenges, SchemesAndParameters) {
  const auto& c = GetParam();
  const auto got = ParseAuthChallenges(c.header);
  ASSERT_TRUE(got.ok()) << got.error().message;
  std::vector<std::string> schemes;
  for (const auto& ch : *got) schemes.push_back(ch.scheme);
  EXPECT_EQ(schemes, c.schemes);
  EXPECT_EQ(got->front().params, c.first_params);
}

INSTANTIATE_TEST_SUITE_P(
    Auth, ParsesChallenges,
    ::testing::Values(
        ChallengeCase{"docker_hub", R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")",
                      {"bearer"}, {{"realm", "https://auth.docker.io/token"}, {"service", "registry.docker.io"}, {"scope", "repository:samalba/my-app:pull,push"}}},
        ChallengeCase{"basic", R"(Basic realm="Registry Realm")", {"basic"}, {{"realm", "Registry Realm"}}},
        ChallengeCase{"two_challenges", R"(Basic realm="x", Bearer realm="https://t/token",service=s)", {"basic", "bearer"}, {{"realm", "x"}}},
        ChallengeCase{"case_and_spaces", R"(BEARER  Realm = "https://t" ,  Error="insufficient_scope")", {"bearer"}, {{"realm", "https://t"}, {"error", "insufficient_scope"}}},
        ChallengeCase{"escaped_quote", R"(Bearer realm="a\"b")", {"bearer"}, {{"realm", "a\"b"}}}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Auth, RejectsMalformedChallenges) {
  for (const char* h : {"", R"(realm="x")", R"(Bearer realm="unterminated)", R"(Bearer realm="x" service="y")"}) {
    const auto got = ParseAuthChallenges(h);
    ASSERT_FALSE(got.ok()) << h;
    EXPECT_EQ(got.error().code, "AUTH_CHALLENGE_INVALID");
  }
}

TEST(Auth, BuildsTokenUrlsWithEncodedScopes) {
  AuthChallenge c{"bearer", {{"realm", "https://auth.example.com/token"}, {"service", "reg istry"}}};
  const auto url = TokenUrl(c, {RepositoryScope("team/app", "pull,push"), RepositoryScope("other", "pull")});
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, "https://auth.example.com/token?service=reg%20istry&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&scope=repository%3Aother%3Apull");
  EXPECT_FALSE(TokenUrl(AuthChallenge{"bearer", {}}, {}).ok());
  EXPECT_FALSE(TokenUrl(AuthChallenge{"bearer", {{"realm", "file:///etc/passwd"}}}, {}).ok());
  EXPECT_EQ(*TokenUrl(AuthChallenge{"bearer", {{"realm", "http://t/x?a=b"}}}, {"s"}), "http://t/x?a=b&scope=s");
}

struct TokenCase {
  const char* label;
  std::string body;
  bool ok;
  std::string token;
  std::int64_t expires_in;
};

class ParsesTokens : public ::testing::TestWithParam<TokenCase> {};

TEST_P(ParsesTokens, TokenOrAccessToken) {
  const auto& c = GetParam();
  const auto t = ParseTokenResponse(c.body);
  ASSERT_EQ(t.ok(), c.ok);
  if (!c.ok) {
    EXPECT_EQ(t.error().code, "AUTH_TOKEN_INVALID");
    return;
  }
  EXPECT_EQ(t->token, c.token);
  EXPECT_EQ(t->expires_in, c.expires_in);
}

INSTANTIATE_TEST_SUITE_P(
    Auth, ParsesTokens,
    ::testing::Values(TokenCase{"token", R"({"token":"abc","expires_in":300})", true, "abc", 300},
                      TokenCase{"access_token", R"({"access_token":"xyz"})", true, "xyz", 60},
                      TokenCase{"empty", R"({"token":""})", false, "", 0},
                      TokenCase{"not_json", "<html>", false, "", 0}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
