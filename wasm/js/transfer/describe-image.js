// One image or index looked up in its registry (digest, media type, size, platforms, blobs): what
// the page shows before relocating, and what `bundle images` prints for a thin bundle's images.
import { registrySource } from '../registry/registry-place.js';
import { describeGraph } from '../bundle/describe.js';
import { walkGraph } from './walk-graph.js';

export async function describeImage(ctx, ref, options = {}) {
  const source = await registrySource(ctx, ref, options.signal);
  const walk = new ctx.core.ImageWalk([], false);
  try {
    await walkGraph(source, walk, await source.root(), { signal: options.signal });
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
