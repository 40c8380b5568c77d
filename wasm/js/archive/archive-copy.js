// A sequential archive (a thick bundle, an OCI archive, a docker save tarball) copied to its
// targets: the graphs walked from its manifests (archive-walk.js) planned together (blobs shared
// between images uploaded once, mounted after), the blobs the targets lack streamed from the
// archive in archive order (execute.js executeFromStream: one pass where the manifests come
// first), then the manifests, children first, each image's name last, then its referrers.
import { errorData, IrelError } from '../errors.js';
import { runPool } from '../registry/pool.js';
import { executeFromStream, pushManifests } from '../transfer/execute.js';
import { updateFallbackTags } from '../transfer/referrers.js';
import { DEFAULT_JOBS, smallJobsFor } from '../transfer/relocate.js';
import { checkBlobs } from './archive-walk.js';
import { archiveEntries, keptThenRest } from './archive-readers.js';

/**
 * Copies the archive's graphs (walkArchive's) to their targets through the plan and the
 * executor. places: { targetRef(graph) -> the reference text of its target, open(ref, signal,
 * { mountScopes }, graph) -> a Target (transfer/place.js) }. Resolves { images: [{ image, target,
 * digest, referrers? }], referrers?, archive } (referrers: a ReferrersSummary unless
 * options.referrers === false), or with options.dryRun { dryRun, totals, images: [{ image,
 * target, digest, plan }] } having only read the archive and asked the targets.
 */
export async function copyGraphs(ctx, openArchive, scan, graphs, places, options = {}) {
  const { core } = ctx;
  const emit = options.onProgress ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  // The uploads size their own requests (pushBlob): in Node one streamed PATCH per blob, so that
  // inflating the next bytes overlaps the registry taking the last; in browsers 64 MiB bodies.
  const uploadOptions = { ...options };
  // The walks hold the manifests now; blobs are read from the archive (or, for the few read
  // before a streamed archive's layers, from memory): let the rest go.
  for (const b of scan.blobs.values()) if (!b.forUpload) b.bytes = null;
  const planner = new core.TransferPlanner();
  try {
    const targetRef = (g) => places.targetRef(g);
    const opened = new Array(graphs.length);
    await runPool(graphs.map((g, i) => i), 8, async (i) => {
      const g = graphs[i];
      const target = await places.open(targetRef(g), signal, {}, g);
      opened[i] = { target, exists: await target.hasManifest(g.walk.summary().rootDigest) };
    });
    const images = [];
    graphs.forEach((g, n) => {
      const { target, exists } = opened[n];
      const info = g.walk.summary();
      const tag = target.rootRef(info.rootDigest);
      const index = planner.addImage({ source: g.referrer ? g.label : g.image, target: target.reference(tag), tag, targetRegistry: target.where.registry,
        targetRepository: target.where.repository, mountFrom: '' }, g.walk);
      planner.answerRoot(index, exists, false);
      images.push({ image: g.image, graph: g, referrer: g.referrer, ref: targetRef(g), target, manifestBytes: new Map(g.walk.pushOrder().map((n) => [n.digest, n])),
        summary: { blobs: { uploaded: 0, mounted: 0, present: 0, foreign: 0 }, bytes: { uploaded: 0, mounted: 0, present: 0 }, manifests: 0 } });
    });
    await runPool(planner.pendingChecks(), smallJobsFor(options.jobs ?? DEFAULT_JOBS), async (d) => planner.answerBlob(d.image, d.digest, await images[d.image].target.hasBlob(d)));
    const built = planner.build();
    if (!built.ok) throw new IrelError(built.error);
    const plan = JSON.parse(built.json);
    plan.images.forEach((planned, i) => { images[i].planned = planned; });
    // An image mounting what an earlier one uploads asks for pull access to just those
    // repositories (a token scope per repository: 200 images must not mean 199 scopes each).
    for (const i of images) {
      const from = [...new Set(i.planned.blobs.filter((b) => b.action === 'mount').map((b) => b.from))];
      if (from.length && !options.dryRun) i.target = await places.open(i.ref, signal, { mountScopes: from }, i.graph);
    }
    const own = images.filter((i) => !i.referrer);
    const referrersOf = (image) => images.filter((i) => i.referrer && i.image === image);
    if (options.dryRun) {
      return { dryRun: true, totals: plan.totals,
        images: own.map((i) => ({ image: i.image, target: i.ref, digest: i.planned.digest,
          plan: { dryRun: true, ...i.planned, ...(options.referrers === false ? {} : { referrers: referrersOf(i.image).length }) } })) };
    }
    const moving = plan.images.flatMap((p) => p.blobs).filter((b) => b.action === 'upload');
    emit({ type: 'plan', blobs: new Set(moving.map((b) => b.digest)).size, bytes: plan.totals.bytes.upload, images: own.length, referrers: images.length - own.length });

    // Blobs in archive order, each entry read once per pass (see executeFromStream): first the
    // rest of the archive the scan stopped in (each blob still ahead checked against the walks
    // when it ends), then, only if blobs are still owed, whole passes.
    const tail = new Map(); // digest -> size, of the blob entries after the scan stopped
    const onEnd = () => {
      for (const g of graphs) checkBlobs(g.label, g.walk.blobs(), (d) => scan.blobs.get(d)?.size ?? tail.get(d));
    };
    await executeFromStream({ images, emit, signal, openPass: () => {
      const rest = scan.rest;
      scan.rest = null;
      if (rest) return Object.assign(keptThenRest(ctx, scan.blobs, archiveEntries(ctx, rest.ar, rest.entry, { sizes: tail, onEnd, layout: scan.layout })), { partial: true });
      scan.stats.passes++;
      // scan.entries: a source whose blob entries are not a layout's (a legacy docker save's).
      return (scan.entries ?? ((ar) => archiveEntries(ctx, ar, null, { layout: scan.layout })))(openArchive());
    } });

    // Manifests, children first, each image's name last; then the referrers, each after what it
    // refers to. A referrer the target refuses (ECR: any manifest with a subject) is reported, and
    // the images stay relocated.
    const out = [];
    for (const i of own) {
      await pushManifests({ target: i.target, planned: i.planned, manifestBytes: i.manifestBytes, emit, summary: i.summary });
      const info = i.graph.walk.summary();
      out.push({ image: i.image, target: i.ref, digest: i.planned.digest, sourceDigest: i.graph.root.digest,
        rewritten: !!info.rootRewritten, platforms: info.platforms ?? [], ...i.summary });
      emit({ type: 'image', phase: 'done', image: i.image, target: i.ref, digest: i.planned.digest });
    }
    if (options.referrers !== false) {
      const referrers = await pushReferrers(ctx, own, images.filter((i) => i.referrer), emit);
      referrers.filtered = graphs.filtered ?? 0;
      for (const o of out) {
        o.referrers = referrersOf(o.image).filter((i) => i.copied).length;
      }
      return { images: out, referrers, archive: scan.stats };
    }
    return { images: out, archive: scan.stats };
  } finally {
    scan.rest?.ar.close(); // a dry run, or nothing to move: the rest of the archive is not read
    for (const g of graphs) g.walk.delete();
    planner.delete();
  }
}

// The referrers' manifests (their blobs went with the images'), subjects first; then, where a
// target registry keeps no referrers lists itself, each subject's fallback tag merged with what
// it lists already. Resolves the bundle's ReferrersSummary.
async function pushReferrers(ctx, own, referrers, emit) {
  const failed = [];
  const failedDigests = new Set();
  for (const i of referrers) {
    const r = i.referrer;
    const event = { digest: r.digest, subject: r.subject, artifactType: r.artifactType, image: i.image, ...(r.tag ? { tag: r.tag } : {}) };
    emit({ type: 'referrer', phase: 'started', ...event });
    try {
      if (failedDigests.has(r.subject)) throw new Error(`what it refers to (${r.subject}) was not copied`);
      await pushManifests({ target: i.target, planned: i.planned, manifestBytes: i.manifestBytes, emit: () => {}, summary: i.summary });
      i.copied = true;
      emit({ type: 'referrer', phase: 'done', ...event });
    } catch (e) {
      failedDigests.add(r.digest);
      const error = errorData(e);
      failed.push({ digest: r.digest, subject: r.subject, kind: r.kind, ...(r.tag ? { tag: r.tag } : {}), artifactType: r.artifactType, error });
      emit({ type: 'referrer', phase: 'failed', ...event, error });
    }
  }
  const fallbackTags = [];
  for (const image of own) {
    const copied = referrers.filter((i) => i.copied && i.image === image.image && i.referrer.kind === 'referrer')
      .map((i) => ({ ...i.referrer, manifest: i.manifestBytes.get(i.referrer.digest) }));
    fallbackTags.push(...await updateFallbackTags(ctx, image.target, copied, failed));
  }
  return { count: referrers.length, copied: referrers.filter((i) => i.copied).length, failed, fallbackTags };
}

