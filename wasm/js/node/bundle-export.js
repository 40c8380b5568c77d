// Thin bundle -> thick bundle: every relocatable image pulled into an OCI layout (named by the
// bundle's original reference), then bundle.json and the layout written as one .tgz.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pinnedSource, readBundle } from '../bundle/thin.js';
import { registrySource } from '../registry/registry-place.js';
import { relocate } from '../transfer/relocate.js';
import { layoutTarget } from './layout-place.js';
import { packLayout } from './layout-tar.js';
import { createTarGz } from './tar-writer.js';

// The referrers of an image (signatures, attestations, SBOMs) into the layout beside it: each
// found in the source is copied as an image of its own, an OCI referrer as an unnamed index
// entry (found again by its subject), a cosign tag under `<image's repository>:<tag>`
// (bundle/thick-referrers.js reads them back).
async function exportReferrers(ctx, source, manifests, image, layoutDir, options) {
  const { bringReferrers, findReferrers } = await import('../transfer/referrers.js');
  const repo = ctx.core.parseReference(image);
  return bringReferrers(ctx, { source, manifests, discovered: await findReferrers(ctx, source, manifests, options), options,
    // The layout's index lists its referrers itself: no fallback tag is written.
    target: { name: repo.ok ? repo.name : image, referrersApi: async () => true },
    open: { source: (text, signal) => registrySource(ctx, text, signal), target: (text) => layoutTarget(ctx, layoutDir, text.includes('@') ? '' : text) } });
}

export async function exportBundle(ctx, bundleBytes, outPath, options = {}) {
  const bundle = readBundle(ctx.core, bundleBytes);
  const dir = await mkdtemp(join(tmpdir(), 'irel-export-'));
  const images = [];
  try {
    const seen = new Set();
    const referrers = { count: 0, copied: 0, filtered: 0, failed: [], fallbackTags: [] };
    const layoutDir = join(dir, 'layout');
    for (const image of bundle.images) {
      if (!image.relocatable || seen.has(image.image)) continue;
      seen.add(image.image);
      const from = pinnedSource(ctx.core, image);
      let source = null;
      let manifests = null;
      const summary = await relocate(ctx, async (signal) => (source = await registrySource(ctx, from, signal)),
        () => layoutTarget(ctx, layoutDir, image.image), options, { onManifests: (m) => { manifests = m; } });
      const entry = { image: image.image, digest: summary.digest };
      if (options.referrers !== false) {
        entry.referrers = await exportReferrers(ctx, source, manifests, image.image, layoutDir, options);
        referrers.count += entry.referrers.count;
        referrers.copied += entry.referrers.copied;
        referrers.filtered += entry.referrers.filtered;
        referrers.failed.push(...entry.referrers.failed);
        if (entry.referrers.note) referrers.note = referrers.note ? `${referrers.note}; ${entry.referrers.note}` : entry.referrers.note;
      }
      images.push(entry);
    }
    const out = await createTarGz(outPath);
    try {
      await out.addBytes('bundle.json', bundleBytes);
      await packLayout(ctx.core, out, join(dir, 'layout'), 'artifacts/layout/');
      await out.finish();
    } catch (e) {
      await out.abort();
      throw e;
    }
    return { images, path: outPath, ...(options.referrers === false ? {} : { referrers }) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
