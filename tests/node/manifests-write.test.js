// irel.writeRewrite (Node): a rewritten chart archive with its entries in the order read, directory
// entries and modes as helm and tar write them, tar(1) reading it back; a directory rewritten in
// place (only changed files, each replaced atomically, modes kept) or copied whole; one file; a
// directory packed as a chart archive; names that would leave the target refused before writing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from '../../wasm/js/node.js';

const irel = await load();
const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);
const fixture = (path) => new URL(path, FIXTURES).pathname;
const text = (path) => readFileSync(new URL(path, FIXTURES), 'utf8');

// Every entry of a tar archive, with its type, mode and content: tar tv for the first three.
function tarEntries(path) {
  return execFileSync('tar', ['-tvzf', path]).toString().trim().split('\n').map((l) => {
    const [perm, , , , , ...name] = l.split(/\s+/);
    return { type: perm[0], mode: perm.slice(1), path: name.join(' ') };
  });
}
const tarFile = (archive, entry) => execFileSync('tar', ['-xOzf', archive, entry]);

// Leftovers of an atomic write (.NAME.tmp-RANDOM) anywhere under dir.
function temporaries(dir) {
  return readdirSync(dir, { recursive: true }).filter((p) => /\.tmp-[0-9a-f]{16}$/.test(p));
}

describe('writeRewrite', () => {
  let dir;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'irel-write-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a chart archive with the entries in the order read, the sub-chart archive as it was', async () => {
    const input = fixture('charts/monitoring-1.2.0.tgz');
    const r = await irel.rewrite({ path: input }, { prefix: 'registry.acme.internal/mon' });
    const out = join(dir, 'monitoring-relocated.tgz');
    const w = await irel.writeRewrite(r, out);
    assert.deepEqual(w, { format: 'archive', path: out, written: [out] });
    const read = tarEntries(input);
    const written = tarEntries(out);
    assert.deepEqual(written.map((e) => [e.type, e.path]), read.map((e) => [e.type, e.path]));
    assert.ok(written.every((e) => e.mode === (e.type === 'd' ? 'rwxr-xr-x' : 'rw-r--r--')), JSON.stringify(written));
    for (const e of read.filter((x) => x.type === '-')) {
      const want = e.path === 'monitoring/values.yaml' ? Buffer.from(text('expected/charts/monitoring/values.yaml')) : tarFile(input, e.path);
      assert.ok(tarFile(out, e.path).equals(want), e.path);
    }
    // And irel reads it back: the images now relocated.
    const again = await irel.findImages({ path: out });
    assert.ok(again.images.find((i) => i.path === '.server.image.repository').image.startsWith('registry.acme.internal/mon/'));
    assert.deepEqual(temporaries(dir), []);
  });

  it('writes the archive back over itself when no target is given', async () => {
    const copy = join(dir, 'in-place.tgz');
    cpSync(fixture('charts/monitoring-1.2.0.tgz'), copy);
    const r = await irel.rewrite({ path: copy }, { prefix: 'registry.acme.internal/mon' });
    assert.deepEqual((await irel.writeRewrite(r)).written, [copy]);
    assert.equal(tarFile(copy, 'monitoring/values.yaml').toString(), text('expected/charts/monitoring/values.yaml'));
  });

  it('rewrites a chart directory in place: only the changed files, replaced atomically, modes kept', async () => {
    const chart = join(dir, 'wordpress');
    cpSync(fixture('charts/wordpress'), chart, { recursive: true });
    chmodSync(join(chart, 'values.yaml'), 0o600);
    const untouched = statSync(join(chart, 'Chart.yaml')).mtimeMs;
    const inode = statSync(join(chart, 'values.yaml')).ino;
    const r = await irel.rewrite({ path: chart }, { prefix: 'registry.acme.internal/wp' });
    const w = await irel.writeRewrite(r);
    assert.deepEqual(w.written.map((p) => p.slice(chart.length + 1)).sort(), ['charts/mariadb/values.yaml', 'charts/memcached/values.yaml', 'values.yaml']);
    assert.equal(statSync(join(chart, 'Chart.yaml')).mtimeMs, untouched);
    assert.notEqual(statSync(join(chart, 'values.yaml')).ino, inode, 'replaced by a rename, not written over');
    assert.equal(statSync(join(chart, 'values.yaml')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(chart, 'charts/mariadb/values.yaml'), 'utf8'), text('expected/charts/wordpress/charts/mariadb/values.yaml'));
    assert.deepEqual(temporaries(chart), []);
  });

  it('copies a chart directory whole into another directory', async () => {
    const out = join(dir, 'legacy-out');
    const r = await irel.rewrite({ path: fixture('charts/legacy-app') }, { prefix: 'registry.acme.internal/legacy', hints: text('charts/legacy-app.hints.yaml') });
    const w = await irel.writeRewrite(r, out);
    assert.equal(w.format, 'directory');
    assert.deepEqual(w.written.map((p) => p.slice(out.length + 1)).sort(), ['Chart.yaml', 'templates/deployment.yaml', 'values.yaml']);
    assert.equal(readFileSync(join(out, 'values.yaml'), 'utf8'), text('expected/charts/legacy-app/values.yaml'));
    assert.equal(readFileSync(join(out, 'templates/deployment.yaml'), 'utf8'), text('charts/legacy-app/templates/deployment.yaml'));
  });

  it('packs a chart directory as a chart archive, under the directory\'s name as helm package does', async () => {
    const out = join(dir, 'platform-2.1.0.tgz');
    const r = await irel.rewrite({ path: fixture('charts/platform') }, { prefix: 'registry.acme.internal/platform' });
    await irel.writeRewrite(r, out);
    const paths = tarEntries(out).map((e) => e.path);
    assert.deepEqual(paths, ['platform/Chart.yaml', 'platform/charts/postgresql/Chart.yaml', 'platform/charts/postgresql/values.yaml', 'platform/templates/api.yaml', 'platform/values.yaml']);
    const again = await irel.findImages({ path: out });
    assert.equal(again.images.length, 4);
    assert.ok(again.images.every((i) => i.image.startsWith('registry.acme.internal/platform/')), again.images.map((i) => i.image).join());
  });

  it('unpacks a chart archive into a directory', async () => {
    const out = join(dir, 'unpacked');
    const r = await irel.rewrite({ path: fixture('charts/monitoring-1.2.0.tgz') }, { prefix: 'registry.acme.internal/mon' });
    await irel.writeRewrite(r, out);
    assert.equal(readFileSync(join(out, 'monitoring/values.yaml'), 'utf8'), text('expected/charts/monitoring/values.yaml'));
    assert.ok(readFileSync(join(out, 'monitoring/charts/exporter-0.3.0.tgz')).equals(tarFile(fixture('charts/monitoring-1.2.0.tgz'), 'monitoring/charts/exporter-0.3.0.tgz')));
  });

  it('writes one file in place, or to another path, or into a directory under its name', async () => {
    const file = join(dir, 'shop.yaml');
    cpSync(fixture('k8s/shop.yaml'), file);
    const r = await irel.rewrite(file, { prefix: 'registry.acme.internal/shop' });
    assert.deepEqual(r.source, { kind: 'file', path: file });
    assert.deepEqual(await irel.writeRewrite(r), { format: 'file', path: file, written: [file] });
    assert.equal(readFileSync(file, 'utf8'), text('expected/k8s/shop.yaml'));
    const other = join(dir, 'shop-relocated.yaml');
    await irel.writeRewrite(r, other);
    assert.equal(readFileSync(other, 'utf8'), text('expected/k8s/shop.yaml'));
    const into = join(dir, 'into');
    cpSync(fixture('charts/legacy-app/templates'), into, { recursive: true });
    assert.equal((await irel.writeRewrite(r, into)).path, join(into, 'shop.yaml'));
  });

  const unsafe = [
    ['a parent directory', '../escape.yaml'],
    ['an absolute path', '/tmp/escape.yaml'],
    ['a parent directory further in', 'a/../../escape.yaml'],
    ['a backslash', 'a\\..\\escape.yaml'],
  ];
  for (const [what, path] of unsafe) {
    it(`refuses a file named with ${what}, writing nothing`, async () => {
      const out = join(dir, `unsafe-${unsafe.findIndex((u) => u[1] === path)}`);
      const r = await irel.rewrite([{ path: 'ok.yaml', text: 'kind: Pod\nspec: {containers: [{image: a}]}\n' }, { path, text: 'x: 1\n' }], { prefix: 'r.io/t' });
      await assert.rejects(irel.writeRewrite(r, out), { code: 'WRITE_PATH_UNSAFE' });
      assert.equal(existsSync(out), false);
      await assert.rejects(irel.writeRewrite(r, `${out}.tgz`), { code: 'WRITE_PATH_UNSAFE' });
      assert.equal(existsSync(`${out}.tgz`), false);
    });
  }

  it('needs a target for a text input', async () => {
    const r = await irel.rewrite('kind: Pod\nspec: {containers: [{image: a}]}\n', { prefix: 'r.io/t' });
    await assert.rejects(irel.writeRewrite(r), { code: 'WRITE_NO_TARGET' });
    const out = join(dir, 'from-text.yaml');
    await irel.writeRewrite(r, out);
    assert.match(readFileSync(out, 'utf8'), /image: r\.io\/t\/library-a-/);
  });

  it('leaves an archive target as it was when writing fails', async () => {
    const out = join(dir, 'kept.tgz');
    writeFileSync(out, 'before');
    const r = await irel.rewrite({ path: fixture('charts/platform') }, { prefix: 'r.io/t' });
    r.files.push({ path: `${'x'.repeat(120)}/${'y'.repeat(120)}.yaml`, text: 'too long for ustar\n', changed: false });
    await assert.rejects(irel.writeRewrite(r, out), RangeError);
    assert.equal(readFileSync(out, 'utf8'), 'before');
    assert.deepEqual(temporaries(dir), []);
  });
});
