#include "irel/hash.hpp"

#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1
#include <cryptopp/md5.h>
#include <cryptopp/sha.h>

namespace irel {
namespace {

template <std::size_t N>
std::string ToHex(const CryptoPP::byte (&digest)[N]) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(N * 2, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

template <class H>
std::string OneShotHex(std::string_view data) {
  H h;
  CryptoPP::byte digest[H::DIGESTSIZE];
  h.CalculateDigest(digest, reinterpret_cast<const CryptoPP::byte*>(data.data()), data.size());
  return ToHex(digest);
}

}  // namespace

std::string Md5Hex(std::string_view data) { return OneShotHex<CryptoPP::Weak::MD5>(data); }
std::string Sha256Hex(std::string_view data) { return OneShotHex<CryptoPP::SHA256>(data); }

struct Sha256::Impl {
  CryptoPP::SHA256 h;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;

void Sha256::Update(const std::uint8_t* data, std::size_t size) { impl_->h.Update(data, size); }

std::string Sha256::FinishHex() {
  CryptoPP::byte digest[CryptoPP::SHA256::DIGESTSIZE];
  impl_->h.Final(digest);  // Final also restarts the hash
  return ToHex(digest);
}

}  // namespace irel
