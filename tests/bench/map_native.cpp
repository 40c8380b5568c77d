// Native peer for scripts/bench-map.js: maps references from stdin, one per line, with the same
// core the WebAssembly module uses, so the benchmark can print a wasm/native ratio.
#include <iostream>
#include <string>

#include "irel/path_mapping.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: map_native PREFIX < refs\n";
    return 2;
  }
  const auto prefix = irel::ParseRepoPrefix(argv[1]);
  if (!prefix) {
    std::cerr << prefix.error().message << "\n";
    return 2;
  }
  std::ios::sync_with_stdio(false);
  std::string line, out;
  int failed = 0;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    const auto ref = irel::ParseReference(line);
    const auto mapped = ref ? irel::FlattenRepoPathPreserveTagDigest(*prefix, *ref) : ref;
    if (!mapped) {
      ++failed;
      continue;
    }
    out += mapped->String();
    out += '\n';
    if (out.size() > (1 << 16)) {
      std::cout << out;
      out.clear();
    }
  }
  std::cout << out;
  return failed ? 1 : 0;
}
