#!/usr/bin/env bash
# Builds the static WebAssembly libraries irel's wasm build links against, from Debian bookworm
# SOURCE packages, with emcc (Debian emscripten 3.1.6):
#   zlib, bzip2, zstd, xz (liblzma), libarchive (zlib+bzip2+lzma+zstd only), minimal Crypto++
#   (SHA-256, MD5, HexEncoder).
#
# Usage: scripts/build-wasm-deps.sh [--smoke] [--check-versions] [--help]
#
# Everything lives outside the checkout, in ${IREL_CACHE:-$HOME/.cache/irel}:
#   src/dl/                 downloaded Debian source packages (.dsc + tarballs)
#   src/<pkg>-<version>/    extracted, Debian-patched sources (never modified by builds)
#   build/<key>/<lib>/      build trees (deleted once the prefix is complete)
#   build/logs/<key>-*.log  verbose tool output
#   wasm/<key>/             the install prefix: include/, lib/, irel-deps.txt
# <key> = deps-r<RECIPE>-<sha of RECIPE, the pinned Debian versions, the emscripten version and
# scripts/wasm-deps/cryptopp-instantiate.cpp>. A prefix directory only ever appears by an atomic
# rename of a finished staging directory (wasm/.<key>.partial), so an existing wasm/<key> is
# complete. Per-library stamps in the staging directory let an interrupted build resume.
#
# When the prefix is complete the script runs only a few coreutils (sha256sum, readlink, ...): no
# apt, no emcc, no network; it returns in about 10 ms. The versions are pinned below, so the key is
# known offline; sources are downloaded (all of them, before building) only on a cold build.
#
# stdout: exactly one line, the absolute prefix path (last line). Everything else goes to stderr.
#
# Environment: IREL_CACHE (cache root), IREL_JOBS (default: nproc).
set -euo pipefail

# Bump whenever the recipe (flags, source lists, installed files) changes.
RECIPE=1

LIBS=(zlib bzip2 zstd xz libarchive cryptopp)
# Debian source package names and pinned versions (bookworm / bookworm-security). Pinning keeps the
# key computable offline. If a pinned version disappears from the mirror (superseded by a security
# update), a cold build fails with a hint; `--check-versions` lists what apt knows about locally.
declare -A PKG=(
  [zlib]=zlib [bzip2]=bzip2 [zstd]=libzstd [xz]=xz-utils [libarchive]=libarchive [cryptopp]=libcrypto++
)
declare -A VER=(
  [zlib]=1:1.2.13.dfsg-1
  [bzip2]=1.0.8-5
  [zstd]=1.5.4+dfsg2-5
  [xz]=5.4.1-1+deb12u2
  [libarchive]=3.6.2-1+deb12u5
  [cryptopp]=8.7.0+git220824-1
)
# Crypto++: only what SHA-256 + MD5 + HexEncoder need (plus scripts/wasm-deps/cryptopp-instantiate.cpp).
CRYPTOPP_SRCS=(cryptlib misc allocate algparam filters queue mqueue basecode hex iterhash sha md5 fips140)

# Flags used for every library. No -pthread; C++ exceptions left at emcc's defaults.
OPT_CFLAGS="-O2"

SELF_DIR=${BASH_SOURCE[0]%/*}
[ "$SELF_DIR" = "${BASH_SOURCE[0]}" ] && SELF_DIR=.
SELF_DIR=$(cd "$SELF_DIR" && pwd)
HELPERS=$SELF_DIR/wasm-deps

log() { printf 'build-wasm-deps: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

DO_SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --smoke) DO_SMOKE=1 ;;
    --check-versions)
      for lib in "${LIBS[@]}"; do
        avail=$(apt-cache showsrc "${PKG[$lib]}" 2>/dev/null | sed -n 's/^Version: //p' | sort -u | tr '\n' ' ')
        printf '%-11s %-12s pinned %-22s apt knows: %s\n' "$lib" "${PKG[$lib]}" "${VER[$lib]}" "${avail:-(nothing; run apt-get update?)}" >&2
      done
      exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "unknown argument: $arg" ;;
  esac
done

IREL_CACHE=${IREL_CACHE:-$HOME/.cache/irel}
mkdir -p "$IREL_CACHE"
IREL_CACHE=$(cd "$IREL_CACHE" && pwd)

# ---------------------------------------------------------------------------------------------
# Key: computed without network or apt.
emver=unknown
if emcc_path=$(command -v emcc 2>/dev/null); then
  emcc_dir=$(dirname "$(readlink -f "$emcc_path")")
  for f in "$emcc_dir/emscripten-version.txt" /usr/share/emscripten/emscripten-version.txt; do
    if [ -f "$f" ]; then emver=$(<"$f"); break; fi
  done
fi
version_string="recipe=$RECIPE emscripten=$emver"
for lib in "${LIBS[@]}"; do version_string+=" ${PKG[$lib]}=${VER[$lib]}"; done
key_hash=$({ printf '%s\n' "$version_string"; cat "$HELPERS/cryptopp-instantiate.cpp"; } | sha256sum)
KEY=deps-r$RECIPE-${key_hash:0:12}
PREFIX=$IREL_CACHE/wasm/$KEY
STAGE=$IREL_CACHE/wasm/.$KEY.partial
BUILD=$IREL_CACHE/build/$KEY
LOGS=$IREL_CACHE/build/logs
SRC=$IREL_CACHE/src

LIB_FILES=(libz.a libbz2.a libzstd.a liblzma.a libarchive.a libcryptopp.a)
# Link order for consumers (libarchive before the compressors it uses).
LINK_ORDER=(libarchive.a libzstd.a liblzma.a libbz2.a libz.a libcryptopp.a)

prefix_complete() {
  [ -f "$PREFIX/.irel-complete" ] || return 1
  local f
  for f in "${LIB_FILES[@]}"; do [ -f "$PREFIX/lib/$f" ] || return 1; done
}

# ---------------------------------------------------------------------------------------------
# Helpers for the cold path.

JOBS=${IREL_JOBS:-$(nproc)}

# run LOG DESCRIPTION CMD...: append CMD's output to LOG; on failure show the log's tail and exit.
run() {
  local logf=$1 desc=$2; shift 2
  printf '\n+ [%s] %s\n' "$(date +%T)" "$*" >>"$logf"
  if ! "$@" >>"$logf" 2>&1; then
    log "FAILED: $desc"
    log "last 60 lines of $logf:"
    tail -n 60 "$logf" | sed 's/^/  | /' >&2
    exit 1
  fi
}

in_dir() { local d=$1; shift; (cd "$d" && "$@"); }

# Source directory of a library (extracted, Debian patches applied).
src_dir() { local v=${VER[$1]}; printf '%s/%s-%s' "$SRC" "${PKG[$1]}" "${v#*:}"; }

fetch_source() {
  local lib=$1 pkg=${PKG[$1]} ver=${VER[$1]}
  local dir; dir=$(src_dir "$lib")
  [ -f "$dir/.irel-extracted" ] && return 0
  local logf=$LOGS/$KEY-fetch-$lib.log dl=$SRC/dl
  : >"$logf"
  mkdir -p "$dl"
  log "$lib: downloading Debian source $pkg=$ver"
  # apt-get skips files that are already present with the right checksum.
  if ! in_dir "$dl" apt-get source --download-only "$pkg=$ver" >>"$logf" 2>&1; then
    log "FAILED: apt-get source $pkg=$ver"
    tail -n 20 "$logf" | sed 's/^/  | /' >&2
    log "hint: the pinned version may have been superseded on the mirror; compare with"
    log "      '$0 --check-versions' and update VER[$lib] in ${BASH_SOURCE[0]}"
    exit 1
  fi
  # Extract next to the .dsc: dpkg-source copies the orig tarball into the target's parent dir.
  local tmp=$dl/extract.$lib.$$
  rm -rf "$tmp"
  run "$logf" "dpkg-source -x ${pkg}_${ver#*:}.dsc" dpkg-source -x "$dl/${pkg}_${ver#*:}.dsc" "$tmp"
  touch "$tmp/.irel-extracted"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# Common emcmake cmake arguments.
CMAKE_COMMON=(
  -G "Unix Makefiles"
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_C_FLAGS_RELEASE=$OPT_CFLAGS -DNDEBUG"
  "-DCMAKE_CXX_FLAGS_RELEASE=$OPT_CFLAGS -DNDEBUG"
)

# cmake_configure LIB LOG SRCDIR ARGS...: configure once; a stamp lets a resumed build skip it.
cmake_configure() {
  local lib=$1 logf=$2 srcd=$3; shift 3
  local b=$BUILD/$lib
  if [ ! -f "$b/.irel-configured" ]; then
    rm -rf "$b"; mkdir -p "$b"
    run "$logf" "$lib: cmake configure" emcmake cmake -S "$srcd" -B "$b" "${CMAKE_COMMON[@]}" "$@"
    touch "$b/.irel-configured"
  fi
}

build_zlib() {
  local logf=$1 s b=$BUILD/zlib; s=$(src_dir zlib)
  rm -rf "$b"; mkdir -p "$BUILD"; cp -a "$s" "$b"
  run "$logf" "zlib: configure" in_dir "$b" env CFLAGS="$OPT_CFLAGS" emconfigure ./configure --static
  run "$logf" "zlib: make libz.a" emmake make -C "$b" -j"$JOBS" libz.a
  install -m644 "$b/libz.a" "$STAGE/lib/"
  install -m644 "$b/zlib.h" "$b/zconf.h" "$STAGE/include/"
}

build_bzip2() {
  local logf=$1 s b=$BUILD/bzip2 f; s=$(src_dir bzip2)
  rm -rf "$b"; mkdir -p "$b"
  local objs=()
  for f in blocksort huffman crctable randtable compress decompress bzlib; do
    run "$logf" "bzip2: compile $f.c" emcc $OPT_CFLAGS -D_FILE_OFFSET_BITS=64 -c "$s/$f.c" -o "$b/$f.o"
    objs+=("$b/$f.o")
  done
  run "$logf" "bzip2: emar" emar rcs "$b/libbz2.a" "${objs[@]}"
  install -m644 "$b/libbz2.a" "$STAGE/lib/"
  install -m644 "$s/bzlib.h" "$STAGE/include/"
}

build_zstd() {
  local logf=$1 s b=$BUILD/zstd; s=$(src_dir zstd)
  cmake_configure zstd "$logf" "$s/build/cmake" \
    -DZSTD_BUILD_PROGRAMS=OFF -DZSTD_BUILD_TESTS=OFF -DZSTD_BUILD_CONTRIB=OFF \
    -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_STATIC=ON -DZSTD_MULTITHREAD_SUPPORT=OFF \
    -DZSTD_LEGACY_SUPPORT=OFF
  run "$logf" "zstd: make" emmake make -C "$b" -j"$JOBS" VERBOSE=1 libzstd_static
  install -m644 "$b/lib/libzstd.a" "$STAGE/lib/"
  install -m644 "$s/lib/zstd.h" "$s/lib/zstd_errors.h" "$s/lib/zdict.h" "$STAGE/include/"
}

build_xz() {
  local logf=$1 s b=$BUILD/xz; s=$(src_dir xz)
  # Unix Makefiles: Ninja reports a phony cycle. The byte order check cannot run under emcc.
  cmake_configure xz "$logf" "$s" -DCMAKE_C_BYTE_ORDER=LITTLE_ENDIAN -DBUILD_SHARED_LIBS=OFF
  run "$logf" "xz: make liblzma" emmake make -C "$b" -j"$JOBS" VERBOSE=1 liblzma
  install -m644 "$b/liblzma.a" "$STAGE/lib/"
  install -m644 "$s/src/liblzma/api/lzma.h" "$STAGE/include/"
  mkdir -p "$STAGE/include/lzma"
  install -m644 "$s"/src/liblzma/api/lzma/*.h "$STAGE/include/lzma/"
}

build_libarchive() {
  local logf=$1 s b=$BUILD/libarchive; s=$(src_dir libarchive)
  local off=(MBEDTLS NETTLE OPENSSL LIBB2 LZ4 LZO LIBXML2 EXPAT PCREPOSIX LIBGCC CNG
             TAR TAR_SHARED CPIO CPIO_SHARED CAT CAT_SHARED XATTR ACL ICONV TEST COVERAGE
             INSTALL WERROR)
  local args=() o
  for o in "${off[@]}"; do args+=("-DENABLE_$o=OFF"); done
  log "libarchive: configure runs ~400 checks, about 5 minutes under emcc"
  cmake_configure libarchive "$logf" "$s" -DCMAKE_C_BYTE_ORDER=LITTLE_ENDIAN \
    -DBUILD_SHARED_LIBS=OFF "${args[@]}" \
    -DENABLE_ZLIB=ON -DENABLE_BZip2=ON -DENABLE_LZMA=ON -DENABLE_ZSTD=ON \
    -DZLIB_LIBRARY="$STAGE/lib/libz.a" -DZLIB_INCLUDE_DIR="$STAGE/include" \
    -DBZIP2_LIBRARIES="$STAGE/lib/libbz2.a" -DBZIP2_INCLUDE_DIR="$STAGE/include" \
    -DLIBLZMA_LIBRARY="$STAGE/lib/liblzma.a" -DLIBLZMA_INCLUDE_DIR="$STAGE/include" \
    -DZSTD_LIBRARY="$STAGE/lib/libzstd.a" -DZSTD_INCLUDE_DIR="$STAGE/include"
  # Fail loudly rather than silently produce a libarchive without one of the compressors.
  local h
  for h in HAVE_ZLIB_H HAVE_BZLIB_H HAVE_LZMA_H HAVE_ZSTD_H HAVE_LIBZSTD; do
    grep -q "^#define $h 1" "$b/config.h" ||
      { log "libarchive: $h not set in $b/config.h (see $logf)"; exit 1; }
  done
  run "$logf" "libarchive: make archive_static" emmake make -C "$b" -j"$JOBS" VERBOSE=1 archive_static
  install -m644 "$b/libarchive/libarchive.a" "$STAGE/lib/"
  install -m644 "$s/libarchive/archive.h" "$s/libarchive/archive_entry.h" "$STAGE/include/"
}

build_cryptopp() {
  local logf=$1 s b=$BUILD/cryptopp f; s=$(src_dir cryptopp)
  rm -rf "$b"; mkdir -p "$BUILD"; cp -a "$s" "$b"; mkdir -p "$b/irel-obj"
  # Crypto++ recommends disabling ASM in config so the library and every program agree; a
  # mismatch crashed at run time. Patch config_asm.h (also the installed copy); consumers should
  # still pass -DCRYPTOPP_DISABLE_ASM.
  # (The file has CRLF line endings.)
  local re="^// #define CRYPTOPP_DISABLE_ASM 1"$'\r'"\\?\$"
  grep -q "$re" "$b/config_asm.h" || die "cryptopp: commented-out CRYPTOPP_DISABLE_ASM not found in config_asm.h"
  sed -i "s|$re|#ifndef CRYPTOPP_DISABLE_ASM  /* irel wasm build: always without ASM */\\n# define CRYPTOPP_DISABLE_ASM 1\\n#endif|" \
    "$b/config_asm.h"
  grep -q 'irel wasm build' "$b/config_asm.h" || die "cryptopp: patching config_asm.h failed"
  cp "$HELPERS/cryptopp-instantiate.cpp" "$b/irel-instantiate.cpp"
  # shellcheck disable=SC2206  # OPT_CFLAGS is split on purpose
  local flags=($OPT_CFLAGS -DNDEBUG -DCRYPTOPP_DISABLE_ASM)
  printf '%s\n' "${CRYPTOPP_SRCS[@]}" irel-instantiate >"$b/irel-srcs.txt"
  printf '\n+ em++ %s -c <each of %s>\n' "${flags[*]}" "$(tr '\n' ' ' <"$b/irel-srcs.txt")" >>"$logf"
  # shellcheck disable=SC2016
  if ! xargs -P "$JOBS" -I{} sh -c 'b=$1 n=$2; shift 2; echo "compile $n.cpp"; exec em++ "$@" -c "$b/$n.cpp" -o "$b/irel-obj/$n.o"' \
        _ "$b" {} "${flags[@]}" <"$b/irel-srcs.txt" >>"$logf" 2>&1; then
    log "FAILED: cryptopp: compile"; tail -n 60 "$logf" | sed 's/^/  | /' >&2; exit 1
  fi
  local objs=()
  while read -r f; do objs+=("$b/irel-obj/$f.o"); done <"$b/irel-srcs.txt"
  run "$logf" "cryptopp: emar" emar rcs "$b/libcryptopp.a" "${objs[@]}"
  install -m644 "$b/libcryptopp.a" "$STAGE/lib/"
  mkdir -p "$STAGE/include/cryptopp"
  install -m644 "$b"/*.h "$STAGE/include/cryptopp/"
}

write_deps_txt() {
  local f=$STAGE/irel-deps.txt lib a
  {
    echo "# WebAssembly dependency prefix built by scripts/build-wasm-deps.sh (recipe $RECIPE)."
    echo "key: $KEY"
    echo "prefix: $PREFIX"
    echo "emscripten: $emver"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "# Debian bookworm source packages (library: source-package version):"
    for lib in "${LIBS[@]}"; do printf 'library: %-10s %-12s %s\n' "$lib" "${PKG[$lib]}" "${VER[$lib]}"; done
    echo
    echo "# Built with: $OPT_CFLAGS -DNDEBUG, no -pthread, C++ exceptions at emcc defaults (throw works,"
    echo "# catching is disabled unless the final link enables it); zstd without legacy formats;"
    echo "# libarchive with zlib, bzip2, lzma and zstd only; Crypto++ subset:"
    echo "#   ${CRYPTOPP_SRCS[*]} + irel-instantiate (SHA-256, MD5, hex, filters)."
    echo
    echo "# Consumers MUST compile with (config_asm.h is patched to default to it as well):"
    echo "cflags: -I$PREFIX/include -DCRYPTOPP_DISABLE_ASM"
    echo "# and MUST '#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1' before '#include <cryptopp/md5.h>'."
    echo
    echo "# Link (in this order):"
    printf 'libs:'; for a in "${LINK_ORDER[@]}"; do printf ' %s' "$PREFIX/lib/$a"; done; echo
  } >"$f"
}

# ---------------------------------------------------------------------------------------------
smoke() {
  export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs
  local t logf=$LOGS/$KEY-smoke.log
  mkdir -p "$IREL_CACHE/build" "$LOGS"
  t=$(mktemp -d "$IREL_CACHE/build/smoke.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$t'" EXIT
  : >"$logf"
  log "smoke: building $HELPERS/smoke.cpp against $PREFIX"
  local libs=() a
  for a in "${LINK_ORDER[@]}"; do libs+=("$PREFIX/lib/$a"); done
  run "$logf" "smoke: em++" em++ -O2 -std=c++17 -I"$PREFIX/include" -DCRYPTOPP_DISABLE_ASM \
    "$HELPERS/smoke.cpp" "${libs[@]}" \
    -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1 --pre-js "$HELPERS/smoke-pre.js" \
    -o "$t/smoke.js"
  # Every object of every library must link (no undefined symbols outside what the smoke uses).
  printf 'int main() { return 0; }\n' >"$t/empty.cpp"
  run "$logf" "smoke: whole-archive link check" em++ -O0 "$t/empty.cpp" \
    -Wl,--whole-archive "${libs[@]}" -Wl,--no-whole-archive -Wl,--no-gc-sections -o "$t/all.js"

  # Payload and archives made by the system tools.
  mkdir -p "$t/payload/dir"
  printf 'hello\n' >"$t/payload/hello.txt"
  seq 1 60000 >"$t/payload/dir/numbers.txt"
  head -c 70000 /dev/urandom >"$t/payload/dir/random.bin"
  local names=(hello.txt dir/numbers.txt dir/random.bin)
  tar -C "$t/payload" -czf "$t/t.tar.gz" "${names[@]}"
  tar -C "$t/payload" -cJf "$t/t.tar.xz" "${names[@]}"
  tar -C "$t/payload" -cjf "$t/t.tar.bz2" "${names[@]}"
  tar -C "$t/payload" --zstd -cf "$t/t.tar.zst" "${names[@]}"

  local n sum ext filter
  {
    echo "sha256(abc)=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    echo "md5(abc)=900150983cd24fb0d6963f7d28e17f72"
    for ext in gz:gzip xz:xz bz2:bzip2 zst:zstd; do
      filter=${ext#*:}; ext=${ext%%:*}
      echo "t.tar.$ext filter=$filter"
      for n in "${names[@]}"; do
        sum=$(sha256sum <"$t/payload/$n"); echo "  $n $(stat -c %s "$t/payload/$n") ${sum%% *}"
      done
    done
  } >"$t/expected.txt"

  local rc=0
  node "$t/smoke.js" "$t/t.tar.gz" "$t/t.tar.xz" "$t/t.tar.bz2" "$t/t.tar.zst" \
    >"$t/out.txt" 2>>"$logf" || rc=$?
  sed 's/^/  smoke| /' "$t/out.txt" >&2
  grep -v '^#' "$t/out.txt" >"$t/actual.txt" || true
  if [ "$rc" != 0 ] || ! diff -u "$t/expected.txt" "$t/actual.txt" >>"$logf" 2>&1; then
    log "smoke: FAILED (exit $rc); see $logf"
    tail -n 40 "$logf" | sed 's/^/  | /' >&2
    exit 1
  fi
  local size gz
  size=$(stat -c %s "$t/smoke.wasm"); gz=$(gzip -9c "$t/smoke.wasm" | wc -c)
  log "smoke: OK (smoke.wasm $size bytes, $gz gzipped)"
  rm -rf "$t"; trap - EXIT
}

# ---------------------------------------------------------------------------------------------
if prefix_complete; then
  [ "$DO_SMOKE" = 1 ] && smoke
  printf '%s\n' "$PREFIX"
  exit 0
fi

# Cold (or resumed) build.
for tool in emcc em++ emar emcmake emconfigure emmake cmake make apt-get dpkg-source node flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found (see scripts/install-system.sh)"
done
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs  # emcc's JS optimizer needs it
mkdir -p "$IREL_CACHE/wasm" "$SRC" "$BUILD" "$LOGS"

# One builder per key at a time; a second invocation waits, then finds the prefix complete.
exec 9>"$IREL_CACHE/wasm/.$KEY.lock"
if ! flock -n 9; then
  log "another build of $KEY is running; waiting for it"
  flock 9
fi
if prefix_complete; then
  [ "$DO_SMOKE" = 1 ] && smoke
  printf '%s\n' "$PREFIX"
  exit 0
fi
# A directory at $PREFIX without the marker cannot come from this script; move it out of the way.
[ -e "$PREFIX" ] && { log "removing incomplete $PREFIX"; rm -rf "$PREFIX"; }

log "building $KEY into $PREFIX (jobs=$JOBS, emscripten $emver); logs in $LOGS"
mkdir -p "$STAGE/include" "$STAGE/lib" "$STAGE/.stamps"
start_all=$SECONDS
# Fetch every missing source first, so a download problem shows up before minutes of building.
for lib in "${LIBS[@]}"; do
  [ -f "$STAGE/.stamps/$lib" ] || fetch_source "$lib"
done
for lib in "${LIBS[@]}"; do
  if [ -f "$STAGE/.stamps/$lib" ]; then
    log "$lib: already built (resuming)"
    continue
  fi
  t0=$SECONDS
  logf=$LOGS/$KEY-$lib.log
  : >"$logf"
  log "$lib ${VER[$lib]}: building (log: $logf)"
  "build_$lib" "$logf"
  touch "$STAGE/.stamps/$lib"
  log "$lib: done in $((SECONDS - t0)) s"
done

write_deps_txt
rm -rf "$STAGE/.stamps"
touch "$STAGE/.irel-complete"
mv -T "$STAGE" "$PREFIX"
rm -rf "$BUILD"
log "complete in $((SECONDS - start_all)) s: $PREFIX"

[ "$DO_SMOKE" = 1 ] && smoke
printf '%s\n' "$PREFIX"
