#include "irel/registry_key.hpp"

#include <gtest/gtest.h>

namespace irel {
namespace {

struct KeyCase {
  const char* name;
  const char* input;
  const char* want;  // nullptr: REGISTRY_INVALID
};

class RegistryKeyCases : public ::testing::TestWithParam<KeyCase> {};

TEST_P(RegistryKeyCases, NamesTheRegistryAsReferencesDo) {
  const auto& c = GetParam();
  const auto key = ParseRegistryKey(c.input);
  if (!c.want) {
    ASSERT_FALSE(key.ok()) << *key;
    EXPECT_EQ(key.error().code, "REGISTRY_INVALID");
    EXPECT_EQ(key.error().message.find("secret"), std::string::npos);
    return;
  }
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, c.want);
}

INSTANTIATE_TEST_SUITE_P(Table, RegistryKeyCases, ::testing::Values(
    KeyCase{"PlainHost", "registry.example.com", "registry.example.com"},
    KeyCase{"HostAndPortInCapitals", "Registry.Example.com:5000", "registry.example.com:5000"},
    KeyCase{"UrlWithPathCopiedFromABrowser", " https://registry.example.com:5000/v2/ ", "registry.example.com:5000"},
    KeyCase{"DockerConfigKeyOfDockerHub", "https://index.docker.io/v1/", "docker.io"},
    KeyCase{"DockerHubApiHost", "registry-1.docker.io", "docker.io"},
    KeyCase{"DockerHubWebHost", "registry.hub.docker.com", "docker.io"},
    KeyCase{"DockerHubItself", "docker.io", "docker.io"},
    KeyCase{"SingleLabelHostOnALan", "myregistry", "myregistry"},
    KeyCase{"Ipv6WithPort", "[::1]:5000", "[::1]:5000"},
    KeyCase{"Empty", "  ", nullptr},
    KeyCase{"UserInfoIsNotARegistry", "https://user:pw@registry.example.com/", nullptr},
    KeyCase{"OtherScheme", "ftp://registry.example.com", nullptr},
    KeyCase{"PasswordInAnotherSchemeIsNotEchoed", "ftp://u:secret@registry.example.com", nullptr},
    KeyCase{"InvalidCharacters", "regi_stry!.example.com", nullptr},
    KeyCase{"BadPort", "registry.example.com:port", nullptr}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace irel
