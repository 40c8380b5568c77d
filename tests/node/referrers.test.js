// Signatures, attestations and SBOMs travel with the image (issue: OCI 1.1 referrers and cosign
// tags). Against docker-registry 2.8 (no referrers API: the fallback tag path) and against the
// same registry behind a shim that implements the API. What the target holds afterwards is read
// with plain API calls, not with irel.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { runIrel } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { getManifest, listTags, registryHas } from '../helpers/inspect.js';
import { fallbackTag, pushReferrer, putFallbackIndex, seedSigned, startReferrersShim, TYPES } from '../helpers/referrers.js';
import { startRegistry } from '../helpers/registry.js';
import { makeTempDir, removeDir } from '../helpers/util.js';
import { pushImage, pushIndex } from '../helpers/seed.js';

const listedIn = async (reg, repo, subject) => {
  const m = await getManifest(reg, repo, fallbackTag(subject));
  return JSON.parse(m.bytes.toString()).manifests.map((d) => d.digest).sort();
};
const sorted = (xs) => [...xs].sort();

describe('referrers without the referrers API (fallback tags)', () => {
  let src;
  let dst;
  let irel;
  let signed;
  let multi;
  let childSigs;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    signed = await seedSigned(src, 'ref/app');
    multi = await pushIndex(src, 'ref/multi:v1', { platforms: ['linux/amd64', 'linux/arm64'] });
    childSigs = [];
    for (const child of multi.children) {
      const s = await pushReferrer(src, 'ref/multi', { subject: child, artifactType: TYPES.notation, layerType: 'application/jose+json',
        payload: `sig ${child.digest}` });
      await putFallbackIndex(src, 'ref/multi', child, [s]);
      childSigs.push(s);
    }
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  it('copies every referrer with its digest, the fallback indexes and the cosign tag', async () => {
    const s = await irel.copy(signed.image.ref, `${dst.host}/to/app:v1`);
    assert.equal(s.digest, signed.image.digest);
    assert.equal(s.referrers.copied, 5, JSON.stringify(s.referrers.failed));
    assert.deepEqual(s.referrers.failed, []);
    for (const r of [signed.sig, signed.att, signed.attSig, signed.sbom, signed.cosign]) {
      assert.ok(await registryHas(dst, 'to/app', r.digest), `target has ${r.artifactType} ${r.digest}`);
    }
    assert.deepEqual(await listedIn(dst, 'to/app', signed.image.digest), sorted([signed.sig.digest, signed.att.digest, signed.sbom.digest]));
    assert.deepEqual(await listedIn(dst, 'to/app', signed.att.digest), [signed.attSig.digest]);
    const tagged = await getManifest(dst, 'to/app', `${fallbackTag(signed.image.digest)}.sig`);
    assert.equal(tagged.digest, signed.cosign.digest);
  });

  it('merges into a fallback index already there, never dropping its entries', async () => {
    const image = { digest: signed.image.digest, size: signed.image.size, mediaType: signed.image.mediaType };
    await pushImage(dst, 'to/merge:v0', { layers: [600, 700], seed: 'ref/app:v1' }); // the same image bytes
    const theirs = await pushReferrer(dst, 'to/merge', { subject: image, artifactType: 'application/vnd.example.other', layerType: 'x/y', payload: 'theirs' });
    await putFallbackIndex(dst, 'to/merge', image, [theirs]);
    const s = await irel.copy(signed.image.ref, `${dst.host}/to/merge:v1`);
    assert.deepEqual(s.referrers.failed, []);
    assert.deepEqual(await listedIn(dst, 'to/merge', image.digest),
      sorted([theirs.digest, signed.sig.digest, signed.att.digest, signed.sbom.digest]));
  });

  it('copies none with referrers: false', async () => {
    const s = await irel.copy(signed.image.ref, `${dst.host}/to/none:v1`, { referrers: false });
    assert.equal(s.referrers, undefined);
    assert.equal(await registryHas(dst, 'to/none', signed.sig.digest), false);
    assert.deepEqual(await listTags(dst, 'to/none'), ['v1']);
  });

  it('keeps only the types asked for (an SBOM; cosign\'s payload type for its tag)', async () => {
    const s = await irel.copy(signed.image.ref, `${dst.host}/to/sbom:v1`, { referrersTypes: [TYPES.spdx, TYPES.simpleSigning] });
    assert.equal(s.referrers.copied, 2);
    assert.ok(s.referrers.filtered >= 2);
    assert.deepEqual(await listedIn(dst, 'to/sbom', signed.image.digest), [signed.sbom.digest]);
    assert.equal(await registryHas(dst, 'to/sbom', signed.sig.digest), false);
    assert.equal((await getManifest(dst, 'to/sbom', `${fallbackTag(signed.image.digest)}.sig`)).digest, signed.cosign.digest);
  });

  it('copies the signatures of each child of an index', async () => {
    const s = await irel.copy(multi.ref, `${dst.host}/to/multi:v1`);
    assert.equal(s.referrers.copied, 2);
    for (const [i, child] of multi.children.entries()) {
      assert.deepEqual(await listedIn(dst, 'to/multi', child.digest), [childSigs[i].digest]);
    }
  });

  it('with --platform, copies the kept child\'s signatures and says the index\'s do not apply', async () => {
    const s = await irel.copy(multi.ref, `${dst.host}/to/one:v1`, { platforms: ['linux/arm64'] });
    assert.equal(s.referrers.copied, 1);
    assert.match(s.referrers.note, /new digest/);
    assert.deepEqual(await listedIn(dst, 'to/one', multi.children[1].digest), [childSigs[1].digest]);
  });

  it('a dry run counts them and writes nothing', async () => {
    const plan = await irel.copy(signed.image.ref, `${dst.host}/to/dry:v1`, { dryRun: true });
    assert.equal(plan.referrers, 5);
    assert.deepEqual(await listTags(dst, 'to/dry'), []);
  });

  it('a blob the referrers share (the empty config) is uploaded once, not once per referrer', async () => {
    // Uploaded again while another referrer's manifest naming it was PUT, docker-registry refused
    // that manifest (MANIFEST_BLOB_UNKNOWN): the copy then failed now and then.
    const front = await startFaultProxy({ target: dst.url });
    try {
      const s = await irel.copy(signed.image.ref, `${front.host}/to/shared:v1`);
      assert.deepEqual(s.referrers.failed, []);
      const committed = front.log.filter((e) => e.method === 'PUT' && /\/blobs\/uploads\/.*[?&]digest=/.test(e.path))
        .map((e) => decodeURIComponent(/[?&]digest=([^&]+)/.exec(e.path)[1]));
      assert.ok(committed.length >= 8, `${committed.length} uploads`);
      assert.equal(new Set(committed).size, committed.length, `each blob once: ${committed.join(' ')}`);
    } finally {
      await front.stop();
    }
  });

  it('copied again, writes nothing more', async () => {
    const again = await irel.copy(signed.image.ref, `${dst.host}/to/app:v1`);
    assert.equal(again.referrers.copied, 5);
    assert.deepEqual(again.referrers.fallbackTags, []);
  });
});

describe('referrers through the referrers API', () => {
  let src;
  let dst;
  let srcShim;
  let dstShim;
  let irel;
  let signed;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    [srcShim, dstShim] = await Promise.all([startReferrersShim({ target: src.url }), startReferrersShim({ target: dst.url })]);
    signed = await seedSigned(srcShim, 'api/app', { fallback: false });
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([srcShim?.stop(), dstShim?.stop()]);
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  it('finds them by the API, the target lists the same, and no fallback tag is written', async () => {
    const s = await irel.copy(signed.image.ref, `${dstShim.host}/to/app:v1`);
    assert.equal(s.referrers.copied, 5, JSON.stringify(s.referrers.failed));
    const listed = (shim, repo, digest) => sorted(shim.referrersOf(repo, digest).map((d) => d.digest));
    assert.deepEqual(listed(dstShim, 'to/app', signed.image.digest), listed(srcShim, 'api/app', signed.image.digest));
    assert.deepEqual(listed(dstShim, 'to/app', signed.att.digest), [signed.attSig.digest]);
    assert.ok(!(await listTags(dst, 'to/app')).includes(fallbackTag(signed.image.digest)));
    assert.ok((await listTags(dst, 'to/app')).includes(`${fallbackTag(signed.image.digest)}.sig`));
  });
});

describe('irel copy with referrers (CLI)', () => {
  let src;
  let dst;
  let ecr;
  let signed;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    signed = await seedSigned(src, 'cli/app');
    // As ECR was seen to do: a manifest with a subject (pushed by digest here) refused with 405.
    ecr = await startFaultProxy({ target: dst.url });
    ecr.rules.push({ method: 'PUT', path: /\/manifests\/sha256:/, status: 405,
      body: '{"errors":[{"code":"UNSUPPORTED","message":"Invalid parameter at \'subject\' failed to satisfy constraint"}]}' });
  });
  after(async () => {
    await ecr?.stop();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const cases = [
    ['copies them and says how many', ['cli/all:v1'], [], 0, /referrers: 5 copied, 0 failed, 2 fallback tags written/],
    ['--no-referrers copies none', ['cli/none:v1'], ['--no-referrers'], 0, /^(?![\s\S]*referrers)/],
    ['--dry-run counts them', ['cli/dry:v1'], ['--dry-run'], 0, null, /referrers: 5 to copy/],
    ['--referrers takes only best-effort', ['cli/bad:v1'], ['--referrers', 'all'], 2, /best-effort/],
    ['a registry refusing referrers (ECR): the image is copied, each referrer named, exit 1', ['cli/ecr:v1', 'ecr'], [], 1,
      /referrer sha256:[0-9a-f]{64} \(application\/vnd\.in-toto\+json\) of sha256:[0-9a-f]{64} not copied: .*\[UNSUPPORTED\]/],
    ['the same with --referrers best-effort: exit 0', ['cli/ecr2:v1', 'ecr'], ['--referrers', 'best-effort'], 0, /not copied/],
  ];
  it('bundle images of a thin bundle lists each image\'s referrers, found in its registry', async () => {
    const dir = await makeTempDir('irel-thin-ref-');
    const bundle = join(dir, 'bundle.json');
    writeFileSync(bundle, JSON.stringify({ name: 'thin', invocationImages: [{ imageType: 'docker', image: signed.image.ref }] }));
    const r = await runIrel(['bundle', 'images', bundle]);
    assert.equal(r.status, 0, r.stderr);
    const [line] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(sorted(line.referrers.map((x) => x.digest)), sorted([signed.sig, signed.att, signed.attSig, signed.sbom, signed.cosign].map((x) => x.digest)));
    assert.equal(line.referrers.find((x) => x.digest === signed.attSig.digest).subject, signed.att.digest);
    const none = await runIrel(['bundle', 'images', '--no-referrers', bundle]);
    assert.deepEqual(JSON.parse(none.stdout).referrers, []);
    await removeDir(dir);
  });

  it('bundle check --online of a thin bundle looks for each referrer at the target; one missing fails it', async () => {
    const dir = await makeTempDir('irel-thin-check-');
    const bundle = join(dir, 'bundle.json');
    writeFileSync(bundle, JSON.stringify({ name: 'thin', images: { app: { image: signed.image.ref, contentDigest: signed.image.digest } } }));
    for (const [prefix, flags, status, re] of [
      [`${dst.host}/thin-all`, [], 0, /^ok .* \(5 referrers present\)$/m],
      [`${dst.host}/thin-none`, ['--no-referrers'], 1, /^FAIL .*: 5 of 5 referrers missing at the target: /m],
    ]) {
      const mapping = join(dir, `${prefix.split('/').pop()}.json`);
      const moved = await runIrel(['bundle', 'relocate', bundle, '-r', prefix, '-o', mapping, '-q', ...flags]);
      assert.equal(moved.status, 0, moved.stderr);
      const check = await runIrel(['bundle', 'check', bundle, mapping, '--online']);
      assert.equal(check.status, status, check.stdout + check.stderr);
      assert.match(check.stdout, re);
    }
    await removeDir(dir);
  });

  it('bundle check --online of a thin bundle whose registry cannot be reached: the image checked, its referrers said unchecked', async () => {
    const gone = await startRegistry();
    const image = await pushImage(gone, 'gone/app:v1', { layers: [400] });
    const dir = await makeTempDir('irel-thin-gone-');
    const bundle = join(dir, 'bundle.json');
    writeFileSync(bundle, JSON.stringify({ name: 'gone', images: { app: { image: image.ref, contentDigest: image.digest } } }));
    const mapping = join(dir, 'mapping.json');
    const moved = await runIrel(['bundle', 'relocate', bundle, '-r', `${dst.host}/gone`, '-o', mapping, '-q']);
    assert.equal(moved.status, 0, moved.stderr);
    await gone.stop();
    const check = await runIrel(['bundle', 'check', bundle, mapping, '--online']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`^ok .* ${image.digest} \\(its referrers were not checked: .*\\)$`, 'm'));
    await removeDir(dir);
  });

  for (const [name, [repo, via], flags, status, stderrRe, stdoutRe] of cases) {
    it(name, async () => {
      const host = via === 'ecr' ? ecr.host : dst.host;
      const r = await runIrel(['copy', ...flags, signed.image.ref, `${host}/${repo}`]);
      assert.equal(r.status, status, r.stderr);
      if (stderrRe) assert.match(r.stderr, stderrRe);
      if (stdoutRe) assert.match(r.stdout, stdoutRe);
      if (status === 0 && !flags.includes('--dry-run')) {
        assert.match(r.stdout, new RegExp(`with content digest ${signed.image.digest}`));
      }
      if (via === 'ecr') assert.ok(await registryHas(dst, repo.split(':')[0], signed.image.digest), 'the image itself is copied');
    });
  }
});

describe('referrers from a hostile source', () => {
  let src;
  let dst;
  let front; // the source as the copy sees it: answers of the referrers API made up per case
  let elsewhere; // another origin a Link header points at
  let irel;
  let image;
  let stranger; // a referrer of another image, in the same repository
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    image = await pushImage(src, 'bad/app:v1', { layers: [500] });
    const other = await pushImage(src, 'bad/app:other', { layers: [501] });
    stranger = await pushReferrer(src, 'bad/app', { subject: { digest: other.digest, size: other.size, mediaType: other.mediaType },
      artifactType: TYPES.notation, layerType: 'application/jose+json', payload: 'not yours' });
    [front, elsewhere] = await Promise.all([startFaultProxy({ target: src.url }), startFaultProxy({ target: src.url })]);
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([front?.stop(), elsewhere?.stop()]);
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const entry = (digest, size = 300) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size });
  const madeUp = (i) => `sha256:${i.toString(16).padStart(64, '0')}`;
  const answer = (manifests, headers = {}) => ({ method: 'GET', path: /\/referrers\//, status: 200,
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json', ...headers },
    body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }) });

  const cases = [
    ['1,500 referrers listed that do not exist: 1,000 asked for, a few at a time, each named; the image copied', 'many',
      () => [answer(Array.from({ length: 1500 }, (_, i) => entry(madeUp(i + 1))))],
      (s, log) => {
        assert.equal(s.referrers.copied, 0);
        assert.equal(s.referrers.failed.length, 1000);
        assert.ok(s.referrers.failed.every((f) => f.kind === 'referrer' && f.error.code === 'MANIFEST_UNKNOWN'));
        assert.match(s.referrers.note, /more referrers than/);
        const gets = log.filter((e) => e.method === 'GET' && /\/manifests\/sha256:0/.test(e.path));
        assert.equal(gets.length, 1000);
        assert.ok(Math.max(...gets.map((e) => e.inFlight)) <= 16, `at most ${Math.max(...gets.map((e) => e.inFlight))} requests at once`);
      }],
    ['a referrer of another image listed as this one\'s: not copied', 'stranger', () => [answer([entry(stranger.digest, stranger.size)])],
      (s) => {
        assert.equal(s.referrers.count, 0);
        assert.deepEqual(s.referrers.failed, []);
      }],
    ['a next page on another origin: never asked', 'origin',
      () => [answer([], { link: `<${elsewhere.url}/v2/bad/app/referrers/${image.digest}?n=2>; rel="next"` })],
      (s) => {
        assert.deepEqual(s.referrers.failed, []);
        assert.equal(elsewhere.log.length, 0);
      }],
    ['a Link that is no URL: the first page stands', 'garbage', () => [answer([], { link: '<http://[::1>; rel="next"' })],
      (s) => assert.deepEqual(s.referrers.failed, [])],
    ['an answer that is no index: read as no API, the fallback tag asked', 'html',
      () => [{ method: 'GET', path: /\/referrers\//, status: 200, headers: { 'content-type': 'text/html' }, body: '<html>hello</html>' }],
      (s, log) => {
        assert.deepEqual(s.referrers.failed, []);
        assert.ok(log.some((e) => e.path.endsWith(`/manifests/${fallbackTag(image.digest)}`)));
      }],
  ];
  for (const [name, repo, rules, check] of cases) {
    it(name, async () => {
      front.rules.splice(0, Infinity, ...rules());
      front.log.length = 0;
      const s = await irel.copy(image.ref.replace(src.host, front.host), `${dst.host}/bad/${repo}:v1`);
      assert.equal(s.digest, image.digest);
      assert.ok(await registryHas(dst, `bad/${repo}`, image.digest));
      check(s, [...front.log]);
    });
  }
});
