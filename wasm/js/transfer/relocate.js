// Relocation is one walk over an image graph between two places: a registry, an OCI layout, an
// archive. The source gives manifests (verified bytes) and blob readers; the target takes blobs,
// then manifests children-first, the root (and its tag or name) last, so that an interrupted
// copy never leaves a name on an incomplete image.
//
// openSource(signal) -> source, openTarget(signal, source) -> target, where
// source: { reference, root() -> {bytes, digest, mediaType}, manifest(descriptor) -> same, reader(descriptor, signal) }
// target: { rootRef(rootDigest) -> ref, checkDigest(rootDigest), hasManifest(digest),
//           putManifest(ref, manifest, isRoot), hasBlob(descriptor), putBlob(descriptor, reader, progress, signal)
//           -> 'uploaded' | 'mounted', reference(ref) -> string }
import { IrelError } from '../errors.js';
import { runPool } from '../registry/pool.js';

export async function relocate(ctx, openSource, openTarget, options = {}) {
  const { core } = ctx;
  const jobs = Math.max(1, options.jobs ?? 4);
  const emit = options.onProgress ?? (() => {});
  const platforms = options.platforms ?? [];
  for (const p of platforms) {
    const r = core.parsePlatform(p);
    if (!r.ok) throw new IrelError(r.error);
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const signal = controller.signal;

  const source = await openSource(signal);
  const target = await openTarget(signal, source);
  const summary = {
    source: source.reference, target: '', digest: '', sourceDigest: '', rewritten: false, platforms: [],
    manifests: 0, blobs: { uploaded: 0, mounted: 0, skipped: 0, foreign: 0 },
    bytes: { uploaded: 0, mounted: 0, skipped: 0, total: 0 },
  };
  try {
    // 1. The root manifest, exactly as the source has it.
    const root = await source.root(signal);
    summary.sourceDigest = root.digest;
    emit({ type: 'manifest', phase: 'fetched', digest: root.digest, mediaType: root.mediaType });

    // Fast path: the target already holds this exact root, so everything under it too.
    if (platforms.length === 0) {
      target.checkDigest(root.digest);
      if (await target.hasManifest(root.digest)) {
        const ref = target.rootRef(root.digest);
        await target.putManifest(ref, root, true);
        Object.assign(summary, { digest: root.digest, target: target.reference(ref), manifests: 1 });
        emit({ type: 'manifest', phase: 'pushed', digest: root.digest, existing: true });
        emit({ type: 'done', summary });
        return summary;
      }
    }

    // 2. The rest of the graph.
    const walk = new core.ImageWalk(platforms, !!options.includeNondistributable);
    try {
      let added = walk.addRoot(root.digest, root.mediaType, root.bytes);
      if (!added.ok) throw new IrelError({ ...added.error, side: 'source' });
      let pending = added.children;
      while (pending.length) {
        const fetched = [];
        await runPool(pending, jobs, async (d) => fetched.push([d, await source.manifest(d, signal)]), controller);
        pending = [];
        for (const [d, child] of fetched) {
          added = walk.addChild(d, child.bytes);
          if (!added.ok) throw new IrelError({ ...added.error, side: 'source' });
          pending.push(...added.children);
        }
      }
      const info = walk.summary();
      const blobs = walk.blobs();
      const manifests = walk.pushOrder();
      Object.assign(summary, { digest: info.rootDigest, rewritten: info.rootRewritten, platforms: info.platforms });
      summary.bytes.total = info.totalBlobBytes;
      target.checkDigest(info.rootDigest);
      emit({ type: 'plan', blobs: blobs.length, bytes: info.totalBlobBytes, manifests: manifests.length });

      // 3. Blobs, several in flight.
      await runPool(blobs, jobs, async (blob) => {
        const progress = (state, done) => emit({ type: 'blob', digest: blob.digest, size: blob.size, done, state });
        if (blob.skipped) {
          summary.blobs.foreign++;
          progress('foreign', 0);
          return;
        }
        if (await target.hasBlob(blob, signal)) {
          summary.blobs.skipped++;
          summary.bytes.skipped += blob.size;
          progress('exists', blob.size);
          return;
        }
        progress('started', 0);
        const reader = source.reader(blob, signal);
        try {
          const how = await target.putBlob(blob, reader, progress, signal);
          summary.blobs[how]++;
          summary.bytes[how] += blob.size;
          progress(how, blob.size);
        } finally {
          await reader.close();
        }
      }, controller);

      // 4. Manifests, children first; the root (and its tag or name) last.
      const rootRef = target.rootRef(info.rootDigest);
      for (const m of manifests) {
        const isRoot = m === manifests[manifests.length - 1];
        await target.putManifest(isRoot ? rootRef : m.digest, m, isRoot);
        summary.manifests++;
        emit({ type: 'manifest', phase: 'pushed', digest: m.digest, root: isRoot });
      }
      summary.target = target.reference(rootRef);
    } finally {
      walk.delete();
    }
    emit({ type: 'done', summary });
    return summary;
  } catch (e) {
    if (options.signal?.aborted) {
      throw new IrelError({ code: 'CANCELLED', message: 'the copy was cancelled; no tag was written' });
    }
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
