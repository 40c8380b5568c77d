#pragma once
// Errors are data: a stable code a program can branch on, a message a person can act on, and which
// side of a transfer failed. They never carry credentials.
#include <string>

namespace irel {

enum class Side { None, Source, Target };

const char* SideName(Side side);

struct Error {
  std::string code;     // e.g. "NAME_INVALID_FORMAT", "DIGEST_INVALID", "MANIFEST_UNKNOWN"
  std::string message;  // human readable, names what is wrong
  Side side = Side::None;
};

}  // namespace irel
