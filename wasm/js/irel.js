// The environment-neutral API over the WebAssembly core. index.js (browsers, workers, bundlers)
// and node.js differ only in how they fetch the .wasm bytes.
import createIrelCore from '../dist/irel-core.js';
import { IrelError } from './errors.js';
import { VERSION } from './version.js';

function errorData(e) {
  const out = { code: e.code, message: e.message };
  if (e.side) out.side = e.side;
  return out;
}

export class Irel {
  #core;

  constructor(core) {
    this.#core = core;
  }

  get version() {
    return VERSION;
  }

  /** Parses and normalizes an image reference; never throws for bad input. */
  parse(input) {
    const r = this.#core.parseReference(String(input));
    if (!r.ok) return { ok: false, input, error: errorData(r.error) };
    const { ok: _ok, ...reference } = r;
    return { ok: true, input, reference };
  }

  /** Like parse, but throws IrelError for bad input. */
  parseReference(input) {
    const r = this.parse(input);
    if (!r.ok) throw new IrelError(r.error);
    return r.reference;
  }

  normalize(input) {
    return this.parseReference(input).string;
  }

  familiar(input) {
    return this.parseReference(input).familiar;
  }

  checkPrefix(prefix) {
    const r = this.#core.parseRepoPrefix(String(prefix));
    return r.ok ? { ok: true, prefix: r.prefix } : { ok: false, error: errorData(r.error) };
  }

  /**
   * Maps an image reference under a repository prefix. The tag and digest are kept unless
   * options.preserveTagDigest is false.
   */
  map(prefix, input, options = {}) {
    const preserve = options.preserveTagDigest !== false;
    const r = this.#core.mapReference(String(prefix), String(input), preserve);
    return r.ok ? { ok: true, input, output: r.output } : { ok: false, input, error: errorData(r.error) };
  }

  /** Like map, but throws IrelError. */
  mapReference(prefix, input, options) {
    const r = this.map(prefix, input, options);
    if (!r.ok) throw new IrelError(r.error);
    return r.output;
  }

  mapAll(prefix, inputs, options) {
    return Array.from(inputs, (input) => this.map(prefix, input, options));
  }
}

export async function createIrel(moduleArgs) {
  return new Irel(await createIrelCore(moduleArgs));
}
