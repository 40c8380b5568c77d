import { defineConfig } from 'vite';

// An irel installed from the registry needs no configuration: `vite build` turns the glue's
// new URL('irel-core.wasm', import.meta.url) into an emitted asset, and the dev server's
// pre-bundling rewrites that URL too. This example links irel from the checkout ("file:../.."),
// which is outside the project, so the dev server must be allowed to serve the .wasm from there.
export default defineConfig({
  server: { fs: { allow: ['.', '../..'] } },
});
