// The dialect proxy itself (tests/helpers/dialect-proxy.js): raw distribution API requests
// through each profile prove that it answers as the hosted registry does where that registry
// departs from the spec, and that what the spec's clients rely on still works through it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { PROFILES, startDialectProxy } from '../helpers/dialect-proxy.js';
import { registryHas, sha256 } from '../helpers/inspect.js';
import { fallbackTag, pushReferrer, putFallbackIndex, TYPES } from '../helpers/referrers.js';
import { startRegistry } from '../helpers/registry.js';
import { registryClient } from '../helpers/registry-client.js';
import { MEDIA_TYPES, pushImage, pushIndex, putManifest } from '../helpers/seed.js';
import { httpRequest, sleep } from '../helpers/util.js';

let reg; // plain registry behind every profile but dockerhub
let hub; // token-auth registry behind the dockerhub profile
let image; // reg: base/app:v1
let index; // reg: base/multi:v1
let hubImage; // hub: library/app:v1

before(async () => {
  [reg, hub] = await Promise.all([startRegistry(), startRegistry({ auth: 'token' })]);
  image = await pushImage(reg, 'base/app:v1', { layers: [3000, 5000] });
  index = await pushIndex(reg, 'base/multi:v1', { platforms: ['linux/amd64', 'linux/arm64'] });
  hubImage = await pushImage(hub, 'library/app:v1', { layers: [2000] });
  const client = registryClient(reg);
  for (let i = 1; i <= 7; i++) await putManifest(client, 'base/app', `t${i}`, image.manifestBytes, image.mediaType);
});
after(async () => {
  await Promise.all([reg?.stop(), hub?.stop()]);
});

/** A fresh proxy for one case, stopped afterwards. */
async function withProxy(profile, options, fn, extra = {}) {
  const p = await startDialectProxy({ target: reg.url, profile, options, ...extra });
  try {
    await fn(p);
  } finally {
    await p.stop();
  }
}

const blobOf = (n) => {
  const bytes = randomBytes(n);
  return { bytes, digest: sha256(bytes), size: n };
};
const errorCode = (r) => JSON.parse(r.body.toString()).errors?.[0]?.code;
const errorMessage = (r) => JSON.parse(r.body.toString()).errors?.[0]?.message;
const withDigest = (loc, digest) => `${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;

async function open(p, repo, query = '') {
  const r = await httpRequest(`${p.url}/v2/${repo}/blobs/uploads/${query}`, { method: 'POST', headers: { 'content-length': '0' } });
  return r;
}
async function openLocation(p, repo) {
  const r = await open(p, repo);
  assert.equal(r.status, 202, r.body.toString());
  assert.ok(r.headers.location.startsWith(p.url), `Location on the proxy: ${r.headers.location}`);
  return r.headers.location;
}
function patch(loc, bytes, start, { range = true } = {}) {
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) };
  if (range) headers['content-range'] = `${start}-${start + bytes.length - 1}`;
  return httpRequest(loc, { method: 'PATCH', headers, body: bytes });
}
function put(loc, digest, body = Buffer.alloc(0)) {
  return httpRequest(withDigest(loc, digest), { method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }, body });
}
/** POST, one PATCH per piece, PUT (with `last` as its body): the final response. */
async function upload(p, repo, blob, pieces, { last = Buffer.alloc(0) } = {}) {
  let loc = await openLocation(p, repo);
  let at = 0;
  for (const piece of pieces) {
    const r = await patch(loc, piece, at);
    if (r.status >= 300) return r;
    loc = r.headers.location ?? loc;
    at += piece.length;
  }
  return put(loc, blob.digest, last);
}
const split = (bytes, ...sizes) => {
  const out = [];
  let at = 0;
  for (const n of sizes) { out.push(bytes.subarray(at, at + n)); at += n; }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
};

describe('the dialect proxy', () => {
  it('refuses an unknown profile and an option its profile does not have', async () => {
    await assert.rejects(startDialectProxy({ target: reg.url, profile: 'nope' }), /unknown profile nope/);
    await assert.rejects(startDialectProxy({ target: reg.url, profile: 'gar', options: { minChunk: 1 } }), /profile gar has no option minChunk/);
    assert.deepEqual([...PROFILES].sort(), ['acr', 'artifactory', 'dockerhub', 'ecr', 'gar', 'ghcr', 'gitlab', 'harbor', 'quay', 's3']);
  });

  it('passes through untouched what a profile does not change, and logs it', async () => {
    for (const profile of PROFILES.filter((x) => x !== 'dockerhub' && x !== 'ecr')) {
      await withProxy(profile, {}, async (p) => {
        const r = await httpRequest(`${p.url}/v2/base/app/manifests/v1`, { headers: { accept: image.mediaType } });
        assert.equal(r.status, 200, profile);
        assert.equal(sha256(r.body), image.digest, profile);
        assert.deepEqual(p.log.map((e) => [e.listener, e.method, e.status, e.dialect]), [['registry', 'GET', 200, null]], profile);
      });
    }
  });
});

describe('ecr', () => {
  const options = { repositories: ['ecr/chunks', 'ecr/manifests', 'base/app'] };
  const cases = [
    {
      name: 'a push to a repository that does not exist fails with NAME_UNKNOWN naming it (and reads 404)',
      options,
      async run(p) {
        const r = await open(p, 'ecr/missing');
        assert.equal(r.status, 404);
        assert.equal(errorCode(r), 'NAME_UNKNOWN');
        assert.equal(errorMessage(r), "The repository with name 'ecr/missing' does not exist in the registry with id '123456789012'");
        const m = await httpRequest(`${p.url}/v2/ecr/missing/manifests/v1`, { method: 'PUT',
          headers: { 'content-type': image.mediaType }, body: image.manifestBytes });
        assert.equal(m.status, 404);
        assert.equal((await httpRequest(`${p.url}/v2/ecr/missing/manifests/v1`, { method: 'HEAD' })).status, 404);
        assert.equal(await registryHas(reg, 'ecr/missing', image.digest), false);
      },
    },
    {
      name: 'a create-on-push rule creates the repository at its first push, and only under its prefixes',
      options: { createOnPush: ['auto/'] },
      async run(p) {
        assert.equal((await open(p, 'auto/made')).status, 202);
        assert.ok(p.state.repositories.has('auto/made'));
        assert.equal((await httpRequest(`${p.url}/v2/auto/made/manifests/v1`, { method: 'HEAD' })).status, 404, 'exists, but empty');
        assert.equal((await open(p, 'other/made')).status, 404);
      },
    },
    {
      name: 'a repository that exists reads as usual',
      options,
      async run(p) {
        const r = await httpRequest(`${p.url}/v2/base/app/manifests/v1`, { headers: { accept: image.mediaType } });
        assert.equal(sha256(r.body), image.digest);
      },
    },
    {
      name: 'a chunk PATCH is answered 201 instead of 202, with the Range of what it took',
      options,
      async run(p) {
        const loc = await openLocation(p, 'ecr/chunks');
        const r = await patch(loc, randomBytes(1000), 0);
        assert.equal(r.status, 201);
        assert.equal(r.headers.range, '0-999');
        assert.ok(r.headers.location.startsWith(p.url));
      },
    },
    {
      name: 'chunks after the first are discarded: 201, Range stuck at the first chunk, and the commit fails',
      options,
      async run(p) {
        const blob = blobOf(3000);
        const [a, b, c] = split(blob.bytes, 1000, 1000);
        let loc = await openLocation(p, 'ecr/chunks');
        const r1 = await patch(loc, a, 0);
        loc = r1.headers.location;
        const r2 = await patch(loc, b, 1000);
        assert.equal(r2.status, 201);
        assert.equal(r2.headers.range, '0-999', 'Range does not advance');
        const r3 = await patch(r2.headers.location, c, 2000, { range: false }); // without Content-Range: the same
        assert.equal(r3.status, 201);
        assert.equal(r3.headers.range, '0-999');
        const done = await put(r3.headers.location, blob.digest);
        assert.equal(done.status, 400);
        assert.equal(errorCode(done), 'BLOB_UPLOAD_INVALID');
        assert.equal(await registryHas(reg, 'ecr/chunks', blob.digest), false);
        assert.deepEqual(p.dialects.map((e) => e.dialect), ['ecr: first chunk kept, 201 instead of 202',
          'ecr: chunk discarded, Range not advanced', 'ecr: chunk discarded, Range not advanced', 'ecr: layer digest mismatch']);
      },
    },
    {
      name: 'a chunk sent again at the offset the stuck Range gives gets 416',
      options,
      async run(p) {
        const [a, b] = split(randomBytes(2000), 1000);
        const loc = await openLocation(p, 'ecr/chunks');
        const r1 = await patch(loc, a, 0);
        const r2 = await patch(r1.headers.location, b, 1000);
        assert.equal(r2.headers.range, '0-999');
        const again = await patch(r2.headers.location, b, 1000); // resume where Range says
        assert.equal(again.status, 416);
      },
    },
    {
      name: 'the whole blob in one PATCH, then an empty PUT, is stored; so is a monolithic PUT',
      options,
      async run(p) {
        const one = blobOf(3000);
        assert.equal((await upload(p, 'ecr/chunks', one, [one.bytes])).status, 201);
        assert.equal(await registryHas(reg, 'ecr/chunks', one.digest), true);
        const mono = blobOf(2000);
        assert.equal((await put(await openLocation(p, 'ecr/chunks'), mono.digest, mono.bytes)).status, 201);
        assert.equal(await registryHas(reg, 'ecr/chunks', mono.digest), true);
      },
    },
    {
      name: 'an OCI 1.1 referrer manifest (with subject) gets 405 UNSUPPORTED; other manifests are taken',
      options,
      async run(p) {
        const base = JSON.parse(image.manifestBytes.toString());
        await pushImage(reg, 'ecr/manifests:base', { layers: [3000, 5000], seed: 'base/app:v1' });
        const referrer = Buffer.from(JSON.stringify({ ...base, artifactType: 'application/spdx+json',
          subject: { mediaType: image.mediaType, digest: image.digest, size: image.size } }));
        const r = await httpRequest(`${p.url}/v2/ecr/manifests/manifests/${sha256(referrer)}`, { method: 'PUT',
          headers: { 'content-type': image.mediaType }, body: referrer });
        assert.equal(r.status, 405);
        assert.equal(errorCode(r), 'UNSUPPORTED');
        assert.equal(await registryHas(reg, 'ecr/manifests', sha256(referrer)), false);
        const ok = await httpRequest(`${p.url}/v2/ecr/manifests/manifests/v2`, { method: 'PUT',
          headers: { 'content-type': image.mediaType }, body: image.manifestBytes });
        assert.equal(ok.status, 201);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('ecr', c.options, c.run));
});

for (const profile of ['gar', 'ghcr']) {
  describe(profile, () => {
    const cases = [
      {
        name: 'the whole blob in one PATCH, then an empty PUT, is stored',
        async run(p) {
          const blob = blobOf(3000);
          assert.equal((await upload(p, `${profile}/one`, blob, [blob.bytes])).status, 201);
          assert.equal(await registryHas(reg, `${profile}/one`, blob.digest), true);
        },
      },
      {
        name: 'a monolithic PUT is stored',
        async run(p) {
          const blob = blobOf(2000);
          assert.equal((await put(await openLocation(p, `${profile}/mono`), blob.digest, blob.bytes)).status, 201);
          assert.equal(await registryHas(reg, `${profile}/mono`, blob.digest), true);
        },
      },
      {
        name: 'a second PATCH is refused (400 BLOB_UPLOAD_INVALID)',
        async run(p) {
          const blob = blobOf(3000);
          const r = await upload(p, `${profile}/two`, blob, split(blob.bytes, 1000));
          assert.equal(r.status, 400);
          assert.equal(errorCode(r), 'BLOB_UPLOAD_INVALID');
          assert.equal(await registryHas(reg, `${profile}/two`, blob.digest), false);
        },
      },
      {
        name: 'a PUT carrying the rest of the blob after a PATCH is refused too',
        async run(p) {
          const blob = blobOf(3000);
          const [a, b] = split(blob.bytes, 1000);
          const r = await upload(p, `${profile}/rest`, blob, [a], { last: b });
          assert.equal(r.status, 400);
          assert.equal(await registryHas(reg, `${profile}/rest`, blob.digest), false);
        },
      },
      {
        name: 'a cross-repository mount answers 202 with an upload Location and mounts nothing',
        async run(p) {
          const layer = image.blobs[1].digest;
          const r = await open(p, `${profile}/mounted`, `?mount=${encodeURIComponent(layer)}&from=base/app`);
          assert.equal(r.status, 202);
          assert.ok(r.headers.location.startsWith(`${p.url}/v2/${profile}/mounted/blobs/uploads/`));
          assert.equal(await registryHas(reg, `${profile}/mounted`, layer), false);
        },
      },
    ];
    for (const c of cases) it(c.name, () => withProxy(profile, {}, c.run));
  });
}

/** GET of a blob through the proxy: the 307 and where it points. */
async function redirected(p, digest) {
  const r = await httpRequest(`${p.url}/v2/base/app/blobs/${digest}`);
  assert.equal(r.status, 307);
  const loc = new URL(r.headers.location);
  assert.notEqual(loc.origin, p.url, 'storage is another origin');
  assert.equal(loc.origin, p.storage.url);
  assert.equal(loc.hostname, 'localhost');
  return loc.href;
}

describe('ghcr storage', () => {
  const layer = () => image.blobs[2];
  const cases = [
    {
      name: 'a blob GET redirects (307) to storage on another origin, whose GET serves the blob, ranges too',
      async run(p) {
        const loc = await redirected(p, layer().digest);
        const r = await httpRequest(loc);
        assert.equal(r.status, 200);
        assert.equal(sha256(r.body), layer().digest);
        const part = await httpRequest(loc, { headers: { range: 'bytes=100-199' } });
        assert.equal(part.status, 206);
        assert.equal(part.body.length, 100);
      },
    },
    {
      name: 'the storage refuses HEAD with 403',
      async run(p) {
        const r = await httpRequest(await redirected(p, layer().digest), { method: 'HEAD' });
        assert.equal(r.status, 403);
      },
    },
    {
      name: 'a storage URL is short-lived: once expired it answers 403',
      options: { storageTtlMs: 1 },
      async run(p) {
        const loc = await redirected(p, layer().digest);
        await sleep(20);
        const r = await httpRequest(loc);
        assert.equal(r.status, 403);
        assert.match(r.body.toString(), /Request has expired/);
      },
    },
    {
      name: 'a tampered storage URL answers 403',
      async run(p) {
        const loc = new URL(await redirected(p, layer().digest));
        loc.searchParams.set('expires', String(Date.now() + 10 ** 9));
        assert.equal((await httpRequest(loc.href)).status, 403);
      },
    },
    {
      name: 'a blob HEAD, and a GET of a missing blob, are answered by the registry itself',
      async run(p) {
        const h = await httpRequest(`${p.url}/v2/base/app/blobs/${layer().digest}`, { method: 'HEAD' });
        assert.equal(h.status, 200);
        assert.equal(Number(h.headers['content-length']), layer().size);
        const missing = await httpRequest(`${p.url}/v2/base/app/blobs/sha256:${'0'.repeat(64)}`);
        assert.equal(missing.status, 404);
        assert.equal(errorCode(missing), 'BLOB_UNKNOWN');
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('ghcr', c.options ?? {}, c.run));
});

describe('ghcr referrers indexes', () => {
  const EMPTY = 'application/vnd.oci.empty.v1+json';
  const INDEX_ACCEPT = { accept: `${MEDIA_TYPES.oci.index}, ${MEDIA_TYPES.oci.manifest}` };
  const REPO = 'ghcr/refs'; // its own repository: the tag lists of base/app stay as quay's cases count them
  let subjectImage; // ghcr/refs:v1
  let stored; // its fallback index as seeded (right types), { bytes, digest }
  let referrers; // what it lists
  before(async () => {
    subjectImage = await pushImage(reg, `${REPO}:v1`, { layers: [1200] });
    const subject = { digest: subjectImage.digest, size: subjectImage.size, mediaType: subjectImage.mediaType };
    referrers = [
      await pushReferrer(reg, REPO, { subject, artifactType: TYPES.spdx, layerType: TYPES.spdx, payload: 'sbom' }),
      await pushReferrer(reg, REPO, { subject, layerType: TYPES.simpleSigning, payload: 'cosign-style image' }),
    ];
    await putFallbackIndex(reg, REPO, subjectImage, referrers);
    const r = await httpRequest(`${reg.url}/v2/${REPO}/manifests/${fallbackTag(subjectImage.digest)}`, { headers: INDEX_ACCEPT });
    stored = { bytes: r.body, digest: sha256(r.body) };
  });
  const tagUrl = (p) => `${p.url}/v2/${REPO}/manifests/${fallbackTag(subjectImage.digest)}`;
  /** GET of the fallback tag through p: the index served, checked to be what its headers say. */
  async function served(p) {
    const r = await httpRequest(tagUrl(p), { headers: INDEX_ACCEPT });
    assert.equal(r.status, 200);
    assert.equal(Number(r.headers['content-length']), r.body.length, 'Content-Length of the bytes served');
    assert.equal(r.headers['docker-content-digest'], sha256(r.body), 'Docker-Content-Digest of the bytes served');
    assert.equal(r.headers['content-type'], MEDIA_TYPES.oci.index);
    return { ...r, index: JSON.parse(r.body.toString()) };
  }
  const cases = [
    {
      name: 'a sha256-<hex> tag holding a referrers index is served with every entry\'s artifactType wrong, the rest intact',
      async run(p) {
        const r = await served(p);
        assert.notEqual(r.headers['docker-content-digest'], stored.digest);
        assert.equal(r.headers.etag, `"${r.headers['docker-content-digest']}"`);
        assert.deepEqual(r.index.manifests.map((d) => d.artifactType), [EMPTY, EMPTY]);
        assert.deepEqual(r.index.manifests.map(({ artifactType, ...d }) => d),
          referrers.map((x) => ({ mediaType: x.mediaType, digest: x.digest, size: x.size })));
        assert.deepEqual(p.dialects.map((e) => e.dialect), ['ghcr: referrers index served with wrong artifactTypes']);
      },
    },
    {
      name: 'HEAD of the tag names the same digest and length; GET and HEAD by that digest serve the same bytes',
      async run(p) {
        const r = await served(p);
        const digest = r.headers['docker-content-digest'];
        const head = await httpRequest(tagUrl(p), { method: 'HEAD', headers: INDEX_ACCEPT });
        assert.equal(head.status, 200);
        assert.equal(head.headers['docker-content-digest'], digest);
        assert.equal(Number(head.headers['content-length']), r.body.length);
        assert.equal(head.body.length, 0);
        const byDigest = await httpRequest(`${p.url}/v2/${REPO}/manifests/${digest}`, { headers: INDEX_ACCEPT });
        assert.equal(byDigest.status, 200);
        assert.equal(sha256(byDigest.body), digest);
        const headByDigest = await httpRequest(`${p.url}/v2/${REPO}/manifests/${digest}`, { method: 'HEAD', headers: INDEX_ACCEPT });
        assert.equal(headByDigest.headers['docker-content-digest'], digest);
      },
    },
    {
      name: 'wrongReferrerTypes as a string serves that type',
      options: { wrongReferrerTypes: 'application/vnd.oci.image.config.v1+json' },
      async run(p) {
        const r = await served(p);
        assert.deepEqual(r.index.manifests.map((d) => d.artifactType), ['application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.config.v1+json']);
      },
    },
    {
      name: 'wrongReferrerTypes: false serves the index as stored',
      options: { wrongReferrerTypes: false },
      async run(p) {
        const r = await served(p);
        assert.equal(r.headers['docker-content-digest'], stored.digest);
        assert.deepEqual(r.index.manifests.map((d) => d.artifactType), [TYPES.spdx, 'application/vnd.oci.image.config.v1+json']);
        assert.equal(p.dialects.length, 0);
      },
    },
    {
      name: 'other manifests are untouched: the image, a sha256- tag naming an image, a missing sha256- tag',
      async run(p) {
        const other = `sha256-${'cd'.repeat(32)}`;
        await putManifest(registryClient(reg), REPO, other, subjectImage.manifestBytes, subjectImage.mediaType);
        const v1 = await httpRequest(`${p.url}/v2/${REPO}/manifests/v1`, { headers: { accept: subjectImage.mediaType } });
        assert.equal(sha256(v1.body), subjectImage.digest);
        const tagged = await httpRequest(`${p.url}/v2/${REPO}/manifests/${other}`, { headers: { accept: subjectImage.mediaType } });
        assert.equal(tagged.status, 200);
        assert.equal(sha256(tagged.body), subjectImage.digest);
        assert.equal(tagged.headers['docker-content-digest'], subjectImage.digest);
        const missing = await httpRequest(`${p.url}/v2/${REPO}/manifests/sha256-${'ef'.repeat(32)}`, { headers: INDEX_ACCEPT });
        assert.equal(missing.status, 404);
        assert.equal(errorCode(missing), 'MANIFEST_UNKNOWN');
        assert.equal(p.dialects.length, 0);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('ghcr', c.options ?? {}, c.run));
});

describe('acr storage', () => {
  const layer = () => image.blobs[2];
  const cases = [
    {
      name: 'a blob GET redirects (307) to storage, which serves GET and HEAD without Authorization',
      async run(p) {
        const loc = await redirected(p, layer().digest);
        const r = await httpRequest(loc);
        assert.equal(r.status, 200);
        assert.equal(sha256(r.body), layer().digest);
        const h = await httpRequest(loc, { method: 'HEAD' });
        assert.equal(h.status, 200);
        assert.equal(Number(h.headers['content-length']), layer().size);
      },
    },
    {
      name: 'the storage answers 400 InvalidAuthenticationInfo when Authorization is forwarded',
      async run(p) {
        const r = await httpRequest(await redirected(p, layer().digest), { headers: { authorization: 'Bearer registry-token' } });
        assert.equal(r.status, 400);
        assert.equal(r.headers['x-ms-error-code'], 'InvalidAuthenticationInfo');
        assert.match(r.body.toString(), /Authentication information is not given in the correct format/);
      },
    },
    {
      name: 'or 403 AuthenticationFailed, as configured',
      options: { authorizationStatus: 403 },
      async run(p) {
        const r = await httpRequest(await redirected(p, layer().digest), { headers: { authorization: 'Basic dTpw' } });
        assert.equal(r.status, 403);
        assert.equal(r.headers['x-ms-error-code'], 'AuthenticationFailed');
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('acr', c.options ?? {}, c.run));
});

describe('acr and ghcr storage in front of an authenticating registry', () => {
  it('reads the blob with the credentials it was given, not the client\'s', async () => {
    const basic = await startRegistry({ auth: 'basic' });
    try {
      const pushed = await pushImage(basic, 'private/app:v1', { layers: [4000] });
      const layer = pushed.blobs[1];
      const p = await startDialectProxy({ target: basic.url, profile: 'acr', credentials: basic.creds });
      try {
        const auth = `Basic ${Buffer.from(`${basic.creds.username}:${basic.creds.password}`).toString('base64')}`;
        assert.equal((await httpRequest(`${p.url}/v2/private/app/blobs/${layer.digest}`)).status, 401, 'the registry still wants credentials');
        const r = await httpRequest(`${p.url}/v2/private/app/blobs/${layer.digest}`, { headers: { authorization: auth } });
        assert.equal(r.status, 307);
        const s = await httpRequest(r.headers.location);
        assert.equal(sha256(s.body), layer.digest);
      } finally {
        await p.stop();
      }
    } finally {
      await basic.stop();
    }
  });
});

describe('harbor', () => {
  const layer = () => image.blobs[1].digest;
  const mount = (p, from, repo = 'team/app') => open(p, repo, `?mount=${encodeURIComponent(layer())}&from=${encodeURIComponent(from)}`);
  const putTyped = (p, repo, ref, bytes, type) => httpRequest(`${p.url}/v2/${repo}/manifests/${ref}`, { method: 'PUT',
    headers: { 'content-type': type }, body: bytes });
  const cases = [
    {
      name: 'a mount from a project the user cannot read answers 401 instead of 202',
      options: { unreadableProjects: ['base'] },
      async run(p) {
        const r = await mount(p, 'base/app');
        assert.equal(r.status, 401);
        assert.equal(errorCode(r), 'UNAUTHORIZED');
        assert.equal(errorMessage(r), 'project base not found: project base not found');
        assert.equal(await registryHas(reg, 'team/app', layer()), false);
      },
    },
    {
      name: 'so does a mount from a project that does not exist',
      options: {},
      async run(p) {
        const r = await mount(p, 'ghost/app');
        assert.equal(r.status, 401);
        assert.equal(errorMessage(r), 'project ghost not found: project ghost not found');
      },
    },
    {
      name: 'a mount from a readable project is performed (201)',
      options: {},
      async run(p) {
        const r = await mount(p, 'base/app', 'team/mounted');
        assert.equal(r.status, 201);
        assert.equal(await registryHas(reg, 'team/mounted', layer()), true);
      },
    },
    {
      name: 'an older Harbor refuses a Docker manifest list with 415 "Manifest.list is not supported." and an OCI index with 500',
      options: { refuseManifestLists: true },
      async run(p) {
        await pushImage(reg, 'old/app:seed', { layers: [3000, 5000], seed: 'base/app:v1' });
        const list = { schemaVersion: 2, mediaType: MEDIA_TYPES.docker.index, manifests: [] };
        const r = await putTyped(p, 'old/app', 'list', Buffer.from(JSON.stringify(list)), MEDIA_TYPES.docker.index);
        assert.equal(r.status, 415);
        assert.equal(errorMessage(r), 'Manifest.list is not supported.');
        const oci = await putTyped(p, 'old/app', 'index', index.manifestBytes, MEDIA_TYPES.oci.index);
        assert.equal(oci.status, 500);
        assert.equal(await registryHas(reg, 'old/app', index.digest), false);
        const single = await putTyped(p, 'old/app', 'v1', image.manifestBytes, image.mediaType);
        assert.equal(single.status, 201, 'image manifests are still taken');
      },
    },
    {
      name: 'a current Harbor takes manifest lists',
      options: {},
      async run(p) {
        await pushIndex(reg, 'new/multi:seed', { platforms: ['linux/amd64', 'linux/arm64'], seed: 'base/multi:v1' });
        const r = await putTyped(p, 'new/multi', 'v1', index.manifestBytes, MEDIA_TYPES.oci.index);
        assert.equal(r.status, 201);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('harbor', c.options, c.run));
});

describe('dockerhub', () => {
  /** A proxy in front of the token-auth registry and its token server. */
  async function withHub(options, fn) {
    const p = await startDialectProxy({ target: hub.url, profile: 'dockerhub', options, tokenServer: hub.tokenServer.url });
    try {
      await fn(p, registryClient({ url: p.url, creds: hub.creds }));
    } finally {
      await p.stop();
    }
  }
  const accept = { accept: MEDIA_TYPES.oci.manifest };
  const tokenUrl = (p, scopes) => `${p.url}/token?service=${hub.tokenServer.service}&${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`;
  const basic = () => ({ authorization: `Basic ${Buffer.from(`${hub.creds.username}:${hub.creds.password}`).toString('base64')}` });
  const cases = [
    {
      name: 'token realms in challenges point at the proxy',
      async run(p) {
        const r = await httpRequest(`${p.url}/v2/`);
        assert.equal(r.status, 401);
        assert.match(r.headers['www-authenticate'], new RegExp(`realm="${p.url}/token"`));
      },
    },
    {
      name: 'a manifest GET counts against the pull limit and a HEAD does not; both carry RateLimit-*',
      options: { pullLimit: 3 },
      async run(p, c) {
        for (let i = 0; i < 3; i++) {
          const h = await c.request('HEAD', '/v2/library/app/manifests/v1', { headers: accept });
          assert.equal(h.status, 200);
          assert.equal(h.headers['ratelimit-remaining'], '3;w=21600');
        }
        const g = await c.request('GET', '/v2/library/app/manifests/v1', { headers: accept });
        assert.equal(g.status, 200);
        assert.equal(sha256(g.body), hubImage.digest);
        assert.equal(g.headers['ratelimit-limit'], '3;w=21600');
        assert.equal(g.headers['ratelimit-remaining'], '2;w=21600');
        assert.equal(g.headers['docker-ratelimit-source'], '127.0.0.1');
        assert.equal(p.state.pulls, 1);
        const blob = await c.request('GET', `/v2/library/app/blobs/${hubImage.blobs[1].digest}`);
        assert.equal(blob.status, 200);
        assert.equal(p.state.pulls, 1, 'blob GETs do not count');
      },
    },
    {
      name: 'past the limit a manifest GET gets 429 TOOMANYREQUESTS with RateLimit-* and Retry-After; HEAD still answers',
      options: { pullLimit: 1, windowSeconds: 600 },
      async run(p, c) {
        assert.equal((await c.request('GET', '/v2/library/app/manifests/v1', { headers: accept })).status, 200);
        const r = await c.request('GET', '/v2/library/app/manifests/v1', { headers: accept });
        assert.equal(r.status, 429);
        assert.equal(errorCode(r), 'TOOMANYREQUESTS');
        assert.match(errorMessage(r), /pull rate limit/);
        assert.equal(r.headers['ratelimit-limit'], '1;w=600');
        assert.equal(r.headers['ratelimit-remaining'], '0;w=600');
        const wait = Number(r.headers['retry-after']);
        assert.ok(wait > 590 && wait <= 600, `Retry-After ${r.headers['retry-after']}`);
        const h = await c.request('HEAD', '/v2/library/app/manifests/v1', { headers: accept });
        assert.equal(h.status, 200);
      },
    },
    {
      name: 'the limit resets with its window',
      options: { pullLimit: 1, windowSeconds: 1 },
      async run(p, c) {
        assert.equal((await c.request('GET', '/v2/library/app/manifests/v1', { headers: accept })).status, 200);
        const r = await c.request('GET', '/v2/library/app/manifests/v1', { headers: accept });
        assert.equal(r.status, 429);
        assert.equal(r.headers['retry-after'], '1');
        await sleep(1100);
        assert.equal((await c.request('GET', '/v2/library/app/manifests/v1', { headers: accept })).status, 200);
      },
    },
    {
      name: 'the token endpoint answers 400 "invalid repository name" to a push scope with a three-part repository',
      async run(p) {
        for (const scopes of [
          ['repository:njhale/bar:pull,push', 'repository:njhale/foo/bar:pull'],
          ['repository:njhale/bar:pull,push repository:njhale/foo/bar:pull', 'repository:njhale/bar:push,pull'],
        ]) {
          const r = await httpRequest(tokenUrl(p, scopes), { headers: basic() });
          assert.equal(r.status, 400, scopes.join(' & '));
          assert.deepEqual(JSON.parse(r.body.toString()), { details: 'invalid repository name' });
        }
        assert.equal(hub.tokenServer.requests.filter((q) => q.scopes.some((s) => s.name === 'njhale/foo/bar')).length, 0, 'never reached the token server');
      },
    },
    {
      name: 'the token endpoint grants a pull of a three-part repository, and a push naming two-part ones',
      async run(p) {
        for (const scopes of [['repository:a/b/c:pull'], ['repository:a/b:pull,push', 'repository:c/d:pull']]) {
          const r = await httpRequest(tokenUrl(p, scopes), { headers: basic() });
          assert.equal(r.status, 200, scopes.join(' & '));
          assert.ok(JSON.parse(r.body.toString()).token);
        }
        assert.ok(p.log.every((e) => e.listener === 'token'));
      },
    },
  ];
  for (const c of cases) it(c.name, () => withHub(c.options ?? {}, c.run));
});

describe('quay', () => {
  const all = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 'v1'];
  /** Follows Link rel="next" verbatim from the first page; the pages' tags. */
  async function pages(p, first) {
    const out = [];
    let next = first;
    while (next) {
      const r = await httpRequest(`${p.url}${next}`);
      assert.equal(r.status, 200);
      out.push(JSON.parse(r.body.toString()).tags);
      const link = r.headers.link;
      if (!link) break;
      const m = /^<([^>]+)>; rel="next"$/.exec(link);
      assert.ok(m, `Link: ${link}`);
      assert.match(m[1], /^\/v2\/base\/app\/tags\/list\?next_page=[\w-]+&n=\d+$/);
      next = m[1];
    }
    return out;
  }
  const cases = [
    {
      name: 'a tag list is paged through Link: <…>; rel="next", n tags a page, the last page without Link',
      options: {},
      async run(p) {
        const got = await pages(p, '/v2/base/app/tags/list?n=3');
        assert.deepEqual(got.map((x) => x.length), [3, 3, 2]);
        assert.deepEqual(got.flat(), all);
      },
    },
    {
      name: 'without n a page holds the page size (50 on Quay)',
      options: { pageSize: 5 },
      async run(p) {
        assert.deepEqual((await pages(p, '/v2/base/app/tags/list')).map((x) => x.length), [5, 3]);
      },
    },
    {
      name: 'a list that fits in a page has no Link',
      options: {},
      async run(p) {
        const r = await httpRequest(`${p.url}/v2/base/app/tags/list`);
        assert.deepEqual(JSON.parse(r.body.toString()), { name: 'base/app', tags: all });
        assert.equal(r.headers.link, undefined);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('quay', c.options, c.run));
});

describe('artifactory', () => {
  const cases = [
    {
      name: 'a monolithic PUT with a body fails with 404 BLOB_UNKNOWN',
      async run(p) {
        const blob = blobOf(2000);
        const r = await put(await openLocation(p, 'art/mono'), blob.digest, blob.bytes);
        assert.equal(r.status, 404);
        assert.equal(errorCode(r), 'BLOB_UNKNOWN');
        assert.equal(await registryHas(reg, 'art/mono', blob.digest), false);
      },
    },
    {
      name: 'POST, one PATCH, then a PUT without a body is stored',
      async run(p) {
        const blob = blobOf(2000);
        assert.equal((await upload(p, 'art/patch', blob, [blob.bytes])).status, 201);
        assert.equal(await registryHas(reg, 'art/patch', blob.digest), true);
      },
    },
    {
      name: 'several PATCH chunks then a PUT without a body are stored',
      async run(p) {
        const blob = blobOf(3000);
        assert.equal((await upload(p, 'art/chunks', blob, split(blob.bytes, 1000, 1000))).status, 201);
        assert.equal(await registryHas(reg, 'art/chunks', blob.digest), true);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('artifactory', {}, c.run));
});

describe('gitlab', () => {
  const tagOf = (digest) => digest.replace(':', '-');
  const cases = [
    {
      name: 'GET of the tag sha256-<hex> returns the image itself',
      async run(p) {
        const r = await httpRequest(`${p.url}/v2/base/multi/manifests/${tagOf(index.digest)}`,
          { headers: { accept: `${MEDIA_TYPES.oci.index}, ${MEDIA_TYPES.oci.manifest}` } });
        assert.equal(r.status, 200);
        assert.equal(sha256(r.body), index.digest);
        assert.equal(r.headers['docker-content-digest'], index.digest);
        assert.equal(r.headers['content-type'], MEDIA_TYPES.oci.index);
      },
    },
    {
      name: 'HEAD of it too',
      async run(p) {
        const r = await httpRequest(`${p.url}/v2/base/app/manifests/${tagOf(image.digest)}`, { method: 'HEAD', headers: { accept: image.mediaType } });
        assert.equal(r.status, 200);
        assert.equal(r.headers['docker-content-digest'], image.digest);
      },
    },
    {
      name: 'a sha256- tag of a digest the repository lacks is unknown, and other tags are untouched',
      async run(p) {
        const r = await httpRequest(`${p.url}/v2/base/app/manifests/sha256-${'ab'.repeat(32)}`, { headers: { accept: image.mediaType } });
        assert.equal(r.status, 404);
        const v1 = await httpRequest(`${p.url}/v2/base/app/manifests/v1`, { headers: { accept: image.mediaType } });
        assert.equal(sha256(v1.body), image.digest);
        assert.equal(p.dialects.length, 1);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('gitlab', {}, c.run));
});

describe('s3', () => {
  const options = { minChunk: 1024 };
  const cases = [
    {
      name: 'the POST that opens an upload announces OCI-Chunk-Min-Length',
      async run(p) {
        const r = await open(p, 's3/app');
        assert.equal(r.status, 202);
        assert.equal(r.headers['oci-chunk-min-length'], '1024');
      },
    },
    {
      name: 'a chunk under the minimum followed by another chunk is refused',
      async run(p) {
        const blob = blobOf(3000);
        const r = await upload(p, 's3/small', blob, split(blob.bytes, 500, 1500));
        assert.equal(r.status, 400);
        assert.equal(errorCode(r), 'BLOB_UPLOAD_INVALID');
        assert.match(errorMessage(r), /EntityTooSmall/);
        assert.equal(await registryHas(reg, 's3/small', blob.digest), false);
      },
    },
    {
      name: 'so is a chunk under the minimum followed by a PUT carrying the rest',
      async run(p) {
        const blob = blobOf(3000);
        const [a, b] = split(blob.bytes, 500);
        const r = await upload(p, 's3/small-put', blob, [a], { last: b });
        assert.equal(r.status, 400);
      },
    },
    {
      name: 'chunks of at least the minimum, the last one shorter, are stored; so is one short chunk alone',
      async run(p) {
        const blob = blobOf(2600);
        assert.equal((await upload(p, 's3/ok', blob, split(blob.bytes, 1024, 1100))).status, 201);
        assert.equal(await registryHas(reg, 's3/ok', blob.digest), true);
        const small = blobOf(300);
        assert.equal((await upload(p, 's3/ok', small, [small.bytes])).status, 201);
        assert.equal(await registryHas(reg, 's3/ok', small.digest), true);
      },
    },
  ];
  for (const c of cases) it(c.name, () => withProxy('s3', options, c.run));
});
