#include "irel/registry_error.hpp"

#include <gtest/gtest.h>

namespace irel {
namespace {

struct ErrorCase {
  const char* label;
  int status;
  std::string body;
  std::string code;
  std::string mentions;
};

class ReadsRegistryErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ReadsRegistryErrors, CodeFromBodyElseStatus) {
  const auto& c = GetParam();
  const auto e = RegistryError(c.status, c.body, RegistryExchange{Side::Source, "GET", "reg.example.com", "manifest a/b:v1"});
  EXPECT_EQ(e.code, c.code);
  EXPECT_EQ(e.side, Side::Source);
  EXPECT_NE(e.message.find(c.mentions), std::string::npos) << e.message;
  EXPECT_EQ(e.message.rfind("source registry reg.example.com answered", 0), 0u) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    Registry, ReadsRegistryErrors,
    ::testing::Values(
        ErrorCase{"manifest_unknown", 404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}}]})", "MANIFEST_UNKNOWN", "MANIFEST_UNKNOWN: manifest unknown"},
        ErrorCase{"several_errors", 400, R"({"errors":[{"code":"DIGEST_INVALID","message":"a"},{"code":"SIZE_INVALID","message":"b"}]})", "DIGEST_INVALID", "SIZE_INVALID: b"},
        ErrorCase{"denied_hint", 403, R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})", "DENIED", "lack permission"},
        ErrorCase{"unauthorized_no_body", 401, "", "UNAUTHORIZED", "docker login reg.example.com"},
        ErrorCase{"rate_limited_html", 429, "<html>slow down</html>", "TOOMANYREQUESTS", "rate limited"},
        ErrorCase{"server_error", 503, "", "SERVER_ERROR", "503"},
        ErrorCase{"other_status", 418, "", "HTTP_418", "GET manifest a/b:v1"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Registry, RetryableStatuses) {
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryableStatus(s)) << s;
  for (int s : {200, 400, 401, 403, 404, 501, 505}) EXPECT_FALSE(IsRetryableStatus(s)) << s;
}

}  // namespace
}  // namespace irel
