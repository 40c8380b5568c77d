// A registry repository as a place to copy from or to.
import { IrelError } from '../errors.js';
import { BlobReader } from './blob-reader.js';
import { makeClient, resolveSide } from './endpoint.js';
import { fetchManifest, headManifest } from './image-source.js';
import { askReferrersApi, listReferrers } from './referrers-api.js';
import { isRetryableError } from './retry.js';

const MiB = 1 << 20;

// The request a side sends first, for a base URL: its root manifest (see resolveSide).
function manifestRequest(core, ep, method, ref) {
  return (baseUrl) => ({ method, url: core.endpointUrl({ ...ep, baseUrl }, 'manifest', ref, ''), headers: { Accept: core.manifestAccept() } });
}

export async function registrySource(ctx, text, signal) {
  const { core } = ctx;
  const named = core.resolveEndpoint(String(text), ctx.insecureRegistries ?? []);
  const first = named.ok ? manifestRequest(core, named, 'GET', named.digest || named.tag || 'latest') : null;
  const ep = await resolveSide(ctx, text, 'source', first);
  const client = makeClient(ctx, ep, 'source', [`repository:${ep.repository}:pull`], signal);
  return {
    kind: 'registry',
    endpoint: ep,
    reference: ep.reference,
    root: () => fetchManifest({ ctx, client, endpoint: ep, ref: ep.digest || ep.tag || 'latest',
      expected: ep.digest ? { digest: ep.digest } : undefined }),
    // Registries that count manifest GETs against a pull limit (Docker Hub, and any that sent
    // RateLimit-* headers) are asked by HEAD first: a copy the target already has then costs no pull.
    rateLimited: () => ep.registry === 'docker.io' || !!ctx.rateLimited?.has(ep.baseUrl),
    async head() {
      const h = await headManifest({ ctx, client, endpoint: ep, ref: ep.digest || ep.tag || 'latest' });
      return h && (!ep.digest || h.digest === ep.digest) ? h : null;
    },
    manifest: (d) => fetchManifest({ ctx, client, endpoint: ep, ref: d.digest, expected: { digest: d.digest, size: d.size } }),
    name: `${ep.registry}/${ep.repository}`,
    /** Its referrers ({ via, referrers }: referrers-api.js) and the manifest a tag names, or null. */
    referrers(subject) {
      return listReferrers({ ctx, client, endpoint: ep, subject, tagged: (tag) => this.tagged(tag) });
    },
    // A rate-limited source counts manifest GETs as pulls: tags that may not exist are asked by
    // HEAD, and only one that does is read (by digest).
    async tagged(tag) {
      if (!this.rateLimited()) return fetchManifest({ ctx, client, endpoint: ep, ref: tag, missingOk: true });
      const h = await headManifest({ ctx, client, endpoint: ep, ref: tag });
      if (!h?.digest || !core.digestToVerify(h.digest).ok) return null;
      return fetchManifest({ ctx, client, endpoint: ep, ref: h.digest, expected: { digest: h.digest } });
    },
    reader: (d, readSignal) => new BlobReader({ ctx, client, url: core.endpointUrl(ep, 'blob', d.digest, ''), descriptor: d,
      signal: readSignal }),
  };
}

// source: the Source, or its promise (the target then opens beside it: see relocate's how.targetBeside).
export async function registryTarget(ctx, text, signal, sourceOpening, options = {}) {
  const { core } = ctx;
  // First, a copy asks whether the target's tag (or digest) names the root already (relocate.js).
  const named = core.resolveEndpoint(String(text), ctx.insecureRegistries ?? []);
  const ref = named.ok ? named.tag || named.digest : '';
  const first = ref ? manifestRequest(core, named, 'HEAD', ref) : null;
  const [dst, source] = await Promise.all([resolveSide(ctx, text, 'target', first), sourceOpening]);
  const src = source?.kind === 'registry' ? source.endpoint : null;
  const mountFrom = src && src.baseUrl === dst.baseUrl && src.repository !== dst.repository ? src.repository : '';
  // options.mountScopes: other repositories of this registry the plan mounts blobs from.
  const pullFrom = [...new Set([mountFrom, ...(options.mountScopes ?? [])].filter((r) => r && r !== dst.repository))];
  const client = makeClient(ctx, dst, 'target',
    [`repository:${dst.repository}:pull,push`, ...pullFrom.map((r) => `repository:${r}:pull`)], signal);
  const name = `${dst.registry}/${dst.repository}`;
  return {
    endpoint: dst,
    name,
    /** Whether this registry keeps referrers lists itself (the referrers API answers). */
    referrersApi: async (subject) => (await askReferrersApi({ ctx, client, endpoint: dst, subject })).api,
    tagged: (tag) => fetchManifest({ ctx, client, endpoint: dst, ref: tag, missingOk: true }),
    where: { registry: dst.baseUrl, repository: dst.repository },
    mountFrom, // the source's repository when both are on this registry: its blobs mount from there
    // The target's tag, else its digest; with neither, by digest when the source was named by
    // digest only, else "latest" (as docker, skopeo and crane do).
    rootRef(digest) {
      if (dst.tag) return dst.tag;
      if (dst.digest) return dst.digest;
      if (src?.digest && !src.tag) return digest;
      return 'latest';
    },
    checkDigest(digest) {
      if (dst.digest && dst.digest !== digest) {
        throw new IrelError({ code: 'DIGEST_MISMATCH', side: 'target',
          message: `target ${text} names digest ${dst.digest} but the image copied is ${digest}` });
      }
    },
    reference: (ref) => (ref.includes(':') ? `${name}@${ref}` : `${name}:${ref}`), // tags never hold ':'
    async hasManifest(digest) {
      const res = await client.send({ method: 'HEAD', url: core.endpointUrl(dst, 'manifest', digest, ''),
        headers: { Accept: core.manifestAccept() } });
      await res.drain();
      if (res.status === 200) return true;
      if (res.status === 404) return false;
      throw await client.error(res, 'HEAD', `manifest ${dst.repository}@${digest}`);
    },
    /** The digest the target's tag names now ('' when it names nothing). */
    async tagDigest(tag) {
      const res = await client.send({ method: 'HEAD', url: core.endpointUrl(dst, 'manifest', tag, ''),
        headers: { Accept: core.manifestAccept() } });
      await res.drain();
      if (res.status === 200) return res.header('Docker-Content-Digest') || '';
      if (res.status === 404) return '';
      throw await client.error(res, 'HEAD', `manifest ${dst.repository}:${tag}`);
    },
    async putManifest(ref, m) {
      const url = core.endpointUrl(dst, 'manifest', ref, '');
      const res = await client.send({ method: 'PUT', url, headers: { 'Content-Type': m.mediaType } }, { body: m.bytes });
      if (res.status !== 201 && res.status !== 200) {
        const e = await client.error(res, 'PUT', `manifest ${dst.repository}:${ref}`);
        // Some registries (older Harbor) refuse image indexes: one platform still goes.
        if ((res.status === 400 || res.status === 415) && /index|manifest\.list/.test(m.mediaType)) {
          e.message += ' (this registry may not accept multi-platform indexes: copy one platform with --platform OS/ARCH)';
        }
        throw e;
      }
      const stored = res.header('Docker-Content-Digest');
      await res.drain();
      // Registries name manifests by sha256 whatever digest the client used: compare like with like.
      if (stored && stored.split(':')[0] === m.digest.split(':')[0] && stored !== m.digest) {
        throw new IrelError({ code: 'DIGEST_MISMATCH', side: 'target',
          message: `target registry ${dst.registry} stored manifest ${dst.repository}:${ref} as ${stored}, not ${m.digest}` });
      }
    },
    /** The target's own copy of a manifest it has, verified (to write a tag without a source GET). */
    getManifest: (digest) => fetchManifest({ ctx, client, endpoint: dst, ref: digest, expected: { digest } }),
    async hasBlob(d) {
      const url = core.endpointUrl(dst, 'blob', d.digest, '');
      const res = await client.send({ method: 'HEAD', url, headers: {} });
      await res.drain();
      if (res.status === 200) return true;
      if (res.status === 404) return false;
      // A HEAD the storage host behind a redirect refuses (GHCR): ask for the first byte instead.
      if (res.status === 403 || res.status === 405 || res.status === 400) {
        const got = await client.send({ method: 'GET', url, headers: { Range: 'bytes=0-0' } });
        await got.drain();
        if (got.status === 200 || got.status === 206) return true;
        if (got.status === 404) return false;
        throw await client.error(got, 'GET', `blob ${d.digest}`);
      }
      throw await client.error(res, 'HEAD', `blob ${d.digest}`);
    },
    // how.mountFrom: the repository the plan mounts this blob from ('' uploads it).
    putBlob: (d, reader, progress, blobSignal, how = {}) => pushBlob(ctx, { client, dst, mountFrom: how.mountFrom ?? mountFrom, d, reader,
      progress, signal: blobSignal, options }),
  };
}

// One blob through the upload state machine: where request bodies can be streams (Node) a large
// blob goes in one streamed PATCH, so download and upload overlap and memory stays flat; where
// bodies can be built outside JS memory (Blobs in browsers) in 64 MiB chunks, since fewer and
// larger requests cost the browser and the registry far less (16 -> 64 MiB: about 30% faster
// end to end through the proxy); elsewhere in buffered 16 MiB chunks. Interruptions and
// retryable statuses resume where the registry says. A registry that takes a blob only as one
// PATCH (the core falls back when chunks are discarded or refused: ECR, GAR, GHCR) is
// remembered for the run (ctx.uploadStrategies), so its later blobs go that way at once,
// streamed where the reader can stream.
async function pushBlob(ctx, { client, dst, mountFrom, d, reader, progress, signal, options }) {
  const { core } = ctx;
  const { digest, size } = d;
  const can = reader.can ?? {};
  const known = ctx.uploadStrategies?.get(dst.baseUrl) === 'whole';
  const streamable = ctx.streamUploads && !!can.stream;
  const streaming = streamable && (options.chunkSize === undefined || known);
  const pieced = !streaming && !!can.body;
  // A reader holding the whole blob as one body (can.whole) sends it in one request.
  const chunk = options.chunkSize ?? (streaming || (pieced && can.whole) ? Math.max(size, 1) : pieced ? 64 * MiB : 16 * MiB);
  const singlePutMax = options.singlePutMax ?? (streaming && !can.whole ? MiB : chunk);
  const upload = new core.BlobUpload(dst, digest, size, { mountFrom, chunkSize: chunk, singlePutMax, whole: known });
  // Progress: streamed, the bytes read are the bytes sent; buffered, a blob is first read (whole,
  // or a chunk) and then sent, so `done` counts half of each and a big layer's bar moves while it
  // downloads too. Never backwards (a restarted upload keeps its bar until it passes the old
  // mark), so that rates and times left stay sane.
  let read = 0;
  let shown = 0;
  const show = (done) => {
    if (done <= shown) return;
    shown = done;
    progress('uploading', done);
  };
  const buffered = () => Math.floor((read + upload.committed()) / 2);
  if (can.progress) {
    let reported = 0; // about every MiB
    reader.onBytes = (total) => {
      read = Math.min(total, size);
      if (read - reported < MiB && read !== size) return;
      reported = read;
      show(streaming ? read : buffered());
    };
  }
  // The retry policy (retry.js) counts every interruption of this blob's requests; the core
  // decides where each resumes.
  const retrying = client.retrying(signal);
  try {
    while (upload.state() === 'pending') {
      const req = upload.next();
      const headers = Object.fromEntries(req.headers);
      let body = null;
      if (req.hasBody) {
        // After a fall-back to one PATCH, stream it where the reader can.
        const stream = streaming || (streamable && upload.strategy() === 'whole');
        if (stream && req.purpose === 'chunk') body = reader.stream(req.bodyOffset, req.bodyLength);
        else if (pieced) body = await reader.body(req.bodyOffset, req.bodyLength);
        else body = await reader.read(req.bodyOffset, req.bodyLength);
      }
      let res;
      try {
        res = await client.send({ method: req.method, url: req.url, headers }, { body, retry: false });
      } catch (e) {
        if (signal.aborted || !isRetryableError(e)) throw e; // e.g. the source failed
        if (!(await retrying.again({ error: e }))) throw e;
        upload.onInterrupted();
        continue;
      }
      if (await retrying.again({ response: res })) {
        upload.onInterrupted();
        continue;
      }
      if (core.isRetryableStatus(res.status)) throw await client.error(res, req.method, `blob ${digest}`); // attempts used up
      const text = res.status >= 400 ? await res.text() : '';
      if (res.status < 400) await res.drain();
      upload.onResponse(res.status, res.headerPairs(), text);
      if (upload.state() === 'pending' && !streaming) show(can.progress ? buffered() : upload.committed());
    }
    if (upload.state() === 'failed') throw new IrelError(upload.error());
    return upload.mounted() ? 'mounted' : 'uploaded';
  } finally {
    // Remembered even when this blob failed (a stream that cannot rewind): the next try goes whole.
    if (upload.strategy() === 'whole') ctx.uploadStrategies?.set(dst.baseUrl, 'whole');
    upload.delete();
  }
}
