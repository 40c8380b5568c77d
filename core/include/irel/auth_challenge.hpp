#pragma once
// WWW-Authenticate challenges (RFC 7235) as registries send them, and the Docker token flow.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "irel/result.hpp"

namespace irel {

struct AuthChallenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercase: realm, service, scope, error
};

// Every challenge in the header, in order. Error code: AUTH_CHALLENGE_INVALID.
Result<std::vector<AuthChallenge>> ParseAuthChallenges(std::string_view header);

// "repository:team/app:pull,push"
std::string RepositoryScope(std::string_view repository, std::string_view actions);

// The token endpoint URL for a Bearer challenge: realm?service=...&scope=...&scope=...
// Error code: AUTH_CHALLENGE_INVALID when the realm is missing or not http(s).
Result<std::string> TokenUrl(const AuthChallenge& challenge, const std::vector<std::string>& scopes);

struct Token {
  std::string token;
  std::int64_t expires_in = 60;  // seconds; the spec's default when absent
};

// {"token": ..., "access_token": ..., "expires_in": ...}. Error code: AUTH_TOKEN_INVALID.
Result<Token> ParseTokenResponse(std::string_view body);

}  // namespace irel
