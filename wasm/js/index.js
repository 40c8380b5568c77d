// Entry point for browsers, Web Workers and bundlers: the .wasm file is found next to the module
// glue (new URL(..., import.meta.url)) unless options say otherwise.
import { browserEnv } from './env-browser.js';
import { createIrel } from './irel.js';

export { Irel } from './irel.js';
export { IrelError } from './errors.js';
export { VERSION } from './version.js';

let shared;

/**
 * Loads the WebAssembly core. With no options the instance is shared by every caller.
 * options.wasmBinary: the module's bytes; options.wasmUrl: where to fetch them from.
 */
export function load(options) {
  if (!options) return (shared ??= createIrel({}, browserEnv));
  const args = {};
  if (options.wasmBinary) args.wasmBinary = options.wasmBinary;
  else if (options.wasmUrl) args.locateFile = () => String(options.wasmUrl);
  return createIrel(args, browserEnv);
}
