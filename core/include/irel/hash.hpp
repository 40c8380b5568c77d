#pragma once
// Hash functions used by the core: MD5 for the path mapping (as the Go project defined it) and
// incremental SHA-256 for verifying content as it streams by.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

}  // namespace irel
