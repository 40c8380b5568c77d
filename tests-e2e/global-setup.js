// Real registries for the browser tests, seeded with images; a thin bundle, a thick bundle made by
// `irel bundle export` and a corrupt copy of it; then the proxy (`proxy/server.js`), allowed to
// reach those registries, serving the page at 127.0.0.1:IREL_E2E_PORT. The state goes to the
// tests through a JSON file named by IREL_E2E_STATE; the returned function stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dockerSaveDefect, dockerSaveLegacy, dockerSaveOci, skopeoOciArchive } from '../tests/helpers/archives.js';
import { startDialectProxy } from '../tests/helpers/dialect-proxy.js';
import { startFaultProxy } from '../tests/helpers/fault-proxy.js';
import { startRegistry } from '../tests/helpers/registry.js';
import { seedSigned } from '../tests/helpers/referrers.js';
import { forgeBundle, pushSamples } from '../tests/helpers/samples.js';
import { pushImage } from '../tests/helpers/seed.js';
import { makeTempDir, waitUntil } from '../tests/helpers/util.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'wasm/js/cli/main.js');
export const PORT = Number(process.env.IREL_E2E_PORT ?? 18080);
// The server under test; IREL_E2E_SERVER may name another script with the same command line.
const SERVER = process.env.IREL_E2E_SERVER ?? join(ROOT, 'proxy/server.js');
const BIG_LAYER = Number(process.env.IREL_E2E_BIG_LAYER ?? 96 << 20);
// Each upload chunk (PATCH, 16 MiB in browsers) to the "slow" way into the target registry waits
// this long, so that a relocation is reliably still running when a test cancels it.
const SLOW_PATCH_MS = Number(process.env.IREL_E2E_SLOW_PATCH_MS ?? 2500);

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A copy of the thick bundle with one byte flipped in its largest blob (re-compressed: a valid archive, a bad blob). */
function corruptBundle(tgz, tmp) {
  const tree = join(tmp, 'corrupt-tree');
  mkdirSync(tree);
  sh('tar', ['-xzf', tgz, '-C', tree]);
  const blobs = join(tree, 'artifacts/layout/blobs/sha256');
  const largest = readdirSync(blobs).map((f) => ({ f, size: statSync(join(blobs, f)).size })).sort((a, b) => b.size - a.size)[0];
  const path = join(blobs, largest.f);
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(path, bytes);
  const out = join(tmp, 'forge-corrupt.tgz');
  sh('tar', ['-czf', out, '-C', tree, 'bundle.json', 'artifacts']);
  return { path: out, blob: `sha256:${largest.f}` };
}

// Profiles of tests/helpers/dialect-proxy.js and their options, as tests/node/dialects.test.js runs them.
export const DIALECTS = {
  ecr: { createOnPush: true }, gar: {}, ghcr: {}, acr: {}, harbor: { unreadableProjects: ['secret'] }, dockerhub: {},
  quay: {}, artifactory: {}, gitlab: {}, s3: { minChunk: 2 << 20 },
};

const handle = (reg) => ({ host: reg.host, url: reg.url, port: reg.port, tls: reg.tls, creds: reg.creds });

export default async function globalSetup() {
  const stops = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const tmp = await makeTempDir('irel-e2e-');
    stops.push(async () => rmSync(tmp, { recursive: true, force: true }));
    // upstream: the original images; internal: the target, with Basic auth (credentials typed into the page).
    // tokened: a target with token auth, whose realm (another port) the page also reaches through the proxy.
    const [upstream, internal, tokened] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' }),
      startRegistry({ auth: 'token', username: 'tess', password: 'tess-T0ken' })]);
    stops.push(() => upstream.stop(), () => internal.stop(), () => tokened.stop());
    // The same target registry behind a proxy that delays every upload chunk (for cancelling).
    const slow = await startFaultProxy({ target: internal.url, rules: [{ method: 'PATCH', delayMs: SLOW_PATCH_MS }] });
    stops.push(() => slow.stop());
    // The same target registry as each registry dialect behaves (tests/helpers/dialect-proxy.js):
    // the page's big-layer relocation must go through every one.
    const dialects = {};
    for (const [profile, options] of Object.entries(DIALECTS)) {
      const d = await startDialectProxy({ target: internal.url, profile, options, credentials: internal.creds });
      stops.push(() => d.stop());
      dialects[profile] = d;
    }

    const images = await pushSamples(upstream);
    const big = await pushImage(upstream, 'samples/big:1', { layers: [{ size: BIG_LAYER, kind: 'raw' }] });

    const bundle = forgeBundle(images);
    const thin = join(tmp, 'forge.json');
    writeFileSync(thin, `${JSON.stringify(bundle, null, 2)}\n`);
    const thick = join(tmp, 'forge.tgz');
    sh(process.execPath, [CLI, 'bundle', 'export', thin, '-o', thick, '-q']);
    const corrupt = corruptBundle(thick, tmp);
    // A thick bundle of the big image alone, for cancelling a thick relocation.
    const bigThin = join(tmp, 'big.json');
    writeFileSync(bigThin, JSON.stringify({ name: 'big', version: '1.0.0', images: { big: { imageType: 'oci', image: big.ref } } }));
    const bigThick = join(tmp, 'big.tgz');
    sh(process.execPath, [CLI, 'bundle', 'export', bigThin, '-o', bigThick, '-q']);

    // A thick bundle of an image with its signatures, attestation and SBOM (and cosign's tag).
    const signed = await seedSigned(upstream, 'samples/signed');
    const signedThin = join(tmp, 'signed.json');
    writeFileSync(signedThin, JSON.stringify({ name: 'signed', version: '1.0.0', images: { app: { imageType: 'oci', image: signed.image.ref } } }));
    const signedThick = join(tmp, 'signed.tgz');
    sh(process.execPath, [CLI, 'bundle', 'export', signedThin, '-o', signedThick, '-q']);

    // The proxy, allowed to reach the test registries (loopback targets are refused otherwise).
    const log = join(tmp, 'proxy.log');
    const proxy = spawn(process.execPath, [SERVER, '--port', String(PORT),
      '--allow-host', upstream.host, '--allow-host', internal.host, '--allow-host', slow.host,
      ...Object.values(dialects).flatMap((d) => ['--allow-host', d.host, ...(d.storage ? ['--allow-host', d.storage.host] : [])]),
      '--allow-host', tokened.host, '--allow-host', new URL(tokened.tokenServer.realm).host], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proxy.stdout.on('data', (d) => (output += d));
    proxy.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => proxy.once('exit', resolve));
    stops.push(async () => {
      if (proxy.exitCode === null && proxy.signalCode === null) {
        proxy.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (proxy.exitCode === null && proxy.signalCode === null) proxy.kill('SIGKILL');
      }
      writeFileSync(log, output);
    });
    await waitUntil(async () => {
      if (proxy.exitCode !== null) throw Object.assign(new Error(`the proxy exited: ${output}`), { fatal: true });
      const r = await fetch(`http://127.0.0.1:${PORT}/web/`).catch(() => null);
      return r?.status === 200;
    }, { timeoutMs: 20_000, what: `the proxy on port ${PORT}` }).catch((e) => {
      throw new Error(`${e.message}\n${output}`);
    });

    const state = {
      tmp,
      upstream: handle(upstream),
      internal: handle(internal),
      tokened: { ...handle(tokened), realm: tokened.tokenServer.realm },
      // host: the slow way in; url/creds: the registry itself (for checks that bypass the delays)
      slow: { ...handle(internal), host: slow.host },
      // host: the registry as the dialect behaves; url/creds: the registry itself (for checks)
      dialects: Object.fromEntries(Object.entries(dialects).map(([name, d]) => [name, { ...handle(internal), host: d.host }])),
      images: Object.fromEntries(Object.entries(images).map(([k, v]) => [k, { ref: v.ref, digest: v.digest }])),
      big: { ref: big.ref, digest: big.digest, size: BIG_LAYER, thick: bigThick },
      signed: { ref: signed.image.ref, digest: signed.image.digest, thick: signedThick,
        referrers: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== 'image').map(([k, v]) => [k, v.digest])) },
      bundle,
      thin,
      thick,
      corrupt,
    };
    // Image archives for archive.spec.js, from the images above: a docker save tarball as Docker 25+
    // writes it (an OCI layout inside) of web and db; an OCI archive skopeo wrote of the multi-arch
    // hello (its index, both platforms); a docker save with Docker 25.0's defect ("manifests": null).
    const dockerSave = await dockerSaveOci([{ reg: upstream, ref: images.web.ref }, { reg: upstream, ref: images.db.ref }], join(tmp, 'docker-save.tar'));
    const ociArchive = await skopeoOciArchive(upstream, images.hello.ref, join(tmp, 'hello-oci.tar'), { all: true });
    const defect = await dockerSaveDefect('manifests-null', [{ reg: upstream, ref: images.web.ref }], join(tmp, 'docker-save-defect.tar'));
    // A docker save of Docker 24 (no OCI layout: layer tars), converted in the page.
    const legacy = await dockerSaveLegacy([{ reg: upstream, ref: images.db.ref }], join(tmp, 'docker-save-legacy.tar'));
    state.archives = {
      dockerSave: { path: dockerSave.path, images: dockerSave.images.map((i) => ({ names: i.names, digest: i.digest })) },
      oci: { path: ociArchive.path, name: ociArchive.name, digest: ociArchive.digest, mediaType: ociArchive.mediaType },
      defect: { path: defect.path, kind: defect.kind, thread: defect.thread },
      legacy: { path: legacy.path, images: legacy.images.map((i) => ({ names: i.names, config: i.config.digest })) },
    };
    const stateFile = join(tmp, 'state.json');
    writeFileSync(stateFile, JSON.stringify(state, null, 2));
    process.env.IREL_E2E_STATE = stateFile;
    return teardown;
  } catch (e) {
    await teardown();
    throw e;
  }
}
