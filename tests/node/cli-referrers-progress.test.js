// Referrers (signatures, attestations, SBOMs) in the CLI's output: a line each as it is copied or
// fails (with the registry's error), on a terminal above the live lines; the summary counts them
// ("referrers: N copied, M failed") and names no failure twice; a dry run's
// plan counts them.
// Real processes (`irel copy`, `irel relocate`) against real docker-registry instances; a
// terminal through script(1)'s pseudo-terminal; an ECR-like refusal through a fault proxy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { CLI, runIrel } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { getManifest, registryHas } from '../helpers/inspect.js';
import { fallbackTag, pushCosignTag, pushReferrer, putFallbackIndex, TYPES } from '../helpers/referrers.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';

/** The CLI with standard error (and output) on a pseudo-terminal: resolves { status, output }. */
function runIrelOnTerminal(args) {
  const quote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => resolve({ status, output: output.replace(/\r\n/g, '\n') }));
  });
}

const occurrences = (text, s) => text.split(s).length - 1;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('referrers in the CLI\'s progress and summary', () => {
  let src;
  let dst;
  let ecr; // the target as ECR behaves: manifests with a subject (pushed by digest) refused with 405
  let image;
  let refs; // { sig, att, attSig, cosign }
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    image = await pushImage(src, 'signed/app:v1', { layers: [800, 900] });
    const subject = { digest: image.digest, size: image.size, mediaType: image.mediaType };
    // Their config is the same empty "{}" blob, as OCI artifacts' is.
    const sig = await pushReferrer(src, 'signed/app', { subject, artifactType: TYPES.notation, layerType: 'application/jose+json', payload: 'sig' });
    const att = await pushReferrer(src, 'signed/app', { subject, artifactType: TYPES.inToto, layerType: TYPES.dsse, payload: 'provenance' });
    const attSig = await pushReferrer(src, 'signed/app', { subject: att, artifactType: TYPES.notation, layerType: 'application/jose+json',
      payload: 'sig of the attestation' });
    const cosign = await pushCosignTag(src, 'signed/app', image, '.sig', TYPES.simpleSigning);
    await putFallbackIndex(src, 'signed/app', image, [sig, att]);
    await putFallbackIndex(src, 'signed/app', att, [attSig]);
    refs = { sig: { ...sig, subject: image.digest }, att: { ...att, subject: image.digest }, attSig: { ...attSig, subject: att.digest },
      cosign: { ...cosign, subject: image.digest } };
    ecr = await startFaultProxy({ target: dst.url, rules: [{ method: 'PUT', path: /\/manifests\/sha256:/, status: 405,
      body: '{"errors":[{"code":"UNSUPPORTED","message":"Invalid parameter at \'subject\' failed to satisfy constraint"}]}' }] });
  });
  after(async () => {
    await ecr?.stop();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const copied = (r, { label = '' } = {}) => `${label}referrer ${r.digest} (${r.artifactType}) of ${r.subject} copied`;
  const refused = (r) => `referrer ${r.digest} (${r.artifactType}) of ${r.subject} not copied: `;
  const cosignLine = () => `referrer ${refs.cosign.digest} (${refs.cosign.artifactType}) of ${image.digest} copied as tag ${fallbackTag(image.digest)}.sig`;
  // The engine gives a cosign tag's referrer the type its manifest has (here its config's).
  const signedLines = () => [copied(refs.sig), copied(refs.att), copied(refs.attSig)];

  const cases = [
    ['not a terminal: a line per referrer copied, each once, and the summary counts them',
      () => ['copy', image.ref, `${dst.host}/plain/app:v1`], {},
      async (r) => {
        assert.equal(r.status, 0, r.stderr);
        for (const line of [...signedLines(), cosignLine()]) assert.equal(occurrences(r.stderr, `${line}\n`), 1, `${line}\n${r.stderr}`);
        assert.equal(occurrences(r.stderr, 'referrers: 4 copied, 0 failed, 2 fallback tags written\n'), 1, r.stderr);
        assert.equal(occurrences(r.stderr, ' not copied'), 0);
        // What the lines say is what the target holds.
        for (const ref of [refs.sig, refs.att, refs.attSig]) assert.ok(await registryHas(dst, 'plain/app', ref.digest), ref.digest);
        assert.equal((await getManifest(dst, 'plain/app', `${fallbackTag(image.digest)}.sig`)).digest, refs.cosign.digest);
      }],
    ['on a terminal: the same lines above the live ones, whose totals count the referrers; the summary is not drawn over',
      () => ['copy', image.ref, `${dst.host}/tty/app:v1`], { tty: true },
      async (r) => {
        assert.equal(r.status, 0, r.output);
        for (const line of [...signedLines(), cosignLine()]) assert.equal(occurrences(r.output, `\x1b[2K${line}\n`), 1, line);
        assert.match(r.output, /\x1b\[2Ktotal [^\n]*, 4\/4 referrers, /);
        // After the copy's own line (written once progress has finished): the summary, left alone.
        const at = r.output.indexOf(`copied ${image.ref} to `);
        assert.ok(at > 0, r.output);
        const tail = r.output.slice(at);
        assert.match(tail, /referrers: 4 copied, 0 failed, 2 fallback tags written\n$/);
        assert.doesNotMatch(tail, /\x1b\[\d+A/, 'nothing moves the cursor up over the summary');
        assert.ok(await registryHas(dst, 'tty/app', refs.attSig.digest));
      }],
    ['a registry refusing referrers (ECR): each refusal named once with its error, the summary counts it, exit 1',
      () => ['copy', image.ref, `${ecr.host}/refused/app:v1`], {},
      async (r) => {
        assert.equal(r.status, 1, r.stderr);
        for (const ref of [refs.sig, refs.att]) {
          assert.equal(occurrences(r.stderr, refused(ref)), 1, r.stderr);
          assert.match(r.stderr, new RegExp(`${escape(refused(ref))}target registry .* answered 405 .*\\[UNSUPPORTED\\]\\n`));
        }
        // The attestation's signature: what it refers to is not there.
        assert.match(r.stderr, new RegExp(`${escape(refused(refs.attSig))}what it refers to \\(${refs.att.digest}\\) was not copied`));
        assert.equal(occurrences(r.stderr, `${cosignLine()}\n`), 1, 'a cosign tag is no subject manifest: copied');
        assert.equal(occurrences(r.stderr, 'referrers: 1 copied, 3 failed\n'), 1, r.stderr);
        assert.ok(await registryHas(dst, 'refused/app', image.digest), 'the image itself is copied');
      }],
    ['--quiet: no progress, yet each referrer not copied named once (the exit status says why)',
      () => ['copy', '--quiet', image.ref, `${ecr.host}/quiet/app:v1`], {},
      async (r) => {
        assert.equal(r.status, 1, r.stderr);
        for (const ref of [refs.sig, refs.att, refs.attSig]) assert.equal(occurrences(r.stderr, refused(ref)), 1, r.stderr);
        assert.equal(occurrences(r.stderr, ' copied\n'), 0, r.stderr);
        assert.equal(r.stderr.split('\n').filter(Boolean).length, 3, r.stderr);
      }],
    ['relocate: each line names its image, and so does the summary',
      () => ['relocate', '-r', `${dst.host}/many`, image.ref], {},
      async (r) => {
        assert.equal(r.status, 0, r.stderr);
        for (const line of signedLines()) assert.equal(occurrences(r.stderr, `${image.ref}: ${line}\n`), 1, `${line}\n${r.stderr}`);
        assert.equal(occurrences(r.stderr, `${image.ref}: referrers: 4 copied, 0 failed, 2 fallback tags written\n`), 1, r.stderr);
        assert.match(r.stderr, new RegExp(`relocated ${escape(image.ref)} to ${escape(dst.host)}/many/`));
      }],
    ['a dry run\'s plan counts the referrers (copy)', () => ['copy', '--dry-run', image.ref, `${dst.host}/dry/app:v1`], {},
      async (r) => {
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /\n {2}manifests: 1, the root last as v1\n {2}referrers: 4 to copy\n$/);
        assert.equal(r.stderr, '');
      }],
    ['a dry run\'s plan counts the referrers (relocate)', () => ['relocate', '--dry-run', '-r', `${dst.host}/dry`, image.ref], {},
      async (r) => {
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /\n {2}referrers: 4 to copy\n$/);
      }],
    ['--no-referrers: no referrer line, no count, in the plan or the copy',
      () => ['copy', '--no-referrers', image.ref, `${dst.host}/none/app:v1`], {},
      async (r) => {
        assert.equal(r.status, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /referrer/);
        const plan = await runIrel(['copy', '--dry-run', '--no-referrers', image.ref, `${dst.host}/none/plan:v1`]);
        assert.equal(plan.status, 0, plan.stderr);
        assert.doesNotMatch(plan.stdout, /referrers/);
        assert.equal(await registryHas(dst, 'none/app', refs.sig.digest), false);
      }],
  ];
  for (const [name, args, { tty = false }, check] of cases) {
    it(name, async () => check(tty ? await runIrelOnTerminal(args()) : await runIrel(args())));
  }
});
