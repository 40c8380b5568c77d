// One image or index looked up in its registry (digest, media type, size, platforms, blobs): what
// the page shows before relocating, and what `bundle images` prints for a thin bundle's images.
import { IrelError } from '../errors.js';
import { registrySource } from '../registry/registry-place.js';
import { describeGraph } from '../bundle/describe.js';

export async function describeImage(ctx, ref, options = {}) {
  const source = await registrySource(ctx, ref, options.signal);
  const walk = new ctx.core.ImageWalk([], false);
  try {
    const root = await source.root();
    let added = walk.addRoot(root.digest, root.mediaType, root.bytes);
    while (added.ok && added.children.length) {
      const next = [];
      for (const d of added.children) {
        const child = await source.manifest(d);
        const r = walk.addChild(d, child.bytes);
        if (!r.ok) throw new IrelError({ ...r.error, side: 'source' });
        next.push(...r.children);
      }
      added = { ok: true, children: next };
    }
    if (!added.ok) throw new IrelError({ ...added.error, side: 'source' });
    return await describeGraph(ctx.core, ref, walk.pushOrder(), walk.blobs(), async (d) => {
      const reader = source.reader(d, options.signal);
      try {
        return await reader.read(0, d.size);
      } finally {
        await reader.close();
      }
    });
  } finally {
    walk.delete();
  }
}
