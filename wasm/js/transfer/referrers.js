// Signatures, attestations and SBOMs travel with an image: the artifacts that refer to the
// manifests just copied are found in the source (referrers API, else fallback tag; cosign's
// tags) and each is copied as an image of its own, by digest, through the same engine. Referrers
// of referrers are followed (a signature of an SBOM). On a target without the referrers API the
// fallback tag of each subject is merged with what it already lists (never dropping an entry);
// cosign tags are written as tags. The subject's own copy is done before this starts, so a
// referrer that fails never undoes it: failures are reported per referrer.
import { errorData } from '../errors.js';
import { digestOf } from '../registry/digest-check.js';
import { referrerTags } from '../registry/referrers-api.js';
import { runPool } from '../registry/pool.js';
import { relocate } from './relocate.js';

const MAX_DEPTH = 4; // a signature of an attestation of an SBOM of the image, and one more
const MAX_REFERRERS = 1000;
const IN_FLIGHT = 8;

/**
 * Finds what refers to `subjects` (digests in source) in the source. Resolves { found, filtered,
 * unreadable, truncated }: found is [{ kind: 'referrer' | 'tag', digest, subject, tag?,
 * artifactType, manifest }] in the order found (subjects before what refers to them); filtered
 * the count a type filter left out; unreadable [{ digest, subject, error }] the referrers listed
 * that could not be read (a fallback index naming a signature since deleted), which do not stop
 * the others; truncated whether a list longer than MAX_REFERRERS was cut. Asking is bounded:
 * IN_FLIGHT subjects and manifest reads at once, whatever a registry lists.
 */
export async function discoverReferrers(ctx, source, subjects, { types = [], signal } = {}) {
  const { core } = ctx;
  const found = [];
  const unreadable = [];
  const seen = new Set(subjects);
  let filtered = 0;
  let truncated = false;
  let level = [...subjects];
  const describe = (m) => core.describeReferrer(m.bytes, m.mediaType, m.digest, types);
  for (let depth = 0; level.length && depth < MAX_DEPTH && !truncated; depth++) {
    const next = [];
    const take = (item) => {
      if (seen.has(item.digest)) return;
      if (found.length >= MAX_REFERRERS) { truncated = true; return; }
      seen.add(item.digest);
      found.push(item);
      next.push(item.digest);
    };
    await runPool(level, IN_FLIGHT, async (subject) => {
      signal?.throwIfAborted();
      const { cosignTags } = referrerTags(ctx, subject, 'source');
      const [listed, ...tagged] = await Promise.all([source.referrers(subject), ...cosignTags.map((t) => source.tagged(t))]);
      const wanted = listed.referrers.filter((d) => !seen.has(d.digest));
      if (wanted.length > MAX_REFERRERS - found.length) truncated = true;
      await runPool(wanted.slice(0, Math.max(0, MAX_REFERRERS - found.length)), IN_FLIGHT, async (d) => {
        let m;
        try {
          m = await source.manifest(d);
        } catch (e) {
          if (signal?.aborted) throw e;
          unreadable.push({ digest: d.digest, subject, error: e });
          return;
        }
        const r = describe(m);
        // A list may name what does not refer to this subject (a stale or hostile index): only true referrers go.
        if (!r.ok || r.subject !== subject) return;
        if (!r.kept) { filtered++; return; }
        take({ kind: 'referrer', digest: d.digest, subject, artifactType: r.descriptor.artifactType ?? '', manifest: m });
      }, null);
      tagged.forEach((m, i) => {
        const r = m && describe(m);
        if (!r?.ok) return;
        if (!r.kept) { filtered++; return; }
        take({ kind: 'tag', tag: cosignTags[i], digest: m.digest, subject, artifactType: r.descriptor.artifactType ?? '', manifest: m });
      });
    }, null);
    level = next;
  }
  return { found, filtered, unreadable, truncated };
}

/**
 * Copies what `discoverReferrers` found from `source` to `target` (registry places of the
 * subject's repositories; open(text) gives a place for a reference). Resolves
 * { copied, failed: [{ digest, subject, kind, tag?, artifactType, error }], fallbackTags }.
 */
export async function copyReferrers(ctx, { source, target, openSource, openTarget, found, options = {} }) {
  const emit = options.onProgress ?? (() => {});
  const failed = [];
  const done = [];
  // Subjects before what refers to them: a referrer of a referrer is copied after it.
  const byDepth = [];
  const depthOf = new Map();
  for (const item of found) {
    const depth = (depthOf.get(item.subject) ?? -1) + 1;
    depthOf.set(item.digest, depth);
    (byDepth[depth] ??= []).push(item);
  }
  // Referrers share blobs (most carry the same empty config `{}`): copied at once, each would
  // upload it again, and docker-registry rewrites a blob's link on every upload, refusing a
  // manifest PUT that lands meanwhile (MANIFEST_BLOB_UNKNOWN). One upload per blob, shared.
  const uploads = new Map(); // digest -> the upload's promise
  const sharedTarget = (t) => ({ ...t,
    async hasBlob(d, signal) {
      if (uploads.has(d.digest)) return uploads.get(d.digest).then(() => true, () => t.hasBlob(d, signal));
      return t.hasBlob(d, signal);
    },
    putBlob(d, ...rest) {
      const prior = uploads.get(d.digest);
      if (prior) return prior.then(() => 'uploaded', () => t.putBlob(d, ...rest));
      const upload = t.putBlob(d, ...rest);
      uploads.set(d.digest, upload);
      upload.catch(() => { if (uploads.get(d.digest) === upload) uploads.delete(d.digest); });
      return upload;
    } });
  for (const items of byDepth) {
    if (!items) continue;
    await runPool(items, IN_FLIGHT, async (item) => {
      const ref = item.kind === 'tag' ? `:${item.tag}` : `@${item.digest}`;
      emit({ type: 'referrer', phase: 'started', digest: item.digest, subject: item.subject, artifactType: item.artifactType, tag: item.tag });
      try {
        if (failed.some((f) => f.digest === item.subject)) throw new Error(`what it refers to (${item.subject}) was not copied`);
        const copiedManifest = item.manifest;
        await relocate(ctx,
          async (signal) => ({ ...(await openSource(`${source.name}${ref}`, signal)), root: async () => copiedManifest }),
          async (signal, src) => sharedTarget(await openTarget(`${target.name}${ref}`, signal, src)),
          { jobs: options.jobs, signal: options.signal, includeNondistributable: options.includeNondistributable },
          { targetBeside: true });
        done.push(item);
        emit({ type: 'referrer', phase: 'done', digest: item.digest, subject: item.subject, artifactType: item.artifactType, tag: item.tag });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        const error = errorData(e);
        failed.push({ digest: item.digest, subject: item.subject, kind: item.kind, ...(item.tag ? { tag: item.tag } : {}),
          artifactType: item.artifactType, error });
        emit({ type: 'referrer', phase: 'failed', digest: item.digest, subject: item.subject, artifactType: item.artifactType, error });
      }
    }, null);
  }
  const fallbackTags = await updateFallbackTags(ctx, target, done.filter((i) => i.kind === 'referrer'), failed);
  return { copied: done.length, failed, fallbackTags };
}

// Where the target keeps no referrers lists itself, each subject's fallback tag lists its
// referrers: what the tag lists already, plus what was copied. Resolves the tags written.
export async function updateFallbackTags(ctx, target, copied, failed) {
  if (!copied.length) return [];
  const bySubject = new Map();
  for (const item of copied) (bySubject.get(item.subject) ?? bySubject.set(item.subject, []).get(item.subject)).push(item);
  if (await target.referrersApi(copied[0].subject)) return []; // the registry lists them itself
  const written = [];
  await runPool([...bySubject], IN_FLIGHT, async ([subject, items]) => {
    const { fallbackTag } = referrerTags(ctx, subject, 'target');
    try {
      const existing = await target.tagged(fallbackTag);
      // A tag naming the subject itself (GitLab maps these tags onto the image) is no list to merge into.
      const base = existing && existing.digest !== subject ? existing.bytes : new Uint8Array(0);
      const merged = ctx.core.mergeReferrers(base, items.map((i) => i.manifest));
      if (!merged.ok) throw Object.assign(new Error(`${target.name}:${fallbackTag}: ${merged.error.message}`), { code: merged.error.code });
      if (merged.unchanged) return;
      const bytes = merged.bytes;
      await target.putManifest(fallbackTag, { bytes, mediaType: 'application/vnd.oci.image.index.v1+json', digest: digestOf(ctx, bytes) });
      written.push(fallbackTag);
    } catch (e) {
      for (const item of items) {
        failed.push({ digest: item.digest, subject, kind: 'fallback-tag', tag: fallbackTag, artifactType: item.artifactType, error: errorData(e) });
      }
    }
  }, null);
  return written;
}

/** discoverReferrers for the manifests a copy walked; resolves { error } rather than rejecting. */
export async function findReferrers(ctx, source, manifests, options) {
  try {
    return await discoverReferrers(ctx, source, manifests.digests, { types: options.referrersTypes ?? [], signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    return { error: e };
  }
}

/**
 * Copies what findReferrers found (`discovered`) once the image itself is copied; never fails
 * the copy of what they refer to: what went wrong is in the summary (failed), for the caller to
 * report. open: { source(text, signal), target(text, signal, src) } open a place of the source's
 * and target's kind for `NAME@DIGEST` or `NAME:TAG`. Resolves the ReferrersSummary ({ count }
 * in a dry run).
 */
export async function bringReferrers(ctx, { source, target, manifests, discovered, open, options }) {
  const note = manifests.rootRewritten
    ? `the platform filter gave the index a new digest: referrers of the original index ${manifests.sourceRoot} do not apply to it and were not copied`
    : undefined;
  const more = note ? { note } : {};
  if (discovered.error) {
    const failed = [{ digest: manifests.sourceRoot, kind: 'discovery', error: errorData(discovered.error) }];
    return { count: 0, copied: 0, filtered: 0, failed, fallbackTags: [], ...more };
  }
  const { found, filtered, unreadable, truncated } = discovered;
  if (truncated) {
    more.note = `${more.note ? `${more.note}; ` : ''}the source lists more referrers than ${found.length}: only those were looked at`;
  }
  if (options.dryRun) return { count: found.length };
  const copied = await copyReferrers(ctx, { source, target, found, options, openSource: open.source, openTarget: open.target });
  const notRead = unreadable.map((u) => ({ digest: u.digest, subject: u.subject, kind: 'referrer', error: errorData(u.error) }));
  return { count: found.length, ...copied, failed: [...notRead, ...copied.failed], filtered, ...more };
}
