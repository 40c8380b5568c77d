// irel relocate: a list of images (arguments, -f FILE, standard input) to a repository prefix, as
// a user runs it against real registries; the mapping names only the images relocated, and one
// image failing neither stops the others nor undoes them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { CLI, runIrel as irel } from '../helpers/cli.js';
import { sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { registryClient } from '../helpers/registry-client.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';

function irelWithInput(args, input) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('irel relocate', () => {
  let src;
  let dst;
  let tmp;
  const images = {};
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
    images.app = await pushImage(src, 'team/app:1.0', { layers: [3000, 700] });
    images.multi = await pushIndex(src, 'team/multi:2.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    images.tool = await pushImage(src, 'tools/tool:3', { layers: [100] });
    tmp = mkdtempSync(join(tmpdir(), 'irel-relocate-'));
  });
  after(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const creds = () => ['--dest-creds', `${dst.creds.username}:${dst.creds.password}`];
  const mapped = async (prefix, ref) => (await irel(['map', '-r', prefix, ref])).stdout.trim();

  async function assertRelocated(target, digest) {
    const raw = await skopeoInspectRaw(target, dst);
    assert.equal(sha256(raw), digest, target);
  }

  it('relocates the images given as arguments, reports the ones that fail, and maps only those relocated', async () => {
    const prefix = `${dst.host}/args`;
    const missing = `${src.host}/team/absent:9`;
    const r = await irel(['relocate', '-r', prefix, images.app.ref, 'Not/A:Valid:Ref', missing, images.multi.ref, images.app.ref, ...creds()]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /irel relocate: Not\/A:Valid:Ref: .*\[NAME_/);
    assert.match(r.stderr, new RegExp(`irel relocate: ${missing}: .*source`));
    assert.match(r.stderr, /2 of 4 images relocated, 2 failed/);
    const mapping = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(mapping).sort(), [images.app.ref, images.multi.ref].sort());
    for (const key of ['app', 'multi']) {
      assert.equal(mapping[images[key].ref], await mapped(prefix, images[key].ref));
      await assertRelocated(mapping[images[key].ref], images[key].digest);
    }
    assert.equal(r.stderr.includes(dst.creds.password), false);
  });

  it('reads a file of references (comments and blank lines skipped) and writes the mapping file', async () => {
    const prefix = `${dst.host}/file`;
    const list = join(tmp, 'images.txt');
    writeFileSync(list, `# the release\n${images.tool.ref}\n\n${images.multi.ref}\r\n`);
    const out = join(tmp, 'relocation-mapping.json');
    const r = await irel(['relocate', '-r', prefix, '-f', list, '-o', out, '-q', ...creds()]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    const expected = { [images.multi.ref]: await mapped(prefix, images.multi.ref), [images.tool.ref]: await mapped(prefix, images.tool.ref) };
    assert.equal(readFileSync(out, 'utf8'), `${JSON.stringify(expected, null, 2)}\n`);
    await assertRelocated(expected[images.tool.ref], images.tool.digest);
  });

  it('reads references from standard input', async () => {
    const prefix = `${dst.host}/stdin`;
    const r = await irelWithInput(['relocate', '-r', prefix, '-q', ...creds()], `${images.app.ref}\n`);
    assert.equal(r.status, 0, r.stderr);
    const target = await mapped(prefix, images.app.ref);
    assert.deepEqual(JSON.parse(r.stdout), { [images.app.ref]: target });
    await assertRelocated(target, images.app.digest);
  });

  /** The repositories of a registry (docker-registry's catalog). */
  async function catalog(reg) {
    const r = await registryClient(reg).request('GET', '/v2/_catalog?n=1000');
    assert.equal(r.status, 200);
    return JSON.parse(r.body.toString()).repositories ?? [];
  }

  it('plans a copy with --dry-run: every blob to upload, with bytes, and writes nothing', async () => {
    const before = await catalog(dst);
    const target = `${dst.host}/dry/app:1`;
    const r = await irel(['copy', '--dry-run', images.app.ref, target, ...creds()]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^plan: ${images.app.ref} -> ${target} \\(${images.app.digest}\\)`));
    assert.equal((r.stdout.match(/^ {2}upload /gm) ?? []).length, 3); // config and two layers
    assert.match(r.stdout, /blobs: 3 to upload \(.+\), 0 to mount .*0 present/);
    assert.deepEqual(await catalog(dst), before, 'the dry run wrote to the target');
  });

  it('plans blobs the target has as present, and an image it has as a tag only', async () => {
    const target = `${dst.host}/dry/again:1`;
    assert.equal((await irel(['copy', '-q', images.tool.ref, target, ...creds()])).status, 0);
    const r = await irel(['copy', '--dry-run', '--json', images.tool.ref, target, ...creds()]);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.equal(plan.dryRun, true);
    assert.equal(plan.exists, true);
    assert.deepEqual(plan.blobs.map((b) => b.action), ['present', 'present']);
    assert.equal(plan.totals.bytes.upload, 0);
  });

  it('plans mounts from the source repository when both are on one registry', async () => {
    const r = await irel(['copy', '--dry-run', '--json', images.app.ref, `${src.host}/mirror/app:1.0`]);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.deepEqual(plan.blobs.map((b) => `${b.action} ${b.from}`), ['mount team/app', 'mount team/app', 'mount team/app']);
    assert.equal((await irel(['copy', '-q', images.app.ref, `${src.host}/mirror/app:1.0`])).status, 0);
  });

  it('plans a list with relocate --dry-run --json, one plan per image, and writes nothing', async () => {
    const before = await catalog(dst);
    const prefix = `${dst.host}/dry-list`;
    const r = await irel(['relocate', '-n', '--json', '-r', prefix, images.app.ref, images.multi.ref, ...creds()]);
    assert.equal(r.status, 0, r.stderr);
    const plans = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(plans.map((p) => p.source), [images.app.ref, images.multi.ref]);
    assert.equal(plans[0].target, await mapped(prefix, images.app.ref));
    assert.equal(plans[1].manifests.length, 3); // two platform manifests, the index last
    assert.equal(plans[1].manifests[2].root, true);
    assert.ok(plans.every((p) => p.blobs.every((b) => b.action === 'upload')));
    assert.deepEqual(await catalog(dst), before, 'the dry run wrote to the target');
  });

  const usage = [
    ['--json without --dry-run', ['relocate', '-r', 'r.example/x', '--json', 'a/b:1'], /--json goes with --dry-run/],
    ['a dry run with a mapping file', ['relocate', '-r', 'r.example/x', '-n', '-o', 'm.json', 'a/b:1'], /writes no mapping/],
    ['no prefix', ['relocate', 'a/b:1'], /-r PREFIX is required/],
    ['a bad prefix', ['relocate', '-r', 'bad prefix!', 'a/b:1'], /-r "bad prefix!": .*lowercase/],
    ['both arguments and a file', ['relocate', '-r', 'r.example/x', '-f', 'list.txt', 'a/b:1'], /not both/],
    ['a file that does not exist', ['relocate', '-r', 'r.example/x', '-f', '/nonexistent/list.txt'], /ENOENT/],
    ['a bad --jobs', ['relocate', '-r', 'r.example/x', '--jobs', '0', 'a/b:1'], /--jobs/],
  ];
  for (const [what, args, message] of usage) {
    it(`is a usage error: ${what}`, async () => {
      const r = await irel(args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});
