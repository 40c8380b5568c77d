#include "irel/auth_challenge.hpp"

#include <nlohmann/json.hpp>

#include "irel/json_depth.hpp"
#include "irel/percent_encode.hpp"

namespace irel {
namespace {

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string Lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Error Invalid(std::string_view header, const std::string& why) {
  return Error{"AUTH_CHALLENGE_INVALID",
               "invalid WWW-Authenticate header \"" + std::string(header) + "\": " + why};
}

}  // namespace

Result<std::vector<AuthChallenge>> ParseAuthChallenges(std::string_view h) {
  std::vector<AuthChallenge> out;
  std::size_t i = 0;
  const auto skip_ws = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  const auto token = [&] {
    const std::size_t start = i;
    while (i < h.size() && IsTokenChar(h[i])) ++i;
    return std::string(h.substr(start, i - start));
  };
  while (true) {
    skip_ws();
    while (i < h.size() && h[i] == ',') {
      ++i;
      skip_ws();
    }
    if (i >= h.size()) break;
    const std::string name = token();
    if (name.empty()) return Invalid(h, "expected an auth scheme at offset " + std::to_string(i));
    skip_ws();
    if (i < h.size() && h[i] == '=') {
      // A parameter of the current challenge.
      if (out.empty()) return Invalid(h, "parameter \"" + name + "\" before any scheme");
      ++i;
      skip_ws();
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        bool closed = false;
        while (i < h.size()) {
          const char c = h[i++];
          if (c == '\\' && i < h.size()) {
            value += h[i++];
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value += c;
          }
        }
        if (!closed) return Invalid(h, "unterminated quoted value of \"" + name + "\"");
      } else {
        value = token();
      }
      out.back().params[Lower(name)] = value;
      skip_ws();
      if (i < h.size() && h[i] != ',') return Invalid(h, "expected \",\" after \"" + name + "\"");
      continue;
    }
    out.push_back(AuthChallenge{Lower(name), {}});
    // token68 form (e.g. "Negotiate abc==") carries no parameters we use; skip it.
    if (i < h.size() && h[i] != ',' && IsTokenChar(h[i])) {
      const std::size_t save = i;
      token();
      skip_ws();
      if (i < h.size() && h[i] == '=') {
        i = save;  // it was the first parameter name
      }
    }
  }
  if (out.empty()) return Invalid(h, "no challenge");
  return out;
}

std::string RepositoryScope(std::string_view repository, std::string_view actions) {
  return "repository:" + std::string(repository) + ":" + std::string(actions);
}

Result<std::string> TokenUrl(const AuthChallenge& c, const std::vector<std::string>& scopes) {
  const auto realm = c.params.find("realm");
  if (realm == c.params.end() || realm->second.empty()) {
    return Error{"AUTH_CHALLENGE_INVALID", "the registry's Bearer challenge has no realm"};
  }
  const std::string& r = realm->second;
  if (r.rfind("https://", 0) != 0 && r.rfind("http://", 0) != 0) {
    return Error{"AUTH_CHALLENGE_INVALID", "the token realm \"" + r + "\" is not an http(s) URL"};
  }
  std::string url = r;
  char sep = r.find('?') == std::string::npos ? '?' : '&';
  const auto service = c.params.find("service");
  if (service != c.params.end() && !service->second.empty()) {
    url += sep + std::string("service=") + PercentEncode(service->second);
    sep = '&';
  }
  for (const auto& s : scopes) {
    url += sep + std::string("scope=") + PercentEncode(s);
    sep = '&';
  }
  return url;
}

Result<Token> ParseTokenResponse(std::string_view body) {
  if (JsonNestedTooDeep(body)) {
    return Error{"AUTH_TOKEN_INVALID", "the token server's answer is JSON " + JsonTooDeepDetail()};
  }
  const auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error{"AUTH_TOKEN_INVALID", "the token server's answer is not a JSON object"};
  }
  Token t;
  for (const char* key : {"token", "access_token"}) {
    const auto it = doc.find(key);
    if (it != doc.end() && it->is_string() && !it->get<std::string>().empty()) {
      t.token = it->get<std::string>();
      break;
    }
  }
  if (t.token.empty()) return Error{"AUTH_TOKEN_INVALID", "the token server's answer has no token"};
  const auto exp = doc.find("expires_in");
  if (exp != doc.end() && exp->is_number_integer() && exp->get<std::int64_t>() > 0) {
    t.expires_in = exp->get<std::int64_t>();
  }
  return t;
}

}  // namespace irel
