// The executor: runs one planned image between a source and a target. Blobs by their planned
// action (several in flight), then manifests children first and the root under its tag last, so
// that an interrupted run never leaves a name on an incomplete image. It decides nothing itself:
// what moves, mounts or is skipped is the plan's (core/transfer_plan).
import { runPool } from '../registry/pool.js';

/**
 * planned: one image of the plan; manifestBytes: Map(digest -> { bytes, mediaType }) of its
 * manifests as fetched; summary: the CopySummary to fill in. Resolves when the root is tagged.
 */
export async function executeImage({ source, target, planned, manifestBytes, jobs, emit, signal, controller, summary }) {
  await runPool(planned.blobs, jobs, async (blob) => {
    const progress = (state, done) => emit({ type: 'blob', digest: blob.digest, size: blob.size, done, state });
    if (blob.action === 'foreign') {
      summary.blobs.foreign++;
      progress('foreign', 0);
      return;
    }
    if (blob.action === 'present') {
      summary.blobs.skipped++;
      summary.bytes.skipped += blob.size;
      progress('exists', blob.size);
      return;
    }
    progress('started', 0);
    // A planned mount still gets a reader: a registry that refuses the mount opens an upload instead.
    const reader = source.reader(blob, signal);
    try {
      const how = await target.putBlob(blob, reader, progress, signal, { mountFrom: blob.action === 'mount' ? blob.from : '' });
      summary.blobs[how]++;
      summary.bytes[how] += blob.size;
      progress(how, blob.size);
    } finally {
      await reader.close();
    }
  }, controller);

  const manifests = planned.exists ? planned.manifests.filter((m) => m.root) : planned.manifests;
  for (const m of manifests) {
    const { bytes, mediaType } = manifestBytes.get(m.digest);
    await target.putManifest(m.root ? planned.tag : m.digest, { digest: m.digest, mediaType, bytes }, m.root);
    summary.manifests++;
    emit({ type: 'manifest', phase: 'pushed', digest: m.digest, root: m.root, ...(planned.exists ? { existing: true } : {}) });
  }
}
