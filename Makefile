# irel: `make run` and `make test` are the quick start; both install what is missing first.
# Third-party WebAssembly libraries are cached outside the checkout in $(IREL_CACHE).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

export IREL_CACHE ?= $(HOME)/.cache/irel
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
JOBS ?= $(shell nproc)
STAMPS := build/stamps

.PHONY: build deps system npm wasm-deps native asan fuzz-build wasm package test test-native \
        test-asan test-fuzz test-node test-types test-e2e test-embed run bench bench-copy bench-browser bench-thick bench-wan bench-archive fuzz fuzz-long clean

build: native wasm package

# --- setup -----------------------------------------------------------------------------------
deps: system npm wasm-deps

system:
	@bash scripts/install-system.sh

# npm ci only when the lockfile changed since the last install.
npm: $(STAMPS)/npm
$(STAMPS)/npm: package-lock.json | system
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

wasm-deps: $(STAMPS)/wasm-deps
$(STAMPS)/wasm-deps: scripts/build-wasm-deps.sh | system
	@mkdir -p $(STAMPS)
	bash scripts/build-wasm-deps.sh | tail -n 1 > $@.tmp && mv $@.tmp $@

# --- builds ----------------------------------------------------------------------------------
native: system
	@cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build/native -j $(JOBS)

asan: system
	@CC=clang CXX=clang++ cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DIREL_SANITIZE=ON >/dev/null
	@cmake --build build/asan -j $(JOBS)

fuzz-build: system
	@CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DIREL_SANITIZE=ON -DIREL_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS)

# emcc's JS optimizer needs Debian's node modules on NODE_PATH.
wasm: wasm-deps
	@NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DIREL_WASM_DEPS="$$(cat $(STAMPS)/wasm-deps)" >/dev/null
	@NODE_PATH=/usr/share/nodejs cmake --build build/wasm -j $(JOBS)

package: npm wasm

# --- tests -----------------------------------------------------------------------------------
test: build asan fuzz-build
	$(MAKE) --no-print-directory test-native test-asan test-fuzz test-types test-node test-e2e test-embed

test-native:
	ctest --test-dir build/native --output-on-failure -j $(JOBS)

test-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build/asan --output-on-failure -j $(JOBS)

test-fuzz:
	ctest --test-dir build/fuzz --output-on-failure -R '^fuzz_'

test-types:
	npx --no-install tsc -p tests/node/tsconfig.json

test-node:
	node --test --test-reporter=spec tests/node/

test-e2e:
	npx --no-install playwright test -c tests-e2e/playwright.config.js

# The npm package embedded in a Vite app, built and driven in Chromium.
test-embed:
	node examples/embed-vite/e2e.mjs

# --- tools -----------------------------------------------------------------------------------
run: build
	node scripts/demo.js

bench: build
	node scripts/bench-map.js

bench-copy: build
	node scripts/bench-copy.js

bench-browser: build
	node scripts/bench-browser.js

# Thick bundles of BENCH_THICK_GIB GiB (1; "1,4" for both): time, peak RSS, the gzip+sha256 floor.
bench-thick: build
	node scripts/bench-thick.js

# Image archives (oci-archive:, docker save) read and written, against skopeo.
bench-archive: build
	node scripts/bench-archive.js

# irel copy vs skopeo over an emulated WAN (BENCH_WAN_DELAY_MS 25 each way, BENCH_WAN_MBPS 50).
bench-wan: build
	node scripts/bench-wan.js

# A short fuzzing session beyond the corpus replay (not part of `make test`).
fuzz: fuzz-build
	mkdir -p build/fuzz/corpus-reference
	build/fuzz/tests/fuzz_reference -max_total_time=$${SECONDS_TO_FUZZ:-60} \
	  build/fuzz/corpus-reference tests/fuzz/corpus/reference

# A campaign: every fuzz target for FUZZ_SECONDS (600) each, corpora grown and merged back.
fuzz-long: fuzz-build
	bash scripts/fuzz-long.sh

clean:
	rm -rf build wasm/dist
