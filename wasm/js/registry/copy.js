// Copying an image (or index) from one repository to another with its digest preserved: one walk
// over the image graph, blobs first (skipped when present, mounted within a registry, else
// streamed), then manifests children-first, the tag last.
import { IrelError } from '../errors.js';
import { BlobReader } from './blob-reader.js';
import { RegistryClient } from './client.js';
import { fetchManifest } from './image-source.js';
import { runPool } from './pool.js';
import { backoffMs, DEFAULT_RETRY, sleep } from './retry.js';

const MiB = 1 << 20;

export async function resolveSide(ctx, text, side) {
  const ep = ctx.core.resolveEndpoint(String(text), ctx.insecureRegistries ?? []);
  if (!ep.ok) throw new IrelError({ ...ep.error, message: `${side} ${ep.error.message}`, side });
  if (ep.plainHttpAllowed && ctx.probeSchemes) ep.baseUrl = await schemeFor(ctx, ep);
  return ep;
}

// A certificate problem means the registry does speak TLS: keep https so the error surfaces.
function isCertificateError(e) {
  return /CERT|SELF_SIGNED|UNABLE_TO_/.test(String(e?.code ?? e?.cause?.code ?? ''));
}

// Loopback and insecure registries: HTTPS if they speak it, else plain HTTP (as docker does).
// One probe per registry and Irel instance.
function schemeFor(ctx, ep) {
  let probe = ctx.schemes.get(ep.registry);
  if (!probe) {
    probe = ctx.transport
      .send({ method: 'GET', url: `${ep.baseUrl}/v2/`, headers: {}, body: null, signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        await res.drain();
        return ep.baseUrl;
      }, (e) => (isCertificateError(e) ? ep.baseUrl : ep.plainBaseUrl));
    ctx.schemes.set(ep.registry, probe);
  }
  return probe;
}

export function makeClient(ctx, endpoint, side, scopes, signal) {
  return new RegistryClient({
    core: ctx.core,
    transport: ctx.transport,
    credentials: ctx.credentials,
    side,
    registry: endpoint.registry,
    scopes,
    tokens: ctx.tokens,
    retry: ctx.retry,
    signal,
  });
}

export async function copyImage(ctx, srcText, dstText, options = {}) {
  const { core } = ctx;
  const jobs = Math.max(1, options.jobs ?? 4);
  const emit = options.onProgress ?? (() => {});
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const signal = controller.signal;

  const platforms = options.platforms ?? [];
  for (const p of platforms) {
    const r = core.parsePlatform(p);
    if (!r.ok) throw new IrelError(r.error);
  }
  const src = await resolveSide(ctx, srcText, 'source');
  const dst = await resolveSide(ctx, dstText, 'target');
  const sameRegistry = src.baseUrl === dst.baseUrl;
  const mountFrom = sameRegistry && src.repository !== dst.repository ? src.repository : '';
  const srcClient = makeClient(ctx, src, 'source', [`repository:${src.repository}:pull`], signal);
  const dstClient = makeClient(ctx, dst, 'target',
    [`repository:${dst.repository}:pull,push`, ...(mountFrom ? [`repository:${mountFrom}:pull`] : [])], signal);

  const summary = {
    source: src.reference, target: '', digest: '', sourceDigest: '', rewritten: false, platforms: [],
    manifests: 0, blobs: { uploaded: 0, mounted: 0, skipped: 0, foreign: 0 },
    bytes: { uploaded: 0, mounted: 0, skipped: 0, total: 0 },
  };

  try {
    // 1. The root manifest, exactly as the source serves it.
    const rootRef = src.digest || src.tag || 'latest';
    const root = await fetchManifest({ core, client: srcClient, endpoint: src, ref: rootRef,
      expected: src.digest ? { digest: src.digest } : undefined, hashBytes: ctx.hashBytes });
    summary.sourceDigest = root.digest;
    emit({ type: 'manifest', phase: 'fetched', digest: root.digest, mediaType: root.mediaType });

    let dstRef = targetRef(src, dst, root.digest);

    if (platforms.length === 0 && dst.digest && dst.digest !== root.digest) {
      throw new IrelError({ code: 'DIGEST_MISMATCH', side: 'target',
        message: `target ${dstText} names digest ${dst.digest} but the source is ${root.digest}` });
    }
    // Fast path: the target already holds this exact root, so everything under it too.
    if (platforms.length === 0 && await hasManifest(core, dstClient, dst, root.digest)) {
      await pushManifest(core, dstClient, dst, dstRef, { bytes: root.bytes, mediaType: root.mediaType, digest: root.digest });
      summary.digest = root.digest;
      summary.target = reference(dst, dstRef);
      summary.manifests = 1;
      emit({ type: 'manifest', phase: 'pushed', digest: root.digest, existing: true });
      emit({ type: 'done', summary });
      return summary;
    }

    // 2. The rest of the graph.
    const walk = new core.ImageWalk(platforms, !!options.includeNondistributable);
    try {
      let added = walk.addRoot(root.digest, root.mediaType, root.bytes);
      if (!added.ok) throw new IrelError({ ...added.error, side: 'source' });
      let pending = added.children;
      while (pending.length) {
        const fetched = [];
        await runPool(pending, jobs, async (d) => {
          const child = await fetchManifest({ core, client: srcClient, endpoint: src, ref: d.digest,
            expected: { digest: d.digest, size: d.size }, hashBytes: ctx.hashBytes });
          fetched.push([d, child]);
        }, controller);
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
      if (dstRef === root.digest) dstRef = info.rootDigest; // a filtered index has its own digest
      summary.bytes.total = info.totalBlobBytes;
      if (dst.digest && dst.digest !== info.rootDigest) {
        throw new IrelError({
          code: 'DIGEST_MISMATCH',
          message: `target ${dstText} names digest ${dst.digest} but the image copied is ${info.rootDigest}`,
          side: 'target',
        });
      }
      emit({ type: 'plan', blobs: blobs.length, bytes: info.totalBlobBytes, manifests: manifests.length });

      // 3. Blobs, several in flight.
      await runPool(blobs, jobs, (blob) => copyBlob(ctx, { src, dst, srcClient, dstClient, mountFrom, blob, summary, emit, options, signal }), controller);

      // 4. Manifests, children first; the root (and its tag) last.
      for (const m of manifests) {
        const isRoot = m === manifests[manifests.length - 1];
        await pushManifest(core, dstClient, dst, isRoot ? dstRef : m.digest, m);
        summary.manifests++;
        emit({ type: 'manifest', phase: 'pushed', digest: m.digest, root: isRoot });
      }
      summary.target = reference(dst, dstRef);
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

// Where the root goes: the target's tag, else its digest; with neither, by digest when the source
// was named by digest only, else "latest" (as docker, skopeo and crane do).
function targetRef(src, dst, digest) {
  if (dst.tag) return dst.tag;
  if (dst.digest) return dst.digest;
  if (src.digest && !src.tag) return digest;
  return 'latest';
}

function reference(ep, ref) {
  const name = `${ep.registry}/${ep.repository}`;
  return ref.startsWith('sha256:') ? `${name}@${ref}` : `${name}:${ref}`;
}

async function hasManifest(core, client, ep, digest) {
  const res = await client.send({ method: 'HEAD', url: core.endpointUrl(ep, 'manifest', digest, ''),
    headers: { Accept: core.manifestAccept() } });
  await res.drain();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await client.error(res, 'HEAD', `manifest ${ep.repository}@${digest}`);
}

async function pushManifest(core, client, ep, ref, m) {
  const url = core.endpointUrl(ep, 'manifest', ref, '');
  const res = await client.send({ method: 'PUT', url, headers: { 'Content-Type': m.mediaType } }, { body: m.bytes });
  if (res.status !== 201 && res.status !== 200) throw await client.error(res, 'PUT', `manifest ${ep.repository}:${ref}`);
  const stored = res.header('Docker-Content-Digest');
  await res.drain();
  if (stored && stored !== m.digest) {
    throw new IrelError({
      code: 'DIGEST_MISMATCH',
      message: `target registry ${ep.registry} stored manifest ${ep.repository}:${ref} as ${stored}, not ${m.digest}`,
      side: 'target',
    });
  }
}

async function copyBlob(ctx, { src, dst, srcClient, dstClient, mountFrom, blob, summary, emit, options, signal }) {
  const { core } = ctx;
  const { digest, size } = blob;
  const progress = (state, done) => emit({ type: 'blob', digest, size, done, state });
  if (blob.skipped) {
    summary.blobs.foreign++;
    progress('foreign', 0);
    return;
  }
  const head = await dstClient.send({ method: 'HEAD', url: core.endpointUrl(dst, 'blob', digest, ''), headers: {} });
  await head.drain();
  if (head.status === 200) {
    summary.blobs.skipped++;
    summary.bytes.skipped += size;
    progress('exists', size);
    return;
  }
  if (head.status !== 404) throw await dstClient.error(head, 'HEAD', `blob ${digest}`);

  // Where request bodies can be streams (Node), a large blob goes in one streamed PATCH, so its
  // download and upload overlap and memory stays flat; elsewhere in buffered chunks.
  const streaming = ctx.streamUploads && options.chunkSize === undefined;
  const chunk = options.chunkSize ?? (streaming ? Math.max(size, 1) : 16 * MiB);
  const singlePutMax = options.singlePutMax ?? (streaming ? MiB : chunk);
  const upload = new core.BlobUpload(dst, digest, size, mountFrom, chunk, singlePutMax);
  let sent = 0;
  let reported = 0;
  const reader = new BlobReader({
    client: srcClient,
    url: core.endpointUrl(src, 'blob', digest, ''),
    descriptor: blob,
    newHash: ctx.newHash,
    signal,
    onBytes: (n) => {
      if (!streaming) return; // chunked uploads report what the registry confirmed instead
      sent += n;
      if (sent - reported >= MiB || sent === size) {
        reported = sent;
        progress('uploading', Math.min(sent, size));
      }
    },
  });
  const retry = ctx.retry ?? DEFAULT_RETRY;
  let failures = 0;
  try {
    progress('started', 0);
    while (upload.state() === 'pending') {
      const req = upload.next();
      const headers = Object.fromEntries(req.headers);
      let body = null;
      if (req.hasBody) {
        body = streaming && req.purpose === 'chunk'
          ? reader.stream(req.bodyOffset, req.bodyLength)
          : await reader.read(req.bodyOffset, req.bodyLength);
      }
      let res;
      try {
        res = await dstClient.send({ method: req.method, url: req.url, headers }, { body, retry: false });
      } catch (e) {
        if (signal.aborted || (e instanceof IrelError && e.code !== 'NETWORK_ERROR')) throw e; // e.g. the source failed
        if (++failures >= retry.attempts) throw e;
        upload.onInterrupted();
        await sleep(backoffMs(failures, null, retry), signal);
        continue;
      }
      if (core.isRetryableStatus(res.status)) {
        const retryAfter = res.header('Retry-After');
        if (++failures >= retry.attempts) throw await dstClient.error(res, req.method, `blob ${digest}`);
        await res.drain();
        upload.onInterrupted();
        await sleep(backoffMs(failures, retryAfter, retry), signal);
        continue;
      }
      const text = res.status >= 400 ? await res.text() : '';
      if (res.status < 400) await res.drain();
      upload.onResponse(res.status, res.headerPairs(), text);
      if (upload.state() === 'pending' && !streaming) progress('uploading', upload.committed());
    }
    if (upload.state() === 'failed') throw new IrelError(upload.error());
    if (upload.mounted()) {
      summary.blobs.mounted++;
      summary.bytes.mounted += size;
      progress('mounted', size);
    } else {
      summary.blobs.uploaded++;
      summary.bytes.uploaded += size;
      progress('uploaded', size);
    }
  } finally {
    upload.delete();
    await reader.close();
  }
}
