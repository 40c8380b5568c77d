// Walking an image graph from a source: the root is added, then each level of child manifests
// the walk asks for is fetched (several at once) and added, until the walk has the whole graph.
import { IrelError } from '../errors.js';
import { runPool } from '../registry/pool.js';

/**
 * walk: a core ImageWalk; root: { digest, mediaType, bytes } as the source served it;
 * stopAtRoot: add the root only (the target has it already). Resolves the manifests fetched,
 * Map(digest -> { bytes, mediaType }), the root included.
 */
export async function walkGraph(source, walk, root, { jobs = 4, signal, controller, stopAtRoot = false } = {}) {
  const manifests = new Map([[root.digest, root]]);
  let added = walk.addRoot(root.digest, root.mediaType, root.bytes);
  if (!added.ok) throw new IrelError({ ...added.error, side: 'source' });
  let pending = stopAtRoot ? [] : added.children;
  while (pending.length) {
    const fetched = [];
    await runPool(pending, jobs, async (d) => fetched.push([d, await source.manifest(d, signal)]), controller);
    pending = [];
    for (const [d, child] of fetched) {
      manifests.set(d.digest, { ...child, mediaType: child.mediaType || d.mediaType });
      added = walk.addChild(d, child.bytes);
      if (!added.ok) throw new IrelError({ ...added.error, side: 'source' });
      pending.push(...added.children);
    }
  }
  return manifests;
}
