// The executor: runs planned images between a source and their targets. Blobs by their planned
// action, then manifests children first and the root under its tag last, so that an interrupted
// run never leaves a name on an incomplete image. It decides nothing itself: what moves, mounts
// or is skipped is the plan's (core/transfer_plan). Two ways of reading the source:
// - random access (registries, layouts): several blobs in flight, each read when its turn comes;
// - one sequential stream (an archive): blobs are uploaded in the order the stream holds them,
//   each entry read once per pass; a blob still owed to a second registry, or whose planned mount
//   the registry refused, goes in a further pass (a pass only when there is such work).
import { IrelError } from '../errors.js';
import { runScheduled } from './run-scheduled.js';

function blobProgress(emit, blob) {
  return (state, done) => emit({ type: 'blob', digest: blob.digest, size: blob.size, done, state });
}

/** Counts a blob that needs no transfer ('present', 'foreign'); false for one that does. */
function skipBlob(blob, summary, progress) {
  if (blob.action === 'foreign') {
    summary.blobs.foreign++;
    progress('foreign', 0);
    return true;
  }
  if (blob.action === 'present') {
    summary.blobs.present++;
    summary.bytes.present += blob.size;
    progress('exists', blob.size);
    return true;
  }
  return false;
}

async function putBlob(target, blob, reader, progress, signal, summary) {
  const how = await target.putBlob(blob, reader, progress, signal, { mountFrom: blob.action === 'mount' ? blob.from : '' });
  summary.blobs[how]++;
  summary.bytes[how] += blob.size;
  progress(how, blob.size);
}

/**
 * The image's manifests, children first, the root under its tag last (only the root when the
 * target has it). Manifests of one height (see the plan) go together: the platform manifests of
 * an index at once, then the index.
 */
export async function pushManifests({ target, planned, manifestBytes, emit, summary }) {
  if (planned.tagged) return; // the target's tag already names this root
  const manifests = planned.exists ? planned.manifests.filter((m) => m.root) : planned.manifests;
  const push = async (m) => {
    const { bytes, mediaType } = manifestBytes.get(m.digest);
    await target.putManifest(m.root ? planned.tag : m.digest, { digest: m.digest, mediaType, bytes }, m.root);
    summary.manifests++;
    emit({ type: 'manifest', phase: 'pushed', digest: m.digest, root: m.root, ...(planned.exists ? { existing: true } : {}) });
  };
  const children = manifests.filter((m) => !m.root);
  for (const h of [...new Set(children.map((m) => m.height ?? 0))].sort((a, b) => a - b)) {
    await Promise.all(children.filter((m) => (m.height ?? 0) === h).map(push));
  }
  for (const m of manifests.filter((x) => x.root)) await push(m);
}

/**
 * One planned image from a random-access source. manifestBytes: Map(digest -> { bytes,
 * mediaType }); summary: the CopySummary to fill in; limits: { maxJobs, maxBytes } for the blobs
 * in flight (TransferSchedule). Resolves when the root is tagged.
 */
export async function executeImage({ core, source, target, planned, manifestBytes, limits, emit, signal, controller, summary }) {
  const moving = planned.blobs.filter((blob) => !skipBlob(blob, summary, blobProgress(emit, blob)));
  await runScheduled(core, moving, limits, async (blob) => {
    const progress = blobProgress(emit, blob);
    progress('started', 0);
    // A planned mount still gets a reader: a registry that refuses the mount opens an upload instead.
    const reader = source.reader(blob, signal);
    // An upload's download starts with it (its first round trip beside the POST's).
    if (blob.action === 'upload') reader.start?.();
    try {
      await putBlob(target, blob, reader, progress, signal, summary);
    } finally {
      await reader.close();
    }
  }, controller);
  await pushManifests({ target, planned, manifestBytes, emit, summary });
}

// The reader of a planned mount from a sequential source: the bytes are not at hand, so a
// registry that refuses the mount (and asks for the upload) is answered in a later pass.
class MountOnly {
  static refused = Symbol('mount refused');
  can = { stream: false, body: false, progress: false };
  async read() { throw MountOnly.refused; }
  close() {}
}

// Uploads in flight from one stream: one sending, the next read and waiting behind it.
const STREAM_UPLOADS = 2;

/**
 * Planned images from one sequential source. images: [{ planned, target, summary }];
 * openPass() -> an iterator of entries { digest, reader(descriptor) } in stream order (one call
 * per pass, each entry's reader valid until the next entry); one marked `partial` may lack
 * entries (read before it), which a further pass then brings. Pushes blobs only; the caller pushes
 * manifests once every image's blobs are in (pushManifests).
 */
export async function executeFromStream({ images, openPass, emit, signal }) {
  let owed = []; // { image, blob } still to move, in plan order
  for (const image of images) {
    for (const blob of image.planned.blobs) {
      if (!skipBlob(blob, image.summary, blobProgress(emit, blob))) owed.push({ image, blob });
    }
  }
  while (owed.length) {
    // This pass: the first owed upload of each digest, read as the stream reaches it.
    const now = new Map();
    for (const o of owed) if (o.blob.action === 'upload' && !now.has(o.blob.digest)) now.set(o.blob.digest, o);
    const done = new Set();
    if (now.size) {
      const pass = openPass();
      // An entry whose reader has taken all its bytes off the stream (reader.released) uploads
      // while the next entries are read; the others upload before the stream moves on.
      const running = new Set();
      let failed = null;
      try {
        for (const entry of pass) {
          if (failed) break;
          const o = now.get(entry.digest);
          if (!o) continue;
          const progress = blobProgress(emit, o.blob);
          progress('started', 0);
          now.delete(entry.digest);
          const reader = entry.reader(o.blob);
          const put = putBlob(o.image.target, o.blob, reader, progress, signal, o.image.summary).then(() => {
            done.add(o);
          }, (e) => {
            // The registry wanted bytes the stream had passed (it refused chunks after the
            // first): the blob goes again in the next pass, the way the registry now takes blobs.
            if (e?.code !== 'ARCHIVE_REWIND' || o.rewound) failed ??= e;
            o.rewound = true;
          }).finally(() => {
            reader.close?.();
            running.delete(put);
          });
          running.add(put);
          await (reader.released ? Promise.race([put, reader.released]) : put);
          // Each upload in flight holds its body (a browser holds a Blob's bytes): a bound.
          while (running.size >= STREAM_UPLOADS) await Promise.race(running);
        }
      } finally {
        await Promise.all(running); // nothing is left uploading behind an error
      }
      if (failed) throw failed;
      // A partial pass (the rest of a stream whose start planned the copy) may not hold them all.
      if (now.size && !pass.partial) {
        throw new IrelError({ code: 'ARCHIVE_CHANGED', side: 'source',
          message: `${now.size} blobs seen when the archive was first read were not found in it again` });
      }
    }
    // Mounts, now that what they mount from is in place; a refused one is uploaded next pass.
    const next = [];
    for (const o of owed) {
      if (done.has(o)) continue;
      if (o.blob.action !== 'mount') {
        next.push(o);
        continue;
      }
      const progress = blobProgress(emit, o.blob);
      try {
        await putBlob(o.image.target, o.blob, new MountOnly(), progress, signal, o.image.summary);
      } catch (e) {
        if (e !== MountOnly.refused) throw e;
        next.push({ ...o, blob: { ...o.blob, action: 'upload' } });
      }
    }
    owed = next; // only uploads: each pass moves at least one per digest, or throws
  }
}
