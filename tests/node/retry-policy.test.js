// The one retry policy (wasm/js/registry/retry.js) and the `retry` option ({ attempts, baseMs,
// maxMs }) honoured by every repeatable exchange: a request, the token fetch, a blob upload
// (pushBlob) and a blob download (the blob reader, which once hard-coded 5 attempts). Requests
// are counted at a fault proxy in front of real registries (Debian docker-registry) and of the
// token server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { IrelError } from '../../wasm/js/errors.js';
import { attemptsUsedUp, backoffMs, Retry, retryPolicy } from '../../wasm/js/registry/retry.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { registryHas } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';
import { startTokenServer } from '../helpers/token-server.js';

const irel = await load();
const MiB = 1 << 20;
const quick = (attempts) => ({ attempts, baseMs: 1, maxMs: 5 });

describe('the retry policy', () => {
  const core = { isRetryableStatus: (s) => s === 408 || s === 429 || (s >= 500 && s !== 501 && s !== 505) };
  const response = (status, retryAfter = '') => {
    const r = { status, drained: false, header: (n) => (n === 'Retry-After' ? retryAfter : ''), drain: async () => { r.drained = true; } };
    return r;
  };
  const cases = [
    { name: 'retries a transport failure until the attempts are used up', policy: quick(3), failure: () => ({ error: new Error('ECONNRESET') }), tries: 3 },
    { name: 'retries a NETWORK_ERROR IrelError (a request sent without retries)', policy: quick(4),
      failure: () => ({ error: new IrelError({ code: 'NETWORK_ERROR', message: 'cut' }) }), tries: 4 },
    { name: 'retries 503, 429 and 408, draining each answer first', policy: quick(3), failure: () => ({ response: response(503) }), tries: 3, drained: true },
    { name: 'attempts: 1 means no retries', policy: quick(1), failure: () => ({ error: new Error('ECONNREFUSED') }), tries: 1 },
    { name: 'never retries another IrelError (a source blob that failed its digest)', policy: quick(5),
      failure: () => ({ error: new IrelError({ code: 'DIGEST_MISMATCH', message: 'x' }) }), tries: 1 },
    { name: 'never retries a status that will not change (404, 400, 501)', policy: quick(5), failure: () => ({ response: response(404) }), tries: 1 },
    { name: 'never retries a failure whose own attempts were used up (a token fetch inside a request): attempts never multiply', policy: quick(5),
      failure: () => ({ error: attemptsUsedUp(new IrelError({ code: 'NETWORK_ERROR', message: 'token server unreachable' })) }), tries: 1 },
    { name: 'a missing attempts field is the default 5', policy: { baseMs: 1, maxMs: 2 }, failure: () => ({ error: new Error('x') }), tries: 5 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = new Retry(c.policy, { core });
      let tries = 0;
      let last;
      for (;;) {
        tries++;
        last = c.failure();
        if (!(await r.again(last))) break;
      }
      assert.equal(tries, c.tries);
      if (c.drained) assert.equal(last.response.drained, false, 'the last answer is left for the error');
    });
  }

  it('waits with capped exponential backoff and full jitter, or the registry\'s Retry-After (capped at 3·maxMs)', () => {
    const policy = { attempts: 5, baseMs: 100, maxMs: 1000 };
    const table = [
      [0, null, 0, 50], [0, null, 1, 100], [3, null, 0, 400], [3, null, 1, 800], [9, null, 1, 1000],
      [0, '2', 0.5, 2000], [0, '60', 0.5, 3000], [0, 'garbage', 1, 100],
    ];
    for (const [attempt, retryAfter, random, want] of table) {
      assert.equal(backoffMs(attempt, retryAfter, policy, () => random), want, `attempt ${attempt}, Retry-After ${retryAfter}, random ${random}`);
    }
  });

  it('stops waiting when the operation is aborted', async () => {
    const ctl = new AbortController();
    const r = new Retry({ attempts: 5, baseMs: 60_000, maxMs: 60_000 }, { core, signal: ctl.signal });
    const waiting = r.again({ error: new Error('x') });
    ctl.abort(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
  });

  it('normalises the option: missing fields from the defaults, at least one attempt', () => {
    assert.deepEqual(retryPolicy(undefined), { attempts: 5, baseMs: 200, maxMs: 10_000 });
    assert.deepEqual(retryPolicy({ attempts: 0, baseMs: 7 }), { attempts: 1, baseMs: 7, maxMs: 10_000 });
  });
});

describe('retry: { attempts } honoured at a fault proxy', () => {
  let src;
  let dst;
  let srcFaults;
  let dstFaults;
  let seq = 0;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    [srcFaults, dstFaults] = await Promise.all([startFaultProxy({ target: src.url }), startFaultProxy({ target: dst.url })]);
  });
  after(async () => {
    irel.close();
    await Promise.all([srcFaults?.stop(), dstFaults?.stop(), src?.stop(), dst?.stop()]);
  });

  /** A fresh single-layer image on the source: { image, layer }. */
  async function freshImage(size) {
    const repo = `retry/app${++seq}`;
    const image = await pushImage(src, `${repo}:v1`, { layers: [{ size, kind: 'raw' }] });
    return { repo, image, layer: image.blobs.find((b) => b.size === size) };
  }
  const count = (proxy, method, re) => proxy.log.filter((l) => l.method === method && re.test(l.path)).length;

  const downloads = [
    { name: 'a connection cut before the first byte, attempts: 1', fault: { dropResponseAfter: 0 }, attempts: 1, code: 'NETWORK_ERROR' },
    { name: 'a connection cut before the first byte, attempts: 2 (fewer than the 5 once hard-coded)', fault: { dropResponseAfter: 0 }, attempts: 2, code: 'NETWORK_ERROR' },
    { name: 'a connection cut before the first byte, attempts: 7 (more than the 5 once hard-coded)', fault: { dropResponseAfter: 0 }, attempts: 7, code: 'NETWORK_ERROR' },
    { name: 'a 503 on every GET, attempts: 3', fault: { status: 503 }, attempts: 3, code: 'UNAVAILABLE' },
  ];
  for (const c of downloads) {
    it(`the blob reader gives up after exactly \`attempts\` GETs of the blob: ${c.name}`, async () => {
      const { repo, layer } = await freshImage(300_000);
      const blobPath = new RegExp(`/blobs/${layer.digest}`);
      srcFaults.rules.length = 0;
      srcFaults.rules.push({ method: 'GET', path: blobPath, ...c.fault });
      try {
        await assert.rejects(irel.copy(`${srcFaults.host}/${repo}:v1`, `${dst.host}/${repo}:v1`, { retry: quick(c.attempts) }), (e) => {
          assert.equal(e.code, c.code, e.message);
          assert.equal(e.side, 'source');
          return true;
        });
      } finally {
        srcFaults.rules.length = 0;
      }
      assert.equal(count(srcFaults, 'GET', blobPath), c.attempts);
      assert.equal(await registryHas(dst, repo, layer.digest), false);
    });
  }

  it('the blob reader counts failures since bytes last arrived: a download cut every 256 KiB still completes with attempts: 2', async () => {
    const { repo, image, layer } = await freshImage(2 * MiB);
    const blobPath = new RegExp(`/blobs/${layer.digest}`);
    srcFaults.rules.length = 0;
    srcFaults.rules.push({ method: 'GET', path: blobPath, dropResponseAfter: 256 * 1024 });
    try {
      const summary = await irel.copy(`${srcFaults.host}/${repo}:v1`, `${dst.host}/${repo}:v1`, { retry: quick(2) });
      assert.equal(summary.digest, image.digest);
    } finally {
      srcFaults.rules.length = 0;
    }
    assert.ok(count(srcFaults, 'GET', blobPath) >= 8, `${count(srcFaults, 'GET', blobPath)} GETs, each resuming with Range`);
    assert.equal(await registryHas(dst, repo, layer.digest), true);
  });

  const uploads = [
    { name: 'a 503 answering every PUT, attempts: 2', fault: { status: 503 }, attempts: 2, code: 'UNAVAILABLE' },
    { name: 'a connection reset on every PUT, attempts: 3', fault: { dropRequestAfter: 0 }, attempts: 3, code: 'NETWORK_ERROR' },
    { name: 'a 503 answering every PUT, attempts: 6', fault: { status: 503 }, attempts: 6, code: 'UNAVAILABLE' },
  ];
  for (const c of uploads) {
    it(`pushBlob gives up after exactly \`attempts\` tries of the upload: ${c.name}`, async () => {
      const { repo, layer } = await freshImage(50_000);
      const put = new RegExp(`/blobs/uploads/.*digest=${layer.digest.replace(':', '(:|%3A)')}`);
      dstFaults.rules.length = 0;
      dstFaults.rules.push({ method: 'PUT', path: put, ...c.fault });
      try {
        await assert.rejects(irel.copy(`${src.host}/${repo}:v1`, `${dstFaults.host}/${repo}:v1`, { retry: quick(c.attempts) }), (e) => {
          assert.equal(e.code, c.code, e.message);
          assert.equal(e.side, 'target');
          return true;
        });
      } finally {
        dstFaults.rules.length = 0;
      }
      assert.equal(count(dstFaults, 'PUT', put), c.attempts);
    });
  }

  it('a request (a manifest GET) gives up after exactly `attempts` tries, and a manifest cut mid-body is asked again', async () => {
    const { repo, image } = await freshImage(1000);
    const manifest = new RegExp(`/v2/${repo}/manifests/v1`);
    srcFaults.rules.length = 0;
    srcFaults.rules.push({ method: 'GET', path: manifest, status: 503 });
    try {
      await assert.rejects(irel.copy(`${srcFaults.host}/${repo}:v1`, `${dst.host}/${repo}:v1`, { retry: quick(4) }),
        (e) => e.side === 'source' && e.code === 'UNAVAILABLE');
      assert.equal(count(srcFaults, 'GET', manifest), 4);
      srcFaults.rules.length = 0;
      srcFaults.rules.push({ method: 'GET', path: manifest, dropResponseAfter: 10, times: 1 });
      const summary = await irel.copy(`${srcFaults.host}/${repo}:v1`, `${dst.host}/${repo}:v1`, { retry: quick(2) });
      assert.equal(summary.digest, image.digest);
    } finally {
      srcFaults.rules.length = 0;
    }
  });
});

describe('retry: { attempts } honoured by the token fetch', () => {
  let ts;
  let tokenFaults;
  let reg;
  before(async () => {
    ts = await startTokenServer({ users: { tester: { password: 'secret-pw', access: { '*': ['*'] } } } });
    tokenFaults = await startFaultProxy({ target: ts.url });
    // The registry sends clients to the token server through the fault proxy.
    reg = await startRegistry({ auth: 'token', tokenServer: { ...ts, realm: `${tokenFaults.url}/token` } });
    await pushImage(reg, 'tok/app:v1');
  });
  after(async () => {
    irel.close();
    await reg?.stop();
    await tokenFaults?.stop();
    await ts?.stop();
  });

  const cases = [
    { name: 'a 503 on every token request, attempts: 2', fault: { status: 503 }, attempts: 2, code: 'AUTH_TOKEN_FAILED' },
    { name: 'a connection reset on every token request, attempts: 4', fault: { dropRequestAfter: 0 }, attempts: 4, code: 'NETWORK_ERROR' },
    { name: 'a token response cut mid-body, attempts: 3', fault: { dropResponseAfter: 5 }, attempts: 3, code: 'NETWORK_ERROR' },
  ];
  for (const c of cases) {
    it(`gives up after exactly \`attempts\` token requests: ${c.name}`, async () => {
      const before = tokenFaults.log.length;
      tokenFaults.rules.length = 0;
      tokenFaults.rules.push({ path: /^\/token/, ...c.fault });
      try {
        await assert.rejects(irel.digest(`${reg.host}/tok/app:v1`, { credentials: { [reg.host]: reg.creds }, retry: quick(c.attempts) }), (e) => {
          assert.equal(e.code, c.code, e.message);
          assert.equal(e.side, 'source');
          return true;
        });
      } finally {
        tokenFaults.rules.length = 0;
      }
      assert.equal(tokenFaults.log.length - before, c.attempts);
    });
  }

  it('a token request that fails once is retried and the pull goes on', async () => {
    tokenFaults.rules.length = 0;
    tokenFaults.rules.push({ path: /^\/token/, status: 503, times: 1 });
    try {
      assert.match(await irel.digest(`${reg.host}/tok/app:v1`, { credentials: { [reg.host]: reg.creds }, retry: quick(2) }), /^sha256:/);
    } finally {
      tokenFaults.rules.length = 0;
    }
  });
});
