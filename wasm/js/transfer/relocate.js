// Relocation is one walk over an image graph between two places (a registry, an OCI layout, an
// archive), then a plan, then its execution. The source gives manifests (verified bytes) and blob
// readers; the walk (core) says which manifests to fetch and which blobs exist; the plan (core)
// decides each blob's action from the target's answers; the executor runs it. With dryRun the
// plan is returned instead: only the source was read and the target asked what it has.
//
// openSource(signal) -> Source, openTarget(signal, source) -> Target (the interfaces: place.js).
import { IrelError } from '../errors.js';
import { runPool } from '../registry/pool.js';
import { executeImage } from './execute.js';
import { walkGraph } from './walk-graph.js';

// Blobs in flight (options.jobs) and their bytes: over a network a small blob costs round trips
// and a large one bandwidth, so many small ones go at once and a few large ones (TransferSchedule):
// 512 MiB keeps four 128 MiB layers in flight, which on loopback overlaps the registry's hashing
// (64 MiB, one at a time, was 1.2x skopeo there; 512 MiB 0.90x).
export const DEFAULT_JOBS = 16;
const IN_FLIGHT_BYTES = 512 << 20;

/** Small blobs (and existence checks) cost round trips only: four times as many in flight as large ones, 64 at most. */
export function smallJobsFor(jobs) {
  return Math.min(64, 4 * Math.max(1, jobs));
}

export async function relocate(ctx, openSource, openTarget, options = {}, how = {}) {
  const { core } = ctx;
  const jobs = Math.max(1, options.jobs ?? DEFAULT_JOBS);
  const smallJobs = smallJobsFor(jobs);
  const limits = { maxJobs: jobs, maxBytes: IN_FLIGHT_BYTES, maxSmallJobs: smallJobs };
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

  // how.targetBeside: opening the target writes nothing (a registry: its scheme probe), so it
  // opens beside the source, given the source's promise; a layout is created only once the
  // source has opened.
  const sourceOpening = openSource(signal);
  const targetOpening = how.targetBeside ? openTarget(signal, sourceOpening) : null;
  targetOpening?.catch(() => {}); // awaited below, after the source (whose error comes first)
  const source = await sourceOpening;
  // The root is fetched while the target is opened (its scheme probe, its first request); a
  // rate-limited source is asked by HEAD after the target instead (below).
  const rateLimited = platforms.length === 0 && !!source.rateLimited?.();
  const early = rateLimited ? null : source.root(signal);
  early?.catch(() => {}); // awaited below, after the target
  const target = await (targetOpening ?? openTarget(signal, source));
  // Whether the target's tag already names the root: asked as soon as the target is open, beside
  // the root's fetch (registries only: a layout's index entry is written whatever it holds). A
  // copy that finds the tag naming the root writes nothing at all.
  const earlyTag = platforms.length === 0 && target.tagDigest ? target.rootRef('') : '';
  const named = earlyTag && !earlyTag.includes(':') ? target.tagDigest(earlyTag).catch(() => '') : null;
  const summary = {
    source: source.reference, target: '', digest: '', sourceDigest: '', rewritten: false, platforms: [],
    manifests: 0, blobs: { uploaded: 0, mounted: 0, present: 0, foreign: 0 },
    bytes: { uploaded: 0, mounted: 0, present: 0, total: 0 },
  };
  const walk = new core.ImageWalk(platforms, !!options.includeNondistributable);
  const planner = new core.TransferPlanner();
  try {
    // 1. The root manifest, exactly as the source has it. The target already holding this exact
    // root means everything under it too: only the tag is written. A rate-limited source is asked
    // by HEAD first, and a root the target has is then read from the target (no pull counted).
    let root = null;
    let exists = null; // unknown
    let absent = '';
    if (rateLimited && target.getManifest) {
      const head = await source.head();
      if (head?.digest && core.digestToVerify(head.digest).ok) {
        target.checkDigest(head.digest);
        if (await target.hasManifest(head.digest)) {
          root = await target.getManifest(head.digest);
          exists = true;
        } else absent = head.digest;
      }
    }
    root ??= await (early ?? source.root(signal));
    if (exists === null && absent === root.digest) exists = false; // asked already: nor can a tag name it
    summary.sourceDigest = root.digest;
    emit({ type: 'manifest', phase: 'fetched', digest: root.digest, mediaType: root.mediaType });
    let tagged = false;
    let asking = null; // the target's answer for the root, asked beside the walk and the checks
    if (exists === null && platforms.length === 0) {
      target.checkDigest(root.digest);
      const tag = target.rootRef(root.digest);
      const byDigest = tag.includes(':');
      if (named && tag === earlyTag) tagged = (await named) === root.digest;
      else if (!byDigest && target.tagDigest) tagged = (await target.tagDigest(tag).catch(() => '')) === root.digest;
      // A tag naming the root: the target has it. Named by digest, or from a rate-limited
      // source (whose manifests count as pulls), the answer comes before the walk; otherwise the
      // walk and the blob checks go beside it, and are wasted only when the target has the root
      // under another name.
      if (tagged) exists = true;
      else if (byDigest || rateLimited) {
        exists = await target.hasManifest(root.digest);
        if (byDigest && target.tagDigest) tagged = exists; // a registry holding the digest: nothing to write
      } else asking = target.hasManifest(root.digest);
      asking?.catch(() => {}); // awaited below
    }
    exists ??= false;

    // 2. The rest of the graph.
    const manifestBytes = await walkGraph(source, walk, root, { jobs, signal, controller, stopAtRoot: exists });
    const info = walk.summary();
    target.checkDigest(info.rootDigest);
    const order = walk.pushOrder();
    for (const n of order) if (!manifestBytes.has(n.digest)) manifestBytes.set(n.digest, n); // a filtered index
    // The manifests copied as the source has them (subjects whose referrers can come along): a
    // root or index the platform filter rewrote is not in the source.
    // A walk that stopped at the root (the target has it) still names the root's children.
    const digests = new Set(order.map((n) => n.digest).filter((d) => d !== info.rootDigest || !info.rootRewritten));
    if (exists) for (const c of core.parseManifest(root.bytes, root.mediaType).manifests ?? []) digests.add(c.digest);
    how.onManifests?.({ digests: [...digests], sourceRoot: root.digest, rootRewritten: info.rootRewritten });

    // 3. The plan: what the target lacks, asked blob by blob (many at once: each is one small
    // request), while the root's own answer is still on its way; once it says the target has the
    // root, the checks left are not sent (the plan then needs none).
    const tag = target.rootRef(info.rootDigest);
    const image = planner.addImage({ source: source.reference, target: target.reference(tag), tag,
      targetRegistry: target.where.registry, targetRepository: target.where.repository, mountFrom: target.mountFrom ?? '' }, walk);
    if (asking) {
      let present = null;
      const answered = asking.then((v) => { present = v; });
      answered.catch(() => {});
      await runPool(planner.pendingChecks(), smallJobs, async (d) => {
        if (present !== true) planner.answerBlob(d.image, d.digest, await target.hasBlob(d, signal));
      }, controller);
      await answered;
      exists = present;
    }
    planner.answerRoot(image, exists, tagged);
    await runPool(planner.pendingChecks(), smallJobs, async (d) => planner.answerBlob(d.image, d.digest, await target.hasBlob(d, signal)), controller);
    const built = planner.build();
    if (!built.ok) throw new IrelError(built.error);
    const plan = JSON.parse(built.json);
    const planned = plan.images[0];
    Object.assign(summary, { digest: info.rootDigest, rewritten: info.rootRewritten, platforms: info.platforms, target: planned.target });
    summary.bytes.total = plan.totals.bytes.total;
    emit({ type: 'plan', blobs: planned.blobs.length, bytes: plan.totals.bytes.total, manifests: planned.manifests.length, plan: planned });
    if (options.dryRun) return { dryRun: true, ...planned, totals: plan.totals };

    // 4. Blobs, then manifests children first, the root (and its tag or name) last.
    await executeImage({ core, source, target, planned, manifestBytes, limits, emit, signal, controller, summary });
    emit({ type: 'done', summary });
    return summary;
  } catch (e) {
    if (options.signal?.aborted) {
      throw new IrelError({ code: 'CANCELLED', message: 'the copy was cancelled; no tag was written' });
    }
    throw e;
  } finally {
    walk.delete();
    planner.delete();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
