#include "irel/hash.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace irel {
namespace {

struct HashCase {
  const char* label;
  std::string input;
  std::string md5, sha256, sha384, sha512;
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

TEST_P(HashesKnownVectors, UnderEveryDigestAlgorithmOneShotAndIncrementalAgree) {
  const auto& c = GetParam();
  for (const auto& [algorithm, hex] : {std::pair<std::string, std::string>{"sha256", c.sha256},
                                       {"sha384", c.sha384}, {"sha512", c.sha512}}) {
    const auto one = HashDigest(algorithm, c.input);
    ASSERT_TRUE(one.ok()) << algorithm;
    EXPECT_EQ(*one, algorithm + ":" + hex);
    auto h = DigestHash::Create(algorithm);
    ASSERT_TRUE(h.ok()) << algorithm;
    EXPECT_EQ(h->algorithm(), algorithm);
    for (std::size_t i = 0; i < c.input.size(); i += 7) h.value().Update(std::string_view(c.input).substr(i, 7));
    EXPECT_EQ(h.value().FinishDigest(), algorithm + ":" + hex);
    h.value().Update(c.input);  // reusable after Finish
    EXPECT_EQ(h.value().FinishDigest(), algorithm + ":" + hex);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Hash, HashesKnownVectors,
    ::testing::Values(
        HashCase{"empty", "", "d41d8cd98f00b204e9800998ecf8427e",
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
                 "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
        HashCase{"abc", "abc", "900150983cd24fb0d6963f7d28e17f72",
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
                 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
        HashCase{"image_name", "docker.io/istio/proxyv2", "f93a2cacc6cafa0474a2d6990a4dd1a0",
                 "be0be2d325c0521b6a6d9ada46d3ade49744b25a654e3b110631acf06f91a5d2",
                 "731274885f0764565ce8ebe6003a759e212a001507a52bdb48b01ad77706b09f4393ec8e7b0f9fc5d9e0815733368a0e",
                 "c928f2e594851dcd14a415da91a9603b93f1096a6cbadc249c0f79999612007b0a101e934b4562cf7b80e1f759a7db88a206429aad29c988f70a70d8517b1dac"}),
    [](const auto& info) { return std::string(info.param.label); });

struct AlgorithmCase {
  const char* label;
  std::string algorithm;
};

class RefusesHashAlgorithms : public ::testing::TestWithParam<AlgorithmCase> {};

TEST_P(RefusesHashAlgorithms, OtherThanTheThreeDigestAlgorithmsNamingIt) {
  const auto& c = GetParam();
  const auto h = DigestHash::Create(c.algorithm);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, "DIGEST_ALGORITHM_UNSUPPORTED");
  EXPECT_NE(h.error().message.find("\"" + c.algorithm + "\""), std::string::npos) << h.error().message;
  EXPECT_EQ(HashDigest(c.algorithm, "abc").error().code, "DIGEST_ALGORITHM_UNSUPPORTED");
}

INSTANTIATE_TEST_SUITE_P(Hash, RefusesHashAlgorithms,
                         ::testing::Values(AlgorithmCase{"md5", "md5"}, AlgorithmCase{"sha1", "sha1"},
                                           AlgorithmCase{"uppercase", "SHA256"}, AlgorithmCase{"empty", ""},
                                           AlgorithmCase{"blake3", "blake3"}),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
