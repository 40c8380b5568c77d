// Thick bundles through the plan and the executor: a blob two images share is uploaded once and
// mounted into the second repository, a dry run reads the archive and asks the target but writes
// nothing, and a bundle relocated again writes only the names. Against real registries, the
// original one stopped before relocating; requests counted at a proxy in front of the target.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { runIrel as irel } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { registryClient } from '../helpers/registry-client.js';
import { pushImage } from '../helpers/seed.js';

describe('thick bundles through the plan', () => {
  let tmp;
  let gold;
  let front;
  let tgz;
  const images = {};
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'irel-thick-plan-'));
    const upstream = await startRegistry();
    // The same seed: the first layer's bytes are the same in both images, their configs differ.
    images.a = await pushImage(upstream, 'gwb/alpha:1', { seed: 'shared', layers: [60_000] });
    images.b = await pushImage(upstream, 'gwb/beta:1', { seed: 'shared', layers: [60_000, 500] });
    assert.equal(images.a.blobs[1].digest, images.b.blobs[1].digest, 'the images share a layer');
    writeFileSync(join(tmp, 'b.json'), JSON.stringify({ name: 'shared', images: {
      alpha: { imageType: 'oci', image: images.a.ref }, beta: { imageType: 'oci', image: images.b.ref } } }));
    tgz = join(tmp, 'b.tgz');
    const exported = await irel(['bundle', 'export', join(tmp, 'b.json'), '-o', tgz, '-q']);
    assert.equal(exported.status, 0, exported.stderr);
    await upstream.stop();
    gold = await startRegistry();
    front = await startFaultProxy({ target: gold.url });
  });
  after(async () => {
    await front?.stop();
    await gold?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const catalog = async () => JSON.parse((await registryClient(gold).request('GET', '/v2/_catalog')).body.toString()).repositories ?? [];
  const shared = () => images.a.blobs[1].digest;

  it('plans with --dry-run: the shared layer uploaded for the first image, mounted for the second; nothing written', async () => {
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${front.host}/rel`, '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const plans = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(plans.map((p) => p.source), [images.a.ref, images.b.ref]);
    const actionOf = (p, digest) => p.blobs.find((b) => b.digest === digest);
    assert.equal(actionOf(plans[0], shared()).action, 'upload');
    const mounted = actionOf(plans[1], shared());
    assert.equal(mounted.action, 'mount');
    assert.equal(`${front.host}/${mounted.from}`, plans[0].target.replace(/:1$/, ''));
    assert.deepEqual(await catalog(), []);
  });

  it('relocates: the shared layer goes up once and is mounted into the other repository', async () => {
    front.log.length = 0;
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${front.host}/rel`, '-q']);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(r.stdout);
    for (const key of ['a', 'b']) {
      const target = mapping[images[key].ref].replace(front.host, gold.host);
      assert.equal(sha256(await skopeoInspectRaw(target, gold)), images[key].digest, key);
    }
    const mounts = front.log.filter((e) => e.method === 'POST' && e.path.includes(`mount=${shared()}`));
    assert.deepEqual(mounts.map((e) => e.status), [201]);
    const uploads = front.log.filter((e) => e.method === 'PUT' && e.path.includes(`digest=${shared()}`));
    assert.equal(uploads.length, 1, 'the shared layer was uploaded more than once');
  });

  it('plans a bundle relocated already as names only: every image there, every blob present', async () => {
    const r = await irel(['bundle', 'relocate', tgz, '-r', `${front.host}/rel`, '-n', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const plans = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(plans.every((p) => p.exists && p.blobs.every((b) => b.action === 'present')), r.stdout);
    front.log.length = 0;
    const again = await irel(['bundle', 'relocate', tgz, '-r', `${front.host}/rel`, '-q']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(front.log.filter((e) => e.method === 'PATCH' || e.method === 'POST'), [], 'blobs were sent again');
  });
});
