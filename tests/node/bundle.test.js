// The Acme scenario: a thin bundle relocated from its registry to an internal one through the
// CLI and the API, the relocation mapping written, then checked offline and online.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { runIrel as cli } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';
import { makeTempDir } from '../helpers/util.js';

const irel = await load();


describe('thin bundles (Acme)', () => {
  let upstream;
  let internal;
  let tmp;
  let forge;
  let builder;
  let proxy;
  let bundlePath;
  before(async () => {
    [upstream, internal] = await Promise.all([startRegistry(), startRegistry()]);
    tmp = await makeTempDir('irel-bundle-');
    builder = await pushImage(upstream, 'projectriff/builder:v1', { layers: [2000, 3000] });
    proxy = await pushIndex(upstream, 'istio/proxyv2:1.2', { platforms: ['linux/amd64', 'linux/arm64'] });
    forge = {
      schemaVersion: 'v1.0.0',
      name: 'forge',
      version: '1.0.0',
      invocationImages: [{ imageType: 'docker', image: `${upstream.host}/projectriff/builder:v1` }],
      images: {
        proxy: { imageType: 'oci', image: `${upstream.host}/istio/proxyv2:1.2`, contentDigest: proxy.digest },
        chart: { imageType: 'helm', image: 'charts/forge-1.0.0.tgz' },
      },
    };
    bundlePath = join(tmp, 'forge.json');
    writeFileSync(bundlePath, JSON.stringify(forge, null, 2));
  });
  after(async () => {
    irel.close();
    await Promise.all([upstream?.stop(), internal?.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('maps without network, keeping tags', async () => {
    const r = await cli(['bundle', 'map', bundlePath, '-r', `${internal.host}/smith`]);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(mapping).sort(), [forge.invocationImages[0].image, forge.images.proxy.image].sort());
    assert.match(mapping[forge.images.proxy.image], new RegExp(`^${internal.host}/smith/istio-proxyv2-[0-9a-f]{32}:1.2$`));
  });

  it('relocates every image with its digest and writes the mapping, which checks out offline and online', async () => {
    const out = join(tmp, 'relocation-mapping.json');
    const r = await cli(['bundle', 'relocate', bundlePath, '-r', `${internal.host}/smith`, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(readFileSync(out, 'utf8'));
    for (const [original, pushed] of [[forge.invocationImages[0].image, builder], [forge.images.proxy.image, proxy]]) {
      assert.equal(sha256(await skopeoInspectRaw(mapping[original], internal)), pushed.digest, original);
    }
    const offline = await cli(['bundle', 'check', bundlePath, out]);
    assert.equal(offline.status, 0, offline.stdout + offline.stderr);
    assert.equal(offline.stdout.trim().split('\n').length, 2);
    assert.match(offline.stdout, /^ok {3}/m);
    const online = await cli(['bundle', 'check', '--online', bundlePath, out]);
    assert.equal(online.status, 0, online.stdout + online.stderr);
    assert.ok(online.stdout.includes(proxy.digest));
  });

  it('fails a check for a missing, extra, invalid or mismatched entry, one line each, exit 1', async () => {
    const mapping = irel.bundleMap(readFileSync(bundlePath), `${internal.host}/smith`);
    const proxyKey = forge.images.proxy.image;
    const bad = {
      [proxyKey]: mapping[proxyKey].replace(/:1\.2$/, `@sha256:${'0'.repeat(64)}`),
      'not/in:bundle': `${internal.host}/x:1`,
    };
    const path = join(tmp, 'bad-mapping.json');
    writeFileSync(path, JSON.stringify(bad));
    const r = await cli(['bundle', 'check', bundlePath, path]);
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.startsWith('FAIL')), r.stdout);
    assert.match(r.stdout, /missing from the mapping/);
    assert.match(r.stdout, /differs from the bundle's/);
    assert.match(r.stdout, /not a relocatable image of the bundle/);
  });

  it('copies the pinned content even when the tag has moved on, through the API', async () => {
    await pushIndex(upstream, 'istio/proxyv2:1.2', { platforms: ['linux/amd64'], seed: 'moved' }); // the tag moves
    const result = await irel.bundleRelocate(readFileSync(bundlePath), `${internal.host}/pinned`);
    const relocated = result.images.find((i) => i.image === forge.images.proxy.image);
    assert.equal(relocated.digest, proxy.digest);
    const verdicts = await irel.bundleCheck(readFileSync(bundlePath), result.json, { online: true });
    assert.ok(verdicts.every((v) => v.ok), JSON.stringify(verdicts));
  });

  it('describes each image from its registry', async () => {
    const described = await irel.openBundle(bundlePath).describe();
    const byImage = Object.fromEntries(described.map((d) => [d.image, d]));
    assert.equal(byImage[forge.invocationImages[0].image].digest, builder.digest);
    assert.deepEqual(byImage[forge.images.proxy.image].platforms, ['linux/amd64', 'linux/arm64']);
  });

  it('refuses invalid bundles and prefixes clearly', async () => {
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"images": {"a": {"image": "Not/Valid"}}}');
    const r = await cli(['bundle', 'map', broken, '-r', `${internal.host}/smith`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /images\.a\.image "Not\/Valid"/);
    const p = await cli(['bundle', 'map', bundlePath, '-r', 'Bad Prefix']);
    assert.equal(p.status, 2);
    const missing = await cli(['bundle', 'map', join(tmp, 'nope.json'), '-r', 'x.io/y']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read bundle/);
    assert.deepEqual(await listTags(internal, 'broken'), []);
  });
});
