// irel against each registry dialect (tests/helpers/dialect-proxy.js): the CLI copies an image
// and a multi-arch index into each profile (from a plain registry) and out of it (to a plain
// registry) and relocates a thick bundle into it; for the profiles that constrain chunked uploads
// a layer larger than the chunk size goes in through the API and through the browser entry
// behind `irel serve`'s proxy. Every success is checked with skopeo against the registry behind
// the proxy (or the plain target): the manifest bytes hash to the source's digest.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createProxyServer } from '../../proxy/server.js';
import { load as loadBrowserEntry } from '../../wasm/js/index.js';
import { memoryBlob } from '../helpers/content.js';
import { CLI } from '../helpers/cli.js';
import { startDialectProxy } from '../helpers/dialect-proxy.js';
import { listTags, registryHas, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { registryClient } from '../helpers/registry-client.js';
import { allBlobs, allManifests, MEDIA_TYPES, pushImage, pushIndex, putManifest, uploadBlob } from '../helpers/seed.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

const tmp = await makeTempDir('irel-dialects-');
mkdirSync(join(tmp, 'docker'));
process.env.DOCKER_CONFIG = join(tmp, 'docker'); // no credentials but the ones given

const { load } = await import('irel');
const irel = await load();

const MiB = 1 << 20;
const FAST_RETRY = { attempts: 4, baseMs: 20, maxMs: 200 };
const CLI_TIMEOUT_MS = 25_000;
const CASE_TIMEOUT_MS = 40_000;

/** Runs the CLI; a run that outlives timeoutMs is killed (SIGKILL) and reported as timedOut. */
function cli(args, { env = {}, timeoutMs = CLI_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

function assertRan(r, what) {
  assert.equal(r.timedOut, false, `${what}: still running after ${CLI_TIMEOUT_MS} ms, killed\n${r.stderr.slice(-2000)}`);
  assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
}

/** Every manifest of `pushed` is in `reg` under `repo`, byte for byte (skopeo); so is the tag. */
async function assertCopied(reg, repo, pushed, tag) {
  for (const m of allManifests(pushed)) {
    assert.equal(sha256(await skopeoInspectRaw(`${reg.host}/${repo}@${m.digest}`, reg)), m.digest, `manifest ${m.digest} in ${repo}`);
  }
  for (const b of allBlobs(pushed)) assert.equal(await registryHas(reg, repo, b.digest, {}), true, `blob ${b.digest} in ${repo}`);
  if (tag) assert.equal(sha256(await skopeoInspectRaw(`${reg.host}/${repo}:${tag}`, reg)), pushed.digest, `tag ${repo}:${tag}`);
}

/**
 * The profiles and how each is set up: auth of the registry behind the proxy (the hosted
 * registries that redirect to storage or use a token server require credentials, so a client
 * has an Authorization header it must not forward), the profile's options, and whether it
 * constrains chunked uploads.
 */
const ECR_REPOSITORIES = ['into/image', 'into/index', 'out/image', 'out/index', 'chunked/big', 'browser/big', 'referrer/app'];
const PROFILES = [
  { profile: 'ecr', options: { repositories: ECR_REPOSITORIES, createOnPush: ['bundle/'] }, chunking: true },
  { profile: 'gar', chunking: true },
  { profile: 'ghcr', auth: 'basic', chunking: true },
  { profile: 'acr', auth: 'basic' },
  { profile: 'harbor', options: { unreadableProjects: ['secret'] } },
  { profile: 'dockerhub', auth: 'token' },
  { profile: 'quay' },
  { profile: 'artifactory', chunking: true },
  { profile: 'gitlab' },
  { profile: 's3', options: { minChunk: 2 * MiB }, chunking: true },
];

let src; // plain registry: the sources copied in
let dst; // plain registry: the targets copied out to
const images = {};
let bundleTgz;
let serve; // irel serve's proxy, for the browser entry
let browser; // the browser entry (fetch transport)
const setups = new Map(); // profile -> { backing, proxy, creds, credsArg, credentials }

before(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  images.image = await pushImage(src, 'apps/image:v1', { layers: [1500, 4000] });
  images.index = await pushIndex(src, 'apps/index:v1', { platforms: ['linux/amd64', 'linux/arm64'] });
  images.list = await pushIndex(src, 'apps/list:v1', { format: 'docker', platforms: ['linux/amd64', 'linux/arm64'] });
  images.big = await pushImage(src, 'apps/big:v1', { layers: [{ size: 3 * MiB, kind: 'raw' }, 700] });
  const bundle = {
    name: 'dialects',
    invocationImages: [{ imageType: 'docker', image: images.image.ref }],
    images: { multi: { imageType: 'oci', image: images.index.ref, contentDigest: images.index.digest } },
  };
  writeFileSync(join(tmp, 'bundle.json'), JSON.stringify(bundle, null, 2));
  bundleTgz = join(tmp, 'bundle.tgz');
  assertRan(await cli(['bundle', 'export', join(tmp, 'bundle.json'), '-o', bundleTgz, '-q']), 'bundle export');

  await Promise.all(PROFILES.map(async (p) => {
    const backing = await startRegistry({ auth: p.auth ?? 'none' });
    const proxy = await startDialectProxy({ target: backing.url, profile: p.profile, options: p.options ?? {},
      tokenServer: backing.tokenServer?.url, credentials: backing.creds });
    const creds = backing.creds;
    setups.set(p.profile, {
      backing, proxy, creds,
      credsArg: creds ? `${creds.username}:${creds.password}` : null,
      credentials: creds ? { [proxy.host]: { username: creds.username, password: creds.password } } : undefined,
    });
  }));

  serve = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1', 'localhost'], log: () => {} });
  browser = await loadBrowserEntry({ wasmBinary: readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url)) });
});

after(async () => {
  if (process.env.DEBUG_DIALECTS) {
    for (const [profile, { proxy }] of setups) {
      console.error(`--- ${profile}`);
      for (const e of proxy.dialects) console.error(`${e.seq} ${e.listener} ${e.method} ${e.path.replace(/\?.*/, '')} ${e.status} ${e.dialect}`);
    }
  }
  irel.close();
  browser?.close();
  await serve?.close();
  await Promise.all([...setups.values()].flatMap((s) => [s.proxy.stop(), s.backing.stop()]));
  await Promise.all([src?.stop(), dst?.stop()]);
  await removeDir(tmp);
});

/** A referrer manifest (OCI 1.1 `subject`) of apps/image on src, in its own repository. */
async function pushReferrer(reg, repo) {
  const client = registryClient(reg);
  const config = memoryBlob(Buffer.from('{}'));
  const data = memoryBlob(Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
  await uploadBlob(client, repo, config);
  await uploadBlob(client, repo, data);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA_TYPES.oci.manifest, artifactType: 'application/spdx+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', size: config.size, digest: config.digest },
    layers: [{ mediaType: 'application/spdx+json', size: data.size, digest: data.digest }],
    subject: { mediaType: images.image.mediaType, size: images.image.size, digest: images.image.digest },
  }, null, 2));
  await putManifest(client, repo, 'sbom', manifest, MEDIA_TYPES.oci.manifest);
  return { ref: `${reg.host}/${repo}:sbom`, digest: sha256(manifest) };
}

describe('irel against registry dialects', { concurrency: true }, () => {
  for (const { profile, chunking } of PROFILES) {
    describe(profile, { concurrency: false }, () => {
      const s = () => setups.get(profile);
      const destCreds = () => (s().credsArg ? ['--dest-creds', s().credsArg] : []);
      const srcCreds = () => (s().credsArg ? ['--src-creds', s().credsArg] : []);
      const into = (repo) => `${s().proxy.host}/${repo}`;

      before(async () => {
        const { backing } = s();
        images[`${profile}/out/image`] = await pushImage(backing, 'out/image:v1', { layers: [1500, 4000], seed: 'apps/image:v1' });
        images[`${profile}/out/index`] = await pushIndex(backing, 'out/index:v1', { platforms: ['linux/amd64', 'linux/arm64'], seed: 'apps/index:v1' });
      });

      const copyInto = [
        ['copies an image into it', 'image', 'into/image'],
        ['copies a multi-arch index into it', 'index', 'into/index'],
      ];
      for (const [name, key, repo] of copyInto) {
        it(name, { timeout: CASE_TIMEOUT_MS }, async () => {
          const r = await cli(['copy', '--quiet', ...destCreds(), images[key].ref, `${into(repo)}:v1`]);
          assertRan(r, `copy ${key} into ${profile}`);
          assert.match(r.stdout, new RegExp(`content digest ${images[key].digest}`));
          await assertCopied(s().backing, repo, images[key], 'v1');
        });
      }

      const copyOut = [
        ['copies an image out of it', 'image'],
        ['copies a multi-arch index out of it', 'index'],
      ];
      for (const [name, key] of copyOut) {
        it(name, { timeout: CASE_TIMEOUT_MS }, async () => {
          const pushed = images[`${profile}/out/${key}`];
          const target = `${dst.host}/${profile}/${key}`;
          const pullsBefore = s().proxy.state.pulls;
          const r = await cli(['copy', '--quiet', ...srcCreds(), `${into(`out/${key}`)}:v1`, `${target}:v1`]);
          assertRan(r, `copy ${key} out of ${profile}`);
          await assertCopied(dst, `${profile}/${key}`, pushed, 'v1');
          if (profile === 'ghcr' || profile === 'acr') {
            const storage = s().proxy.log.filter((e) => e.listener === 'storage');
            assert.ok(storage.length > 0 && storage.every((e) => e.status === 200 || e.status === 206),
              `blobs read from storage: ${JSON.stringify(storage.map((e) => [e.method, e.status, e.dialect]))}`);
          }
          if (profile === 'dockerhub') {
            assert.equal(s().proxy.state.pulls - pullsBefore, allManifests(pushed).length, 'one pull (manifest GET) per manifest');
          }
        });
      }

      it('relocates a thick bundle into it', { timeout: CASE_TIMEOUT_MS }, async () => {
        const out = join(tmp, `${profile}-mapping.json`);
        const r = await cli(['bundle', 'relocate', bundleTgz, '-r', into('bundle'), '-o', out, '-q',
          ...(s().credsArg ? ['--dest-creds', s().credsArg] : [])]);
        assertRan(r, `bundle relocate into ${profile}`);
        const mapping = JSON.parse(readFileSync(out, 'utf8'));
        for (const key of ['image', 'index']) {
          const relocated = mapping[images[key].ref];
          assert.ok(relocated?.startsWith(`${s().proxy.host}/bundle/`), `${key}: ${relocated}`);
          const repo = relocated.slice(s().proxy.host.length + 1).replace(/[:@].*$/, '');
          await assertCopied(s().backing, repo, images[key]);
        }
      });

      if (chunking) {
        it('copies a layer larger than the chunk size into it, in chunks (API, chunkSize 1 MiB)', { timeout: CASE_TIMEOUT_MS }, async () => {
          const summary = await irel.copy(images.big.ref, `${into('chunked/big')}:v1`, {
            chunkSize: MiB, jobs: 1, retry: FAST_RETRY, credentials: s().credentials, signal: AbortSignal.timeout(CLI_TIMEOUT_MS) });
          assert.equal(summary.digest, images.big.digest);
          await assertCopied(s().backing, 'chunked/big', images.big, 'v1');
        });

        it('the browser entry through irel serve copies a layer larger than the chunk size into it', { timeout: CASE_TIMEOUT_MS }, async () => {
          const summary = await browser.copy(images.big.ref, `${into('browser/big')}:v1`, {
            proxyBase: serve.proxyBase, chunkSize: MiB, jobs: 1, retry: FAST_RETRY, credentials: s().credentials,
            signal: AbortSignal.timeout(CLI_TIMEOUT_MS) });
          assert.equal(summary.digest, images.big.digest);
          await assertCopied(s().backing, 'browser/big', images.big, 'v1');
        });
      }

      // Each profile's own behaviours that the matrix above does not reach.
      if (profile === 'ecr') {
        it('refuses a push to a repository that does not exist, naming it (NAME_UNKNOWN), creating nothing', { timeout: CASE_TIMEOUT_MS }, async () => {
          const r = await cli(['copy', '--quiet', images.image.ref, `${into('nowhere/app')}:v1`]);
          assert.equal(r.timedOut, false);
          assert.equal(r.status, 1, r.stderr);
          assert.match(r.stderr, /NAME_UNKNOWN/);
          assert.match(r.stderr, /nowhere\/app/);
          assert.equal(s().proxy.state.repositories.has('nowhere/app'), false);
          assert.deepEqual(await listTags(s().backing, 'nowhere/app'), []);
        });

        it('refuses an OCI 1.1 referrer manifest with ECR\'s 405 UNSUPPORTED, tagging nothing', { timeout: CASE_TIMEOUT_MS }, async () => {
          const referrer = await pushReferrer(src, 'apps/referrer');
          const r = await cli(['copy', '--quiet', referrer.ref, `${into('referrer/app')}:sbom`]);
          assert.equal(r.timedOut, false);
          assert.equal(r.status, 1, r.stderr);
          assert.match(r.stderr, /405/);
          assert.match(r.stderr, /UNSUPPORTED/);
          assert.deepEqual(await listTags(s().backing, 'referrer/app'), []);
        });
      }

      if (profile === 'harbor') {
        it('copies between projects when the mount from the source project is refused with 401', { timeout: CASE_TIMEOUT_MS }, async () => {
          const pushed = await pushImage(s().backing, 'secret/app:v1', { layers: [2500], seed: 'harbor/secret' });
          const r = await cli(['copy', '--quiet', `${into('secret/app')}:v1`, `${into('team/app')}:v1`]);
          assertRan(r, 'copy across Harbor projects');
          await assertCopied(s().backing, 'team/app', pushed, 'v1');
          assert.ok(s().proxy.dialects.some((e) => /mount from unreadable project secret/.test(e.dialect)), 'a mount was tried and refused');
        });

        it('an older Harbor: refuses a Docker manifest list clearly, leaving no tag', { timeout: CASE_TIMEOUT_MS }, async () => {
          const old = await startDialectProxy({ target: s().backing.url, profile: 'harbor', options: { refuseManifestLists: true } });
          try {
            const r = await cli(['copy', '--quiet', images.list.ref, `${old.host}/old/list:v1`]);
            assert.equal(r.timedOut, false);
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stderr, /415/);
            assert.match(r.stderr, /Manifest\.list is not supported/);
            assert.deepEqual(await listTags(s().backing, 'old/list'), []);
          } finally {
            await old.stop();
          }
        });
      }

      if (profile === 'dockerhub') {
        it('irel digest costs no pull (HEAD)', { timeout: CASE_TIMEOUT_MS }, async () => {
          const before = s().proxy.state.pulls;
          const r = await cli(['digest', ...srcCreds(), `${into('out/index')}:v1`]);
          assertRan(r, 'digest');
          assert.equal(r.stdout.trim(), images[`${profile}/out/index`].digest);
          assert.equal(s().proxy.state.pulls, before);
        });

        // Docker Hub itself has no three-part names; the token endpoint's rule is reached here
        // by a copy between two repositories of one registry, whose mount asks for a pull scope
        // on the three-part source alongside the push scope.
        it('copies from a three-part repository when the token endpoint refuses the mount\'s scope', { timeout: CASE_TIMEOUT_MS }, async () => {
          const pushed = await pushImage(s().backing, 'org/team/app:v1', { layers: [2500], seed: 'dockerhub/three' });
          const r = await cli(['copy', '--quiet', ...srcCreds(), ...destCreds(), `${into('org/team/app')}:v1`, `${into('org/app')}:v1`]);
          assertRan(r, 'copy from a three-part repository');
          await assertCopied(s().backing, 'org/app', pushed, 'v1');
        });
      }
    });
  }
});
