#include "irel/hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace irel {
namespace {

struct HashCase {
  const char* label;
  std::string input;
  std::string md5, sha256;
};

class HashesKnownVectors : public ::testing::TestWithParam<HashCase> {};

TEST_P(HashesKnownVectors, OneShotAndIncrementalAgree) {
  const auto& c = GetParam();
  EXPECT_EQ(Md5Hex(c.input), c.md5);
  EXPECT_EQ(Sha256Hex(c.input), c.sha256);
  Sha256 h;
  for (std::size_t i = 0; i < c.input.size(); i += 7) h.Update(std::string_view(c.input).substr(i, 7));
  EXPECT_EQ(h.FinishHex(), c.sha256);
  h.Update(c.input);  // reusable after Finish
  EXPECT_EQ(h.FinishHex(), c.sha256);
}

INSTANTIATE_TEST_SUITE_P(
    Hash, HashesKnownVectors,
    ::testing::Values(
        HashCase{"empty", "", "d41d8cd98f00b204e9800998ecf8427e",
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        HashCase{"abc", "abc", "900150983cd24fb0d6963f7d28e17f72",
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        HashCase{"image_name", "docker.io/istio/proxyv2", "f93a2cacc6cafa0474a2d6990a4dd1a0",
                 "be0be2d325c0521b6a6d9ada46d3ade49744b25a654e3b110631acf06f91a5d2"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
