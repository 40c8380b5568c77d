// irel copy between every kind of place, named as skopeo names them: registries (docker://),
// OCI layouts (oci:), OCI archives (oci-archive:) and docker save tarballs (docker-archive:).
// Archives made by the peers (skopeo, umoci + tar) and docker save tarballs built from real image
// content as Docker 25+ writes them (tests/helpers/archives.js); what arrives in the registry is
// read with skopeo; archives irel writes are read back by skopeo. Defects docker save was seen to
// write are refused by name with nothing pushed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { dockerSaveDefect, dockerSaveLegacy, dockerSaveOci, skopeoCopyToRegistry, skopeoDockerArchive, skopeoOciArchive, umociLayoutTar } from '../helpers/archives.js';
import { runIrel } from '../helpers/cli.js';
import { getManifest, listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { fallbackTag, seedSigned } from '../helpers/referrers.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

const digestAt = async (reg, ref) => sha256(await skopeoInspectRaw(`${reg.host}/${ref}`, reg));
const catalog = async (reg) => JSON.parse(await (await fetch(`${reg.url}/v2/_catalog?n=1000`)).text()).repositories ?? [];
const copied = (r) => /with content digest (sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1];

// A tar written by Python's tarfile from [(name, bytes | symlink target)]: entries no tar tool
// would write from a directory (links out, "..").
function pyTar(dir, name, entries) {
  const file = join(dir, name);
  const r = spawnSync('python3', ['-c', `import tarfile,io
t=tarfile.open(${JSON.stringify(file)},'w')
for n,d in ${entries}:
  i=tarfile.TarInfo(n)
  if isinstance(d,str):
    i.type=tarfile.SYMTYPE; i.linkname=d; t.addfile(i)
  else:
    i.size=len(d); t.addfile(i,io.BytesIO(d))
t.close()`]);
  assert.equal(r.status, 0, String(r.stderr));
  return file;
}

describe('irel copy between places', () => {
  let tmp;
  let src;
  let dst;
  let single;
  let multi;
  let other;
  before(async () => {
    tmp = await makeTempDir('irel-places-');
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    single = await pushImage(src, 'lib/single:1.0', { layers: [3000, { size: 2 << 20, kind: 'raw' }] });
    multi = await pushIndex(src, 'lib/multi:2.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    other = await pushImage(src, 'lib/other:3.0', { format: 'docker', layers: [1500] });
  });
  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    await removeDir(tmp);
  });

  // Each chain copies an image through places and back into a registry: the digest never changes.
  const chains = [
    ['registry -> layout -> OCI archive -> registry (an index, whole)', () => multi, (d) => [`oci:${d}/layout:v1`, `oci-archive:${d}/a.tar`, 'back/multi:v1']],
    ['registry -> gzip\'d OCI archive -> layout -> registry', () => single, (d) => [`oci-archive:${d}/a.tar.gz:one`, `oci:${d}/l2`, 'back/single:v1']],
    ['registry -> zstd\'d docker save tarball -> registry (docker-archive:)', () => other, (d) => [`docker-archive:${d}/d.tar.zst`, 'back/other:v1']],
    ['registry -> docker save tarball named -> OCI layout by @0 -> registry', () => single, (d) => [`docker-archive:${d}/n.tar:saved/as:it`, `oci:${d}/l3:x`, 'back/named:v1']],
  ];
  for (const [name, image, steps] of chains) {
    it(name, async () => {
      const d = await makeTempDir('irel-chain-');
      const img = image();
      const places = [img.ref, ...steps(d).map((p) => (p.startsWith('back/') ? `${dst.host}/${p}` : p))];
      for (let i = 1; i < places.length; i++) {
        const from = places[i - 1].startsWith('docker-archive:') && places[i].startsWith('oci:') ? `${places[i - 1].split(':').slice(0, 2).join(':')}:@0` : places[i - 1];
        const r = await runIrel(['copy', '-q', from, places[i]]);
        assert.equal(r.status, 0, `${from} -> ${places[i]}: ${r.stderr}`);
        assert.equal(copied(r), img.digest, `${from} -> ${places[i]}`);
      }
      assert.equal(await digestAt(dst, steps(d).at(-1)), img.digest);
      await removeDir(d);
    });
  }

  // skopeo reads an OCI archive's manifests as they are; a docker-archive through its legacy side
  // (manifest.json), making a manifest of its own over the same config and layers.
  const readBack = [
    ['an OCI archive: the index, digest preserved', () => multi, `oci-archive:${'TMP'}/w.tar:v1`, (got) => assert.equal(got.digest, multi.digest)],
    // (skopeo recompresses the layers it reads from a docker-archive: their digests are its own.)
    ['a docker save tarball: the same config (the image ID), as many layers', () => other, `docker-archive:${'TMP'}/w-docker.tar`, (got) => {
      const original = JSON.parse(readFileSync(join(tmp, 'other.json'), 'utf8'));
      assert.equal(got.manifest.config.digest, original.config.digest);
      assert.equal(got.manifest.layers.length, original.layers.length);
    }],
  ];
  for (const [name, image, place, check] of readBack) {
    it(`archives irel writes are read back by skopeo: ${name}`, async () => {
      const at = place.replace('TMP', tmp);
      writeFileSync(join(tmp, 'other.json'), await skopeoInspectRaw(other.ref, src));
      const r = await runIrel(['copy', '-q', image().ref, at]);
      assert.equal(r.status, 0, r.stderr);
      check(await skopeoCopyToRegistry(at, dst, `skopeo-read/${at.split(':')[0]}:v1`, { all: true, preserveDigests: at.startsWith('oci') }));
    });
  }

  it('a dry run from an archive prints the plan and writes nothing', async () => {
    const made = await runIrel(['copy', '-q', single.ref, `oci-archive:${tmp}/dry.tar`]);
    assert.equal(made.status, 0, made.stderr);
    const r = await runIrel(['copy', '--dry-run', '--json', `oci-archive:${tmp}/dry.tar`, `${dst.host}/dry/run:v1`]);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.equal(plan.digest, single.digest);
    assert.deepEqual(plan.blobs.map((b) => b.action), plan.blobs.map(() => 'upload'));
    assert.ok(!(await catalog(dst)).includes('dry/run'));
  });

  // A layer whose bytes are not its digest: by default found as it is uploaded, before any
  // manifest or tag is written; with --verify-first before anything at all is.
  const tampered = [['by default: no manifest, no tag', [], false], ['--verify-first: nothing at all', ['--verify-first'], true]];
  for (const [name, flags, nothing] of tampered) {
    it(`an OCI archive with a tampered layer is refused naming it, ${name}`, async () => {
      const path = join(tmp, `tampered-${nothing}.tar`);
      const made = await runIrel(['copy', '-q', single.ref, `oci-archive:${path}`]);
      assert.equal(made.status, 0, made.stderr);
      const bytes = readFileSync(path);
      const big = single.blobs.reduce((a, b) => (b.size > a.size ? b : a));
      const entry = `blobs/${big.digest.replace(':', '/')}`;
      let at = 0;
      while (bytes.subarray(at, at + 100).toString('latin1').replace(/\0.*$/s, '') !== entry) at += 512 + Math.ceil(parseInt(bytes.subarray(at + 124, at + 136).toString('latin1'), 8) / 512) * 512;
      bytes[at + 512 + 1000] ^= 0xff;
      writeFileSync(path, bytes);
      const repo = `tampered/${nothing ? 'first' : 'default'}`;
      const r = await runIrel(['copy', '-q', ...flags, `oci-archive:${path}`, `${dst.host}/${repo}:v1`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`${big.digest}.*\\[DIGEST_MISMATCH\\]`));
      assert.deepEqual(await listTags(dst, repo).catch(() => []), []);
      if (nothing) assert.ok(!(await catalog(dst)).includes(repo), 'no blob either');
    });
  }

  it('an archive is written whole or not at all: a failed copy leaves the file as it was', async () => {
    const path = join(tmp, 'kept.tar');
    writeFileSync(path, 'precious');
    const r = await runIrel(['copy', '-q', `${src.host}/lib/nothing:here`, `oci-archive:${path}`]);
    assert.equal(r.status, 1);
    assert.equal(readFileSync(path, 'utf8'), 'precious');
  });

  // Signatures, attestations and SBOMs go through a layout too: into it beside the image (the
  // cosign tag under the image's repository, or its plain tag), and out of it to a registry.
  const layoutNames = [['named by a plain tag', () => 'v1'], ['named by the full reference', () => signed.image.ref]];
  let signed;
  for (const [name, layoutName] of layoutNames) {
    it(`referrers travel registry -> layout -> registry, the layout ${name}`, async () => {
      signed ??= await seedSigned(src, 'sig/app');
      const d = await makeTempDir('irel-ref-layout-');
      const into = await runIrel(['copy', signed.image.ref, `oci:${d}/l:${layoutName()}`]);
      assert.equal(into.status, 0, into.stderr);
      assert.match(into.stderr, /referrers: 5 copied/);
      const repo = `through/${name.replace(/ /g, '-')}`;
      const out = await runIrel(['copy', `oci:${d}/l:${layoutName()}`, `${dst.host}/${repo}:v1`]);
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stderr, /referrers: 5 copied/);
      const listed = JSON.parse((await getManifest(dst, repo, fallbackTag(signed.image.digest))).bytes.toString()).manifests.map((m) => m.digest);
      assert.deepEqual(listed.sort(), [signed.sig.digest, signed.att.digest, signed.sbom.digest].sort());
      assert.equal((await getManifest(dst, repo, `${fallbackTag(signed.image.digest)}.sig`)).digest, signed.cosign.digest);
      assert.equal((await getManifest(dst, repo, signed.attSig.digest)).digest, signed.attSig.digest);
      await removeDir(d);
    });
  }

  describe('archives made by peers', () => {
    const peers = [
      ['skopeo oci-archive', async (d) => {
        const a = await skopeoOciArchive(src, 'lib/multi:2.0', join(d, 'sk.tar'), { all: true });
        return [{ from: `oci-archive:${a.path}`, digest: a.digest }, { from: `oci-archive:${a.path}:2.0`, digest: a.digest }];
      }],
      ['skopeo oci-archive, zstd', async (d) => {
        const a = await skopeoOciArchive(src, 'lib/single:1.0', join(d, 'sk.tar.zst'), { compress: 'zstd' });
        return [{ from: `oci-archive:${a.path}`, digest: a.digest }];
      }],
      ['a layout umoci made, tarred (under ./)', async (d) => {
        const a = await umociLayoutTar(src, 'lib/single:1.0', join(d, 'umoci.tar'), { dotSlash: true });
        return a.images.map((i) => ({ from: `oci-archive:${a.path}:${i.name}`, digest: i.digest }));
      }],
      ['docker save (Docker 25+, graphdriver store), two images: by name, familiar or full, and by @N', async (d) => {
        const a = await dockerSaveOci([{ reg: src, ref: 'lib/single:1.0' }, { reg: src, ref: 'lib/other:3.0' }], join(d, 'save.tar'));
        const [one, two] = a.images;
        return [{ from: `docker-archive:${a.path}:${one.names[0]}`, digest: one.digest },
          { from: `docker-archive:${a.path}:@1`, digest: two.digest }];
      }],
      ['docker save (containerd store), an index: the registry\'s own manifests', async (d) => {
        const a = await dockerSaveOci([{ reg: src, ref: 'lib/multi:2.0' }], join(d, 'ctr.tar.gz'), { store: 'containerd', compress: 'gzip' });
        return [{ from: `docker-archive:${a.path}`, digest: multi.digest }];
      }],
    ];
    for (const [name, make] of peers) {
      it(`${name}: copied to a registry with the digest the archive holds`, async () => {
        const d = await makeTempDir('irel-peer-');
        const cases = await make(d);
        for (const [i, c] of cases.entries()) {
          const repo = `peer/${name.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)}:v${i}`;
          const r = await runIrel(['copy', '-q', c.from, `${dst.host}/${repo}`]);
          assert.equal(r.status, 0, `${c.from}: ${r.stderr}`);
          assert.equal(await digestAt(dst, repo), c.digest, c.from);
        }
        await removeDir(d);
      });
    }

    // Legacy tarballs (Docker 24 and before, skopeo's docker-archive) hold uncompressed layers and
    // no manifest: converted (layers gzip'd, a manifest written), the config, the image ID, kept.
    const legacy = [
      ['skopeo docker-archive (layer tars, symlinks)', (d) => skopeoDockerArchive(src, 'lib/other:3.0', join(d, 'sk-docker.tar')), () => other],
      ['docker save of Docker 24, two images, by @1', (d) => dockerSaveLegacy([{ reg: src, ref: 'lib/single:1.0' }, { reg: src, ref: 'lib/other:3.0' }],
        join(d, 'legacy.tar')), () => other, ':@1'],
    ];
    for (const [name, make, image, pick = ''] of legacy) {
      it(`${name}: converted, said so, the config kept`, async () => {
        const d = await makeTempDir('irel-legacy-');
        const a = await make(d);
        const repo = `legacy/${name.split(' ')[0]}`;
        const r = await runIrel(['copy', '-q', `docker-archive:${a.path}${pick}`, `${dst.host}/${repo}:v1`]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /converted from a legacy docker save tarball: .*the digest is new/);
        const got = JSON.parse(await skopeoInspectRaw(`${dst.host}/${repo}:v1`, dst));
        const original = JSON.parse(await skopeoInspectRaw(image().ref, src));
        assert.equal(got.config.digest, original.config.digest);
        assert.equal(got.layers.length, original.layers.length);
        assert.equal(copied(r), await digestAt(dst, `${repo}:v1`));
        await removeDir(d);
      });
    }

    it('docker save of an index with one platform pulled: refused naming the missing manifest and --platform; with it, that platform copied under a new index', async () => {
      const d = await makeTempDir('irel-partial-');
      const a = await dockerSaveOci([{ reg: src, ref: 'lib/multi:2.0' }], join(d, 'partial.tar'), { store: 'containerd', presentPlatforms: ['linux/amd64'] });
      const whole = await runIrel(['copy', '-q', `docker-archive:${a.path}`, `${dst.host}/partial/multi:v1`]);
      assert.equal(whole.status, 1);
      assert.match(whole.stderr, /manifest sha256:[0-9a-f]{64} is missing from the archive: .*--platform OS\/ARCH \[BLOB_UNKNOWN\]/);
      const one = await runIrel(['copy', '-q', '--platform', 'linux/amd64', `docker-archive:${a.path}`, `${dst.host}/partial/multi:v1`]);
      assert.equal(one.status, 0, one.stderr);
      assert.match(one.stdout, new RegExp(`only linux/amd64: the source index ${multi.digest} was filtered, so the digest differs`));
      const index = JSON.parse(await skopeoInspectRaw(`${dst.host}/partial/multi:v1`, dst));
      assert.deepEqual(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`), ['linux/amd64']);
      await removeDir(d);
    });

    it('an archive of several images: without a name, refused listing them; --all copies each under its own tag', async () => {
      const d = await makeTempDir('irel-all-');
      const a = await dockerSaveOci([{ reg: src, ref: 'lib/single:1.0' }, { reg: src, ref: 'lib/other:3.0' }], join(d, 'save.tar'));
      const r = await runIrel(['copy', '-q', `docker-archive:${a.path}`, `${dst.host}/all/x:v1`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /holds 2 images \(0: .*lib\/single:1\.0, 1: .*lib\/other:3\.0\): name one .*--all \[ARCHIVE_AMBIGUOUS\]/);
      const all = await runIrel(['copy', '-q', '--all', `docker-archive:${a.path}`, `${dst.host}/all/x`]);
      assert.equal(all.status, 0, all.stderr);
      assert.deepEqual((await listTags(dst, 'all/x')).sort(), ['1.0', '3.0']);
      assert.equal(await digestAt(dst, 'all/x:1.0'), a.images[0].digest);
      await removeDir(d);
    });
  });

  describe('bad places and defective archives: refused by name, nothing pushed', () => {
    let d;
    before(async () => {
      d = await makeTempDir('irel-bad-');
      writeFileSync(join(d, 'notes.tar'), 'not an archive at all\n'.repeat(100));
    });
    const images = () => [{ reg: src, ref: 'lib/single:1.0' }, { reg: src, ref: 'lib/other:3.0' }];
    const defects = ['manifests-null', 'no-layers', 'layer-order', 'missing-blob', 'missing-entries'];
    for (const kind of defects) {
      it(`docker save defect "${kind}": ARCHIVE_DEFECT naming the thread, nothing pushed`, async () => {
        const a = await dockerSaveDefect(kind, kind === 'missing-entries' ? images() : images().slice(0, 1), join(d, `${kind}.tar`));
        const repo = `defect/${kind}`;
        const r = await runIrel(['copy', '-q', `docker-archive:${a.path}:@0`, `${dst.host}/${repo}:v1`]);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stderr, /\[ARCHIVE_DEFECT\]/);
        assert.match(r.stderr, new RegExp(a.thread.replace('https://github.com/', '').replace('/issues/', '#')));
        assert.ok(!(await catalog(dst)).includes(repo), 'nothing pushed');
      });
    }
    const bad = [
      ['a missing file', () => [`oci-archive:${d}/nothing.tar`, 'x/y:1'], /no such file \[ARCHIVE_NOT_FOUND\]/, 1],
      ['a file that is no archive', () => [`oci-archive:${d}/notes.tar`, 'x/y:1'], /\[ARCHIVE_INVALID\]/, 1],
      ['a transport irel does not copy with', () => ['dir:/tmp/x', 'x/y:1'], /dir.*docker:\/\/, oci:, oci-archive:, docker-archive:/, 2],
      ['an image number beyond the archive', () => [`oci-archive:${d}/one.tar:@5`, 'x/y:1'], /no image @5 .* \[ARCHIVE_IMAGE_NOT_FOUND\]/, 1],
      ['a name the archive does not hold', () => [`oci-archive:${d}/one.tar:nope`, 'x/y:1'], /no image "nope" .*it has: 0: .*\[ARCHIVE_IMAGE_NOT_FOUND\]/, 1],
      ['--all from a registry', () => ['--all', 'a/b:1', 'x/y:1'], /--all copies every image of an archive/, 2],
      ['":@N" on a target', () => ['a/b:1', `oci:${d}/t:@1`], /picks a source's image/, 1],
      ['an OCI archive holding a symbolic link', () => [`oci-archive:${pyTar(d, 'link.tar', "[('oci-layout',b'{}'),('evil','/etc/passwd')]")}`, 'x/y:1'],
        /archive entry evil is a symlink.*\[ARCHIVE_ENTRY_UNSAFE\]/, 1],
      ['an OCI archive with a ".." entry', () => [`oci-archive:${pyTar(d, 'dotdot.tar', "[('oci-layout',b'{}'),('../escape',b'x')]")}`, 'x/y:1'],
        /\.\.\/escape.*\[ARCHIVE_ENTRY_UNSAFE\]/, 1],
      ['a legacy docker save whose layer is a link out of the archive', () => [`docker-archive:${pyTar(d, 'legacy-link.tar',
        `[('${'a'.repeat(64)}.json',b'{}'),('manifest.json',b'[{"Config":"${'a'.repeat(64)}.json","Layers":["l/layer.tar"]}]'),('l/layer.tar','/etc/passwd')]`)}`, 'x/y:1'],
        /is a link that leaves the archive \[ARCHIVE_ENTRY_UNSAFE\]/, 1],
      ['an archive into a folder that does not exist: refused before copying', () => ['a/b:1', `oci-archive:${d}/no/such/dir/x.tar`], /is not a directory \[TARGET_INVALID\]/, 1],
      ['an archive onto a directory', () => ['a/b:1', `oci-archive:${d}`], /is a directory: an archive is a file .*\[TARGET_INVALID\]/, 1],
    ];
    for (const [name, args, re, status] of bad) {
      it(name, async () => {
        if (!existsSync(join(d, 'one.tar'))) {
          const made = await runIrel(['copy', '-q', single.ref, `oci-archive:${d}/one.tar:one`]);
          assert.equal(made.status, 0, made.stderr);
        }
        const a = args().map((x) => (x === 'x/y:1' ? `${dst.host}/x/y:1` : x === 'a/b:1' ? single.ref : x));
        const r = await runIrel(['copy', '-q', ...a]);
        assert.equal(r.status, status, r.stderr);
        assert.match(r.stderr, re);
        assert.ok(!(await catalog(dst)).includes('x/y'));
      });
    }
  });
});
