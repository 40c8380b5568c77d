// Content named by sha256, sha384 or sha512 digests, checked by the one verifier
// (wasm/js/registry/digest-check.js, the verdict in the core) wherever bytes are read: blobs from
// a real registry (Debian docker-registry 2.8 accepts blobs pushed as ?digest=sha512:… and serves
// them under that digest; it names manifests by sha256 only), manifests and blobs from a small
// registry of our own that serves any digest, and OCI layouts with blobs/sha512/… on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { createProxyServer } from '../../proxy/server.js';
import createIrelCore from '../../wasm/dist/irel-core.js';
import { browserEnv } from '../../wasm/js/env-browser.js';
import { nodeEnv } from '../../wasm/js/env-node.js';
import { load as loadBrowserEntry } from '../../wasm/js/index.js';
import { checkBytes, verifier } from '../../wasm/js/registry/digest-check.js';
import { randomBytesFor } from '../helpers/content.js';
import { flipByte, getManifest, registryHas } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { registryClient } from '../helpers/registry-client.js';
import { MEDIA_TYPES, putManifest, uploadBlob } from '../helpers/seed.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

const MiB = 1 << 20;
const FAST_RETRY = { attempts: 3, baseMs: 5, maxMs: 20 };
const ALGORITHMS = ['sha256', 'sha384', 'sha512'];
const wasmBinary = readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url));
const irel = await load();

const digestOf = (alg, bytes) => `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
const blobOf = (alg, bytes) => ({ bytes: Buffer.from(bytes), size: bytes.length, digest: digestOf(alg, bytes), open: () => [Buffer.from(bytes)] });
const json = (obj) => Buffer.from(JSON.stringify(obj, null, 2));
const hexOf = (digest) => digest.slice(digest.indexOf(':') + 1);
const algOf = (digest) => digest.slice(0, digest.indexOf(':'));

/**
 * An image whose config and layers are named under `blobAlg`, its manifest under `manifestAlg`,
 * and (with indexAlg) an index above it under `indexAlg`. Layers: a small one and one of
 * `bigLayer` bytes (chunked and streamed paths).
 */
function buildImage(seed, { blobAlg, manifestAlg = 'sha256', indexAlg, bigLayer = 2 * MiB + 333 }) {
  const mt = MEDIA_TYPES.oci;
  const layers = [randomBytesFor(`${seed}/small`, 40_000), randomBytesFor(`${seed}/big`, bigLayer)].map((b) => blobOf(blobAlg, b));
  const config = blobOf(blobAlg, json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed }));
  const manifestBytes = json({
    schemaVersion: 2, mediaType: mt.manifest,
    config: { mediaType: mt.config, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: mt.layerTar, digest: l.digest, size: l.size })),
  });
  const manifest = { bytes: manifestBytes, digest: digestOf(manifestAlg, manifestBytes), mediaType: mt.manifest };
  const image = { blobs: [config, ...layers], manifests: [manifest], root: manifest, config, layers };
  if (indexAlg) {
    const indexBytes = json({ schemaVersion: 2, mediaType: mt.index, manifests: [{ mediaType: mt.manifest, digest: manifest.digest,
      size: manifestBytes.length, platform: { architecture: 'amd64', os: 'linux' } }] });
    image.root = { bytes: indexBytes, digest: digestOf(indexAlg, indexBytes), mediaType: mt.index };
    image.manifests.push(image.root);
  }
  return image;
}

/** Pushes an image's blobs under their digests and its (sha256) manifest under `tag` to docker-registry. */
async function pushToDockerRegistry(reg, repo, tag, image) {
  const client = registryClient(reg);
  for (const b of image.blobs) await uploadBlob(client, repo, b);
  const stored = await putManifest(client, repo, tag, image.root.bytes, image.root.mediaType);
  assert.equal(stored, image.root.digest);
}

/** Flips one byte of a blob in docker-registry's storage (kept under the sha256 of its bytes). */
function tamperStoredBlob(reg, blob, at) {
  const hex = hexOf(digestOf('sha256', blob.bytes));
  flipByte(join(reg.dir, 'storage/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'), at);
}

/**
 * A registry of our own (in memory, plain HTTP on loopback) that names content by whatever digest
 * it was given, sha384 and sha512 included, for manifests as for blobs. Blob GETs honour Range;
 * uploads are checked under the algorithm of ?digest=. A manifest GET answers
 * Docker-Content-Digest as docker-registry does, with the sha256 of its bytes (the canonical
 * digest), unless it was asked for by digest. A manifest PUT by tag answers no digest header.
 * tamper(digest): serve that content with one byte flipped; lie(repo, ref): answer that manifest
 * with the Docker-Content-Digest of other bytes (sha256). log: [{ method, path }].
 */
async function startDigestRegistry() {
  const blobs = new Map(); // digest -> Buffer
  const manifests = new Map(); // `${repo}@${ref}` -> { bytes, mediaType }
  const uploads = new Map(); // id -> Buffer[]
  const tampered = new Set();
  const lies = new Set(); // `${repo}@${ref}` whose Docker-Content-Digest names other bytes
  const log = [];
  let nextId = 0;
  const served = (digest, bytes) => {
    if (!tampered.has(digest)) return bytes;
    const b = Buffer.from(bytes);
    b[b.length >> 1] ^= 0x01;
    return b;
  };
  const body = (req) => new Promise((ok, fail) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => ok(Buffer.concat(parts)));
    req.on('error', fail);
  });
  const isDigest = (ref) => /^[a-z0-9]+:[0-9a-f]+$/.test(ref);
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = u.pathname;
    log.push({ method: req.method, path: req.url });
    const send = (status, headers = {}, data = null) => {
      res.writeHead(status, { 'content-length': data ? data.length : 0, ...headers });
      res.end(req.method === 'HEAD' ? undefined : data ?? undefined);
    };
    const error = (status, code) => send(status, { 'content-type': 'application/json' }, json({ errors: [{ code, message: code }] }));
    try {
      const payload = await body(req);
      if (path === '/v2/') return send(200, { 'content-type': 'application/json' }, Buffer.from('{}'));
      let m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
      if (m) {
        const [, repo, id] = m;
        const loc = (i) => `/v2/${repo}/blobs/uploads/${i}`;
        const have = () => Buffer.concat(uploads.get(id) ?? []);
        if (req.method === 'POST') {
          const mount = u.searchParams.get('mount');
          if (mount && blobs.has(mount)) return send(201, { location: `/v2/${repo}/blobs/${mount}`, 'docker-content-digest': mount });
          const i = String(++nextId);
          uploads.set(i, []);
          return send(202, { location: loc(i), range: '0-0', 'docker-upload-uuid': i });
        }
        if (!uploads.has(id)) return error(404, 'BLOB_UPLOAD_UNKNOWN');
        if (req.method === 'GET') return send(204, { location: loc(id), range: `0-${Math.max(0, have().length - 1)}` });
        uploads.get(id).push(payload);
        if (req.method === 'PATCH') return send(202, { location: loc(id), range: `0-${have().length - 1}` });
        if (req.method === 'PUT') {
          const digest = u.searchParams.get('digest') ?? '';
          const bytes = have();
          uploads.delete(id);
          let got;
          try {
            got = digestOf(algOf(digest), bytes);
          } catch {
            return error(400, 'DIGEST_INVALID');
          }
          if (got !== digest) return error(400, 'DIGEST_INVALID');
          blobs.set(digest, bytes);
          return send(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest });
        }
      }
      m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
      if (m && (req.method === 'GET' || req.method === 'HEAD')) {
        const digest = m[2];
        if (!blobs.has(digest)) return error(404, 'BLOB_UNKNOWN');
        const bytes = served(digest, blobs.get(digest));
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const headers = { 'content-type': 'application/octet-stream', 'docker-content-digest': digest };
        if (range && req.method === 'GET') {
          const from = Number(range[1]);
          return send(206, { ...headers, 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` }, bytes.subarray(from));
        }
        if (req.method === 'HEAD') {
          res.writeHead(200, { ...headers, 'content-length': bytes.length });
          return res.end();
        }
        return send(200, headers, bytes);
      }
      m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
      if (m) {
        const [, repo, ref] = m;
        if (req.method === 'PUT') {
          if (isDigest(ref) && digestOf(algOf(ref), payload) !== ref) return error(400, 'DIGEST_INVALID');
          const entry = { bytes: payload, mediaType: req.headers['content-type'] };
          manifests.set(`${repo}@${ref}`, entry);
          manifests.set(`${repo}@${digestOf('sha256', payload)}`, entry);
          return send(201, isDigest(ref) ? { 'docker-content-digest': ref } : {});
        }
        const entry = manifests.get(`${repo}@${ref}`);
        if (!entry) return error(404, 'MANIFEST_UNKNOWN');
        const bytes = isDigest(ref) ? served(ref, entry.bytes) : entry.bytes;
        const named = lies.has(`${repo}@${ref}`) ? digestOf('sha256', Buffer.from('other bytes'))
          : isDigest(ref) ? ref : digestOf('sha256', entry.bytes);
        const headers = { 'content-type': entry.mediaType, 'docker-content-digest': named };
        if (req.method === 'HEAD') {
          res.writeHead(200, { ...headers, 'content-length': bytes.length });
          return res.end();
        }
        return send(200, headers, bytes);
      }
      return error(404, 'NAME_UNKNOWN');
    } catch (e) {
      res.destroy(/** @type {Error} */ (e));
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    host: `127.0.0.1:${port}`,
    log,
    /** Stores an image (from buildImage) in `repo`: every manifest by its digest, the root also under `tag`. */
    seed(repo, tag, image) {
      for (const b of image.blobs) blobs.set(b.digest, b.bytes);
      for (const mf of image.manifests) manifests.set(`${repo}@${mf.digest}`, { bytes: mf.bytes, mediaType: mf.mediaType });
      manifests.set(`${repo}@${tag}`, { bytes: image.root.bytes, mediaType: image.root.mediaType });
    },
    hasBlob: (digest) => blobs.has(digest),
    manifest: (repo, ref) => manifests.get(`${repo}@${ref}`)?.bytes,
    tamper: (digest) => tampered.add(digest),
    lie: (repo, ref) => lies.add(`${repo}@${ref}`),
    untamper: () => tampered.clear(),
    stop: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok(undefined)); }),
  };
}

/** Writes an image (from buildImage) as an OCI layout, named `name` in its index.json. */
function writeLayout(dir, image, name) {
  for (const c of [...image.blobs, ...image.manifests]) {
    mkdirSync(join(dir, 'blobs', algOf(c.digest)), { recursive: true });
    writeFileSync(join(dir, 'blobs', algOf(c.digest), hexOf(c.digest)), c.bytes);
  }
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), json({ schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index, manifests: [{
    mediaType: image.root.mediaType, digest: image.root.digest, size: image.root.bytes.length,
    annotations: { 'org.opencontainers.image.ref.name': name } }] }));
}

const layoutFile = (dir, digest) => join(dir, 'blobs', algOf(digest), hexOf(digest));

describe('the verifier (digest-check.js) in both environments', async () => {
  const core = await createIrelCore({ wasmBinary });
  const envs = { node: nodeEnv(core), browser: browserEnv(core) };
  const content = randomBytesFor('verifier', 300_001);
  const tampered = Buffer.from(content);
  tampered[123_456] ^= 0x20;

  for (const [envName, env] of Object.entries(envs)) {
    const ctx = { core, newHash: env.newHash };
    for (const alg of ALGORITHMS) {
      const digest = digestOf(alg, content);
      it(`${envName}: accepts content under ${alg}, streamed in pieces, whole, and by the env's one-shot hashes`, async () => {
        const v = verifier(ctx, { digest, size: content.length }, 'source', `blob ${digest}`);
        assert.equal(v.algorithm, alg);
        for (let at = 0; at < content.length; at += 65_537) v.update(content.subarray(at, at + 65_537));
        assert.equal(v.finish(), digest);
        assert.equal(checkBytes(ctx, content, { digest, size: content.length }, 'source', 'manifest m'), digest);
        assert.equal(env.hashBytes(content, alg), digest);
        if ('digestWhole' in env && env.digestWhole) assert.equal(await env.digestWhole(content, alg), digest, 'WebCrypto');
      });

      for (const side of ['source', 'target']) {
        it(`${envName}: refuses a tampered byte under ${alg} with DIGEST_MISMATCH naming the ${side}, the object and both digests`, () => {
          const v = verifier(ctx, { digest, size: content.length }, side, `blob ${digest}`);
          v.update(tampered);
          assert.throws(() => v.finish(), (e) => {
            assert.equal(e.name, 'IrelError');
            assert.equal(e.code, 'DIGEST_MISMATCH');
            assert.equal(e.side, side);
            assert.ok(e.message.startsWith(`${side} blob ${digest} has content that hashes to ${digestOf(alg, tampered)}`), e.message);
            return true;
          });
        });
      }

      it(`${envName}: refuses content of another size under ${alg} with SIZE_MISMATCH, before comparing digests`, () => {
        assert.throws(() => checkBytes(ctx, content.subarray(1), { digest, size: content.length }, 'source', 'manifest m'),
          (e) => e.code === 'SIZE_MISMATCH' && e.side === 'source' && e.message.includes(`${content.length - 1} bytes`) && e.message.includes(digest));
      });
    }

    it(`${envName}: a verifier started over (reset) hashes from byte 0 again`, () => {
      const digest = digestOf('sha512', content);
      const v = verifier(ctx, { digest, size: content.length }, 'source', 'blob b');
      v.update(tampered.subarray(0, 200_000));
      v.reset();
      v.update(content);
      assert.equal(v.finish(), digest);
    });

    const unsupported = [
      ['ctx.newHash of an algorithm node:crypto has but digests may not name', () => env.newHash('md5'), 'DIGEST_ALGORITHM_UNSUPPORTED', '"md5"'],
      ['ctx.newHash of an unknown algorithm', () => env.newHash('blake3'), 'DIGEST_ALGORITHM_UNSUPPORTED', '"blake3"'],
      ['a verifier for a well-formed digest of another algorithm', () => verifier(ctx, { digest: `md5:${'a'.repeat(32)}` }, 'source', 'blob x'),
        'DIGEST_ALGORITHM_UNSUPPORTED', 'source blob x: cannot verify md5:'],
      ['a verifier for a malformed digest', () => verifier(ctx, { digest: `sha512:${'a'.repeat(64)}` }, 'target', 'blob y'),
        'DIGEST_INVALID', 'target blob y: invalid digest: sha512 needs 128 hex characters'],
      ['the one-shot hash of another algorithm', () => env.hashBytes(content, 'sha1'), 'DIGEST_ALGORITHM_UNSUPPORTED', '"sha1"'],
    ];
    for (const [label, act, code, mentions] of unsupported) {
      it(`${envName}: refuses ${label} with ${code}, naming it`, () => {
        assert.throws(act, (e) => e.name === 'IrelError' && e.code === code && e.message.includes(mentions) || assert.fail(`${e.code}: ${e.message}`));
      });
    }
  }
});

describe('blobs named by sha384 and sha512 on a real registry (docker-registry 2.8)', () => {
  let src;
  let dst;
  let proxy;
  let browser;
  let insecure; // no WebCrypto: blobs stream through the wasm hasher
  let tmp;
  const images = {};
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    tmp = await makeTempDir('irel-digests-');
    for (const alg of ALGORITHMS) {
      images[alg] = buildImage(`real/${alg}`, { blobAlg: alg });
      await pushToDockerRegistry(src, `algs/${alg}`, 'v1', images[alg]);
    }
    proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], log: () => {} });
    browser = await loadBrowserEntry({ wasmBinary });
    const real = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => real?.get?.call(globalThis).getRandomValues(a) }, configurable: true });
    try {
      insecure = await loadBrowserEntry({ wasmBinary });
    } finally {
      Object.defineProperty(globalThis, 'crypto', /** @type {PropertyDescriptor} */ (real));
    }
  });
  after(async () => {
    irel.close();
    browser?.close();
    insecure?.close();
    await proxy?.close();
    await Promise.all([src?.stop(), dst?.stop()]);
    if (tmp) await removeDir(tmp);
  });

  it('docker-registry stores a blob pushed as sha512:… under that digest and answers its canonical sha256 (the premise)', async () => {
    const client = registryClient(src);
    const layer = images.sha512.layers[0];
    const r = await client.request('HEAD', `/v2/algs/sha512/blobs/${layer.digest}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['docker-content-digest'], digestOf('sha256', layer.bytes));
  });

  const engines = [
    ['Node (node:crypto)', () => irel, {}],
    ['the browser entry, blobs read whole for WebCrypto', () => browser, { proxyBase: true }],
    ['the browser entry without WebCrypto, streamed through the wasm hasher in chunks', () => insecure, { proxyBase: true, chunkSize: MiB }],
  ];
  for (const alg of ALGORITHMS) {
    engines.forEach(([label, engine, extra], e) => {
      it(`copies an image whose blobs are named by ${alg} between registries: ${label}`, async () => {
        const image = images[alg];
        const repo = `copied/${alg}-${e}`;
        const options = { retry: FAST_RETRY, ...extra, proxyBase: extra.proxyBase ? proxy.proxyBase : undefined };
        const summary = await engine().copy(`${src.host}/algs/${alg}:v1`, `${dst.host}/${repo}:v1`, options);
        assert.equal(summary.digest, image.root.digest);
        assert.equal(summary.blobs.uploaded, image.blobs.length);
        for (const b of image.blobs) assert.equal(await registryHas(dst, repo, b.digest), true, `blob ${b.digest}`);
        assert.equal((await getManifest(dst, repo, 'v1')).digest, image.root.digest);
      });
    });

    it(`pulls ${alg} blobs into a layout (blobs/${alg}/…) and pushes them back from it`, async () => {
      const image = images[alg];
      const dir = join(tmp, `pulled-${alg}`);
      await irel.layoutAdd(dir, `${src.host}/algs/${alg}:v1`, { retry: FAST_RETRY });
      for (const b of image.blobs) assert.deepEqual(readFileSync(layoutFile(dir, b.digest)), b.bytes, `layout file of ${b.digest}`);
      const pushed = await irel.layoutPush(dir, image.root.digest, `${dst.host}/from-layout/${alg}:v1`, { retry: FAST_RETRY });
      assert.equal(pushed.digest, image.root.digest);
      for (const b of image.blobs) assert.equal(await registryHas(dst, `from-layout/${alg}`, b.digest), true);
    });
  }

  for (const alg of ALGORITHMS) {
    const readers = [
      ['from the registry, in Node', async (image) => {
        tamperStoredBlob(src, image.layers[1], image.layers[1].size - 7);
        return irel.copy(`${src.host}/tampered/${alg}:v1`, `${dst.host}/tampered/${alg}:v1`, { retry: FAST_RETRY });
      }],
      ['from the registry, through WebCrypto in the browser entry', async (image) => {
        tamperStoredBlob(src, image.layers[1], 11);
        return browser.copy(`${src.host}/tampered-web/${alg}:v1`, `${dst.host}/tampered-web/${alg}:v1`, { retry: FAST_RETRY, proxyBase: proxy.proxyBase });
      }],
      ['from a layout file', async (image) => {
        const dir = join(tmp, `tampered-layout-${alg}`);
        writeLayout(dir, image, 'v1');
        flipByte(layoutFile(dir, image.layers[1].digest), 1000);
        return irel.layoutPush(dir, 'v1', `${dst.host}/tampered-layout/${alg}:v1`, { retry: FAST_RETRY });
      }],
    ];
    for (const [where, run] of readers) {
      it(`refuses a ${alg} blob with a tampered byte ${where}: DIGEST_MISMATCH naming the source, the blob and both digests; nothing committed`, async () => {
        const image = buildImage(`tampered/${alg}/${where}`, { blobAlg: alg });
        const repo = where.includes('layout') ? `tampered-layout/${alg}` : where.includes('WebCrypto') ? `tampered-web/${alg}` : `tampered/${alg}`;
        if (!where.includes('layout')) await pushToDockerRegistry(src, repo, 'v1', image);
        const layer = image.layers[1];
        await assert.rejects(run(image), (e) => {
          assert.equal(e.code, 'DIGEST_MISMATCH', e.message);
          assert.equal(e.side, 'source');
          assert.match(e.message, new RegExp(`^source blob ${layer.digest} .*has content that hashes to ${alg}:[0-9a-f]+, not ${layer.digest}`));
          return true;
        });
        assert.equal(await registryHas(dst, repo, layer.digest), false);
      });
    }
  }
});

describe('manifests named by sha384 and sha512 (a registry of our own, and layouts)', () => {
  let reg;
  let other;
  let tmp;
  const cases = [
    ['an index named by sha512 above a manifest named by sha384, blobs by sha512', { indexAlg: 'sha512', manifestAlg: 'sha384', blobAlg: 'sha512' }],
    ['an index named by sha384 above a manifest named by sha512, blobs by sha384', { indexAlg: 'sha384', manifestAlg: 'sha512', blobAlg: 'sha384' }],
    ['a manifest named by sha512, blobs by sha256', { manifestAlg: 'sha512', blobAlg: 'sha256' }],
  ];
  const images = cases.map(([, spec], i) => buildImage(`own/${i}`, { ...spec, bigLayer: 1.5 * MiB }));
  before(async () => {
    [reg, other] = await Promise.all([startDigestRegistry(), startDigestRegistry()]);
    tmp = await makeTempDir('irel-digests-own-');
    images.forEach((image, i) => reg.seed(`own/${i}`, 'v1', image));
  });
  after(async () => {
    irel.close();
    await Promise.all([reg?.stop(), other?.stop()]);
    if (tmp) await removeDir(tmp);
  });

  cases.forEach(([label], i) => {
    const image = images[i];
    const refOf = () => `${reg.host}/own/${i}@${image.root.digest}`;

    it(`reads the digest of ${label} by its own algorithm`, async () => {
      assert.equal(await irel.digest(refOf(), { retry: FAST_RETRY }), image.root.digest);
    });

    it(`copies ${label} between registries, named by digest, every manifest and blob verified under its algorithm`, async () => {
      const summary = await irel.copy(refOf(), `${other.host}/copied/${i}:v1`, { retry: FAST_RETRY });
      assert.equal(summary.digest, image.root.digest);
      for (const mf of image.manifests) {
        const ref = mf === image.root ? 'v1' : mf.digest; // the root goes by tag, children by digest
        assert.deepEqual(other.manifest(`copied/${i}`, ref), mf.bytes, `manifest ${mf.digest} as ${ref}`);
      }
      for (const b of image.blobs) assert.equal(other.hasBlob(b.digest), true, `blob ${b.digest}`);
    });

    it(`pulls ${label} into a layout and pushes it from there, by its ${algOf(image.root.digest)} digest`, async () => {
      const dir = join(tmp, `own-${i}`);
      await irel.layoutAdd(dir, refOf(), { name: 'v1', retry: FAST_RETRY });
      for (const c of [...image.manifests, ...image.blobs]) assert.ok(existsSync(layoutFile(dir, c.digest)), `blobs/${algOf(c.digest)}/… of ${c.digest}`);
      assert.equal(await irel.layoutFind(dir, 'v1'), image.root.digest);
      const pushed = await irel.layoutPush(dir, 'v1', `${other.host}/from-layout/${i}:v1`, { retry: FAST_RETRY });
      assert.equal(pushed.digest, image.root.digest);
      assert.deepEqual(other.manifest(`from-layout/${i}`, 'v1'), image.root.bytes);
    });
  });

  for (const alg of ['sha384', 'sha512']) {
    const manifestTampers = [
      ['from a registry', async (image) => {
        reg.seed(`bad/${alg}`, 'v1', image);
        reg.tamper(image.root.digest);
        try {
          return await irel.copy(`${reg.host}/bad/${alg}@${image.root.digest}`, `${other.host}/bad/${alg}:v1`, { retry: FAST_RETRY });
        } finally {
          reg.untamper();
        }
      }],
      ['from a layout', async (image) => {
        const dir = join(tmp, `bad-manifest-${alg}`);
        writeLayout(dir, image, 'v1');
        flipByte(layoutFile(dir, image.root.digest), 40);
        return irel.layoutPush(dir, 'v1', `${other.host}/bad-layout/${alg}:v1`, { retry: FAST_RETRY });
      }],
    ];
    for (const [where, run] of manifestTampers) {
      it(`refuses a manifest named by ${alg} with a tampered byte ${where}: DIGEST_MISMATCH naming the source, the manifest and both digests`, async () => {
        const image = buildImage(`bad/${alg}/${where}`, { manifestAlg: alg, blobAlg: alg, bigLayer: 1000 });
        await assert.rejects(run(image), (e) => {
          assert.equal(e.code, 'DIGEST_MISMATCH', e.message);
          assert.equal(e.side, 'source');
          assert.match(e.message, new RegExp(`^source manifest .*${image.root.digest}.* has content that hashes to ${alg}:[0-9a-f]+, not ${image.root.digest}`));
          return true;
        });
      });
    }
  }

  const headers = [
    ['fetched by tag', (image) => 'v1'],
    ['fetched by its sha512 digest', (image) => image.root.digest],
  ];
  for (const [how, refOf] of headers) {
    it(`refuses a manifest ${how} whose Docker-Content-Digest, checked in its own algorithm (sha256), disagrees with its bytes`, async () => {
      const image = buildImage(`bad/header/${how}`, { manifestAlg: 'sha512', blobAlg: 'sha512', bigLayer: 1000 });
      const repo = `bad/header-${how.split(' ').pop()}`;
      reg.seed(repo, 'v1', image);
      reg.lie(repo, refOf(image));
      const ref = refOf(image);
      await assert.rejects(irel.copy(`${reg.host}/${repo}${ref.includes(':') ? '@' : ':'}${ref}`, `${other.host}/${repo}:v1`, { retry: FAST_RETRY }),
        (e) => {
          assert.equal(e.code, 'DIGEST_MISMATCH', e.message);
          assert.equal(e.side, 'source');
          assert.match(e.message, /by its Docker-Content-Digest header\) has content that hashes to sha256:[0-9a-f]+, not sha256:/);
          return true;
        });
    });
  }

  // Digests irel cannot check never reach a hasher: the core's parsers refuse them where they
  // appear, naming the algorithm (the verifier's own refusal is tested above).
  const md5 = `md5:${'0'.repeat(32)}`;
  const unsupported = [
    ['a reference naming an md5 digest', async () => irel.copy(`${reg.host}/bad/md5@${md5}`, `${other.host}/bad/md5:v1`, { retry: FAST_RETRY }),
      'DIGEST_INVALID'],
    ['a manifest naming a layer by md5', async () => {
      const image = buildImage('bad/md5', { blobAlg: 'sha256', bigLayer: 1000 });
      const m = JSON.parse(image.root.bytes.toString());
      m.layers[0].digest = md5;
      const bytes = json(m);
      const root = { bytes, digest: digestOf('sha256', bytes), mediaType: image.root.mediaType };
      reg.seed('bad/md5', 'v1', { ...image, manifests: [root], root });
      return irel.copy(`${reg.host}/bad/md5:v1`, `${other.host}/bad/md5:v1`, { retry: FAST_RETRY });
    }, 'MANIFEST_INVALID'],
    ['a layout whose index.json names the image by md5', async () => {
      const dir = join(tmp, 'bad-md5-layout');
      const image = buildImage('bad/md5-layout', { blobAlg: 'sha256', bigLayer: 1000 });
      writeLayout(dir, { ...image, root: { ...image.root, digest: md5 } }, 'v1');
      return irel.layoutPush(dir, 'v1', `${other.host}/bad/md5-layout:v1`, { retry: FAST_RETRY });
    }, 'LAYOUT_INVALID'],
  ];
  for (const [label, run, code] of unsupported) {
    it(`refuses ${label}: ${code}, naming the algorithm`, async () => {
      await assert.rejects(run(), (e) => {
        assert.equal(e.code, code, e.message);
        assert.equal(e.side, 'source');
        assert.match(e.message, /unsupported algorithm "md5"/);
        return true;
      });
    });
  }
});
