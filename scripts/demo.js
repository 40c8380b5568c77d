#!/usr/bin/env node
// `make run`: the whole thing on a local default. Two Debian docker-registry instances on loopback
// with temporary storage ("upstream", seeded with sample images, and "internal", the relocation
// target), a sample thin bundle and thick bundle written under build/demo/, and `irel serve`
// allowed to reach them. Prints the URL and what to try; Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { startRegistry } from '../tests/helpers/registry.js';
import { forgeBundle, pushSamples } from '../tests/helpers/samples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const DEMO = `${ROOT}build/demo`;
const PORT = Number(process.env.PORT ?? 8080);

const [upstream, internal] = await Promise.all([startRegistry(), startRegistry()]);
const stop = async () => {
  await Promise.all([upstream.stop(), internal.stop()]);
  process.exit(0);
};

const images = await pushSamples(upstream, { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'], webLayer: 24 << 20, dbLayers: [{ size: 8 << 20, kind: 'raw' }, 2000] });
mkdirSync(DEMO, { recursive: true });
const bundle = forgeBundle(images);
writeFileSync(`${DEMO}/forge.json`, `${JSON.stringify(bundle, null, 2)}\n`);
writeFileSync(`${DEMO}/references.txt`, `${Object.values(images).map((i) => i.ref).join('\n')}\n`);
const exported = spawnSync(process.execPath, [CLI, 'bundle', 'export', `${DEMO}/forge.json`, '-o', `${DEMO}/forge.tgz`, '-q'], { encoding: 'utf8' });
if (exported.status !== 0) throw new Error(exported.stderr);

const serve = spawn(process.execPath, [CLI, 'serve', '--port', String(PORT), '--allow-host', upstream.host, '--allow-host', internal.host],
  { stdio: ['ignore', 'inherit', 'inherit'] });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    serve.kill('SIGTERM');
    stop();
  });
}
serve.on('exit', stop);

console.log(`
irel demo
  page:              http://127.0.0.1:${PORT}/
  upstream registry: ${upstream.host}  (samples/hello:1.0 multi-arch, samples/web:2.1, samples/db:15)
  internal registry: ${internal.host}  (empty: relocate into it)

Try:
  1. "Relocate images": paste the references in ${DEMO}/references.txt (or drop ${DEMO}/forge.json),
     enter the prefix ${internal.host}/smith, press Relocate, download the mapping.
  2. "Thick bundle": drop ${DEMO}/forge.tgz, check the verified images, relocate with prefix
     ${internal.host}/griphook.
  3. "Check a mapping": drop the bundle and the downloaded mapping.
  From a shell: npx --no-install irel bundle relocate ${DEMO}/forge.tgz -r ${internal.host}/cli
Ctrl-C stops the registries and the server.
`);
