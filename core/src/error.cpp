#include "irel/error.hpp"

namespace irel {

const char* SideName(Side side) {
  switch (side) {
    case Side::Source: return "source";
    case Side::Target: return "target";
    case Side::None: break;
  }
  return "";
}

}  // namespace irel
