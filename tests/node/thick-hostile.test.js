// Hostile thick bundles through the API: blobs far larger in the archive than their descriptors
// say (a 4 GiB entry of zeros stored sparse, a few KB of archive), refused before they are
// inflated when a manifest named them first, and by the archive limits otherwise; each with a
// clear error and nothing pushed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { listTags } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { forgeLayout } from '../helpers/thick-forge.js';
import { makeTempDir } from '../helpers/util.js';

const GiB = 1024 ** 3;

describe('hostile thick bundles', () => {
  let tmp;
  let gold;
  let irel;
  let layer;
  let dir;
  before(async () => {
    tmp = await makeTempDir('irel-thick-hostile-');
    gold = await startRegistry();
    irel = await load();
    dir = join(tmp, 'bomb');
    const f = forgeLayout(dir);
    layer = f.layer('small', 1024);
    f.name('registry.example/bomb/app:1', f.image([layer]));
    f.finish('bomb');
    // The layer's file becomes 4 GiB of zeros (a hole: nothing on disk), under its old name.
    truncateSync(join(dir, 'artifacts/layout/blobs/sha256', layer.digest.slice(7)), 4 * GiB);
  });
  after(async () => {
    await gold?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  // tar -S stores the hole as a sparse entry: the archive stays a few KB.
  function archive(name, order) {
    const file = join(tmp, name);
    const r = spawnSync('tar', ['-S', '-czf', file, '-C', dir, ...order], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(statSync(file).size < 1 << 20, 'the bomb is small');
    return file;
  }
  const layerPath = () => `artifacts/layout/blobs/sha256/${layer.digest.slice(7)}`;
  // As `irel bundle export` writes: bundle.json, the layout's index, manifests and configs, layers.
  const manifestsFirst = () => ['bundle.json', 'artifacts/layout/oci-layout', 'artifacts/layout/index.json',
    ...spawnSync('ls', [join(dir, 'artifacts/layout/blobs/sha256')], { encoding: 'utf8' }).stdout.trim().split('\n')
      .map((h) => `artifacts/layout/blobs/sha256/${h}`).filter((p) => p !== layerPath()), layerPath()];
  const layerFirst = () => ['bundle.json', layerPath(), 'artifacts/layout'];

  const sized = (e) => e.code === 'BLOB_SIZE_MISMATCH' && e.message.includes(`${4 * GiB} bytes in the archive; its descriptor says 1024`);
  // verifyFirst: nothing at all is written; streamed (the default for this order), the config
  // read before the layer may be uploaded, but no manifest and no tag.
  const cases = [
    ['a 4 GiB layer entry whose manifest, read first, says 1 KiB: refused from its header, streaming', 'stream1',
      () => archive('named.tgz', manifestsFirst()), {}, sized],
    ['the same, verifying first', 'verify1', () => archive('named.tgz', manifestsFirst()), { verifyFirst: true }, sized],
    ['the same entry before anything names it, over maxEntryBytes', 'entry1', () => archive('entry.tgz', layerFirst()),
      { archiveLimits: { maxEntryBytes: 1 * GiB } }, (e) => e.code === 'ARCHIVE_ENTRY_TOO_LARGE' && e.message.includes(layerPath())],
    ['the same entry before anything names it, over maxTotalBytes', 'total1', () => archive('total.tgz', layerFirst()),
      { archiveLimits: { maxTotalBytes: 256 << 20 } }, (e) => e.code === 'ARCHIVE_TOO_LARGE' && /over the limit of 268435456 bytes/.test(e.message)],
  ];
  for (const [label, repo, make, options, judge] of cases) {
    it(`refuses ${label}; no manifest or tag written`, async () => {
      const file = make();
      await assert.rejects(irel.openBundle(file).relocate(`${gold.host}/${repo}`, options), (e) => {
        assert.ok(judge(e), `${e.code}: ${e.message}`);
        assert.equal(e.side, 'source');
        return true;
      });
      const catalog = await fetch(`${gold.url}/v2/_catalog`).then((x) => x.json());
      const written = catalog.repositories.filter((n) => n.startsWith(`${repo}/`));
      if (options.verifyFirst) assert.deepEqual(written, []);
      for (const name of written) assert.deepEqual(await listTags(gold, name), [], `${name} has no tag`);
    });
  }
});
