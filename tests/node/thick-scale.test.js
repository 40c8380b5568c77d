// Thick bundles at scale, kept quick with small blobs: 200 images sharing base layers (each blob
// stored once in the archive, uploaded once, mounted elsewhere), an index of 40 platforms, and the
// memory the first pass keeps bounded by its budget however the archive orders its entries.
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { progressLines } from '../../wasm/js/cli/progress.js';
import { nodeFileReader } from '../../wasm/js/node/archive-source.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';
import { forgeLayout } from '../helpers/thick-forge.js';
import { makeTempDir } from '../helpers/util.js';

const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

async function digestAt(reg, ref) {
  const [repo, tag] = ref.slice(reg.host.length + 1).split(':');
  const r = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: MANIFEST_ACCEPT } });
  return r.ok ? r.headers.get('docker-content-digest') : `HTTP ${r.status}`;
}

describe('thick bundles at scale', () => {
  let tmp;
  let gold;
  let irel;
  let many; // { file, roots: Map(ref -> digest), uniqueBlobs }
  let wide; // { file, ref, digest }
  before(async () => {
    tmp = await makeTempDir('irel-thick-scale-');
    gold = await startRegistry();
    irel = await load();

    // 200 images over 3 shared base layers, each with a layer and a config of its own.
    const f = forgeLayout(join(tmp, 'many'));
    const base = [0, 1, 2].map((i) => f.layer(`base${i}`, 4096 + i));
    const roots = new Map();
    let manifestBytes = 0;
    for (let i = 0; i < 200; i++) {
      const d = f.image([...base, f.layer(`app${i}`, 1024 + i)]);
      const ref = `registry.example/apps/app${i}:1.0`;
      f.name(ref, d);
      roots.set(ref, d.digest);
      manifestBytes += d.size;
    }
    f.finish('many');
    many = { file: f.archive(join(tmp, 'many.tgz')), roots, uniqueBlobs: 3 + 200 * 2, manifestBytes };

    // One index of 40 platforms sharing a base layer.
    const w = forgeLayout(join(tmp, 'wide'));
    const shared = w.layer('wide-base', 8192);
    const platforms = [];
    for (let i = 0; i < 40; i++) platforms.push(w.image([shared, w.layer(`wide${i}`, 2048)], `linux/arch${i}`));
    const index = w.index(platforms);
    w.name('registry.example/wide/app:2.0', index);
    w.finish('wide');
    wide = { file: w.archive(join(tmp, 'wide.tar.zst'), ['--zstd', '-cf']), ref: 'registry.example/wide/app:2.0', digest: index.digest };
  });
  after(async () => {
    await gold?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('relocates 200 images sharing base layers: each blob uploaded once, mounted for the others', async () => {
    const events = [];
    const r = await irel.openBundle(many.file).relocate(`${gold.host}/many`, { onProgress: (e) => events.push(e) });
    assert.equal(r.images.length, 200);
    for (const i of r.images) assert.equal(await digestAt(gold, r.mapping[i.image]), many.roots.get(i.image), i.image);
    const blobs = events.filter((e) => e.type === 'blob');
    const uploaded = new Set(blobs.filter((e) => e.state === 'uploaded').map((e) => e.digest));
    assert.equal(uploaded.size, many.uniqueBlobs);
    assert.equal(blobs.filter((e) => e.state === 'uploaded').length, many.uniqueBlobs, 'no blob uploaded twice');
    assert.equal(blobs.filter((e) => e.state === 'mounted').length, 3 * 199, 'the base layers mounted into the 199 other repositories');
    const plan = events.find((e) => e.type === 'plan');
    assert.equal(plan.images, 200);
    assert.equal(plan.blobs, many.uniqueBlobs);
    // Every blob came before index.json in this archive (tar's name order): the manifests were
    // kept within the budget in pass 1, and the blobs uploaded in pass 2.
    assert.deepEqual(r.archive, { passes: 2, keptPeakBytes: r.archive.keptPeakBytes, rereadBlobs: 0, streamed: false });
  });

  // The archive holds every config and manifest before index.json: a budget that fits the
  // manifests but not the configs as well drops some manifests before anything names them.
  it('keeps the first pass within a small manifest budget by reading dropped manifests again', async () => {
    const budget = many.manifestBytes + (8 << 10);
    const r = await irel.openBundle(many.file).relocate(`${gold.host}/budget`, { archiveLimits: { maxJsonBytes: budget } });
    assert.equal(r.images.length, 200);
    assert.ok(r.archive.keptPeakBytes <= budget, `kept at most the budget: ${r.archive.keptPeakBytes}`);
    assert.ok(r.archive.passes >= 2 && r.archive.rereadBlobs > 0, JSON.stringify(r.archive));
    for (const i of r.images.slice(0, 20)) assert.equal(await digestAt(gold, r.mapping[i.image]), many.roots.get(i.image), i.image);
  });

  it('relocates an index of 40 platforms whole, its shared layer once', async () => {
    const events = [];
    const r = await irel.openBundle(wide.file).relocate(`${gold.host}/wide`, { onProgress: (e) => events.push(e) });
    assert.equal(await digestAt(gold, r.mapping[wide.ref]), wide.digest);
    const uploaded = events.filter((e) => e.type === 'blob' && e.state === 'uploaded');
    assert.equal(uploaded.length, 1 + 40 * 2, 'the shared layer, and each platform\'s layer and config');
    const manifests = events.filter((e) => e.type === 'manifest' && e.phase === 'pushed');
    assert.equal(manifests.length, 41);
  });

  it('refuses a bundle whose manifests alone are over the budget, naming the limit, and pushes nothing', async () => {
    await assert.rejects(irel.openBundle(many.file).relocate(`${gold.host}/over`, { archiveLimits: { maxJsonBytes: many.manifestBytes / 2 } }),
      (e) => e.code === 'ARCHIVE_LIMIT' && /maxJsonBytes/.test(e.message));
    const catalog = await fetch(`${gold.url}/v2/_catalog?n=1000`).then((x) => x.json());
    assert.equal(catalog.repositories.filter((n) => n.startsWith('over/')).length, 0);
  });

  it('lists the 200 images from the archive alone, with their platforms', async () => {
    const listed = await irel.openBundle(many.file).describe();
    assert.equal(listed.length, 200);
    assert.deepEqual([...new Set(listed.map((i) => i.platforms.join()))], ['linux/amd64']);
  });

  // Bytes pulled from the archive file, as `irel bundle images`, `relocate` and `check` read it:
  // one pass to list or relocate (plus the head, where export writes bundle.json and index.json),
  // the head alone to check.
  it('reads an exported archive once to list its images or to relocate them, and only its head to check a mapping', async () => {
    const refs = [];
    for (let i = 0; i < 4; i++) refs.push((await pushImage(gold, `upstream/once${i}:1`, { layers: [{ size: 1 << 20, kind: 'raw' }, 2000] })).ref);
    const bundleJson = JSON.stringify({ name: 'once', images: Object.fromEntries(refs.map((image, i) => [`i${i}`, { image }])) });
    const file = join(tmp, 'exported.tgz');
    await irel.bundleExport(bundleJson, file);
    const size = statSync(file).size;
    let pulled = 0;
    const source = () => {
      const f = nodeFileReader(file);
      return { read: (n) => { const b = f.read(n); pulled += b.length; return b; }, close: () => f.close() };
    };
    const opened = irel.openBundle({ archive: source });
    const head = pulled;
    assert.ok(head < size / 2, `opening read ${head} of ${size} bytes`);
    assert.equal((await opened.describe()).length, 4);
    assert.ok(pulled - head <= size, `listing read ${pulled - head} bytes of a ${size}-byte archive`);
    pulled = 0;
    const relocated = await opened.relocate(`${gold.host}/read`);
    assert.deepEqual(relocated.archive, { passes: 1, keptPeakBytes: relocated.archive.keptPeakBytes, rereadBlobs: 0, streamed: true });
    assert.ok(pulled <= size, `relocating read ${pulled} bytes of a ${size}-byte archive`);
    pulled = 0;
    const verdicts = await opened.check(relocated.json, { online: true });
    assert.deepEqual(verdicts.map((v) => v.ok), [true, true, true, true], JSON.stringify(verdicts));
    assert.ok(pulled < size / 2, `checking read ${pulled} of ${size} bytes`);
  });
});

describe('progress on a terminal stays readable at scale', () => {
  const blobs = (n, state, done = 0) => Array.from({ length: n }, (_, i) => [`sha256:${String(i).padStart(64, '0')}-${state}`, { size: 1000, done, state }]);
  const cases = [
    ['2,000 blobs finished and 3 in flight: the totals and the 3', { finished: 2000, active: 3 }, 4],
    ['2,000 blobs in flight: 6 of them, a count of the rest and the totals', { finished: 0, active: 2000 }, 8],
    ['nothing started yet: the totals alone', { finished: 0, active: 0 }, 1],
  ];
  for (const [label, { finished, active }, lines] of cases) {
    it(label, () => {
      const state = {
        plans: new Map([['', { blobs: finished + active, bytes: (finished + active) * 1000, images: 200 }]]),
        blobs: new Map([...blobs(finished, 'uploaded', 1000), ...blobs(active, 'uploading', 500)]),
        images: { done: 17, total: 200 },
        started: 0,
      };
      const out = progressLines(state, { columns: 100, now: 10_000 });
      assert.equal(out.length, lines, out.join('\n'));
      assert.match(out.at(-1), new RegExp(`^total .*, ${finished}/${finished + active} blobs, 17/200 images, `));
      if (active > 6) assert.equal(out.at(-2), `... and ${active - 6} more in flight`);
      assert.ok(out.every((l) => l.length <= 100), out.join('\n'));
    });
  }
  it('sums the plans of a multi-image copy for its totals', () => {
    const state = { plans: new Map([['a', { blobs: 2, bytes: 2048 }], ['b', { blobs: 3, bytes: 1024 }]]), blobs: new Map(), images: { done: 0, total: 2 }, started: 0 };
    assert.match(progressLines(state, { now: 1000 }).at(-1), /^total 0 B\/3\.0 KiB, 0\/5 blobs, 0\/2 images/);
  });
});
