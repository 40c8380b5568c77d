#!/usr/bin/env bash
# Installs the Debian packages irel needs to build and test, only when something is missing.
# Idempotent and quick when everything is present (one dpkg query).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  emscripten nodejs
  nlohmann-json3-dev libcrypto++-dev libarchive-dev liblzma-dev googletest libgtest-dev
  xz-utils zstd
  clang libclang-rt-14-dev
  dpkg-dev
  docker-registry skopeo umoci apache2-utils openssl
  chromium fonts-dejavu-core time
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Source packages are how we get third-party C/C++ sources for the WebAssembly builds.
src_list=/etc/apt/sources.list.d/irel-deb-src.sources
need_update=0
if [ ! -f "$src_list" ]; then
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src_list"
  need_update=1
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "irel: installing Debian packages: ${missing[*]:-(source lists only)}" >&2
  $SUDO apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
