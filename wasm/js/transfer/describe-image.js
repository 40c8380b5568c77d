// One image or index looked up in its registry (digest, media type, size, platforms, blobs): what
// the page shows before relocating, and what `bundle images` prints for a thin bundle's images.
import { registrySource } from '../registry/registry-place.js';
import { describeGraph } from '../bundle/describe.js';
import { discoverReferrers } from './referrers.js';
import { walkGraph } from './walk-graph.js';

/**
 * options.listReferrers: also list the image's referrers found in its registry (`referrers`:
 * [{ digest, mediaType, artifactType, size, subject, tag? }], size: the referrer's manifest, config
 * and layers), as a thick bundle's are listed; options.referrersTypes keeps only those types.
 */
export async function describeImage(ctx, ref, options = {}) {
  const source = await registrySource(ctx, ref, options.signal);
  const walk = new ctx.core.ImageWalk([], false);
  try {
    await walkGraph(source, walk, await source.root(), { signal: options.signal });
    const described = await describeGraph(ctx.core, ref, walk.pushOrder(), walk.blobs(), async (d) => {
      const reader = source.reader(d, options.signal);
      try {
        return await reader.read(0, d.size);
      } finally {
        await reader.close();
      }
    });
    if (options.listReferrers) described.referrers = await listReferrersOf(ctx, source, walk.pushOrder().map((n) => n.digest), options);
    return described;
  } finally {
    walk.delete();
  }
}

async function listReferrersOf(ctx, source, digests, options) {
  const { found } = await discoverReferrers(ctx, source, digests, { types: options.referrersTypes ?? [], signal: options.signal });
  return found.map((r) => {
    const m = ctx.core.parseManifest(r.manifest.bytes, r.manifest.mediaType);
    const blobs = m.ok ? [m.config, ...(m.layers ?? [])].filter(Boolean).reduce((n, d) => n + d.size, 0) : 0;
    return { digest: r.digest, mediaType: r.manifest.mediaType, artifactType: r.artifactType, size: r.manifest.bytes.length + blobs,
      subject: r.subject, ...(r.tag ? { tag: r.tag } : {}) };
  });
}
