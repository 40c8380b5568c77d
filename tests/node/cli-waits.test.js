// Waits before retries are shown: a registry that rate-limits (429 with Retry-After) makes the
// CLI say who answered what and how long it waits, then the copy goes on. Through a fault proxy
// in front of a real docker-registry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { runIrel as irel } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';

describe('waits before retries', () => {
  let src;
  let dst;
  let front;
  let image;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    image = await pushImage(src, 'limits/app:1', { layers: [500] });
    front = await startFaultProxy({ target: src.url, rules: [
      { method: 'GET', path: '/manifests/', times: 1, status: 429, headers: { 'retry-after': '1', 'ratelimit-limit': '100;w=21600' },
        body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}' },
    ] });
  });
  after(async () => {
    await front?.stop();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  it('says which registry answered 429 and how long the copy waits, then copies', async () => {
    const target = `${dst.host}/limits/app:1`;
    const r = await irel(['copy', `${front.host}/limits/app:1`, target]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`waiting 1 s: source registry ${front.host} answered 429 \\(rate limited\\)`));
    assert.equal(sha256(await skopeoInspectRaw(target, dst)), image.digest);
  });

  it('asks a source that sent RateLimit-* by HEAD first, and tags from the target what it has (no manifest GET)', async () => {
    const target = `${dst.host}/limits/again:1`;
    assert.equal((await irel(['copy', '-q', `${front.host}/limits/app:1`, target])).status, 0);
    // The API instance learns from the 429's RateLimit-Limit header that the source counts pulls.
    const { load } = await import('irel');
    const api = await load();
    try {
      front.rules.push({ method: 'GET', path: '/manifests/', times: 1, status: 429,
        headers: { 'retry-after': '0', 'ratelimit-limit': '100;w=21600' } });
      await api.copy(`${front.host}/limits/app:1`, `${dst.host}/limits/third:1`, { retry: { attempts: 3, baseMs: 10, maxMs: 50 } });
      front.log.length = 0;
      const summary = await api.copy(`${front.host}/limits/app:1`, target, { retry: { attempts: 3, baseMs: 10, maxMs: 50 } });
      assert.equal(summary.digest, image.digest);
      // The root by HEAD; its referrers' tags (fallback, cosign) by HEAD too: none exists, so no GET.
      const asked = front.log.filter((e) => e.path.includes('/manifests/'));
      assert.equal(asked[0].path, '/v2/limits/app/manifests/1');
      assert.deepEqual(asked.map((e) => e.method), ['HEAD', 'HEAD', 'HEAD', 'HEAD', 'HEAD']);
    } finally {
      api.close();
    }
  });
});
