// Entry point for Node: the emcc 3.1.6 glue cannot fetch a file path in Node, so hand it the bytes.
import { readFile } from 'node:fs/promises';

import { nodeEnv } from './env-node.js';
import { createIrel } from './irel.js';

export { Irel } from './irel.js';
export { IrelError } from './errors.js';
export { VERSION } from './version.js';

const WASM = new URL('../dist/irel-core.wasm', import.meta.url);
let shared;

export function load(options) {
  if (!options) return (shared ??= readFile(WASM).then((wasmBinary) => createIrel({ wasmBinary }, nodeEnv)));
  if (options.wasmBinary) return createIrel({ wasmBinary: options.wasmBinary }, nodeEnv);
  const url = options.wasmUrl ? new URL(String(options.wasmUrl)) : WASM;
  return readFile(url).then((wasmBinary) => createIrel({ wasmBinary }, nodeEnv));
}
