// Thin bundle -> thick bundle: every relocatable image pulled into an OCI layout (named by the
// bundle's original reference), then bundle.json and the layout written as one .tgz.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pinnedSource, readBundle } from '../bundle/thin.js';
import { registrySource } from '../registry/registry-place.js';
import { relocate } from '../transfer/relocate.js';
import { layoutTarget } from './layout-place.js';
import { createTarGz } from './tar-writer.js';

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
      for (const alg of await readdir(join(layout, 'blobs')).catch(() => [])) {
        for (const hex of (await readdir(join(layout, 'blobs', alg))).sort()) {
          const file = join(layout, 'blobs', alg, hex);
          await out.addFile(`artifacts/layout/blobs/${alg}/${hex}`, file, (await stat(file)).size);
        }
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
