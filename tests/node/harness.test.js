// The integration-test harness (tests/helpers/) against real peers: a docker-registry 2.8.2 in each
// auth/TLS mode, our token server, skopeo as an independent reader, and the fault proxy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { getManifest, listTags, registryHas, schema1Payload, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { allBlobs, allManifests, ARTIFACT_TYPE, MEDIA_TYPES, pushArtifact, pushImage, pushIndex, pushNestedIndex,
  pushSchema1 } from '../helpers/seed.js';
import { httpRequest } from '../helpers/util.js';

/** Push one of every image kind into `reg`; returns the results by name. */
async function pushEveryKind(reg) {
  return {
    oci: await pushImage(reg, 'kinds/oci:v1', { layers: [10, 3000] }),
    docker: await pushImage(reg, 'kinds/docker:v1', { layers: [200], format: 'docker' }),
    foreign: await pushImage(reg, 'kinds/foreign:v1', { nondistributable: true }),
    ociIndex: await pushIndex(reg, 'kinds/multi-oci:v1'),
    dockerList: await pushIndex(reg, 'kinds/multi-docker:v1', { format: 'docker', platforms: ['linux/amd64', 'linux/arm64'] }),
    nested: await pushNestedIndex(reg, 'kinds/nested:v1'),
    artifact: await pushArtifact(reg, 'kinds/artifact:v1'),
  };
}

/** Every manifest in every tree is served byte for byte: skopeo's raw bytes hash to our digest. */
async function assertServedExactly(reg, pushed) {
  for (const top of Object.values(pushed)) {
    for (const m of allManifests(top)) {
      const raw = await skopeoInspectRaw(m === top ? m.ref : m.digestRef, reg);
      assert.equal(sha256(raw), m.digest, `${m.ref} served bytes`);
      assert.ok(raw.equals(m.manifestBytes), `${m.ref} bytes identical`);
    }
  }
}

/** Registry modes every image kind is pushed to and read back from. */
const MODES = [
  ['plain HTTP, no auth', { auth: 'none' }],
  ['Basic auth', { auth: 'basic', username: 'bob', password: 'b0b-pw' }],
  ['token auth', { auth: 'token' }],
  ['TLS + Basic auth', { auth: 'basic', tls: true }],
];

for (const [title, options] of MODES) {
  describe(`registry: ${title}`, () => {
    let reg;
    let pushed;
    before(async () => { reg = await startRegistry(options); });
    after(() => reg?.stop());

    it('answers /v2/ as its mode says', async () => {
      const r = await httpRequest(`${reg.url}/v2/`, { ca: reg.ca });
      assert.equal(r.status, options.auth === 'none' ? 200 : 401);
      if (options.auth === 'basic') assert.match(r.headers['www-authenticate'], /^Basic realm=/);
      if (options.auth === 'token') assert.match(r.headers['www-authenticate'], /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service=/);
      assert.equal(reg.url.startsWith('https://'), Boolean(options.tls));
    });

    it('accepts every image kind and serves the exact bytes (checked with skopeo)', async () => {
      pushed = await pushEveryKind(reg);
      await assertServedExactly(reg, pushed);
      assert.equal(pushed.oci.mediaType, MEDIA_TYPES.oci.manifest);
      assert.equal(pushed.docker.mediaType, MEDIA_TYPES.docker.manifest);
      assert.equal(pushed.dockerList.mediaType, MEDIA_TYPES.docker.index);
      assert.equal(pushed.ociIndex.children.length, 3);
      assert.equal(pushed.nested.children[1].mediaType, MEDIA_TYPES.oci.index);
      assert.equal(JSON.parse(pushed.artifact.manifestBytes.toString()).artifactType, ARTIFACT_TYPE);
    });

    it('holds every pushed blob, but not the foreign layer', async () => {
      for (const top of Object.values(pushed)) {
        for (const m of allManifests(top)) {
          for (const b of m.blobs) assert.equal(await registryHas(reg, m.repo, b.digest), b.pushed, `${m.repo} ${b.digest}`);
        }
      }
      assert.equal(allBlobs(pushed.foreign).filter((b) => !b.pushed).length, 1);
      assert.deepEqual(await listTags(reg, 'kinds/oci'), ['v1']);
      const got = await getManifest(reg, 'kinds/multi-oci', 'v1');
      assert.equal(got.mediaType, MEDIA_TYPES.oci.index);
      assert.equal(got.digest, pushed.ociIndex.digest);
    });

    if (options.auth !== 'none') {
      it('refuses wrong credentials', async () => {
        const bad = { ...reg.creds, password: 'wrong' };
        await assert.rejects(pushImage(reg, 'kinds/denied:v1', { creds: bad }), /HTTP 401|answered 401/);
        await assert.rejects(skopeoInspectRaw(pushed.oci.ref, { caDir: reg.caDir, tlsVerify: reg.tls, creds: 'x:y' }));
      });
    }
  });
}

describe('registry: plain HTTP details', () => {
  let reg;
  before(async () => { reg = await startRegistry({ schema1: true }); });
  after(() => reg?.stop());

  it('streams a 24 MiB uncompressed layer and reuses blobs pushed with the same seed', async () => {
    const a = await pushImage(reg, 'big/a:v1', { layers: [24 << 20], seed: 'shared' });
    assert.equal(a.blobs[1].size, 24 << 20);
    assert.equal(a.blobs[1].mediaType, MEDIA_TYPES.oci.layerTar);
    const b = await pushImage(reg, 'big/a:v2', { layers: [24 << 20], seed: 'shared' });
    assert.equal(b.digest, a.digest, 'same seed, same bytes');
    const blob = await httpRequest(`${reg.url}/v2/big/a/blobs/${a.blobs[1].digest}`, { method: 'HEAD' });
    assert.equal(blob.headers['content-length'], String(24 << 20));
    assert.deepEqual((await listTags(reg, 'big/a')).sort(), ['v1', 'v2']);
  });

  it('accepts a signed schema1 manifest when compatibility.schema1 is enabled', async () => {
    const s1 = await pushSchema1(reg, 'legacy/app:v1', { layers: [100, 200] });
    const raw = await skopeoInspectRaw(s1.ref, reg);
    assert.equal(sha256(schema1Payload(raw)), s1.digest, 'digest is over the unsigned payload');
    assert.equal(sha256(s1.canonicalBytes), s1.digest);
  });
});

describe('token server', () => {
  let reg;
  before(async () => {
    reg = await startRegistry({ auth: 'token', users: { reader: { password: 'r-pw', access: { '*': ['pull'] } } },
      anonymous: { 'public/*': ['pull'] } });
    await pushImage(reg, 'private/app:v1');
    await pushImage(reg, 'public/app:v1');
  });
  after(() => reg?.stop());

  it('lets a pull-only user pull but not push, granting only pull', async () => {
    const reader = { username: 'reader', password: 'r-pw' };
    const raw = await skopeoInspectRaw(`${reg.host}/private/app:v1`, { creds: 'reader:r-pw' });
    assert.ok(raw.length > 0);
    const before = reg.tokenServer.requests.length;
    await assert.rejects(pushImage(reg, 'private/app:v2', { creds: reader }), /HTTP 401/);
    const asked = reg.tokenServer.requests.slice(before).filter((r) => r.user === 'reader');
    assert.ok(asked.length > 0);
    for (const r of asked) {
      assert.equal(r.status, 200);
      for (const g of r.granted) assert.deepEqual(g.actions, ['pull']);
    }
    assert.ok(asked.some((r) => r.scopes.some((s) => s.actions.includes('push'))), 'push was asked for');
    assert.deepEqual(await listTags(reg, 'private/app'), ['v1']);
  });

  it('grants anonymous pull only where configured, and rejects bad passwords', async () => {
    await skopeoInspectRaw(`${reg.host}/public/app:v1`, {});
    await assert.rejects(skopeoInspectRaw(`${reg.host}/private/app:v1`, {}));
    const ts = reg.tokenServer;
    const bad = await httpRequest(`${ts.realm}?service=${ts.service}&scope=repository:public/app:pull`,
      { headers: { authorization: `Basic ${Buffer.from('reader:nope').toString('base64')}` } });
    assert.equal(bad.status, 401);
  });

  it('answers the Docker token response shape with a short expiry when asked', async () => {
    const r = await httpRequest(`${reg.tokenServer.realm}?service=${reg.tokenServer.service}`
      + '&scope=repository:a/b:pull,push&scope=repository:c:pull', { headers: { authorization: `Basic ${Buffer.from(
      `${reg.creds.username}:${reg.creds.password}`).toString('base64')}` } });
    const body = JSON.parse(r.body.toString());
    assert.equal(body.token, body.access_token);
    assert.equal(body.expires_in, 300);
    assert.match(body.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const claims = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString());
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
      { type: 'repository', name: 'c', actions: ['pull'] }]);
    reg.tokenServer.config.expiresIn = 2;
    const short = JSON.parse((await httpRequest(`${reg.tokenServer.realm}?service=x&scope=repository:public/app:pull`)).body.toString());
    assert.equal(short.expires_in, 2);
    reg.tokenServer.config.expiresIn = 300;
  });

  it('signs tokens the registry accepts with an x5c chain or a libtrust kid, and can make them really expire', async () => {
    const ts = reg.tokenServer;
    const tokenFor = async () => JSON.parse((await httpRequest(`${ts.realm}?service=${ts.service}&scope=repository:public/app:pull`))
      .body.toString()).token;
    const tags = (token) => httpRequest(`${reg.url}/v2/public/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    try {
      ts.config.keyHeader = 'kid';
      assert.equal((await tags(await tokenFor())).status, 200);
      ts.config.keyHeader = 'x5c';
      Object.assign(ts.config, { expiresIn: 2, enforceExpiry: true });
      const token = await tokenFor();
      assert.equal((await tags(token)).status, 200);
      await new Promise((r) => setTimeout(r, 2600));
      assert.equal((await tags(token)).status, 401, 'expired for the registry right after expires_in');
    } finally {
      Object.assign(ts.config, { keyHeader: 'x5c', expiresIn: 300, enforceExpiry: false });
    }
  });
});

describe('TLS registry', () => {
  let reg;
  before(async () => { reg = await startRegistry({ tls: true }); await pushImage(reg, 'tls/app:v1'); });
  after(() => reg?.stop());

  it('is trusted only through its own CA', async () => {
    await skopeoInspectRaw(`${reg.host}/tls/app:v1`, reg);
    await assert.rejects(skopeoInspectRaw(`${reg.host}/tls/app:v1`, { tlsVerify: true }), /certificate|x509/);
    await assert.rejects(httpRequest(`${reg.url}/v2/`), /self[- ]signed|certificate/);
  });
});

describe('fault proxy', () => {
  let reg;
  let proxy;
  before(async () => { reg = await startRegistry(); });
  after(async () => { await proxy?.stop(); await reg?.stop(); });

  it('injects a 503 once, then forwards (Location headers point at the proxy)', async () => {
    proxy = await startFaultProxy({ target: reg.url, rules: [
      { method: 'GET', path: /\/manifests\//, nth: 1, status: 503, headers: { 'retry-after': '1' } },
      { method: 'GET', path: /\/blobs\//, nth: 1, dropResponseAfter: 100 },
    ] });
    const viaProxy = { url: proxy.url, host: proxy.host };
    const img = await pushImage(viaProxy, 'faulty/app:v1', { layers: [5000] });
    assert.ok(proxy.log.some((e) => e.method === 'PUT' && /\/blobs\/uploads\//.test(e.path) && e.status === 201),
      'the upload PUT went through the proxy');
    const accept = { accept: MEDIA_TYPES.oci.manifest };
    const first = await httpRequest(`${proxy.url}/v2/faulty/app/manifests/v1`, { headers: accept });
    assert.equal(first.status, 503);
    assert.equal(first.headers['retry-after'], '1');
    const second = await httpRequest(`${proxy.url}/v2/faulty/app/manifests/v1`, { headers: accept });
    assert.equal(second.status, 200);
    assert.equal(sha256(second.body), img.digest);
    const layer = img.blobs[1].digest;
    await assert.rejects(httpRequest(`${proxy.url}/v2/faulty/app/blobs/${layer}`), /aborted|ECONNRESET|socket hang up/);
    const ok = await httpRequest(`${proxy.url}/v2/faulty/app/blobs/${layer}`);
    assert.equal(sha256(ok.body), layer);
    assert.deepEqual(proxy.faults.map((e) => [e.method, e.status, e.fault, Boolean(e.dropped)]),
      [['GET', 503, 'status 503', false], ['GET', 200, 'drop-response@100', true]]);
  });
});
