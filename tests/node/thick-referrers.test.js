// Thick bundles carry the referrers of their images (signatures, attestations, SBOMs, cosign
// tags): export writes them into the layout, `bundle images` lists them, relocation pushes them
// (fallback indexes merged where the target has no referrers API), `bundle check --online` says
// whether each is at the target. Through the CLI, against docker-registry (no referrers API),
// the same behind the API shim, and an ECR-like registry refusing manifests with a subject. What
// the targets hold is read with plain API calls.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runIrel as irel } from '../helpers/cli.js';
import { startDialectProxy } from '../helpers/dialect-proxy.js';
import { getManifest, listTags, registryHas } from '../helpers/inspect.js';
import { fallbackTag, pushReferrer, putFallbackIndex, seedSigned, startReferrersShim, TYPES } from '../helpers/referrers.js';
import { startRegistry } from '../helpers/registry.js';
import { pushIndex } from '../helpers/seed.js';
import { makeTempDir } from '../helpers/util.js';

const sorted = (xs) => [...xs].sort();
const listedIn = async (reg, repo, subject) => sorted(JSON.parse((await getManifest(reg, repo, fallbackTag(subject))).bytes.toString())
  .manifests.map((d) => d.digest));

describe('thick bundles carry referrers', () => {
  let tmp;
  let upstream;
  let dst;
  let shimmed; // dst's twin behind the referrers API shim
  let shim;
  let ecr;
  let signed;
  let multi;
  let childSigs;
  let tgz;
  let bundlePath;
  let exported;
  before(async () => {
    tmp = await makeTempDir('irel-thick-ref-');
    [upstream, dst, shimmed] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    signed = await seedSigned(upstream, 'vault/app');
    multi = await pushIndex(upstream, 'vault/multi:1.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    childSigs = [];
    for (const child of multi.children) {
      const s = await pushReferrer(upstream, 'vault/multi', { subject: child, artifactType: TYPES.notation,
        layerType: 'application/jose+json', payload: `sig ${child.digest}` });
      await putFallbackIndex(upstream, 'vault/multi', child, [s]);
      childSigs.push(s);
    }
    bundlePath = join(tmp, 'bundle.json');
    writeFileSync(bundlePath, JSON.stringify({ name: 'vault', invocationImages: [{ imageType: 'docker', image: signed.image.ref }],
      images: { multi: { imageType: 'oci', image: multi.ref, contentDigest: multi.digest } } }));
    tgz = join(tmp, 'vault.tgz');
    exported = await irel(['bundle', 'export', bundlePath, '-o', tgz, '-q']);
    shim = await startReferrersShim({ target: shimmed.url });
    ecr = await startDialectProxy({ target: dst.url, profile: 'ecr', options: { createOnPush: true } });
    await upstream.stop(); // Gringotts: the original registry is gone from here on
  });
  after(async () => {
    await Promise.all([shim?.stop(), ecr?.stop()]);
    await Promise.all([dst?.stop(), shimmed?.stop()]);
  });

  it('export writes each referrer into the layout: unnamed entries by digest, the cosign tag by name', () => {
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /with 2 images, 7 referrers/);
    const dir = join(tmp, 'unpacked');
    mkdirSync(dir);
    assert.equal(spawnSync('tar', ['-xzf', tgz, '-C', dir]).status, 0);
    const index = JSON.parse(readFileSync(join(dir, 'artifacts/layout/index.json'), 'utf8'));
    const unnamed = index.manifests.filter((d) => !d.annotations).map((d) => d.digest);
    assert.deepEqual(sorted(unnamed), sorted([signed.sig, signed.att, signed.attSig, signed.sbom, ...childSigs].map((r) => r.digest)));
    const named = Object.fromEntries(index.manifests.filter((d) => d.annotations).map((d) => [d.annotations['org.opencontainers.image.ref.name'], d.digest]));
    const repo = signed.image.ref.replace(/:v1$/, '');
    assert.equal(named[`${repo}:${fallbackTag(signed.image.digest)}.sig`], signed.cosign.digest);
    for (const r of [signed.sig, signed.cosign, ...childSigs]) {
      assert.ok(readFileSync(join(dir, 'artifacts/layout/blobs', r.digest.replace(':', '/'))).equals(r.bytes), `${r.digest} exported byte for byte`);
    }
  });

  it('bundle images lists them per image: type, digest, size, what each refers to', async () => {
    const r = await irel(['bundle', 'images', tgz]);
    assert.equal(r.status, 0, r.stderr);
    const byImage = Object.fromEntries(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((i) => [i.image, i]));
    const app = byImage[signed.image.ref];
    assert.deepEqual(sorted(app.referrers.map((x) => x.digest)),
      sorted([signed.sig, signed.att, signed.attSig, signed.sbom, signed.cosign].map((x) => x.digest)));
    const att = app.referrers.find((x) => x.digest === signed.attSig.digest);
    assert.equal(att.subject, signed.att.digest);
    assert.equal(att.artifactType, TYPES.notation);
    assert.ok(att.size > signed.attSig.size, 'its size counts its blobs');
    assert.equal(app.referrers.find((x) => x.digest === signed.cosign.digest).tag, `${fallbackTag(signed.image.digest)}.sig`);
    assert.deepEqual(sorted(byImage[multi.ref].referrers.map((x) => x.subject)), sorted(multi.children.map((c) => c.digest)));
    const none = await irel(['bundle', 'images', '--no-referrers', tgz]);
    assert.ok(none.stdout.trim().split('\n').every((l) => JSON.parse(l).referrers.length === 0));
  });

  it('relocation pushes them: the same digests, fallback indexes, the cosign tag; check --online finds each', async () => {
    const out = join(tmp, 'mapping.json');
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${dst.host}/gringotts`, '-o', out, '-q']);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(readFileSync(out, 'utf8'));
    const app = mapping[signed.image.ref].replace(/^[^/]+\//, '').replace(/:v1$/, '');
    for (const x of [signed.sig, signed.att, signed.attSig, signed.sbom]) assert.ok(await registryHas(dst, app, x.digest), x.artifactType);
    assert.deepEqual(await listedIn(dst, app, signed.image.digest), sorted([signed.sig, signed.att, signed.sbom].map((x) => x.digest)));
    assert.deepEqual(await listedIn(dst, app, signed.att.digest), [signed.attSig.digest]);
    assert.equal((await getManifest(dst, app, `${fallbackTag(signed.image.digest)}.sig`)).digest, signed.cosign.digest);
    const m = mapping[multi.ref].replace(/^[^/]+\//, '').replace(/:1\.0$/, '');
    for (const [i, child] of multi.children.entries()) assert.deepEqual(await listedIn(dst, m, child.digest), [childSigs[i].digest]);
    const check = await irel(['bundle', 'check', tgz, out, '--online']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /5 referrers present/);
    assert.match(check.stdout, /2 referrers present/);
  });

  it('--no-referrers pushes none, and check --online then names each one missing', async () => {
    const out = join(tmp, 'none.json');
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${dst.host}/bare`, '-o', out, '--no-referrers', '-q']);
    assert.equal(r.status, 0, r.stderr);
    const app = JSON.parse(readFileSync(out, 'utf8'))[signed.image.ref].replace(/^[^/]+\//, '').replace(/:v1$/, '');
    assert.deepEqual(await listTags(dst, app), ['v1']);
    assert.equal(await registryHas(dst, app, signed.sig.digest), false);
    const check = await irel(['bundle', 'check', tgz, out, '--online']);
    assert.equal(check.status, 1, check.stdout);
    assert.match(check.stdout, /FAIL .*5 of 5 referrers missing at the target: .*not at the target/);
    assert.equal((await irel(['bundle', 'check', tgz, out, '--online', '--no-referrers'])).status, 0);
  });

  it('a target with the referrers API lists them itself: no fallback tag is written', async () => {
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${shim.host}/api`, '-q']);
    assert.equal(r.status, 0, r.stderr);
    const app = JSON.parse(r.stdout)[signed.image.ref].replace(/^[^/]+\//, '').replace(/:v1$/, '');
    assert.deepEqual(sorted(shim.referrersOf(app, signed.image.digest).map((d) => d.digest)),
      sorted([signed.sig, signed.att, signed.sbom].map((x) => x.digest)));
    assert.ok(!(await listTags(shimmed, app)).includes(fallbackTag(signed.image.digest)));
  });

  const refused = [
    ['a registry refusing referrers (ECR): the images relocated, the mapping written, each referrer named, exit 1', [], 1],
    ['the same with --referrers best-effort: exit 0', ['--referrers', 'best-effort'], 0],
  ];
  for (const [name, flags, status] of refused) {
    it(name, async () => {
      const out = join(tmp, `ecr-${status}.json`);
      const prefix = `${ecr.host}/ecr${status}`;
      const r = await irel(['bundle', 'relocate', tgz, '-r', prefix, '-o', out, ...flags]);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, /referrer sha256:[0-9a-f]{64} \(application\/vnd\.in-toto\+json\) of sha256:[0-9a-f]{64} not copied: .*405.*\[UNSUPPORTED\]/);
      // Its signature was not pushed either: what it refers to is not there.
      assert.match(r.stderr, new RegExp(`referrer ${signed.attSig.digest} .*not copied: what it refers to \\(${signed.att.digest}\\) was not copied`));
      const mapping = JSON.parse(readFileSync(out, 'utf8'));
      const app = mapping[signed.image.ref].replace(/^[^/]+\//, '').replace(/:v1$/, '');
      assert.ok(await registryHas(dst, app, signed.image.digest), 'the image itself is there');
      assert.equal((await getManifest(dst, app, `${fallbackTag(signed.image.digest)}.sig`)).digest, signed.cosign.digest,
        'a cosign tag (no subject) is taken');
    });
  }

  // Variants of the exported bundle, unpacked, changed and packed again with tar.
  const variant = (name, change) => {
    const dir = join(tmp, name);
    mkdirSync(dir);
    assert.equal(spawnSync('tar', ['-xzf', tgz, '-C', dir]).status, 0);
    const indexPath = join(dir, 'artifacts/layout/index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8'));
    change(index, dir);
    writeFileSync(indexPath, JSON.stringify(index));
    const out = join(tmp, `${name}.tgz`);
    assert.equal(spawnSync('tar', ['-czf', out, '-C', dir, 'bundle.json', 'artifacts']).status, 0);
    return out;
  };
  const hostile = [
    ['a cosign tag named for another repository is neither listed nor pushed anywhere', 'elsewhere', (index) => {
      const cosign = index.manifests.find((d) => d.digest === signed.cosign.digest);
      cosign.annotations['org.opencontainers.image.ref.name'] = `evil.example/other:${fallbackTag(signed.image.digest)}.sig`;
    }, async (r, images, prefix) => {
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!images[signed.image.ref].referrers.some((x) => x.digest === signed.cosign.digest));
      const app = JSON.parse(r.stdout)[signed.image.ref].replace(/^[^/]+\//, '').replace(/:v1$/, '');
      assert.ok(!(await listTags(dst, app)).includes(`${fallbackTag(signed.image.digest)}.sig`), prefix);
    }],
    ['a referrer whose blob the archive lacks: refused by name before anything is pushed', 'lacking', (index, dir) => {
      const layer = JSON.parse(readFileSync(join(dir, 'artifacts/layout/blobs', signed.sbom.digest.replace(':', '/')), 'utf8')).layers[0];
      spawnSync('rm', [join(dir, 'artifacts/layout/blobs', layer.digest.replace(':', '/'))]);
    }, async (r, images, prefix, catalog) => {
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`bundle image ${signed.image.ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: referrer ${signed.sbom.digest}: blob sha256:[0-9a-f]{64} is missing from the archive`));
      assert.deepEqual((await catalog()).filter((x) => x.startsWith(prefix)), []);
    }],
  ];
  for (const [name, dirName, change, check] of hostile) {
    it(name, async () => {
      const bad = variant(dirName, change);
      const images = Object.fromEntries((await irel(['bundle', 'images', bad])).stdout.trim().split('\n').filter(Boolean)
        .map((l) => JSON.parse(l)).map((i) => [i.image, i]));
      const r = await irel(['bundle', 'relocate', bad, '-r', `${dst.host}/${dirName}`, '-q']);
      const catalog = async () => JSON.parse((await fetch(`${dst.url}/v2/_catalog?n=1000`).then((x) => x.text()))).repositories;
      await check(r, images, dirName, catalog);
    });
  }

  it('a dry run counts each image\'s referrers and writes nothing', async () => {
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${dst.host}/dry`, '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const plans = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(plans.map((p) => p.referrers), [5, 2]);
  });
});
