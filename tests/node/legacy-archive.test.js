// Legacy `docker save` tarballs (Docker before 25: manifest.json, <hex>.json, <id>/layer.tar
// uncompressed) converted and copied to a real registry by wasm/js/archive/legacy-archive.js:
// what lands is checked with skopeo and plain registry reads (the manifest is the one irel
// reported, each layer gunzips to its diff ID, the config is the image ID), the compressed bytes
// are the same run after run, and a damaged archive is refused before anything is pushed.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import createIrelCore from '../../wasm/dist/irel-core.js';
import { openArchive } from '../../wasm/js/archive/archive-file.js';
import { CONVERTED, copyLegacy, scanLegacyArchive } from '../../wasm/js/archive/legacy-archive.js';
import { nodeEnv } from '../../wasm/js/env-node.js';
import { optionCredentials } from '../../wasm/js/irel.js';
import { nodeFileReader } from '../../wasm/js/node/archive-source.js';
import { PrimedAnswers } from '../../wasm/js/registry/primed.js';
import { registryTarget } from '../../wasm/js/registry/registry-place.js';
import { DEFAULT_RETRY } from '../../wasm/js/registry/retry.js';
import { dockerSaveLegacy, dockerSaveOci } from '../helpers/archives.js';
import { listTags, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { registryClient } from '../helpers/registry-client.js';
import { TAR_END, tarHeader, tarPadding } from '../helpers/content.js';
import { pushImage } from '../helpers/seed.js';
import { makeTempDir, removeDir, run, sha256 } from '../helpers/util.js';

const MiB = 1 << 20;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const GZIP_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

const core = await createIrelCore({ wasmBinary: readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url)) });
const env = nodeEnv(core);

// The context the package's Irel gives the modules it calls (irel.js #context), for Node.
function context() {
  return {
    core, transport: env.createTransport({}), credentials: optionCredentials(undefined),
    sideCredentials: { source: null, target: null }, insecureRegistries: [], tokens: new Map(), challenges: new Map(),
    schemes: new Map(), primed: new PrimedAnswers(), uploadStrategies: new Map(), rateLimited: new Set(),
    probeSchemes: env.probeSchemes, streamUploads: env.streamUploads, retry: { ...DEFAULT_RETRY, attempts: 2, baseMs: 5, maxMs: 20 },
    newHash: env.newHash, hashBytes: env.hashBytes,
  };
}

const opener = (path) => () => openArchive(core, nodeFileReader(path));

/** Pass 1 then pass 2 of `path` (or, from the second opening on, of `later`) into `dst`. */
async function copyArchive(path, dst, repo, { later, pick, dryRun = false } = {}) {
  const ctx = context();
  let opened = 0;
  const open = () => openArchive(core, nodeFileReader(opened++ === 0 || !later ? path : later));
  try {
    const scanned = scanLegacyArchive(ctx, open);
    const picked = pick ? scanned.images.filter(pick) : scanned.images;
    const tagOf = (image) => (image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : 'latest');
    const result = await copyLegacy(ctx, open, scanned, picked, {
      targetRef: (g) => `${dst.host}/${repo}:${tagOf(g.image)}`,
      open: (ref, signal, more) => registryTarget(ctx, ref, signal, null, { ...more }),
    }, { dryRun });
    return { scanned, result };
  } finally {
    ctx.transport.close?.();
  }
}

async function blob(reg, repo, digest) {
  const r = await registryClient(reg).request('GET', `/v2/${repo}/blobs/${digest}`);
  assert.equal(r.status, 200, `GET ${repo}@${digest}`);
  return r.body;
}

// The input of the native golden test (tests/core/gzip_stream_test.cpp DeterminismInput).
function determinismInput(min = MiB) {
  const parts = [];
  let size = 0;
  let x = 2463534242;
  for (let line = 0; size < min; line++) {
    const text = Buffer.from(`irel gzip line ${line}\n`);
    parts.push(text);
    size += text.length;
    if (line % 8 === 0) {
      const noise = Buffer.alloc(32);
      for (let k = 0; k < 32; k++) {
        x = (x ^ (x << 13)) >>> 0;
        x = (x ^ (x >>> 17)) >>> 0;
        x = (x ^ (x << 5)) >>> 0;
        noise[k] = x & 0xff;
      }
      parts.push(noise);
      size += 32;
    }
  }
  return Buffer.concat(parts);
}

function expectCode(code, ...mentions) {
  return (e) => {
    assert.equal(e.code, code, e.message);
    for (const m of mentions) assert.ok(e.message.includes(m), `${JSON.stringify(m)} not in: ${e.message}`);
    return true;
  };
}

describe('legacy docker save tarballs, converted', () => {
  let src;
  let dst;
  let tmp;
  let app; // the pushed source image
  let one; // dockerSaveLegacy of it
  let n = 0;
  const out = (name) => join(tmp, `${++n}-${name}`);

  // A copy of the tarball at `path` changed by `edit(dir)` on its extracted tree.
  async function edited(path, edit) {
    const dir = join(tmp, `tree-${++n}`);
    await run('mkdir', ['-p', dir]);
    await run('tar', ['-xf', path, '-C', dir]);
    await edit(dir);
    const names = (await run('ls', ['-A', dir])).stdout.toString().split('\n').filter(Boolean).sort();
    const file = out('edited.tar');
    await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=ustar', '-C', dir, '-cf', file, ...names]);
    return file;
  }

  before(async () => {
    tmp = await makeTempDir('irel-legacy-');
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    // Three layers, one of 5 MiB (several pieces of the archive reader and of the compressor).
    app = await pushImage(src, 'fx/app:v1', { layers: [2048, 300_000, 5 * MiB], format: 'docker', seed: 'legacy-app' });
    one = await dockerSaveLegacy([{ reg: src, ref: app.ref }], out('one.tar'));
  });

  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    if (tmp) await removeDir(tmp);
  });

  it('the wasm compressor gives the bytes the native one gives (the golden digest of gzip_stream_test.cpp)', () => {
    const gz = new core.GzipStream();
    const input = determinismInput();
    // Fed in uneven pieces: the output must not depend on them.
    const parts = [];
    for (const [at, end] of [[0, 1], [1, 70_000], [70_000, 70_001], [70_001, input.length]]) parts.push(gz.update(input.subarray(at, end)));
    parts.push(gz.finish());
    gz.delete();
    const bytes = Buffer.concat(parts);
    assert.equal(sha256(bytes), 'sha256:5770b1f19ce3c9d013ca95ff61de6d6b09d7faea1bd115d4922137ab66a70831');
    assert.equal(bytes.length, 319058);
    assert.deepEqual(gunzipSync(bytes), input);
  });

  it('one image: the manifest at the target is the one irel reported, each layer gunzips to its diff ID, the config is the image ID', async () => {
    const [saved] = one.images;
    const { scanned, result } = await copyArchive(one.path, dst, 'legacy/app');
    assert.equal(scanned.kind, 'docker-save-legacy');
    const [image] = scanned.images;
    assert.equal(image.image, saved.repoTags[0]);
    assert.deepEqual(image.names, saved.repoTags);
    assert.equal(image.index, 0);
    assert.equal(image.root.mediaType, DOCKER_MANIFEST);
    assert.equal(image.config.digest, saved.config.digest, 'the config kept byte for byte: its digest is the image ID');

    assert.equal(result.images.length, 1);
    const [copied] = result.images;
    assert.equal(copied.digest, image.root.digest);
    assert.equal(copied.target, `${dst.host}/legacy/app:v1`);
    assert.equal(copied.converted, CONVERTED);
    assert.equal(copied.blobs.uploaded, 4, 'three layers and the config');

    const raw = await skopeoInspectRaw(`${dst.host}/legacy/app:v1`, dst);
    assert.equal(sha256(raw), image.root.digest, 'the registry serves the manifest irel reported');
    assert.equal(raw.length, image.root.size);
    const m = JSON.parse(raw.toString());
    assert.equal(m.schemaVersion, 2);
    assert.equal(m.mediaType, DOCKER_MANIFEST);
    const config = await blob(dst, 'legacy/app', m.config.digest);
    assert.deepEqual(m.config, { mediaType: DOCKER_CONFIG, size: config.length, digest: saved.config.digest });
    assert.equal(sha256(config), saved.config.digest, 'the config at the target hashes to the image ID');
    assert.equal(m.layers.length, saved.diffIds.length);
    for (const [i, l] of m.layers.entries()) {
      assert.equal(l.mediaType, GZIP_LAYER);
      const gz = await blob(dst, 'legacy/app', l.digest);
      assert.equal(gz.length, l.size);
      assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff], 'no name, no time, OS unknown');
      assert.equal(sha256(gunzipSync(gz)), saved.diffIds[i], `layer ${i} gunzips to rootfs.diff_ids[${i}]`);
    }
    assert.deepEqual(await listTags(dst, 'legacy/app'), ['v1']);
  });

  it('the same bytes run after run, and whether the tarball itself is gzip-compressed or not', async () => {
    const first = scanLegacyArchive(context(), opener(one.path)).images[0];
    const again = scanLegacyArchive(context(), opener(one.path)).images[0];
    assert.deepEqual(again, first);
    const zipped = await dockerSaveLegacy([{ reg: src, ref: app.ref }], out('one.tar.gz'), { compress: 'gzip' });
    const fromGz = scanLegacyArchive(context(), opener(zipped.path)).images[0];
    assert.deepEqual(fromGz.layers, first.layers, 'libarchive hands the layers over in other pieces: same gzip bytes');
    assert.equal(fromGz.root.digest, first.root.digest);
    // A second copy, into another repository: the bytes it uploads are those the first uploaded.
    const { result } = await copyArchive(zipped.path, dst, 'legacy/again');
    assert.equal(result.images[0].digest, first.root.digest);
    for (const l of first.layers) {
      assert.deepEqual(await blob(dst, 'legacy/again', l.digest), await blob(dst, 'legacy/app', l.digest));
    }
  });

  it('the same image saved by Docker 25 (graphdriver store: manifest.json into blobs/, plain layers) converts to the same digest', async () => {
    const docker25 = await dockerSaveOci([{ reg: src, ref: app.ref }], out('docker25.tar'), { store: 'graphdriver' });
    assert.match(docker25.manifestJson[0].Config, /^blobs\/sha256\/[0-9a-f]{64}$/);
    const converted = scanLegacyArchive(context(), opener(docker25.path)).images[0];
    const legacy = scanLegacyArchive(context(), opener(one.path)).images[0];
    assert.equal(converted.root.digest, legacy.root.digest);
  });

  it('compressed layers (Docker 25 and later, containerd store) are not a legacy tarball: LEGACY_LAYER_COMPRESSED', async () => {
    const containerd = await dockerSaveOci([{ reg: src, ref: app.ref }], out('containerd.tar'), { store: 'containerd' });
    assert.throws(() => scanLegacyArchive(context(), opener(containerd.path)),
      expectCode('LEGACY_LAYER_COMPRESSED', `image "${containerd.manifestJson[0].RepoTags[0]}": layer 1 of 3`, 'gzip-compressed'));
  });

  it('two images sharing a layer (a symlink ../<id>/layer.tar, as Docker wrote it): both converted, the shared layer uploaded once', async () => {
    const a = await pushImage(src, 'fx/shared-a:a1', { layers: [4096], seed: 'legacy-shared', format: 'docker' });
    const b = await pushImage(src, 'fx/shared-b:b1', { layers: [4096, 3000], seed: 'legacy-shared', format: 'docker' });
    const two = await dockerSaveLegacy([{ reg: src, ref: a.ref }, { reg: src, ref: b.ref }], out('two.tar'));
    assert.equal(two.images[1].symlinked.length, 1, 'the fixture links the shared layer');
    const { scanned, result } = await copyArchive(two.path, dst, 'legacy/shared');
    assert.deepEqual(scanned.images.map((i) => i.index), [0, 1]);
    assert.equal(scanned.images[0].layers[0].digest, scanned.images[1].layers[0].digest, 'one layer, one gzip');
    const uploaded = result.images.reduce((s, i) => s + i.blobs.uploaded, 0);
    assert.equal(uploaded, 4, "two configs, the shared layer once, the second image's own layer");
    for (const [i, image] of scanned.images.entries()) {
      const tag = image.image.slice(image.image.lastIndexOf(':') + 1);
      const raw = await skopeoInspectRaw(`${dst.host}/legacy/shared:${tag}`, dst);
      assert.equal(sha256(raw), image.root.digest);
      assert.equal(JSON.parse(raw.toString()).config.digest, two.images[i].config.digest);
      assert.equal(result.images[i].converted, CONVERTED);
    }
  });

  it('manifest.json first, and a layer whose first bytes look like JSON (a file named "{a}"): converted all the same', async () => {
    const tarOf = (files) => Buffer.concat([...files.flatMap(([name, bytes]) => [tarHeader(name, bytes.length), bytes, tarPadding(bytes.length)]), TAR_END]);
    const layer = tarOf([['{a}', Buffer.from('{"not": "a config"}\n')], ['etc/motd', Buffer.from('hello\n')]]);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const configFile = `${sha256(config).slice(7)}.json`;
    const manifest = Buffer.from(JSON.stringify([{ Config: configFile, RepoTags: ['hand/made:v1'], Layers: ['./abc/layer.tar'] }]));
    const file = out('hand.tar');
    writeFileSync(file, tarOf([['manifest.json', manifest], [configFile, config], ['abc/layer.tar', layer]]));
    const { scanned, result } = await copyArchive(file, dst, 'legacy/hand');
    const [image] = scanned.images;
    assert.equal(result.images[0].digest, image.root.digest);
    const m = JSON.parse((await skopeoInspectRaw(`${dst.host}/legacy/hand:v1`, dst)).toString());
    assert.equal(m.config.digest, sha256(config));
    assert.deepEqual(gunzipSync(await blob(dst, 'legacy/hand', m.layers[0].digest)), layer);
  });

  it('a dry run plans the converted image and pushes nothing', async () => {
    const { result } = await copyArchive(one.path, dst, 'legacy/dry', { dryRun: true });
    assert.equal(result.dryRun, true);
    assert.equal(result.images[0].converted, CONVERTED);
    assert.equal(result.images[0].plan.blobs.filter((b) => b.action === 'upload').length, 4);
    assert.deepEqual(await listTags(dst, 'legacy/dry'), []);
  });

  describe('damaged tarballs are refused before anything is pushed', () => {
    const layerFile = () => one.images[0].layerFiles[1];

    it('a layer tar whose sha256 is not its diff ID: LAYER_DIFF_ID_MISMATCH naming the layer and the image', async () => {
      const bad = await edited(one.path, (dir) => {
        const f = join(dir, layerFile());
        const bytes = readFileSync(f);
        bytes[600] ^= 0x01; // inside the first file's data: still a tar, of another content
        writeFileSync(f, bytes);
      });
      await assert.rejects(copyArchive(bad, dst, 'legacy/bad-layer'),
        expectCode('LAYER_DIFF_ID_MISMATCH', `image "${one.images[0].repoTags[0]}"`, `layer 2 of 3 ("${layerFile()}")`, one.images[0].diffIds[1]));
      assert.deepEqual(await listTags(dst, 'legacy/bad-layer'), []);
    });

    it('manifest.json missing: not a docker save tarball', async () => {
      const bad = await edited(one.path, (dir) => rmSync(join(dir, 'manifest.json')));
      await assert.rejects(copyArchive(bad, dst, 'legacy/no-manifest'), expectCode('ARCHIVE_INVALID', 'no manifest.json'));
      assert.deepEqual(await listTags(dst, 'legacy/no-manifest'), []);
    });

    it('a Layers path missing from the archive: BLOB_UNKNOWN naming the path and the image', async () => {
      const bad = await edited(one.path, (dir) => rmSync(join(dir, layerFile())));
      await assert.rejects(copyArchive(bad, dst, 'legacy/no-layer'),
        expectCode('BLOB_UNKNOWN', `image "${one.images[0].repoTags[0]}": layer 2 of 3 "${layerFile()}" is missing from the archive`));
      assert.deepEqual(await listTags(dst, 'legacy/no-layer'), []);
    });

    it('a layer changed between the passes: the upload fails on its digest before its last byte, no manifest is pushed', async () => {
      const bad = await edited(one.path, (dir) => {
        const f = join(dir, layerFile());
        const bytes = readFileSync(f);
        bytes[600] ^= 0x01;
        writeFileSync(f, bytes);
      });
      await assert.rejects(copyArchive(one.path, dst, 'legacy/changed', { later: bad }), (e) => {
            assert.ok(['DIGEST_MISMATCH', 'SIZE_MISMATCH'].includes(e.code), `${e.code}: ${e.message}`);
        assert.match(e.message, new RegExp(`layer "${layerFile()}" of image ".*(changed since it was first read|changed or was tampered)`));
        return true;
      });
      assert.deepEqual(await listTags(dst, 'legacy/changed'), []);
      const layer = scanLegacyArchive(context(), opener(one.path)).images[0].layers[1];
      const head = await registryClient(dst).request('HEAD', `/v2/legacy/changed/blobs/${layer.digest}`);
      assert.equal(head.status, 404, 'the registry never took the layer');
    });
  });
});
