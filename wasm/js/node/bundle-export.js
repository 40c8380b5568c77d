// Thin bundle -> thick bundle: every relocatable image pulled into an OCI layout (named by the
// bundle's original reference), then bundle.json and the layout written as one .tgz.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pinnedSource, readBundle } from '../bundle/thin.js';
import { registrySource } from '../registry/registry-place.js';
import { relocate } from '../transfer/relocate.js';
import { layoutTarget } from './layout-place.js';
import { createTarGz } from './tar-writer.js';

/**
 * The layout's blob paths (blobs/ALG/HEX), manifests and configs first, from index.json down, then
 * the rest sorted: a reader of the archive then knows each layer's size before it reaches it (and
 * can refuse an entry larger than its descriptor before inflating it).
 */
async function blobOrder(core, layout) {
  const all = [];
  for (const alg of await readdir(join(layout, 'blobs')).catch(() => [])) {
    for (const hex of (await readdir(join(layout, 'blobs', alg))).sort()) all.push(`blobs/${alg}/${hex}`);
  }
  const present = new Set(all);
  const first = [];
  const placed = new Set();
  const place = (digest) => {
    const path = `blobs/${digest.replace(':', '/')}`;
    if (placed.has(path) || !present.has(path)) return false;
    placed.add(path);
    first.push(path);
    return true;
  };
  let pending = core.parseManifest(await readFile(join(layout, 'index.json')), 'application/vnd.oci.image.index.v1+json').manifests ?? [];
  while (pending.length) {
    const next = [];
    for (const d of pending) {
      if (!place(d.digest)) continue;
      const m = core.parseManifest(await readFile(join(layout, `blobs/${d.digest.replace(':', '/')}`)), d.mediaType ?? '');
      if (!m.ok) continue;
      if (m.config) place(m.config.digest);
      next.push(...m.manifests);
    }
    pending = next;
  }
  return [...first, ...all.filter((p) => !placed.has(p))];
}

export async function exportBundle(ctx, bundleBytes, outPath, options = {}) {
  const bundle = readBundle(ctx.core, bundleBytes);
  const dir = await mkdtemp(join(tmpdir(), 'irel-export-'));
  const images = [];
  try {
    const seen = new Set();
    for (const image of bundle.images) {
      if (!image.relocatable || seen.has(image.image)) continue;
      seen.add(image.image);
      const from = pinnedSource(ctx.core, image);
      const summary = await relocate(ctx, (signal) => registrySource(ctx, from, signal),
        () => layoutTarget(ctx, join(dir, 'layout'), image.image), options);
      images.push({ image: image.image, digest: summary.digest });
    }
    const out = await createTarGz(outPath);
    try {
      await out.addBytes('bundle.json', bundleBytes);
      const layout = join(dir, 'layout');
      for (const name of ['oci-layout', 'index.json']) {
        await out.addFile(`artifacts/layout/${name}`, join(layout, name), (await stat(join(layout, name))).size);
      }
      for (const path of await blobOrder(ctx.core, layout)) {
        const file = join(layout, path);
        await out.addFile(`artifacts/layout/${path}`, file, (await stat(file)).size);
      }
      await out.finish();
    } catch (e) {
      await out.abort();
      throw e;
    }
    return { images, path: outPath };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
