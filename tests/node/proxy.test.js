// The CORS-forwarding proxy (proxy/) and `irel serve`: in front of real docker-registry instances
// (plain, Basic auth, TLS) and small Node servers of our own where headers must be observed. No
// traffic ever leaves 127.0.0.0/8: the targets that must be refused are refused before connecting.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { blockedRange } from '../../proxy/address-ranges.js';
import { BadProxyUrl, parseProxyUrl } from '../../proxy/proxy-url.js';
import { createProxyServer } from '../../proxy/server.js';
import { createTargetPolicy, TargetDenied } from '../../proxy/target-policy.js';
import { serveCommand } from '../../wasm/js/cli/serve.js';
import { UsageError } from '../../wasm/js/cli/usage-error.js';
import { load as loadBrowserEntry } from '../../wasm/js/index.js';
import { randomChunks } from '../helpers/content.js';
import { getManifest, registryHas } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { MEDIA_TYPES, pushImage } from '../helpers/seed.js';
import { freePort, sha256, waitUntil } from '../helpers/util.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1 << 20;
const EXPOSED = 'Docker-Content-Digest, Location, WWW-Authenticate, Range, Content-Range, Content-Length, '
  + 'Docker-Upload-UUID, OCI-Chunk-Min-Length, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, '
  + 'Docker-RateLimit-Source, Content-Type, OCI-Subject, OCI-Filters-Applied, RateLimit-Reset, Docker-Distribution-API-Version';
const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * One request to `base` (http://127.0.0.1:PORT) with the path sent exactly as given (no URL
 * normalization). body: a Buffer, or a function returning an iterable of Buffers (streamed).
 * Resolves { status, headers, body } (body unread and null with `stream: true`: then `res`).
 */
function send(base, path, { method = 'GET', headers = {}, body, stream = false, hash = false } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, headers, agent: false }, (res) => {
      if (stream) return resolve({ status: res.statusCode, headers: res.headers, res, req });
      const h = hash ? createHash('sha256') : null;
      const chunks = [];
      let size = 0;
      res.on('data', (c) => {
        size += c.length;
        if (h) h.update(c);
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, size,
        body: h ? null : Buffer.concat(chunks), digest: h ? `sha256:${h.digest('hex')}` : sha256(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      (async () => {
        for (const chunk of body()) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        req.end();
      })().catch((e) => req.destroy(e));
    }
  });
}

/** A small HTTP server of our own on 127.0.0.1 that records what it receives. */
async function startMock(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) };
      requests.push(entry);
      handler(req, res, entry, mock);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const mock = { server, port, host: `127.0.0.1:${port}`, requests,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); } };
  return mock;
}

/** A TCP listener that counts connections: proof that nothing connected to it. */
async function startTrap() {
  const trap = { connections: 0 };
  trap.server = net.createServer((s) => { trap.connections++; s.destroy(); });
  await new Promise((r) => trap.server.listen(0, '127.0.0.1', r));
  trap.port = trap.server.address().port;
  trap.close = () => new Promise((r) => trap.server.close(r));
  return trap;
}

const errorOf = (r) => JSON.parse(r.body.toString()).errors[0];

describe('address ranges the proxy refuses', () => {
  const cases = [
    ['8.8.8.8', null], ['1.1.1.1', null], ['172.32.0.1', null], ['100.128.0.1', null], ['2001:4860:4860::8888', null],
    ['::ffff:8.8.8.8', null], ['64:ff9b::808:808', null],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.0.0.1', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['64:ff9b::a00:1', 'private'], ['2002:c0a8:101::1', 'private'],
    ['169.254.169.254', 'link-local'], ['169.254.0.1', 'link-local'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'], ['::ffff:169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['::', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT'], ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['255.255.255.255', 'reserved'],
    ['not-an-address', 'invalid'],
  ];
  for (const [address, kind] of cases) {
    it(`classifies ${address} as ${kind ?? 'reachable'}`, () => assert.equal(blockedRange(address), kind));
  }
});

describe('proxy URL parsing', () => {
  const good = [
    ['/proxy/registry.example.com/v2/', 'registry.example.com', null, '/v2/'],
    ['/proxy/Registry.Example.com:5000/v2/a/b/manifests/v1?x=1', 'registry.example.com:5000', 5000, '/v2/a/b/manifests/v1?x=1'],
    ['/proxy/[::1]:5000/v2/', '[::1]:5000', 5000, '/v2/'],
    ['/proxy/127.0.0.1:5000/v2/r/blobs/uploads/u?_state=a%2Bb%3D&digest=sha256%3Aab', '127.0.0.1:5000', 5000,
      '/v2/r/blobs/uploads/u?_state=a%2Bb%3D&digest=sha256%3Aab'],
    ['/proxy/auth.docker.io/token?service=registry.docker.io&scope=repository:library/busybox:pull', 'auth.docker.io', null,
      '/token?service=registry.docker.io&scope=repository:library/busybox:pull'],
  ];
  for (const [url, authority, port, path] of good) {
    it(`splits ${url}`, () => {
      const t = parseProxyUrl(url);
      assert.deepEqual([t.authority, t.port, t.path], [authority, port, path]);
    });
  }
  const bad = [
    ['/proxy/', 'no host'], ['/proxy/host', 'no path'], ['/proxy/host?x=1', 'a query before the path'],
    ['/proxy/a..b/v2/', 'an empty label'], ['/proxy/-a.com/v2/', 'a label starting with -'], ['/proxy/a.com:0/v2/', 'port 0'],
    ['/proxy/a.com:65536/v2/', 'port 65536'], ['/proxy/a.com:x/v2/', 'a non-numeric port'], ['/proxy/[zz::1]/v2/', 'a bad IPv6 literal'],
    ['/proxy/user@a.com/v2/', 'userinfo'], ['/proxy/a%2ecom/v2/', 'an escaped host'], ['/proxy/a.com/v2/../../x', 'a .. segment'],
    ['/proxy/a.com/v2/%2e%2e/x', 'an escaped .. segment'], ['/proxy/a.com/v2/./x', 'a . segment'],
    ['/proxy/a.com/v2/%zz', 'a bad percent-escape'], ['/proxy/a.com/v2/a\\b', 'a backslash'],
  ];
  for (const [url, what] of bad) {
    it(`rejects ${what}: ${url}`, () => assert.throws(() => parseProxyUrl(url), BadProxyUrl));
  }
});

describe('target policy (no network: DNS answers are injected)', () => {
  const target = (authority) => parseProxyUrl(`/proxy/${authority}/v2/`);
  it('connects to the address it checked, whatever DNS answers later (rebinding)', async () => {
    let answer = [{ address: '93.184.215.14', family: 4 }];
    const lookup = (host, opts, cb) => cb(null, answer);
    const policy = createTargetPolicy({ lookup });
    const { lookup: pinned } = await policy.check(target('registry.example.com'), 'https');
    answer = [{ address: '127.0.0.1', family: 4 }];
    const got = await new Promise((r) => pinned('registry.example.com', {}, (e, address, family) => r([address, family])));
    assert.deepEqual(got, ['93.184.215.14', 4]);
    const all = await new Promise((r) => pinned('registry.example.com', { all: true }, (e, list) => r(list)));
    assert.deepEqual(all, [{ address: '93.184.215.14', family: 4 }]);
    await assert.rejects(policy.check(target('registry.example.com'), 'https'), TargetDenied, 'the rebound answer is refused');
  });

  it('refuses a name with any private address among its answers, and allows it by name or HOST:PORT', async () => {
    const lookup = (host, opts, cb) => cb(null, [{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }]);
    await assert.rejects(createTargetPolicy({ lookup }).check(target('mixed.example'), 'https'),
      /mixed\.example: it resolves to 10\.1\.2\.3, a private address \(name it with --allow-host mixed\.example/);
    assert.ok(await createTargetPolicy({ lookup, allowHosts: ['mixed.example'] }).check(target('mixed.example'), 'https'));
    assert.ok(await createTargetPolicy({ lookup, allowHosts: ['mixed.example:443'] }).check(target('mixed.example'), 'https'));
    await assert.rejects(createTargetPolicy({ lookup, allowHosts: ['mixed.example:5000'] }).check(target('mixed.example'), 'https'),
      TargetDenied);
  });

  it('lets loopback and --insecure-registry hosts use plain HTTP, nothing else', () => {
    const policy = createTargetPolicy({ insecureRegistries: ['reg.internal:5000'] });
    const table = [['localhost:5000', true], ['127.0.0.5', true], ['[::1]:5000', true], ['reg.internal:5000', true],
      ['reg.internal:5001', false], ['registry.example.com', false], ['10.0.0.1', false]];
    for (const [authority, plain] of table) assert.equal(policy.plainHttpAllowed(target(authority)), plain, authority);
  });
});

describe('proxy in front of real registries', () => {
  let reg; // plain docker-registry
  let secured; // Basic auth docker-registry
  let image;
  let proxy;
  let upstream; // echoes what it got; answers with the Location it is told to
  let storage; // blob storage behind a redirect: records Authorization
  let redirector; // a registry that redirects blob downloads to storage
  let slow; // an endless download, to see it aborted
  let trap;
  const log = [];
  const lookups = [];
  let slowAborted = false;
  let uploadStarted = false;
  let uploadAborted = false;
  const SECRET_TOKEN = 'bearer-t0ken-SECRET';
  const SIGNATURE = 'X-Amz-Signature=SIGNED-SECRET';

  before(async () => {
    [reg, secured, trap] = await Promise.all([
      startRegistry(),
      startRegistry({ auth: 'basic', username: 'alice', password: 'alice-Pa55' }),
      startTrap(),
    ]);
    image = await pushImage(reg, 'proxy/app:v1', { layers: [2000, 300_000] });
    upstream = await startMock((req, res, entry) => {
      const u = new URL(req.url, 'http://x');
      const headers = { 'content-type': 'application/json', 'docker-content-digest': sha256(entry.body),
        'set-cookie': 'session=upstream', 'access-control-allow-origin': '*', 'x-upstream': 'yes' };
      if (u.searchParams.has('location')) headers.location = u.searchParams.get('location');
      res.writeHead(Number(u.searchParams.get('status') ?? 200), headers);
      res.end(JSON.stringify({ method: req.method, size: entry.body.length }));
    });
    storage = await startMock((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 12 });
      res.end(req.method === 'HEAD' ? undefined : 'blob-content');
    });
    redirector = await startMock((req, res) => {
      const u = new URL(req.url, 'http://x');
      const hop = Number(u.searchParams.get('hop') ?? 0);
      let location;
      if (u.pathname.startsWith('/v2/r/blobs/')) location = `http://${storage.host}/storage/blob?${SIGNATURE}`;
      else if (u.pathname === '/v2/same-host') location = '/v2/r/blobs/sha256:same?from=same-host';
      else if (u.pathname === '/v2/metadata') location = 'http://169.254.169.254/latest/meta-data/';
      else if (u.pathname === '/v2/loop') location = `/v2/loop?hop=${hop + 1}`;
      else if (u.pathname === '/v2/upload') location = `http://${redirector.host}/v2/upload-elsewhere?_state=x`;
      res.writeHead(Number(u.searchParams.get('status') ?? 307), { location, 'content-length': 0 });
      res.end();
    });
    slow = await startMock(() => {});
    slow.server.removeAllListeners('request');
    slow.server.on('request', (req, res) => {
      if (req.method === 'PUT') {
        uploadStarted = true;
        req.on('close', () => { if (!req.complete) uploadAborted = true; });
        req.resume();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => {
        clearInterval(timer);
        if (!res.writableFinished) slowAborted = true;
      });
    });
    proxy = await createProxyServer({
      port: 0,
      allowHosts: [reg.host, secured.host, upstream.host, storage.host, redirector.host, slow.host],
      allowOrigins: ['http://app.example:3000'],
      log: (line) => log.push(line),
      lookup: (host, opts, cb) => {
        lookups.push(host);
        dns.lookup(host, opts, cb);
      },
    });
  });
  after(async () => {
    await proxy?.close();
    await Promise.all([reg?.stop(), secured?.stop(), upstream?.close(), storage?.close(), redirector?.close(),
      slow?.close(), trap?.close()]);
  });

  const own = () => proxy.url;

  it('answers preflights of its own origin and --allow-origin origins, and refuses other origins', async () => {
    const table = [
      ['its own origin', own(), 204],
      ['an --allow-origin origin', 'http://app.example:3000', 204],
      ['a foreign origin', 'http://evil.example', 403],
      ['the same host on another port', own().replace(/:\d+$/, ':1'), 403],
      ['an opaque origin', 'null', 403],
    ];
    for (const [what, origin, status] of table) {
      const r = await send(own(), `/proxy/${reg.host}/v2/proxy/app/blobs/uploads/`, { method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' } });
      assert.equal(r.status, status, what);
      if (status !== 204) {
        assert.equal(r.headers['access-control-allow-origin'], undefined, what);
        assert.equal(errorOf(r).code, 'DENIED');
        continue;
      }
      assert.equal(r.headers['access-control-allow-origin'], origin, what);
      assert.equal(r.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE');
      assert.equal(r.headers['access-control-allow-headers'],
        'Authorization, Accept, Content-Type, Content-Range, Range, Content-Length, X-Irel-Proxy-Token');
      assert.ok(Number(r.headers['access-control-max-age']) > 0);
      assert.match(r.headers.vary, /Origin/);
    }
  });

  it('exposes the registry headers the client reads, to allowed origins only', async () => {
    for (const origin of [own(), 'http://app.example:3000']) {
      const r = await send(own(), `/proxy/${reg.host}/v2/proxy/app/manifests/v1`, { headers: { origin, accept: image.mediaType } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['access-control-allow-origin'], origin);
      assert.equal(r.headers['access-control-expose-headers'], EXPOSED);
      assert.equal(r.headers['docker-content-digest'], image.digest);
    }
    const before = upstream.requests.length;
    const foreign = await send(own(), `/proxy/${upstream.host}/v2/`, { method: 'DELETE', headers: { origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.match(errorOf(foreign).message, /origin http:\/\/evil\.example may not use this proxy/);
    assert.equal(upstream.requests.length, before, 'a refused origin never reaches the target');
  });

  it('refuses the Host header of a DNS-rebinding page, even with a matching Origin', async () => {
    const port = new URL(own()).port;
    const r = await send(own(), `/proxy/${upstream.host}/v2/`, { method: 'PUT',
      headers: { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` }, body: Buffer.from('x') });
    assert.equal(r.status, 403);
    assert.equal(errorOf(r).code, 'DENIED');
    const ok = await send(own(), `/proxy/${upstream.host}/v2/`, { headers: { host: `localhost:${port}`, origin: `http://localhost:${port}` } });
    assert.equal(ok.status, 200, 'localhost is one of its own names');
  });

  it('refuses private, loopback, link-local, unspecified and CGNAT targets with DENIED, before any connection', async () => {
    const table = [
      ['127.0.0.1 on a port not named with --allow-host', `127.0.0.1:${trap.port}`, /it is a loopback address/],
      ['localhost, a name resolving to 127.0.0.1', `localhost:${trap.port}`, /it resolves to (127\.0\.0\.1|::1), a loopback address/],
      ['a decimal spelling of 127.0.0.1', `2130706433:${trap.port}`, /it resolves to 127\.0\.0\.1, a loopback address/],
      ['the IPv6 loopback', `[::1]:${trap.port}`, /loopback/],
      ['an IPv4-mapped IPv6 loopback', `[::ffff:127.0.0.1]:${trap.port}`, /loopback/],
      ['the unspecified address', `0.0.0.0:${trap.port}`, /unspecified/],
      ['the cloud metadata service', '169.254.169.254', /169\.254\.169\.254: it is a link-local address/],
      ['a 10/8 address', '10.0.0.1:5000', /10\.0\.0\.1:5000: it is a private address/],
      ['a 192.168/16 address', '192.168.0.10', /private/],
      ['a 172.16/12 address', '172.20.0.1', /private/],
      ['a CGNAT address', '100.64.0.1', /carrier-grade NAT/],
      ['an IPv6 unique local address', '[fd00::1]:5000', /private/],
      ['an IPv6 link-local address', '[fe80::1]', /link-local/],
      ['the proxy itself', `127.0.0.1:${new URL(own()).port}`, /that is the proxy itself/],
    ];
    lookups.length = 0;
    for (const [what, authority, message] of table) {
      const started = Date.now();
      const r = await send(own(), `/proxy/${authority}/v2/?secret=query`, { headers: { authorization: 'Bearer x' } });
      assert.equal(r.status, 403, what);
      const e = errorOf(r);
      assert.equal(e.code, 'DENIED', what);
      assert.match(e.message, message, what);
      assert.ok(e.message.includes(authority), `${what}: the message names ${authority}`);
      assert.ok(Date.now() - started < 1000, `${what}: refused at once`);
    }
    assert.equal(trap.connections, 0, 'nothing connected to the loopback port');
    assert.deepEqual([...new Set(lookups)].sort(), ['2130706433', 'localhost'], 'only names were resolved');
  });

  it('rejects malformed proxy paths with 400 and oversized headers with 431', async () => {
    for (const path of ['/proxy/', '/proxy/a..b/v2/', `/proxy/${upstream.host}/v2/../x`, `/proxy/${upstream.host}/v2/%2e%2e/x`,
      `/proxy/${upstream.host}/v2/%zz`, '/proxy/host:99999/v2/', '/proxy/host']) {
      const r = await send(own(), path);
      assert.equal(r.status, 400, path);
      assert.equal(errorOf(r).code, 'BAD_REQUEST');
    }
    const big = await send(own(), `/proxy/${upstream.host}/v2/`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    assert.equal(big.status, 431);
    const method = await send(own(), `/proxy/${upstream.host}/v2/`, { method: 'TRACE' });
    assert.equal(method.status, 405);
  });

  it('serves manifests and blobs of a real registry byte for byte (GET and HEAD)', async () => {
    const m = await send(own(), `/proxy/${reg.host}/v2/proxy/app/manifests/v1`, { headers: { accept: image.mediaType } });
    assert.equal(m.status, 200);
    assert.equal(m.digest, image.digest);
    assert.equal(m.headers['content-type'], image.mediaType);
    for (const blob of image.blobs) {
      const b = await send(own(), `/proxy/${reg.host}/v2/proxy/app/blobs/${blob.digest}`);
      assert.equal(b.status, 200);
      assert.equal(b.digest, blob.digest);
      const head = await send(own(), `/proxy/${reg.host}/v2/proxy/app/blobs/${blob.digest}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(blob.size));
      assert.equal(head.body.length, 0);
    }
    const range = await send(own(), `/proxy/${reg.host}/v2/proxy/app/blobs/${image.blobs[1].digest}`, { headers: { range: 'bytes=0-99' } });
    assert.equal(range.status, 206);
    assert.equal(range.body.length, 100);
  });

  it('passes Basic challenges and credentials through: a monolithic blob upload and a manifest PUT', async () => {
    const auth = { authorization: basic('alice', 'alice-Pa55') };
    const base = `/proxy/${secured.host}`;
    const challenge = await send(own(), `${base}/v2/`, { headers: { origin: own() } });
    assert.equal(challenge.status, 401);
    assert.match(challenge.headers['www-authenticate'], /^Basic realm=/);

    const blob = Buffer.from('a blob pushed through the proxy\n'.repeat(1000));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    for (const bytes of [blob, config]) {
      const post = await send(own(), `${base}/v2/pushed/app/blobs/uploads/`, { method: 'POST', headers: { ...auth, 'content-length': '0', origin: own() } });
      assert.equal(post.status, 202);
      const location = post.headers.location;
      assert.ok(location.startsWith(`${own()}/proxy/${secured.host}/v2/pushed/app/blobs/uploads/`), location);
      const put = await send(own(), `${new URL(location).pathname}${new URL(location).search}&digest=${encodeURIComponent(sha256(bytes))}`,
        { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) }, body: bytes });
      assert.equal(put.status, 201, put.body.toString());
      assert.equal(put.headers['docker-content-digest'], sha256(bytes));
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.oci.manifest,
      config: { mediaType: MEDIA_TYPES.oci.config, digest: sha256(config), size: config.length },
      layers: [{ mediaType: MEDIA_TYPES.oci.layerTar, digest: sha256(blob), size: blob.length }] }, null, 2));
    const put = await send(own(), `${base}/v2/pushed/app/manifests/v1`, { method: 'PUT',
      headers: { ...auth, 'content-type': MEDIA_TYPES.oci.manifest, 'content-length': String(manifest.length) }, body: manifest });
    assert.equal(put.status, 201);
    assert.equal(put.headers['docker-content-digest'], sha256(manifest));
    assert.ok(await registryHas(secured, 'pushed/app', sha256(blob)));
    assert.equal((await getManifest(secured, 'pushed/app', 'v1')).digest, sha256(manifest));
  });

  it('forwards method, body and end-to-end headers; sets Host; drops Origin, Referer, Cookie, hop-by-hop and upstream cookies/CORS', async () => {
    const body = Buffer.from('chunk of a blob');
    const r = await send(own(), `/proxy/${upstream.host}/v2/r/blobs/uploads/u?_state=abc`, { method: 'PATCH', body,
      headers: { origin: own(), referer: `${own()}/web/`, cookie: 'c=1', authorization: 'Bearer abc', 'content-type': 'application/octet-stream',
        'content-range': `0-${body.length - 1}`, 'content-length': String(body.length), connection: 'keep-alive, x-hop', 'x-hop': '1',
        'keep-alive': 'timeout=5', te: 'trailers', 'sec-fetch-mode': 'cors', 'x-custom': 'kept' } });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.toString()), { method: 'PATCH', size: body.length });
    const got = upstream.requests.at(-1);
    assert.equal(got.url, '/v2/r/blobs/uploads/u?_state=abc');
    assert.equal(got.headers.host, upstream.host);
    assert.equal(got.headers.authorization, 'Bearer abc');
    assert.equal(got.headers['content-range'], `0-${body.length - 1}`);
    assert.equal(got.headers['x-custom'], 'kept');
    for (const h of ['origin', 'referer', 'cookie', 'x-hop', 'keep-alive', 'te', 'sec-fetch-mode']) assert.equal(got.headers[h], undefined, h);
    assert.ok(got.body.equals(body));
    assert.equal(r.headers['set-cookie'], undefined);
    assert.equal(r.headers['access-control-allow-origin'], own(), 'the upstream\'s own CORS header is replaced');
    assert.equal(r.headers['docker-content-digest'], sha256(body), 'a registry header passes');
    assert.equal(r.headers['x-upstream'], undefined, 'a header off the allow-list does not');
  });

  it('rewrites absolute Location headers of hosts it may forward to, and leaves relative and refused ones', async () => {
    const table = [
      ['relative', '/v2/r/blobs/uploads/u1?_state=s', '/v2/r/blobs/uploads/u1?_state=s'],
      ['absolute, the same registry', `http://${upstream.host}/v2/r/blobs/uploads/u2?_state=s`,
        `${own()}/proxy/${upstream.host}/v2/r/blobs/uploads/u2?_state=s`],
      ['absolute, another public registry', 'https://registry.example.com/v2/r/blobs/uploads/u3?x=1',
        `${own()}/proxy/registry.example.com/v2/r/blobs/uploads/u3?x=1`],
      ['absolute, a private address', 'http://10.0.0.1:5000/v2/u4', 'http://10.0.0.1:5000/v2/u4'],
      ['absolute, localhost', `http://localhost:${trap.port}/v2/u5`, `http://localhost:${trap.port}/v2/u5`],
      ['already a proxy URL', `${own()}/proxy/${upstream.host}/v2/u6`, `${own()}/proxy/${upstream.host}/v2/u6`],
    ];
    for (const [what, location, expected] of table) {
      const r = await send(own(), `/proxy/${upstream.host}/v2/r/blobs/uploads/?status=202&location=${encodeURIComponent(location)}`,
        { method: 'POST', headers: { 'content-length': '0' } });
      assert.equal(r.status, 202, what);
      assert.equal(r.headers.location, expected, what);
    }
  });

  it('follows blob redirects itself, sending Authorization to the registry host only', async () => {
    for (const method of ['GET', 'HEAD']) {
      storage.requests.length = 0;
      redirector.requests.length = 0;
      const r = await send(own(), `/proxy/${redirector.host}/v2/r/blobs/sha256:abc`, { method,
        headers: { authorization: `Bearer ${SECRET_TOKEN}`, origin: own(), accept: '*/*' } });
      assert.equal(r.status, 200, method);
      if (method === 'GET') assert.equal(r.body.toString(), 'blob-content');
      assert.equal(r.headers['access-control-allow-origin'], own());
      assert.equal(redirector.requests[0].headers.authorization, `Bearer ${SECRET_TOKEN}`, 'the registry got the token');
      assert.equal(storage.requests.length, 1);
      assert.equal(storage.requests[0].method, method);
      assert.equal(storage.requests[0].headers.authorization, undefined, 'storage got no token');
      assert.equal(storage.requests[0].headers.host, storage.host);
      assert.equal(storage.requests[0].headers.accept, '*/*');
      assert.equal(storage.requests[0].url, `/storage/blob?${SIGNATURE}`);
    }
  });

  it('keeps Authorization on a same-host redirect and passes the 6th redirect of a chain on', async () => {
    redirector.requests.length = 0;
    storage.requests.length = 0;
    const same = await send(own(), `/proxy/${redirector.host}/v2/same-host`, { headers: { authorization: 'Bearer same' } });
    assert.equal(same.status, 200);
    assert.deepEqual(redirector.requests.map((r) => r.headers.authorization), ['Bearer same', 'Bearer same']);
    assert.equal(storage.requests[0].headers.authorization, undefined);

    redirector.requests.length = 0;
    const loop = await send(own(), `/proxy/${redirector.host}/v2/loop`);
    assert.equal(loop.status, 307);
    assert.equal(redirector.requests.length, 6, 'the first request and 5 redirects');
    assert.equal(loop.headers.location, '/v2/loop?hop=6');
  });

  it('refuses to follow a redirect to a refused host', async () => {
    const r = await send(own(), `/proxy/${redirector.host}/v2/metadata`);
    assert.equal(r.status, 403);
    assert.match(errorOf(r).message, /169\.254\.169\.254: it is a link-local address/);
  });

  it('does not follow redirects of uploads: the client gets the Location as a proxy URL', async () => {
    const r = await send(own(), `/proxy/${redirector.host}/v2/upload?status=307`, { method: 'PUT', body: Buffer.from('x'),
      headers: { 'content-length': '1' } });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, `${own()}/proxy/${redirector.host}/v2/upload-elsewhere?_state=x`);
  });

  it('aborts the upstream download when the browser goes away', async () => {
    const r = await send(own(), `/proxy/${slow.host}/v2/r/blobs/sha256:endless`, { stream: true });
    assert.equal(r.status, 200);
    let received = 0;
    for await (const chunk of r.res) {
      received += chunk.length;
      if (received > 256 * 1024) break; // leaving the loop destroys the response, closing the connection
    }
    r.req.destroy();
    await waitUntil(() => slowAborted, { timeoutMs: 3000, what: 'the upstream response to be aborted' });
    await waitUntil(() => log.some((l) => l.includes(`GET ${slow.host} /v2/r/blobs/sha256:endless 200`) && l.includes('client went away')),
      { timeoutMs: 3000, what: 'the log line' });
  });

  it('aborts the upstream upload when the browser goes away mid-body', async () => {
    const { hostname, port } = new URL(own());
    const req = http.request({ hostname, port, method: 'PUT', path: `/proxy/${slow.host}/v2/r/blobs/uploads/u?_state=x`, agent: false,
      headers: { 'content-length': String(64 * MiB) } });
    req.on('error', () => {});
    req.write(Buffer.alloc(MiB));
    await waitUntil(() => uploadStarted, { what: 'the upload to reach the upstream' });
    assert.equal(uploadAborted, false);
    req.destroy();
    await waitUntil(() => uploadAborted, { timeoutMs: 3000, what: 'the upstream upload to be aborted' });
  });

  it('passes on an answer that comes before the upload body ends, and closes that connection', async () => {
    // A registry that refuses an upload at once (503), without reading its body.
    const early = http.createServer((req, res) => res.writeHead(503, { 'retry-after': '0', 'content-length': '0' }).end());
    await new Promise((r) => early.listen(0, '127.0.0.1', r));
    const earlyProxy = await createProxyServer({ port: 0, allowHosts: [`127.0.0.1:${early.address().port}`] });
    const keepAlive = new http.Agent({ keepAlive: true }); // as browsers connect
    try {
      const { hostname, port } = new URL(earlyProxy.url);
      const answer = await new Promise((resolve, reject) => {
        const req = http.request({ hostname, port, method: 'PATCH', agent: keepAlive,
          path: `/proxy/127.0.0.1:${early.address().port}/v2/r/blobs/uploads/u`,
          headers: { 'content-length': String(8 * MiB), 'content-type': 'application/octet-stream' } }, resolve);
        req.on('error', reject);
        req.write(Buffer.alloc(MiB)); // the other 7 MiB never come: the answer must not wait for them
      });
      answer.resume();
      assert.equal(answer.statusCode, 503);
      assert.equal(answer.headers['retry-after'], '0');
      assert.equal(answer.headers.connection, 'close', 'the client must not queue its next request behind the unread body');
    } finally {
      keepAlive.destroy();
      await earlyProxy.close();
      early.closeAllConnections();
      await new Promise((r) => early.close(r));
    }
  });

  it('answers 502 UNAVAILABLE for an upstream that does not answer', async () => {
    const port = await freePort();
    const closedProxy = await createProxyServer({ port: 0, allowHosts: [`127.0.0.1:${port}`] });
    try {
      const r = await send(closedProxy.url, `/proxy/127.0.0.1:${port}/v2/`);
      assert.equal(r.status, 502);
      assert.equal(errorOf(r).code, 'UNAVAILABLE');
      assert.match(errorOf(r).message, /could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
    } finally {
      await closedProxy.close();
    }
  });

  it('still serves the static app', async () => {
    const table = [
      ['/', 302, null], ['/web', 302, null], ['/web/', 200, 'text/html; charset=utf-8'],
      ['/wasm/js/index.js', 200, 'text/javascript; charset=utf-8'], ['/wasm/dist/irel-core.wasm', 200, 'application/wasm'],
      ['/package.json', 404, null], ['/web/..%2fpackage.json', 404, null], ['/web/%2e%2e/package.json', 404, null],
      ['/wasm/js/..%2f..%2f.git/config', 404, null], ['/proxyx', 404, null],
    ];
    for (const [path, status, type] of table) {
      const r = await send(own(), path);
      assert.equal(r.status, status, path);
      if (status === 302) assert.equal(r.headers.location, '/web/');
      if (type) assert.equal(r.headers['content-type'], type, path);
    }
    const index = await send(own(), '/web/');
    assert.ok(index.body.equals(readFileSync(new URL('../../web/index.html', import.meta.url))));
    assert.equal((await send(own(), '/web/', { method: 'POST', body: Buffer.from('x') })).status, 405);
  });

  it('logs method, host, path and status of each request, never credentials or query strings', () => {
    assert.ok(log.some((l) => new RegExp(`GET ${reg.host} /v2/proxy/app/manifests/v1 200 \\d+ms$`).test(l)), log.join('\n'));
    assert.ok(log.some((l) => l.includes(`GET ${redirector.host} /v2/r/blobs/sha256:abc 200`) && l.includes('1 redirect followed')));
    assert.ok(log.some((l) => l.includes('GET 169.254.169.254 /v2/ 403') && l.includes('denied')));
    const text = log.join('\n');
    for (const secret of ['alice-Pa55', basic('alice', 'alice-Pa55').slice(6), SECRET_TOKEN, 'SIGNED-SECRET', 'X-Amz', '_state',
      'secret=query', 'Bearer', 'digest=', '?']) {
      assert.equal(text.includes(secret), false, `the log contains ${secret}`);
    }
  });
});

describe('TLS registries through the proxy', () => {
  let reg;
  let image;
  before(async () => {
    reg = await startRegistry({ tls: true });
    image = await pushImage(reg, 'tls/app:v1');
  });
  after(() => reg?.stop());

  const table = [
    ['speaks HTTPS to a loopback registry that speaks it, trusting --ca-cert CAs', () => ({ ca: [reg.ca] }), 200],
    ['skips verification with --skip-tls-verify', () => ({ skipTlsVerify: true }), 200],
    ['reports an untrusted certificate with a hint', () => ({}), 502],
  ];
  for (const [title, options, status] of table) {
    it(title, async () => {
      const proxy = await createProxyServer({ port: 0, allowHosts: [reg.host], ...options() });
      try {
        const r = await send(proxy.url, `/proxy/${reg.host}/v2/tls/app/manifests/v1`, { headers: { accept: image.mediaType } });
        assert.equal(r.status, status);
        if (status === 200) assert.equal(r.digest, image.digest);
        else assert.match(errorOf(r).message, /TLS with 127\.0\.0\.1:\d+ failed: .*--ca-cert/);
      } finally {
        await proxy.close();
      }
    });
  }
});

describe('the browser client (fetch transport, browser entry) through the proxy', () => {
  let src;
  let dst;
  let image;
  let proxy;
  const log = [];
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry({ auth: 'token', username: 'carol', password: 'carol-Pa55' })]);
    image = await pushImage(src, 'browser/app:v1', { layers: [1000, 3 * MiB] });
    proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], log: (line) => log.push(line) });
  });
  after(async () => {
    await proxy?.close();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  it('copies an image into a token-auth registry: token realm, uploads and Locations all go through the proxy', async () => {
    const irel = await loadBrowserEntry({ wasmBinary: readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url)) });
    const summary = await irel.copy(image.ref, `${dst.host}/browser/copied:v1`,
      { proxyBase: proxy.proxyBase, credentials: { [dst.host]: dst.creds } });
    assert.equal(summary.digest, image.digest);
    assert.equal((await getManifest(dst, 'browser/copied', 'v1')).digest, image.digest);
    const realm = new URL(dst.tokenServer.realm);
    assert.ok(log.some((l) => l.includes(`GET ${realm.host} ${realm.pathname} 200`)), 'the token request went through the proxy');
    assert.ok(log.some((l) => new RegExp(`PUT ${dst.host} /v2/browser/copied/blobs/uploads/\\S+ 201`).test(l)), 'uploads went through it');
    assert.equal(log.join('\n').includes('carol-Pa55'), false);
  });
});

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Start `node proxy/server.js ARGS` and wait for its banner; resolves { child, url, output() }. */
async function startServerProcess(args) {
  const child = spawn(process.execPath, ['proxy/server.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  await waitUntil(() => {
    if (child.exitCode !== null) throw Object.assign(new Error(`server exited: ${stderr}`), { fatal: true });
    return /irel web app: (http:\S+)\/web\//.test(stdout);
  }, { timeoutMs: 10_000, what: 'the server banner' });
  const url = /irel web app: (http:\S+)\/web\//.exec(stdout)[1];
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

describe('a 256 MiB blob through the proxy process (node proxy/server.js)', () => {
  const SIZE = Number(process.env.PROXY_BIG_MIB ?? 256) * MiB;
  let reg;
  let server;
  before(async () => {
    reg = await startRegistry();
    server = await startServerProcess(['--port', '0', '--allow-host', reg.host]);
  });
  after(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await reg?.stop();
  });

  it('streams it up and down with the proxy\'s memory flat', async (t) => {
    const h = createHash('sha256');
    for (const c of randomChunks('proxy-big', SIZE)) h.update(c);
    const digest = `sha256:${h.digest('hex')}`;
    const base = `/proxy/${reg.host}/v2/big/blob`;
    // Warm up (first request, static file), then measure from here.
    assert.equal((await send(server.url, `/proxy/${reg.host}/v2/`)).status, 200);
    assert.equal((await send(server.url, '/wasm/dist/irel-core.wasm')).status, 200);
    const pid = server.child.pid;
    const baseline = memoryOf(pid).rss;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets the peak RSS (VmHWM) to the current RSS
    } catch {
      // older kernels: VmHWM then includes the start-up peak, which only makes the check stricter
    }
    const started = performance.now();
    const post = await send(server.url, `${base}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } });
    assert.equal(post.status, 202);
    const loc = new URL(post.headers.location);
    const put = await send(server.url, `${loc.pathname}${loc.search}&digest=${encodeURIComponent(digest)}`, { method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) }, body: () => randomChunks('proxy-big', SIZE) });
    assert.equal(put.status, 201, put.body.toString());
    const uploaded = performance.now();
    const got = await send(server.url, `${base}/blobs/${digest}`, { hash: true });
    const downloaded = performance.now();
    assert.equal(got.status, 200);
    assert.equal(got.size, SIZE);
    assert.equal(got.digest, digest);
    const { rss, hwm } = memoryOf(pid);
    const growth = hwm - baseline;
    const mb = (n) => `${(n / MiB).toFixed(1)} MiB`;
    t.diagnostic(`proxy RSS baseline ${mb(baseline)}, peak ${mb(hwm)} (growth ${mb(growth)}), after ${mb(rss)}; `
      + `upload ${((uploaded - started) / 1000).toFixed(1)} s, download ${((downloaded - uploaded) / 1000).toFixed(1)} s`);
    assert.ok(growth < 64 * MiB, `the proxy grew by ${mb(growth)}`);

    const { stderr } = server.output();
    assert.match(stderr, new RegExp(`PUT ${reg.host} /v2/big/blob/blobs/uploads/[\\w-]+ 201`));
    assert.equal(/_state|digest=|\?/.test(stderr), false, 'no query strings in the log');
  });

  it('stops on SIGTERM with status 0', async () => {
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  });
});

describe('irel serve', () => {
  const usageErrors = [
    ['a bad port', { port: 'http' }, /--port "http": not a port number/],
    ['a port out of range', { port: '70000' }, /--port "70000"/],
    ['a bad --allow-host', { 'allow-host': ['a b'] }, /--allow-host "a b"/],
    ['a bad --allow-origin', { 'allow-origin': ['http://app.example/path'] }, /--allow-origin: "http:\/\/app\.example\/path" is not an origin/],
    ['a missing --ca-cert file', { 'ca-cert': ['/nonexistent/ca.pem'] }, /--ca-cert \/nonexistent\/ca\.pem: ENOENT/],
  ];
  for (const [what, values, message] of usageErrors) {
    it(`is a usage error: ${what}`, async () => {
      const io = { stdout: { write() {} }, stderr: { write() {} } };
      await assert.rejects(serveCommand.run({ values, positionals: [] }, io), (e) => e instanceof UsageError && message.test(e.message));
    });
  }

  it('prints its URL, serves the app and the proxy, and resolves 0 on SIGINT', async () => {
    const script = `import { serveCommand } from './wasm/js/cli/serve.js';
      process.exitCode = await serveCommand.run({ values: { port: '0', 'allow-host': ['127.0.0.1:1'] }, positionals: [] },
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
      process.stdout.write('resolved ' + process.exitCode + '\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((r) => child.once('exit', (code) => r(code)));
    try {
      await waitUntil(() => /irel web app: http:\/\/127\.0\.0\.1:\d+\/web\//.test(stdout), { timeoutMs: 10_000, what: 'the banner' });
      const url = /irel web app: (http:\S+)\/web\//.exec(stdout)[1];
      assert.match(stdout, /registry proxy: http:\/\/127\.0\.0\.1:\d+\/proxy\/HOST\[:PORT\]\/PATH/);
      assert.equal((await send(url, '/web/')).status, 200);
      const denied = await send(url, '/proxy/10.0.0.1/v2/');
      assert.equal(denied.status, 403);
      await waitUntil(() => stderr.includes('GET 10.0.0.1 /v2/ 403'), { what: 'the log line on standard error' });
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.match(stdout, /resolved 0\n$/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
