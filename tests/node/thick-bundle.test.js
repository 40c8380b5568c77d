// The Gringotts scenario: a thick bundle (an archive of bundle.json and an OCI layout) relocated
// into a registry with the original registries gone, through the CLI; thick bundles made by us
// and by third-party tools (skopeo + tar); and every kind of bad archive refused by name, with
// nothing pushed and the input untouched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { runIrel as irel } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';
import { makeTempDir } from '../helpers/util.js';



function tar(args) {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('thick bundles (Gringotts)', () => {
  let tmp;
  let gold;
  let images;
  let bundle;
  let sortTgz;
  let tree; // bundle.json + artifacts/layout, unpacked, to build variants with tar
  before(async () => {
    tmp = await makeTempDir('irel-thick-');
    const upstream = await startRegistry();
    images = {
      coins: await pushIndex(upstream, 'gwb/coins:1.0', { platforms: ['linux/amd64', 'linux/arm64'] }),
      sorter: await pushImage(upstream, 'gwb/sorter:2.0', { layers: [{ size: 5 << 20, kind: 'raw' }, 3000] }),
      ledger: await pushImage(upstream, 'gwb/ledger:3.0', { format: 'docker', layers: [2000] }),
    };
    bundle = {
      name: 'sort',
      invocationImages: [{ imageType: 'docker', image: images.sorter.ref }],
      images: {
        coins: { imageType: 'oci', image: images.coins.ref, contentDigest: images.coins.digest },
        ledger: { image: images.ledger.ref },
      },
    };
    writeFileSync(join(tmp, 'sort.json'), JSON.stringify(bundle, null, 2));
    sortTgz = join(tmp, 'sort.tgz');
    const exported = await irel(['bundle', 'export', join(tmp, 'sort.json'), '-o', sortTgz, '-q']);
    assert.equal(exported.status, 0, exported.stderr);
    await upstream.stop(); // from here on the original registry is unreachable
    tree = join(tmp, 'tree');
    mkdirSync(tree);
    tar(['-xzf', sortTgz, '-C', tree]);
    gold = await startRegistry();
  });
  after(async () => {
    await gold?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function assertRelocated(mapping) {
    for (const key of Object.keys(images)) {
      const image = images[key];
      assert.equal(sha256(await skopeoInspectRaw(mapping[image.ref], gold)), image.digest, key);
    }
  }

  it('relocates the bundle with the original registry gone, then checks the mapping offline and online', async () => {
    const before = sha256(readFileSync(sortTgz));
    const out = join(tmp, 'mapping.json');
    const r = await irel(['bundle', 'relocate', sortTgz, '-r', `${gold.host}/griphook`, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(Object.keys(mapping).sort(), Object.values(images).map((i) => i.ref).sort());
    await assertRelocated(mapping);
    assert.equal(sha256(readFileSync(sortTgz)), before, 'the bundle file is not modified');
    for (const args of [['bundle', 'check', sortTgz, out], ['bundle', 'check', '--online', sortTgz, out]]) {
      const c = await irel(args);
      assert.equal(c.status, 0, c.stdout + c.stderr);
      assert.equal(c.stdout.trim().split('\n').length, 3);
    }
    const m = await irel(['bundle', 'map', sortTgz, '-r', `${gold.host}/griphook`]);
    assert.deepEqual(JSON.parse(m.stdout), mapping);
  });

  it('online, holds each relocated image to the digest in the archive, pinned or not', async () => {
    const out = join(tmp, 'mapping-swapped.json');
    const r = await irel(['bundle', 'relocate', sortTgz, '-r', `${gold.host}/swapped`, '-o', out, '-q']);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(readFileSync(out, 'utf8'));
    // Someone pushes another image over the relocated ledger (unpinned in bundle.json).
    const other = await pushImage(gold, mapping[images.ledger.ref].slice(gold.host.length + 1), { layers: [1234] });
    const offline = await irel(['bundle', 'check', sortTgz, out]);
    assert.equal(offline.status, 0, offline.stdout + offline.stderr);
    const online = await irel(['bundle', 'check', '--online', sortTgz, out]);
    assert.equal(online.status, 1, online.stdout + online.stderr);
    const bad = online.stdout.split('\n').filter((l) => l.includes(images.ledger.ref));
    assert.equal(bad.length, 1, online.stdout);
    assert.match(bad[0], new RegExp(`the registry has ${other.digest}, the bundle's archive holds ${images.ledger.digest}`));
    assert.equal(online.stdout.split('\n').filter((l) => l.includes(images.coins.ref) || l.includes(images.sorter.ref))
      .every((l) => !l.includes('archive holds')), true);
  });

  it('lists each image with its digest, size and platforms, from the archive alone', async () => {
    const r = await irel(['bundle', 'images', sortTgz]);
    assert.equal(r.status, 0, r.stderr);
    const listed = Object.fromEntries(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((i) => [i.image, i]));
    assert.equal(listed[images.coins.ref].digest, images.coins.digest);
    assert.deepEqual(listed[images.coins.ref].platforms, ['linux/amd64', 'linux/arm64']);
    assert.deepEqual(listed[images.sorter.ref].platforms, ['linux/amd64']);
    assert.ok(listed[images.sorter.ref].size > 5 << 20);
  });

  const formats = [
    ['a plain .tar', 'sort.tar', ['-cf']],
    ['a .tar.zst', 'sort.tar.zst', ['--zstd', '-cf']],
    ['a .tar.xz', 'sort.tar.xz', ['-cJf']],
  ];
  for (const [label, name, flags] of formats) {
    it(`reads ${label} written by tar`, async () => {
      const file = join(tmp, name);
      tar([...flags, file, '-C', tree, 'bundle.json', 'artifacts']);
      const prefix = `${gold.host}/${name.replace(/\W/g, '-')}`;
      const r = await irel(['bundle', 'relocate', file, '-r', prefix, '-q']);
      assert.equal(r.status, 0, r.stderr);
      await assertRelocated(JSON.parse(r.stdout));
    });
  }

  it('reads a thick bundle whose layout skopeo wrote', async () => {
    // skopeo's oci: transport reads the layout we exported and writes its own copy of it.
    const sk = join(tmp, 'sk');
    mkdirSync(join(sk, 'artifacts'), { recursive: true });
    cpSync(join(tree, 'bundle.json'), join(sk, 'bundle.json'));
    const layout = join(sk, 'artifacts', 'layout');
    for (const key of ['coins', 'sorter']) {
      const r = spawnSync('skopeo', ['copy', '--all', `oci:${join(tree, 'artifacts', 'layout')}:${images[key].ref}`,
        `oci:${layout}:${images[key].ref}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    writeFileSync(join(sk, 'bundle.json'), JSON.stringify({ name: 'sk', images: {
      coins: { image: images.coins.ref }, sorter: { image: images.sorter.ref } } }));
    const file = join(tmp, 'skopeo.tgz');
    tar(['-czf', file, '-C', sk, 'bundle.json', 'artifacts']);
    const r = await irel(['bundle', 'relocate', file, '-r', `${gold.host}/skopeo`, '-q']);
    assert.equal(r.status, 0, r.stderr);
    const mapping = JSON.parse(r.stdout);
    assert.equal(sha256(await skopeoInspectRaw(mapping[images.coins.ref], gold)), images.coins.digest);
  });

  // Each variant starts from a fresh copy of the unpacked bundle, breaks it, archives it.
  function variant(name, breakIt, files = ['bundle.json', 'artifacts']) {
    const dir = join(tmp, `v-${name}`);
    cpSync(tree, dir, { recursive: true });
    breakIt(dir);
    const file = join(tmp, `${name}.tgz`);
    tar(['-czf', file, '-C', dir, ...files]);
    return file;
  }
  const blobFile = (dir, digest) => join(dir, 'artifacts', 'layout', 'blobs', 'sha256', digest.slice(7));
  const bigLayer = () => images.sorter.blobs.find((b) => b.size > 1e6).digest;

  // 17 blobs of 4 MiB that start like JSON (each hashing to its name), named by nothing: more
  // than the 64 MiB pass 1 keeps, so most are passed over, and the bundle relocates.
  it('relocates past more json-looking blobs than the memory budget for manifests, which nothing names', async () => {
    const file = variant('jsonflood', (d) => {
      for (let i = 0; i < 17; i++) {
        const bytes = Buffer.alloc(4 << 20, 0x20 + i);
        bytes[0] = 0x7b;
        writeFileSync(join(d, 'artifacts', 'layout', 'blobs', 'sha256', sha256(bytes).slice(7)), bytes);
      }
    });
    const r = await irel(['bundle', 'relocate', file, '-r', `${gold.host}/jsonflood`, '-q']);
    assert.equal(r.status, 0, r.stderr);
    await assertRelocated(JSON.parse(r.stdout));
  });

  const bad = [
    ['a blob whose bytes do not match its digest', () => variant('tampered', (d) => writeFileSync(blobFile(d, bigLayer()), Buffer.alloc(5 << 20, 7))),
      /DIGEST_MISMATCH/, () => bigLayer()],
    ['a missing blob', () => variant('missing', (d) => rmSync(blobFile(d, bigLayer()))), /BLOB_UNKNOWN/, () => images.sorter.ref],
    ['a bundle image missing from the layout', () => variant('unlisted', (d) => {
      const index = JSON.parse(readFileSync(join(d, 'artifacts/layout/index.json')));
      index.manifests = index.manifests.filter((m) => m.annotations['org.opencontainers.image.ref.name'] !== images.ledger.ref);
      writeFileSync(join(d, 'artifacts/layout/index.json'), JSON.stringify(index));
    }), /LAYOUT_IMAGE_NOT_FOUND/, () => images.ledger.ref],
    ['a layout index listing 100,000 manifests', () => variant('bigindex', (d) => {
      const index = JSON.parse(readFileSync(join(d, 'artifacts/layout/index.json')));
      const entry = index.manifests[0];
      index.manifests = Array.from({ length: 100_000 }, (_, i) => ({ ...entry, annotations: { 'org.opencontainers.image.ref.name': `x/y:${i}` } }));
      writeFileSync(join(d, 'artifacts/layout/index.json'), JSON.stringify(index));
    }), /ARCHIVE_ENTRY_TOO_LARGE|LAYOUT_INVALID|ARCHIVE_LIMIT/, () => 'index.json'],
    ['invalid JSON in bundle.json', () => variant('badjson', (d) => writeFileSync(join(d, 'bundle.json'), '{"images": ')), /BUNDLE_INVALID/, () => 'bundle.json'],
    ['a symbolic link', () => variant('link', (d) => symlinkSync('/etc/passwd', join(d, 'artifacts', 'evil'))), /ARCHIVE_ENTRY_UNSAFE/, () => 'artifacts/evil'],
    ['an entry with ".."', () => {
      const file = join(tmp, 'dotdot.tar');
      const r = spawnSync('python3', ['-c', `import tarfile,io
t=tarfile.open(${JSON.stringify(file)},'w')
for n,d in [('bundle.json',b'{}'),('../escape',b'x')]:
  i=tarfile.TarInfo(n); i.size=len(d); t.addfile(i,io.BytesIO(d))
t.close()`]);
      assert.equal(r.status, 0, String(r.stderr));
      return file;
    }, /ARCHIVE_ENTRY_UNSAFE/, () => '../escape'],
    ['a truncated archive', () => {
      const file = join(tmp, 'truncated.tgz');
      cpSync(sortTgz, file);
      truncateSync(file, Math.floor(readFileSync(sortTgz).length * 0.6));
      return file;
    }, /ARCHIVE_TRUNCATED|ARCHIVE_INVALID/, () => ''],
    ['garbage', () => {
      const file = join(tmp, 'garbage.tgz');
      writeFileSync(file, Buffer.alloc(4096, 0x5a));
      return file;
    }, /ARCHIVE_INVALID/, () => ''],
  ];
  for (const [label, make, code, names] of bad) {
    it(`refuses ${label}, naming it, and pushes nothing`, async () => {
      const file = make();
      const before = sha256(readFileSync(file));
      const repo = `bad-${label.replace(/\W+/g, '-')}`.slice(0, 60).replace(/-+$/, '');
      const r = await irel(['bundle', 'relocate', file, '-r', `${gold.host}/${repo}`, '-q']);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, code);
      assert.ok(r.stderr.includes(names()), r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(sha256(readFileSync(file)), before, 'input untouched');
      const catalog = await fetch(`${gold.url}/v2/_catalog`).then((x) => x.json());
      for (const name of catalog.repositories.filter((n) => n.startsWith(repo))) {
        assert.deepEqual(await listTags(gold, name), [], `${name} has no tag`);
      }
    });
  }
});
