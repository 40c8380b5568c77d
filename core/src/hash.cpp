#include "irel/hash.hpp"

#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1
#include <cryptopp/md5.h>
#include <cryptopp/sha.h>

#include <utility>

#include "irel/digest.hpp"

namespace irel {
namespace {

std::string ToHex(const CryptoPP::byte* digest, std::size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

template <std::size_t N>
std::string ToHex(const CryptoPP::byte (&digest)[N]) {
  return ToHex(digest, N);
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

struct DigestHash::Impl {
  std::unique_ptr<CryptoPP::HashTransformation> h;
};

Result<DigestHash> DigestHash::Create(std::string_view algorithm) {
  auto impl = std::make_unique<Impl>();
  if (algorithm == "sha256") impl->h = std::make_unique<CryptoPP::SHA256>();
  else if (algorithm == "sha384") impl->h = std::make_unique<CryptoPP::SHA384>();
  else if (algorithm == "sha512") impl->h = std::make_unique<CryptoPP::SHA512>();
  else return UnsupportedDigestAlgorithm(algorithm);
  return DigestHash(std::string(algorithm), std::move(impl));
}

DigestHash::DigestHash(std::string algorithm, std::unique_ptr<Impl> impl)
    : algorithm_(std::move(algorithm)), impl_(std::move(impl)) {}
DigestHash::DigestHash(DigestHash&&) noexcept = default;
DigestHash& DigestHash::operator=(DigestHash&&) noexcept = default;
DigestHash::~DigestHash() = default;

void DigestHash::Update(const std::uint8_t* data, std::size_t size) { impl_->h->Update(data, size); }

std::string DigestHash::FinishDigest() {
  CryptoPP::byte digest[CryptoPP::SHA512::DIGESTSIZE];
  const auto n = impl_->h->DigestSize();
  impl_->h->Final(digest);  // Final also restarts the hash
  return algorithm_ + ":" + ToHex(digest, n);
}

Result<std::string> HashDigest(std::string_view algorithm, std::string_view data) {
  auto h = DigestHash::Create(algorithm);
  if (!h) return h.error();
  h.value().Update(data);
  return h.value().FinishDigest();
}

}  // namespace irel
