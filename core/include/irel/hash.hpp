#pragma once
// Hash functions used by the core: MD5 for the path mapping (as the Go project defined it) and
// incremental SHA-256/384/512 for verifying content as it streams by.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

std::string Md5Hex(std::string_view data);
std::string Sha256Hex(std::string_view data);

// Incremental SHA-256: feed chunks of any size, then Finish() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const std::uint8_t* data, std::size_t size);
  void Update(std::string_view data) {
    Update(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  }
  std::string FinishHex();  // resets the hasher for reuse

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Incremental hash under one OCI digest algorithm: feed chunks of any size, then Finish() once.
class DigestHash {
 public:
  // algorithm: "sha256", "sha384" or "sha512". Error code: DIGEST_ALGORITHM_UNSUPPORTED (names it).
  static Result<DigestHash> Create(std::string_view algorithm);

  DigestHash(DigestHash&&) noexcept;
  DigestHash& operator=(DigestHash&&) noexcept;
  ~DigestHash();

  const std::string& algorithm() const { return algorithm_; }
  void Update(const std::uint8_t* data, std::size_t size);
  void Update(std::string_view data) {
    Update(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  }
  std::string FinishDigest();  // "algorithm:hex"; resets the hasher for reuse

 private:
  struct Impl;
  DigestHash(std::string algorithm, std::unique_ptr<Impl> impl);
  std::string algorithm_;
  std::unique_ptr<Impl> impl_;
};

// "algorithm:hex" of `data`. Error code: DIGEST_ALGORITHM_UNSUPPORTED.
Result<std::string> HashDigest(std::string_view algorithm, std::string_view data);

}  // namespace irel
