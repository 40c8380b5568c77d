// --pre-js for the smoke test (scripts/build-wasm-deps.sh --smoke).
// Node 20 has a global fetch(), so the emcc 3.1.6 glue tries to fetch() the .wasm by file path and
// fails ("Failed to parse URL"). Hand it the bytes instead.
if (typeof process === 'object' && typeof require === 'function') {
  Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.js$/, '.wasm'));
}
