// Fuzz target for WWW-Authenticate and token responses: hostile registry headers and bodies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "irel/auth_challenge.hpp"
#include "irel/registry_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto challenges = irel::ParseAuthChallenges(text);
  if (challenges) {
    for (const auto& c : *challenges) {
      if (c.scheme.empty()) __builtin_trap();
      (void)irel::TokenUrl(c, {"repository:a/b:pull"});
    }
  }
  (void)irel::ParseTokenResponse(text);
  const auto e = irel::RegistryError(500, text, irel::RegistryExchange{irel::Side::Target, "GET", "h", "x"});
  if (e.code.empty() || e.message.empty()) __builtin_trap();
  return 0;
}
