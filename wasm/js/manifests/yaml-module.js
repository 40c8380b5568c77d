// The `yaml` package (eemeli/yaml), loaded where it can be: Node and bundlers (or an import map)
// resolve the bare name; a browser worker importing this package's modules as they are cannot, so
// it falls back to the copy `irel serve` serves at /vendor/yaml/ (the package's browser ESM build).
import { IrelError } from '../errors.js';

// Where the page's server serves the browser build (proxy/static.js); options.yamlUrl overrides.
const SERVED = '/vendor/yaml/index.js';

let shared;

/**
 * Resolves the yaml module. options.yaml: a module the caller imported itself (taken as is);
 * options.yamlUrl: where to import it from when the bare name does not resolve.
 */
export function loadYaml(options = {}) {
  if (options.yaml) return Promise.resolve(options.yaml);
  if (options.yamlUrl) return importFrom(String(options.yamlUrl));
  return (shared ??= importBare().catch((bare) => {
    shared = undefined; // a later call may give a yamlUrl, or the server may come up
    if (typeof location === 'undefined') throw unavailable(bare);
    return importFrom(new URL(SERVED, location.href).href);
  }));
}

// A literal specifier, so that bundlers put yaml (a dependency of this package) in their graph; in
// a browser without a bundler or an import map it rejects, and the fallback takes over.
function importBare() {
  return import('yaml');
}

async function importFrom(url) {
  try {
    return await import(/* @vite-ignore */ url);
  } catch (e) {
    throw unavailable(e, url);
  }
}

function unavailable(e, url) {
  return new IrelError({
    code: 'YAML_UNAVAILABLE',
    message: `the yaml package could not be loaded${url ? ` from ${url}` : ''}: ${e?.message ?? e} ` +
      '(install it beside irel, map "yaml" in an import map, or pass options.yaml or options.yamlUrl)',
  });
}
