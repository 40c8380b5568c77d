#include "irel/registry_error.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "irel/json_depth.hpp"

namespace irel {
namespace {

std::string CodeForStatus(int status) {
  switch (status) {
    case 400: return "BAD_REQUEST";
    case 401: return "UNAUTHORIZED";
    case 403: return "DENIED";
    case 404: return "NOT_FOUND";
    case 405: return "UNSUPPORTED";
    case 408: return "TIMEOUT";
    case 416: return "RANGE_INVALID";
    case 429: return "TOOMANYREQUESTS";
    default: break;
  }
  if (status >= 500) return "SERVER_ERROR";
  return "HTTP_" + std::to_string(status);
}

std::string Hint(const std::string& code, std::string_view host) {
  const std::string h(host);
  if (code == "UNAUTHORIZED") return " (check the credentials for " + h + ": docker login " + h + ")";
  if (code == "DENIED") return " (the credentials for " + h + " lack permission for this repository)";
  if (code == "TOOMANYREQUESTS") return " (rate limited by " + h + "; retry later or authenticate)";
  return "";
}

// Hints that depend on the side: a target repository that does not exist is created first on
// registries that do not create repositories on push (ECR without a create-on-push rule; irel
// does not create repositories: each registry has its own API for it).
std::string SideHint(const std::string& code, Side side) {
  if (code == "NAME_UNKNOWN" && side == Side::Target) {
    return " (the repository does not exist: create it first where the registry does not create repositories on push, "
           "e.g. ECR's create-repository or a create-on-push rule)";
  }
  return "";
}

}  // namespace

bool IsRetryableStatus(int status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
}

Error RegistryError(int status, std::string_view body, const RegistryExchange& x) {
  std::string code = CodeForStatus(status);
  std::string detail;
  // A body nested too deep is not parsed: the error is then the status code's alone.
  const auto doc = JsonNestedTooDeep(body) ? nlohmann::json(nlohmann::json::value_t::discarded)
                                          : nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    const auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array()) {
      for (const auto& e : *errors) {
        if (!e.is_object()) continue;
        const auto c = e.find("code");
        const auto m = e.find("message");
        const std::string ec = c != e.end() && c->is_string() ? c->get<std::string>() : "";
        const std::string em = m != e.end() && m->is_string() ? m->get<std::string>() : "";
        if (detail.empty() && !ec.empty()) code = ec;
        if (!ec.empty() || !em.empty()) {
          if (!detail.empty()) detail += "; ";
          detail += ec.empty() ? em : (em.empty() ? ec : ec + ": " + em);
        }
      }
    }
  }
  if (detail.empty()) detail = code;
  std::string message;
  if (x.side != Side::None) message = std::string(SideName(x.side)) + " ";
  message += "registry " + std::string(x.host) + " answered " + std::to_string(status) + " to " +
             std::string(x.method) + " " + std::string(x.what) + ": " + detail + Hint(code, x.host) + SideHint(code, x.side);
  return Error{code, message, x.side};
}

}  // namespace irel
