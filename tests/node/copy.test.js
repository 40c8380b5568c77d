// irel.copy and irel.digest against real registries (Debian docker-registry), images built by the
// harness, results checked with skopeo: every copied manifest's bytes hash to the source digest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { IrelError, load } from 'irel';

import { startFaultProxy } from '../helpers/fault-proxy.js';
import { listTags, registryHas, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { allBlobs, allManifests, pushArtifact, pushImage, pushIndex, pushNestedIndex, pushSchema1 } from '../helpers/seed.js';

const irel = await load();
const FAST_RETRY = { attempts: 5, baseMs: 20, maxMs: 200 };

/** Every manifest of `pushed` exists in `reg` under `repo` with the same bytes; every pushed blob too. */
async function assertCopied(reg, repo, pushed, { tag } = {}) {
  for (const m of allManifests(pushed)) {
    const raw = await skopeoInspectRaw(`${reg.host}/${repo}@${m.digest}`, reg);
    assert.equal(sha256(raw), m.digest, `manifest ${m.digest} in ${repo}`);
  }
  for (const b of allBlobs(pushed)) {
    assert.equal(await registryHas(reg, repo, b.digest), b.pushed, `blob ${b.digest} in ${repo}`);
  }
  if (tag) {
    const raw = await skopeoInspectRaw(`${reg.host}/${repo}:${tag}`, reg);
    assert.equal(sha256(raw), pushed.digest, `tag ${tag}`);
  }
}

describe('copy between plain registries', () => {
  let src;
  let dst;
  const images = {};
  before(async () => {
    [src, dst] = await Promise.all([startRegistry({ schema1: true }), startRegistry()]);
    images.oci = await pushImage(src, 'apps/oci:v1', { layers: [100, 5000, 70_000] });
    images.docker = await pushImage(src, 'apps/docker:v1', { layers: [300], format: 'docker' });
    images.index = await pushIndex(src, 'apps/multi:v1');
    images.list = await pushIndex(src, 'apps/list:v1', { format: 'docker', platforms: ['linux/amd64', 'linux/arm64'] });
    images.nested = await pushNestedIndex(src, 'apps/nested:v1');
    images.artifact = await pushArtifact(src, 'apps/artifact:v1');
    images.foreign = await pushImage(src, 'apps/foreign:v1', { nondistributable: true });
    images.big = await pushImage(src, 'apps/big:v1', { layers: [{ size: 9 * 1024 * 1024 + 7, kind: 'raw' }, 2048] });
    images.schema1 = await pushSchema1(src, 'apps/old:v1');
  });
  after(async () => {
    irel.close();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const kinds = [
    ['an OCI image', 'oci'],
    ['a Docker schema 2 image', 'docker'],
    ['a multi-arch OCI index, whole', 'index'],
    ['a Docker manifest list, whole', 'list'],
    ['a nested index', 'nested'],
    ['an artifact with unknown config and layer types', 'artifact'],
  ];
  for (const [label, key] of kinds) {
    it(`copies ${label} with its digest preserved`, async () => {
      const image = images[key];
      const summary = await irel.copy(image.ref, `${dst.host}/copied/${key}:v1`, { retry: FAST_RETRY });
      assert.equal(summary.digest, image.digest);
      assert.equal(summary.sourceDigest, image.digest);
      assert.equal(summary.rewritten, false);
      await assertCopied(dst, `copied/${key}`, image, { tag: 'v1' });
      assert.equal(await irel.digest(`${dst.host}/copied/${key}:v1`), image.digest);
    });
  }

  it('streams a large layer in chunks, reporting progress per blob', async () => {
    const events = [];
    const summary = await irel.copy(images.big.ref, `${dst.host}/chunked/big:v1`, {
      chunkSize: 2 * 1024 * 1024, onProgress: (e) => events.push(e), retry: FAST_RETRY });
    assert.equal(summary.digest, images.big.digest);
    await assertCopied(dst, 'chunked/big', images.big, { tag: 'v1' });
    const big = images.big.blobs.find((b) => b.size > 9e6);
    const steps = events.filter((e) => e.type === 'blob' && e.digest === big.digest && e.state === 'uploading');
    assert.ok(steps.length >= 4, `chunk progress events: ${steps.length}`);
    assert.ok(steps.every((e, i) => i === 0 || e.done > steps[i - 1].done));
    assert.ok(events.some((e) => e.type === 'plan' && e.bytes === summary.bytes.total));
    assert.equal(JSON.stringify(events).includes('secret'), false);
  });

  it('streams a large layer in one PATCH by default, with flat memory', async () => {
    const events = [];
    const summary = await irel.copy(images.big.ref, `${dst.host}/streamed/big:v1`, { onProgress: (e) => events.push(e) });
    assert.equal(summary.digest, images.big.digest);
    await assertCopied(dst, 'streamed/big', images.big, { tag: 'v1' });
    const big = images.big.blobs.find((b) => b.size > 9e6);
    const steps = events.filter((e) => e.type === 'blob' && e.digest === big.digest && e.state === 'uploading');
    assert.ok(steps.length >= 8, `progress events while streaming: ${steps.length}`);
  });

  it('skips blobs the target has and takes the fast path when the image is there', async () => {
    const first = await irel.copy(images.oci.ref, `${dst.host}/again/oci:v1`);
    assert.equal(first.blobs.uploaded, 4);
    const second = await irel.copy(images.oci.ref, `${dst.host}/again/oci:v2`);
    assert.equal(second.blobs.uploaded, 0);
    assert.equal(second.digest, images.oci.digest);
    assert.deepEqual(await listTags(dst, 'again/oci'), ['v1', 'v2']);
    // A different image sharing layers: only what differs is uploaded.
    const sibling = await pushImage(src, 'apps/sibling:v1', { layers: [100, 5000, 70_000], seed: 'apps/oci:v1' });
    const third = await irel.copy(sibling.ref, `${dst.host}/again/oci:sibling`);
    assert.equal(third.digest, sibling.digest);
  });

  it('mounts blobs across repositories of one registry', async () => {
    const summary = await irel.copy(images.oci.ref, `${src.host}/mounted/oci:v1`);
    assert.equal(summary.blobs.mounted, 4);
    assert.equal(summary.blobs.uploaded, 0);
    await assertCopied(src, 'mounted/oci', images.oci, { tag: 'v1' });
  });

  it('copies by digest to a digest, or to a tag when the target names one', async () => {
    const byDigest = await irel.copy(images.index.digestRef, `${dst.host}/bydigest/multi`);
    assert.equal(byDigest.target, `${dst.host}/bydigest/multi@${images.index.digest}`);
    assert.deepEqual(await listTags(dst, 'bydigest/multi'), []);
    await assertCopied(dst, 'bydigest/multi', images.index);
    const toTag = await irel.copy(images.index.digestRef, `${dst.host}/bydigest/multi:pinned`);
    assert.equal(toTag.digest, images.index.digest);
    assert.deepEqual(await listTags(dst, 'bydigest/multi'), ['pinned']);
  });

  it('copies only the requested platforms and says the digest changed', async () => {
    const arm = images.index.children.find((c) => c.platform.architecture === 'arm64');
    const summary = await irel.copy(images.index.ref, `${dst.host}/filtered/multi:arm64`, { platforms: ['linux/arm64'] });
    assert.equal(summary.rewritten, true);
    assert.notEqual(summary.digest, images.index.digest);
    assert.deepEqual(summary.platforms, ['linux/arm64']);
    const raw = await skopeoInspectRaw(`${dst.host}/filtered/multi:arm64`, dst);
    assert.equal(sha256(raw), summary.digest);
    const index = JSON.parse(raw);
    assert.deepEqual(index.manifests.map((m) => m.digest), [arm.digest]);
    await assertCopied(dst, 'filtered/multi', arm);
    for (const other of images.index.children.filter((c) => c !== arm)) {
      assert.equal(await registryHas(dst, 'filtered/multi', other.digest), false);
    }
  });

  it('leaves foreign layers out unless asked', async () => {
    const summary = await irel.copy(images.foreign.ref, `${dst.host}/copied/foreign:v1`);
    assert.equal(summary.blobs.foreign, 1);
    await assertCopied(dst, 'copied/foreign', images.foreign, { tag: 'v1' });
  });

  const failures = [
    ['a schema 1 image', () => images.schema1.ref, 'MANIFEST_SCHEMA1_UNSUPPORTED', 'source'],
    ['a missing tag', () => `${src.host}/apps/oci:nope`, 'MANIFEST_UNKNOWN', 'source'],
    ['an invalid source reference', () => `${src.host}/Nope:v1`, 'NAME_UPPERCASE', 'source'],
    ['a digest the source does not have', () => `${src.host}/apps/oci@sha256:${'0'.repeat(64)}`, 'MANIFEST_UNKNOWN', 'source'],
    ['an unknown platform', () => images.index.ref, 'PLATFORM_NOT_FOUND', '', { platforms: ['windows/amd64'] }],
  ];
  for (const [label, from, code, side, extra] of failures) {
    it(`refuses ${label} with ${code} and writes nothing`, async () => {
      const target = `${dst.host}/refused/${code.toLowerCase()}:v1`;
      await assert.rejects(irel.copy(from(), target, { retry: FAST_RETRY, ...extra }), (e) => {
        assert.ok(e instanceof IrelError, e);
        assert.equal(e.code, code, e.message);
        if (side) assert.equal(e.side, side);
        return true;
      });
      assert.deepEqual(await listTags(dst, `refused/${code.toLowerCase()}`), []);
    });
  }

  it('cancels with an AbortSignal and leaves no tag', async () => {
    const controller = new AbortController();
    const copying = irel.copy(images.big.ref, `${dst.host}/cancelled/big:v1`, {
      chunkSize: 1024 * 1024, jobs: 1,
      onProgress: (e) => { if (e.type === 'blob' && e.state === 'uploading') controller.abort(); },
      signal: controller.signal,
    });
    await assert.rejects(copying, (e) => e.code === 'CANCELLED');
    assert.deepEqual(await listTags(dst, 'cancelled/big'), []);
  });
});

describe('copy with faults injected (fault proxy in front of each side)', () => {
  let src;
  let dst;
  let srcProxy;
  let dstProxy;
  let image;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    image = await pushIndex(src, 'faulty/multi:v1', { layers: [{ size: 3 * 1024 * 1024, kind: 'raw' }, 500] });
    srcProxy = await startFaultProxy({ target: src.url });
    dstProxy = await startFaultProxy({ target: dst.url });
  });
  after(async () => {
    irel.close();
    await Promise.all([srcProxy?.stop(), dstProxy?.stop(), src?.stop(), dst?.stop()]);
  });

  it('retries 429, 503, slow answers and dropped connections, and preserves the digest', async () => {
    srcProxy.rules.push(
      { method: 'GET', path: /\/manifests\//, nth: 1, status: 429, headers: { 'Retry-After': '0' } },
      { method: 'GET', path: /\/blobs\/sha256:/, nth: [1, 3], dropResponseAfter: 100_000 },
      { method: 'GET', path: /\/blobs\/sha256:/, nth: 2, delayMs: 300 },
    );
    dstProxy.rules.push(
      { method: 'PATCH', path: /\/blobs\/uploads\//, nth: [2, 5], status: 503 },
      { method: 'PATCH', path: /\/blobs\/uploads\//, nth: 3, dropRequestAfter: 1000 },
      { method: 'PUT', path: /\/manifests\//, nth: 1, status: 503 },
      { method: 'POST', path: /\/blobs\/uploads\//, nth: 2, status: 500 },
    );
    const summary = await irel.copy(`${srcProxy.host}/faulty/multi:v1`, `${dstProxy.host}/faulty/multi:v1`, {
      chunkSize: 1024 * 1024, singlePutMax: 1024 * 1024, retry: FAST_RETRY });
    assert.equal(summary.digest, image.digest);
    await assertCopied(dst, 'faulty/multi', image, { tag: 'v1' });
    assert.ok(srcProxy.faults.length >= 3 && dstProxy.faults.length >= 4,
      `faults injected: ${srcProxy.faults.length} + ${dstProxy.faults.length}`);
    // The source was only read.
    assert.ok(srcProxy.log.every((l) => l.method === 'GET' || l.method === 'HEAD'));
  });

  it('resumes a streamed upload and a source download that were cut mid-blob', async () => {
    const big = await pushImage(src, 'faulty/big:v1', { layers: [{ size: 6 * 1024 * 1024, kind: 'raw' }] });
    srcProxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, nth: 1, dropResponseAfter: 2_500_000 });
    dstProxy.rules.push({ method: 'PATCH', path: /\/blobs\/uploads\//, nth: 1, dropRequestAfter: 1_000_000 });
    const before = [srcProxy.faults.length, dstProxy.faults.length];
    const summary = await irel.copy(`${srcProxy.host}/faulty/big:v1`, `${dstProxy.host}/faulty/big:v1`, { retry: FAST_RETRY });
    assert.equal(summary.digest, big.digest);
    await assertCopied(dst, 'faulty/big', big, { tag: 'v1' });
    assert.ok(srcProxy.faults.length > before[0] && dstProxy.faults.length > before[1]);
  });

  it('fails cleanly when the target keeps failing: the error names the target and no tag is written', async () => {
    dstProxy.rules.push({ method: 'PUT', path: /\/blobs\/uploads\//, status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}' });
    dstProxy.rules.push({ method: 'PATCH', path: /\/blobs\/uploads\//, status: 500 });
    const other = await pushImage(src, 'faulty/single:v1', { layers: [4000, 9000] });
    await assert.rejects(irel.copy(`${srcProxy.host}/faulty/single:v1`, `${dstProxy.host}/faulty/single:v1`, { retry: FAST_RETRY }),
      (e) => {
        assert.equal(e.side, 'target');
        assert.match(e.message, /^target registry/);
        return true;
      });
    assert.deepEqual(await listTags(dst, 'faulty/single'), []);
    assert.ok(other.digest);
  });
});

describe('copy with authentication and TLS', () => {
  let plain;
  let basic;
  let token;
  let tls;
  let image;
  before(async () => {
    [plain, basic, token, tls] = await Promise.all([
      startRegistry(),
      startRegistry({ auth: 'basic', username: 'bob', password: 'b0b:pw-secret' }),
      startRegistry({ auth: 'token', users: { alice: { password: 'alice-secret', access: { '**': ['pull', 'push'] } },
        reader: { password: 'reader-secret', access: { '**': ['pull'] } } } }),
      startRegistry({ auth: 'basic', tls: true, username: 'tina', password: 'tls-secret' }),
    ]);
    image = await pushIndex(plain, 'auth/multi:v1', { platforms: ['linux/amd64', 'linux/arm64'] });
  });
  after(async () => {
    irel.close();
    await Promise.all([plain, basic, token, tls].map((r) => r?.stop()));
  });

  const creds = (reg, username, password) => ({ [reg.host]: { username, password } });

  it('pushes to a Basic-auth registry with credentials from options', async () => {
    const s = await irel.copy(image.ref, `${basic.host}/auth/multi:v1`, { credentials: creds(basic, 'bob', 'b0b:pw-secret') });
    assert.equal(s.digest, image.digest);
    await assertCopied(basic, 'auth/multi', image, { tag: 'v1' });
  });

  it('reports UNAUTHORIZED on the target side without leaking the password', async () => {
    await assert.rejects(irel.copy(image.ref, `${basic.host}/auth/denied:v1`, { credentials: creds(basic, 'bob', 'wrong-secret') }),
      (e) => {
        assert.equal(e.code, 'UNAUTHORIZED');
        assert.equal(e.side, 'target');
        assert.equal(/secret/.test(e.message + JSON.stringify(e)), false);
        return true;
      });
  });

  it('uses the token flow, caching tokens per scope', async () => {
    const byAlice = () => token.tokenServer.requests.filter((r) => r.user === 'alice' && r.status === 200).length;
    const before = byAlice();
    const s = await irel.copy(image.ref, `${token.host}/tok/multi:v1`, { credentials: creds(token, 'alice', 'alice-secret') });
    assert.equal(s.digest, image.digest);
    assert.equal(byAlice() - before, 1, 'one token for the whole copy');
    await assertCopied(token, 'tok/multi', image, { tag: 'v1' });
    // Copy back out of the token registry (pull scope) into the plain one.
    const back = await irel.copy(`${token.host}/tok/multi:v1`, `${plain.host}/back/multi:v1`, { credentials: creds(token, 'reader', 'reader-secret') });
    assert.equal(back.digest, image.digest);
    assert.equal(await irel.digest(`${token.host}/tok/multi:v1`, { credentials: creds(token, 'reader', 'reader-secret') }), image.digest);
  });

  it('replaces a token the registry no longer accepts', async () => {
    const short = await startRegistry({ auth: 'token', tokenExpiresIn: 2, enforceExpiry: true,
      users: { alice: { password: 'alice-secret', access: { '**': ['pull', 'push'] } } } });
    try {
      const c = creds(short, 'alice', 'alice-secret');
      const first = await irel.copy(image.ref, `${short.host}/expiry/a:v1`, { credentials: c });
      await new Promise((r) => setTimeout(r, 2500));
      const second = await irel.copy(image.ref, `${short.host}/expiry/a:v2`, { credentials: c });
      assert.equal(first.digest, image.digest);
      assert.equal(second.digest, image.digest);
      assert.ok(short.tokenServer.issued >= 2);
    } finally {
      await short.stop();
    }
  });

  it('is DENIED when the token grants pull only', async () => {
    await assert.rejects(irel.copy(image.ref, `${token.host}/tok/readonly:v1`, { credentials: creds(token, 'reader', 'reader-secret') }),
      (e) => e.side === 'target' && (e.code === 'UNAUTHORIZED' || e.code === 'DENIED') && !/secret/.test(e.message));
  });

  it('talks TLS to a registry whose CA is given, and refuses it otherwise', async () => {
    const c = creds(tls, 'tina', 'tls-secret');
    const s = await irel.copy(image.ref, `${tls.host}/tls/multi:v1`, { credentials: c, caFiles: [tls.caFile] });
    assert.equal(s.digest, image.digest);
    await assertCopied(tls, 'tls/multi', image, { tag: 'v1' });
    const other = await load({ wasmUrl: new URL('../../wasm/dist/irel-core.wasm', import.meta.url) });
    await assert.rejects(other.copy(image.ref, `${tls.host}/tls/untrusted:v1`, { credentials: c, retry: FAST_RETRY }),
      (e) => e.side === 'target' && e.code === 'NETWORK_ERROR' && /certificate|CERT/i.test(e.message));
    const skip = await other.copy(image.ref, `${tls.host}/tls/skipped:v1`, { credentials: c, skipTlsVerify: true });
    assert.equal(skip.digest, image.digest);
    other.close();
  });
});
