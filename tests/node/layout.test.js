// OCI image layouts against real peers: layouts we write are read by skopeo and umoci, layouts
// they write are read by us, round trips registry -> layout -> registry keep every digest, and
// bad layouts fail with errors that name the blob, leaving nothing half-written.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { startFaultProxy } from '../helpers/fault-proxy.js';
import { listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { allManifests, pushImage, pushIndex, pushNestedIndex } from '../helpers/seed.js';
import { makeTempDir, run } from '../helpers/util.js';

const irel = await load();

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map(String);
}

describe('OCI layouts', () => {
  let reg;
  let tmp;
  const images = {};
  before(async () => {
    reg = await startRegistry();
    tmp = await makeTempDir('irel-layout-');
    images.index = await pushIndex(reg, 'lay/multi:v1');
    images.nested = await pushNestedIndex(reg, 'lay/nested:v1');
    images.docker = await pushImage(reg, 'lay/docker:v1', { format: 'docker', layers: [{ size: 3 << 20, kind: 'raw' }] });
    images.oci = await pushImage(reg, 'lay/oci:v1', { layers: [1000, 2000] });
  });
  after(async () => {
    irel.close();
    await reg?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const key of ['index', 'nested', 'docker']) {
    it(`round-trips ${key} registry -> layout -> registry with every digest kept`, async () => {
      const dir = join(tmp, `rt-${key}`);
      const image = images[key];
      const added = await irel.layoutAdd(dir, image.ref);
      assert.equal(added.digest, image.digest);
      assert.equal(await irel.layoutFind(dir, image.ref), image.digest);
      const index = JSON.parse(readFileSync(join(dir, 'index.json')));
      assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], irel.normalize(image.ref));
      for (const m of allManifests(image)) {
        const [alg, hex] = m.digest.split(':');
        assert.equal(sha256(readFileSync(join(dir, 'blobs', alg, hex))), m.digest);
      }
      const pushed = await irel.layoutPush(dir, image.digest, `${reg.host}/lay/back-${key}:v1`);
      assert.equal(pushed.digest, image.digest);
      assert.equal(sha256(await skopeoInspectRaw(`${reg.host}/lay/back-${key}:v1`, reg)), image.digest);
      // skopeo reads our layout by the full image name (its oci: transport skips Docker media types).
      if (!image.mediaType.includes('docker')) assert.equal(sha256((await run('skopeo', ['inspect', '--raw', `oci:${dir}:${irel.normalize(image.ref)}`])).stdout), image.digest);
      assert.equal(filesUnder(dir).some((f) => f.includes('.tmp-')), false);
    });
  }

  it('finds an image by any spelling of its name, by digest, and says what is there otherwise', async () => {
    const dir = join(tmp, 'find');
    await irel.layoutAdd(dir, images.index.ref);
    assert.equal(await irel.layoutFind(dir, images.index.digest), images.index.digest);
    await assert.rejects(irel.layoutFind(dir, `${reg.host}/lay/multi:v2`),
      (e) => e.code === 'LAYOUT_IMAGE_NOT_FOUND' && e.message.includes(irel.normalize(images.index.ref)));
    await assert.rejects(irel.layoutFind(join(tmp, 'nothing'), 'x:1'), (e) => e.code === 'LAYOUT_INVALID');
  });

  it('reads a layout skopeo wrote (plain tags) and one umoci built', async () => {
    const sk = join(tmp, 'skopeo');
    await run('skopeo', ['copy', '--all', '--src-tls-verify=false', `docker://${images.index.ref}`, `oci:${sk}:v1`]);
    assert.equal(await irel.layoutFind(sk, 'v1'), images.index.digest);
    const back = await irel.layoutPush(sk, 'v1', `${reg.host}/lay/from-skopeo:v1`);
    assert.equal(back.digest, images.index.digest);

    const um = join(tmp, 'umoci');
    await run('umoci', ['init', '--layout', um]);
    await run('umoci', ['new', '--image', `${um}:base`]);
    const digest = await irel.layoutFind(um, 'base');
    const pushed = await irel.layoutPush(um, 'base', `${reg.host}/lay/from-umoci:base`);
    assert.equal(pushed.digest, digest);
    assert.equal(sha256(await skopeoInspectRaw(`${reg.host}/lay/from-umoci:base`, reg)), digest);
  });

  it('writes layouts umoci can read when named with a plain tag', async () => {
    const dir = join(tmp, 'for-umoci');
    await irel.layoutAdd(dir, images.oci.ref, { name: 'v1' }); // umoci reads OCI media types only
    const listed = await run('umoci', ['ls', '--layout', dir]);
    assert.match(String(listed.stdout), /^v1$/m);
    const stat = await run('umoci', ['stat', '--image', `${dir}:v1`]);
    assert.match(String(stat.stdout), /LAYER/);
  });

  const corruptions = [
    ['a blob whose bytes do not match its digest', (dir, blob) => writeFileSync(blob, Buffer.alloc(3 << 20, 1)), 'DIGEST_MISMATCH'],
    ['a truncated blob', (dir, blob) => writeFileSync(blob, Buffer.alloc(10)), 'BLOB_SIZE_MISMATCH'],
    ['a missing blob', (dir, blob) => rmSync(blob), 'BLOB_UNKNOWN'],
  ];
  for (const [label, corrupt, code] of corruptions) {
    it(`refuses ${label}, naming it, and pushes no tag`, async () => {
      const dir = join(tmp, `bad-${code}`);
      await irel.layoutAdd(dir, images.docker.ref);
      const layer = images.docker.blobs.find((b) => b.size > 1e6);
      corrupt(dir, join(dir, 'blobs', 'sha256', layer.digest.slice(7)));
      const repo = `lay/bad-${code.toLowerCase()}`;
      await assert.rejects(irel.layoutPush(dir, irel.normalize(images.docker.ref), `${reg.host}/${repo}:v1`),
        (e) => e.code === code && e.side === 'source' && e.message.includes(layer.digest));
      assert.deepEqual(await listTags(reg, repo), []);
    });
  }

  it('leaves no name and no partial blob when a pull into a layout fails', async () => {
    const proxy = await startFaultProxy({ target: reg.url });
    try {
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, status: 500 });
      const dir = join(tmp, 'interrupted');
      await assert.rejects(irel.layoutAdd(dir, `${proxy.host}/lay/docker:v1`, { retry: { attempts: 2, baseMs: 5, maxMs: 10 } }),
        (e) => e.side === 'source');
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'index.json'))).manifests, []);
      assert.equal(filesUnder(dir).some((f) => f.includes('.tmp-')), false);
    } finally {
      await proxy.stop();
    }
  });
});
