// irel digest and irel copy as a user runs them: real processes against real registries, with
// credentials from a Docker config file and TLS options from flags.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { runIrel as irel } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { pushIndex } from '../helpers/seed.js';



describe('irel digest and copy', () => {
  let src;
  let secure;
  let image;
  let dockerConfig;
  before(async () => {
    [src, secure] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic', tls: true, username: 'ci', password: 'ci-secret' })]);
    image = await pushIndex(src, 'cli/multi:v1', { platforms: ['linux/amd64', 'linux/arm64'] });
    dockerConfig = mkdtempSync(join(tmpdir(), 'irel-docker-config-'));
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({
      auths: { [secure.host]: { auth: Buffer.from('ci:ci-secret').toString('base64') } },
    }));
  });
  after(async () => {
    rmSync(dockerConfig, { recursive: true, force: true });
    await Promise.all([src?.stop(), secure?.stop()]);
  });

  it('prints the digest of an index', async () => {
    const r = await irel(['digest', image.ref]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${image.digest}\n`);
  });

  it('copies with credentials from the Docker config and a CA from --ca-cert', async () => {
    const dst = `${secure.host}/cli/multi:v1`;
    const r = await irel(['copy', image.ref, dst, '--ca-cert', secure.caFile, '--jobs', '2'], { env: { DOCKER_CONFIG: dockerConfig } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `copied ${image.ref} to ${dst} with content digest ${image.digest}\n`);
    assert.match(r.stderr, /blobs: \d+ uploaded/);
    assert.equal(r.stderr.includes('ci-secret'), false);
    const raw = await skopeoInspectRaw(dst, secure);
    assert.equal(sha256(raw), image.digest);
  });

  it('says when --platform changed the digest, and is quiet with --quiet', async () => {
    const dst = `${src.host}/cli/arm:v1`;
    const r = await irel(['copy', '--platform', 'linux/arm64', '--quiet', image.ref, dst]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^copied .* with content digest sha256:[0-9a-f]{64} \(only linux\/arm64: the source index sha256:[0-9a-f]{64} was filtered, so the digest differs\)\n$/);
    assert.equal(r.stderr, '');
  });

  it('prints plain progress lines when standard error is not a terminal', async () => {
    const r = await irel(['copy', image.ref, `${src.host}/cli/progress:v1`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /blobs: 0 uploaded .*, \d+ mounted/);
  });

  const failures = [
    ['a missing image', () => ['digest', `${src.host}/cli/none:v1`], 1, /source registry .* MANIFEST_UNKNOWN/],
    ['an untrusted certificate', () => ['copy', image.ref, `${secure.host}/cli/x:v1`], 1, /target registry .*certificate/i],
    ['wrong credentials', () => ['copy', image.ref, `${secure.host}/cli/y:v1`, '--ca-cert', secure.caFile, '--dest-creds', 'ci:nope-secret'], 1, /UNAUTHORIZED/],
    ['a bad --jobs', () => ['copy', '--jobs', '0', image.ref, `${src.host}/cli/z:v1`], 2, /--jobs/],
    ['a bad --platform', () => ['copy', '--platform', 'linux', image.ref, `${src.host}/cli/z:v1`], 1, /PLATFORM_INVALID/],
    ['one argument', () => ['copy', image.ref], 2, /expected SRC and DST/],
    ['an invalid reference', () => ['digest', 'Bad/Ref'], 2, /lowercase/],
  ];
  for (const [label, args, status, message] of failures) {
    it(`fails clearly for ${label}`, async () => {
      const r = await irel(args(), { env: { DOCKER_CONFIG: dockerConfig } });
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.includes('secret'), false);
      assert.equal(r.stdout, '');
    });
  }

  it('wrote no tag for any failed copy', async () => {
    for (const repo of ['cli/x', 'cli/y']) assert.deepEqual(await listTags(secure, repo), []);
  });
});

describe('irel copy with an identity token (OAuth2 refresh token) from the Docker config', () => {
  const REFRESH = 'rt-6f1d2c9a-identity';
  let src;
  let tokened;
  let image;
  let dir;
  const configWith = (identitytoken) => {
    const d = mkdtempSync(join(dir, 'config-'));
    writeFileSync(join(d, 'config.json'), JSON.stringify({ auths: { [tokened.host]: { identitytoken } } }));
    return d;
  };
  before(async () => {
    [src, tokened] = await Promise.all([startRegistry(), startRegistry({ auth: 'token', username: 'robot', password: 'never-typed' })]);
    tokened.tokenServer.config.refreshTokens = { [REFRESH]: 'robot' };
    image = await pushIndex(src, 'oauth/multi:v1', { platforms: ['linux/amd64'] });
    dir = mkdtempSync(join(tmpdir(), 'irel-oauth-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([src?.stop(), tokened?.stop()]);
  });

  const cases = [
    { name: 'copies, trading the identity token for access tokens (grant_type=refresh_token)', token: REFRESH, repo: 'oauth/ok',
      status: 0, check: (r, dst) => assert.equal(r.stdout, `copied ${image.ref} to ${dst} with content digest ${image.digest}\n`) },
    { name: 'fails clearly when the token server refuses the identity token, and writes nothing', token: 'rt-revoked', repo: 'oauth/refused',
      status: 1, check: (r) => assert.match(r.stderr, /target registry .*(UNAUTHORIZED|401)/) },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const before = tokened.tokenServer.requests.length;
      const dst = `${tokened.host}/${c.repo}:v1`;
      const r = await irel(['copy', image.ref, dst], { env: { DOCKER_CONFIG: configWith(c.token) } });
      assert.equal(r.status, c.status, r.stderr);
      c.check(r, dst);
      assert.equal(`${r.stdout}${r.stderr}`.includes(c.token), false, 'the identity token is never printed');
      const asked = tokened.tokenServer.requests.slice(before);
      assert.ok(asked.length > 0 && asked.every((q) => q.method === 'POST' && q.grant === 'refresh_token'), JSON.stringify(asked));
      if (c.status === 0) assert.equal(sha256(await skopeoInspectRaw(dst, tokened)), image.digest);
      else assert.deepEqual(await listTags(tokened, c.repo, { creds: tokened.creds }), []);
    });
  }
});
