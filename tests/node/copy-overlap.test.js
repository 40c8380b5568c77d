// How much a copy overlaps its requests, seen at a proxy in front of each registry that delays
// the answers of chosen requests (so that requests a client sends together are in progress
// together): many small blobs in flight at once, an upload's download sent with its POST, the
// platform manifests of an index pushed together and the index only after them all, existence
// checks all at once. Proven from the order of arrivals and answers, not from timings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';

const KB = 1024;
const DELAY = { delayMs: 150 };

describe('a copy overlaps its round trips', () => {
  let src;
  let dst;
  let srcProxy;
  let dstProxy;
  let irel;
  let many;
  let multi;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    many = await pushImage(src, 'overlap/many:v1', { layers: Array.from({ length: 40 }, (_, i) => 8 * KB + i) });
    multi = await pushIndex(src, 'overlap/multi:v1', { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le'] });
    [srcProxy, dstProxy] = await Promise.all([startFaultProxy({ target: src.url }), startFaultProxy({ target: dst.url })]);
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([srcProxy?.stop(), dstProxy?.stop(), src?.stop(), dst?.stop()]);
  });

  async function copyWith(name, image, rules) {
    srcProxy.rules.splice(0, Infinity, ...(rules.src ?? []));
    dstProxy.rules.splice(0, Infinity, ...(rules.dst ?? []));
    srcProxy.log.length = 0;
    dstProxy.log.length = 0;
    const to = `${dstProxy.host}/overlap/${name}:v1`;
    const from = image.ref.replace(src.host, srcProxy.host);
    const summary = await irel.copy(from, to);
    assert.equal(summary.digest, image.digest);
    return { srcLog: [...srcProxy.log], dstLog: [...dstProxy.log] };
  }
  const uploads = (log) => log.filter((e) => e.method === 'POST' && /\/blobs\/uploads\/$/.test(e.path.split('?')[0]));

  const cases = [
    ['forty small layers: more than 8 uploads in progress at once', 'many', () => many, { dst: [{ method: 'POST', ...DELAY }] },
      ({ dstLog }) => assert.ok(Math.max(...uploads(dstLog).map((e) => e.inFlight)) > 8, `at most ${Math.max(...uploads(dstLog).map((e) => e.inFlight))}`)],
    ['forty small layers: every existence check in progress at once, in one round', 'checks', () => many, { dst: [{ method: 'HEAD', path: /\/blobs\//, ...DELAY }] },
      ({ dstLog }) => {
        const heads = dstLog.filter((e) => e.method === 'HEAD' && /\/blobs\//.test(e.path));
        assert.equal(heads.length, 41); // 40 layers and the config
        assert.ok(Math.max(...heads.map((e) => e.inFlight)) >= 32, `at most ${Math.max(...heads.map((e) => e.inFlight))} at once`);
      }],
    ['an upload\'s download goes out while its POST is still unanswered', 'early', () => many, { dst: [{ method: 'POST', ...DELAY }] },
      ({ srcLog, dstLog }) => {
        const firstPostAnswered = Math.min(...uploads(dstLog).map((e) => e.doneAt));
        const getsBefore = srcLog.filter((e) => e.method === 'GET' && /\/blobs\/sha256:/.test(e.path) && e.at < firstPostAnswered);
        assert.ok(getsBefore.length >= 8, `${getsBefore.length} blob GETs before the first POST was answered`);
      }],
    ['an index of four platforms: its manifests pushed together, the index after them', 'multi', () => multi,
      { dst: [{ method: 'PUT', path: /\/manifests\/sha256:/, ...DELAY }] },
      ({ dstLog }) => {
        const puts = dstLog.filter((e) => e.method === 'PUT' && /\/manifests\//.test(e.path));
        const children = puts.filter((e) => /\/manifests\/sha256:/.test(e.path));
        const root = puts.find((e) => e.path.endsWith('/manifests/v1'));
        assert.equal(children.length, 4);
        assert.ok(Math.max(...children.map((e) => e.inFlight)) >= 4, 'the four platform manifests in progress together');
        assert.ok(root.seq > Math.max(...children.map((e) => e.seq)) && root.inFlight === 1, 'the index alone, after every platform manifest');
      }],
  ];
  for (const [name, repo, image, rules, check] of cases) {
    it(name, async () => check(await copyWith(repo, image(), rules)));
  }

  it('copies again onto a tag that names the root already with no write at all, onto a new tag with one PUT', async () => {
    const to = (tag) => `${dstProxy.host}/overlap/again:${tag}`;
    const from = multi.ref.replace(src.host, srcProxy.host);
    await irel.copy(from, to('v1'));
    const writes = async (tag) => {
      dstProxy.log.length = 0;
      const s = await irel.copy(from, to(tag));
      assert.equal(s.digest, multi.digest);
      return dstProxy.log.filter((e) => !['GET', 'HEAD'].includes(e.method)).map((e) => `${e.method} ${e.path}`);
    };
    assert.deepEqual(await writes('v1'), []);
    assert.deepEqual(await writes('v2'), ['PUT /v2/overlap/again/manifests/v2']);
  });

  // A new Irel (as a new process has) probes each loopback registry's scheme; the probe sends each
  // side's first request itself (the source's root GET, the target's tag HEAD), not a ping of /v2/.
  const probeCases = [
    ['a first copy: no ping, the root asked for once, the tag once', 'primed1', (srcLog, dstLog) => {
      assert.equal(srcLog[0].path, '/v2/overlap/many/manifests/v1');
      assert.equal(srcLog.filter((e) => e.path === '/v2/overlap/many/manifests/v1').length, 1);
      assert.equal(dstLog[0].path, '/v2/overlap/primed1/manifests/v1');
      assert.equal(dstLog.filter((e) => e.method === 'HEAD' && e.path === '/v2/overlap/primed1/manifests/v1').length, 1);
    }],
    ['copied again by a new process without referrers: the probes\' two answers are the whole copy', 'primed1', (srcLog, dstLog) => {
      assert.deepEqual(srcLog.map((e) => `${e.method} ${e.path}`), ['GET /v2/overlap/many/manifests/v1']);
      assert.deepEqual(dstLog.map((e) => `${e.method} ${e.path}`), ['HEAD /v2/overlap/primed1/manifests/v1']);
    }, { referrers: false }],
    ['copied again with referrers: the source asked for them once, in one round, the target nothing more', 'primed1', (srcLog, dstLog) => {
      const hex = many.digest.slice('sha256:'.length);
      assert.deepEqual(srcLog.map((e) => `${e.method} ${e.path}`).sort(), [
        'GET /v2/overlap/many/manifests/v1',
        `GET /v2/overlap/many/manifests/sha256-${hex}`,
        `GET /v2/overlap/many/manifests/sha256-${hex}.att`,
        `GET /v2/overlap/many/manifests/sha256-${hex}.sbom`,
        `GET /v2/overlap/many/manifests/sha256-${hex}.sig`,
        `GET /v2/overlap/many/referrers/${many.digest}`,
      ].sort());
      const asked = srcLog.slice(1);
      assert.ok(asked.every((e) => e.at < Math.min(...asked.map((x) => x.doneAt))), 'all sent before any was answered');
      assert.deepEqual(dstLog.map((e) => `${e.method} ${e.path}`), ['HEAD /v2/overlap/primed1/manifests/v1']);
    }, {}, [{ method: 'GET', path: /\/referrers\/|\/manifests\/sha256-/, ...DELAY }]],
  ];
  for (const [name, repo, check, options = {}, srcRules = []] of probeCases) {
    it(name, async () => {
      const fresh = await load({ wasmUrl: new URL('../../wasm/dist/irel-core.wasm', import.meta.url) });
      try {
        srcProxy.rules.splice(0, Infinity, ...srcRules); // answers delayed: what goes together arrives together
        dstProxy.rules.length = 0;
        srcProxy.log.length = 0;
        dstProxy.log.length = 0;
        const s = await fresh.copy(many.ref.replace(src.host, srcProxy.host), `${dstProxy.host}/overlap/${repo}:v1`, options);
        assert.equal(s.digest, many.digest);
        const pings = [...srcProxy.log, ...dstProxy.log].filter((e) => e.path === '/v2/');
        assert.equal(pings.length, 0, 'no ping of /v2/');
        check(srcProxy.log, dstProxy.log);
      } finally {
        fresh.close();
      }
    });
  }
});

describe('a registry that asks for tokens', () => {
  let src;
  let reg;
  let front;
  let irel;
  let image;
  before(async () => {
    src = await startRegistry();
    reg = await startRegistry({ auth: 'token', users: { alice: { password: 'alice-secret', access: { '**': ['pull', 'push'] } } } });
    front = await startFaultProxy({ target: reg.url });
    image = await pushImage(src, 'tok/app:v1', { layers: [1000, 2000] });
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([front?.stop(), reg?.stop(), src?.stop()]);
  });

  it('is answered 401 once per run: later clients get their token before their first request', async () => {
    const credentials = { [front.host]: { username: 'alice', password: 'alice-secret' } };
    for (const n of [1, 2, 3]) {
      const s = await irel.copy(image.ref, `${front.host}/tok/app${n}:v1`, { credentials });
      assert.equal(s.digest, image.digest);
    }
    const refused = front.log.filter((e) => e.status === 401);
    assert.equal(refused.length, 1, refused.map((e) => `${e.method} ${e.path}`).join(', '));
  });
});
