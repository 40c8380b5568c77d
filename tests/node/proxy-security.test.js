// The proxy's defences against pages that would use it as a weapon: its answers are data, never a
// page; the app's files carry a strict Content-Security-Policy; no page that acts on its URL by
// itself is served or shipped; redirects cannot carry credentials to another scheme or bounce into
// --allow-host hosts; IPv6 forms that embed IPv4 are judged by it; and a server reachable from the
// network answers only its pages (and its access token). Upstreams are small servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { blockedRange } from '../../proxy/address-ranges.js';
import { createAgents } from '../../proxy/agents.js';
import { createProxyServer } from '../../proxy/create-server.js';
import { forward } from '../../proxy/forward.js';
import { rewriteLocation } from '../../proxy/location.js';
import { bannerFor, exposureWarning, OptionError, serveOptionsFrom } from '../../proxy/options.js';
import { parseProxyUrl } from '../../proxy/proxy-url.js';
import { createSchemeProbe } from '../../proxy/scheme-probe.js';
import { createTargetPolicy, TargetDenied } from '../../proxy/target-policy.js';
import { serveCommand } from '../../wasm/js/cli/serve.js';
import { UsageError } from '../../wasm/js/cli/usage-error.js';
import { makeServerCerts } from '../helpers/pki.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const errorOf = (r) => JSON.parse(r.body.toString()).errors[0];

/** One request to `base` with the path and headers exactly as given; resolves { status, headers, body }. */
function send(base, path, { method = 'GET', headers = {}, body } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An HTTP(S) server on 127.0.0.1 that records the requests it gets; `handler(req, res)` answers. */
async function startUpstream(handler, { tls } = {}) {
  const requests = [];
  const onRequest = (req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res));
  };
  const server = tls ? https.createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, onRequest)
    : http.createServer(onRequest);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { server, port, host: `127.0.0.1:${port}`, requests,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); } };
}

/**
 * HTTPS and plain HTTP on one port (the first byte of a connection tells a TLS handshake from a
 * request), to see what a redirect from https://h:p to http://h:p carries.
 */
async function startDualUpstream(handler, tls) {
  const requests = [];
  const onRequest = (scheme) => (req, res) => {
    requests.push({ scheme, url: req.url, headers: req.headers });
    handler(req, res, scheme);
  };
  const secure = https.createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, onRequest('https'));
  const plain = http.createServer(onRequest('http'));
  const server = net.createServer((socket) => {
    socket.once('data', (first) => {
      if (first[0] !== 0x16) {
        socket.unshift(first);
        return plain.emit('connection', socket);
      }
      // TLS reads a net.Socket's handle directly (past an unshift): give it a stream instead.
      const stream = new Duplex({
        read() { socket.resume(); },
        write(chunk, encoding, callback) { socket.write(chunk, callback); },
        final(callback) { socket.end(callback); },
        destroy(error, callback) { socket.destroy(); callback(error); },
      });
      stream.push(first);
      socket.on('data', (chunk) => { if (!stream.push(chunk)) socket.pause(); });
      socket.on('end', () => stream.push(null));
      socket.on('error', (e) => stream.destroy(e));
      secure.emit('connection', stream);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { port, host: `127.0.0.1:${port}`, requests,
    close: async () => {
      for (const s of [secure, plain]) s.closeAllConnections();
      await new Promise((r) => server.close(r));
    } };
}

describe('address ranges: IPv6 forms embedding IPv4, discard, documentation and TEST-NET ranges', () => {
  const cases = [
    // IPv4-translated ::ffff:0:a.b.c.d (::ffff:0:0:0/96) carries its IPv4 address.
    ['::ffff:0:127.0.0.1', 'loopback'], ['::ffff:0:7f00:1', 'loopback'], ['::ffff:0:10.1.2.3', 'private'],
    ['::ffff:0:169.254.169.254', 'link-local'], ['::ffff:0:8.8.8.8', null],
    // Local-use NAT64: where the IPv4 address sits depends on the prefix length, so all of it.
    ['64:ff9b:1::808:808', 'reserved'], ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'reserved'], ['64:ff9b:2::808:808', null],
    // Teredo: server IPv4 in bits 32-63, client IPv4 inverted in the last 32 bits; either refused refuses.
    ['2001:0:808:808::f7f7:f7f7', null], // server 8.8.8.8, client 8.8.8.8
    ['2001:0:808:808::80ff:fffe', 'loopback'], // client ~0x80fffffe = 127.0.0.1
    ['2001:0:808:808::f5fe:fefe', 'private'], // client 10.1.1.1
    ['2001:0:a9fe:a9fe::f7f7:f7f7', 'link-local'], // server 169.254.169.254
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // RFC 4380's example: client 192.0.2.45
    // Discard-only 100::/64, documentation 2001:db8::/32.
    ['100::', 'reserved'], ['100::ffff:ffff:ffff:ffff', 'reserved'], ['100:0:0:1::', null],
    ['2001:db8::1', 'reserved'], ['2001:db8:ffff::1', 'reserved'], ['2001:db9::1', null],
    // IPv4 documentation ranges TEST-NET-1..3.
    ['192.0.2.1', 'reserved'], ['198.51.100.200', 'reserved'], ['203.0.113.9', 'reserved'],
    ['192.0.3.1', null], ['198.51.101.1', null], ['203.0.114.1', null],
    // Ranges judged before, unchanged.
    ['::ffff:127.0.0.1', 'loopback'], ['64:ff9b::a00:1', 'private'], ['2002:c0a8:101::1', 'private'], ['2001:4860:4860::8888', null],
  ];
  for (const [address, kind] of cases) {
    it(`classifies ${address} as ${kind ?? 'reachable'}`, () => assert.equal(blockedRange(address), kind));
  }
});

// What a hostile upstream (reachable: named with --allow-host) could send to take over the proxy's
// origin if its answers were rendered as pages.
const HOSTILE = {
  'service-worker-allowed': '/',
  'set-cookie': 'session=upstream; Path=/',
  refresh: '0; url=https://evil.example/',
  link: '</x.js>; rel=preload; as=script, </v2/r/tags/list?n=2&last=b>; rel="next", </m.js>; rel=modulepreload',
  'content-security-policy': "script-src 'unsafe-inline'",
  'clear-site-data': '"*"',
  'origin-trial': 'token',
  'permissions-policy': 'camera=*',
  'x-frame-options': 'ALLOWALL',
  'content-disposition': 'inline',
  'access-control-allow-origin': '*',
  'x-upstream': 'yes',
};
const SECURITY = {
  'content-security-policy': "sandbox; default-src 'none'",
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
};

describe('proxied answers are data, never a page', () => {
  let upstream;
  let proxy;
  const APP = 'http://app.example:3000';

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const js = req.url.endsWith('.js');
      res.writeHead(200, { ...HOSTILE, 'content-type': js ? 'text/javascript' : 'text/html', 'docker-content-digest': 'sha256:abc',
        'oci-subject': 'sha256:def', 'ratelimit-reset': '60' });
      res.end(js ? 'self.addEventListener("fetch", () => {})' : '<script>alert(document.cookie)</script>');
    });
    proxy = await createProxyServer({ port: 0, allowHosts: [upstream.host], allowOrigins: [APP] });
  });
  after(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  // Each as a browser sends it (fetch metadata); none of these is a fetch() of the page.
  const navigation = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'cross-site', 'sec-fetch-user': '?1' };
  const refused = [
    ['a cross-site navigation to a proxied HTML page', '/page.html', navigation, /navigations \(Sec-Fetch-Mode: navigate\)/],
    ['a cross-site navigation to a proxied script', '/sw.js', navigation, /navigations/],
    ['a same-origin navigation (a link, the address bar)', '/page.html', { ...navigation, 'sec-fetch-site': 'same-origin' }, /navigations/],
    ['a frame of another site', '/page.html', { 'sec-fetch-mode': 'nested-navigate', 'sec-fetch-dest': 'iframe',
      'sec-fetch-site': 'cross-site' }, /Sec-Fetch-Mode: nested-navigate/],
    ['a service worker registered by the app\'s own origin', '/sw.js', { 'sec-fetch-mode': 'same-origin',
      'sec-fetch-dest': 'serviceworker', 'sec-fetch-site': 'same-origin' }, /not a load as "serviceworker"/],
    ['a Web Worker of the app\'s own origin', '/sw.js', { 'sec-fetch-mode': 'same-origin', 'sec-fetch-dest': 'worker',
      'sec-fetch-site': 'same-origin' }, /"worker"/],
    ['a <script> of another site', '/sw.js', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script', 'sec-fetch-site': 'cross-site' },
      /"script"/],
    ['a stylesheet of the app\'s own origin', '/page.html', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'style',
      'sec-fetch-site': 'same-origin' }, /"style"/],
    ['an <img> of another site', '/page.html', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image', 'sec-fetch-site': 'cross-site' },
      /"image"/],
    ['an <object> of the same site', '/page.html', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'object',
      'sec-fetch-site': 'same-site' }, /"object"/],
    ['a no-cors fetch() of another site (no Origin)', '/page.html', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty',
      'sec-fetch-site': 'cross-site' }, /a cross-site request without an Origin header/],
    ['a no-cors fetch() of the same site on another port (no Origin)', '/page.html', { 'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-site' }, /a same-site request without an Origin header/],
  ];
  for (const [what, path, headers, message] of refused) {
    it(`refuses ${what}, before reaching the upstream, with the security headers`, async () => {
      const before = upstream.requests.length;
      const r = await send(proxy.url, `/proxy/${upstream.host}${path}`, { headers });
      assert.equal(r.status, 403);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(errorOf(r).code, 'DENIED');
      assert.match(errorOf(r).message, message);
      for (const [name, value] of Object.entries(SECURITY)) assert.equal(r.headers[name], value, name);
      // Its own error, shown (sandboxed) to someone who typed the URL, not saved as a download.
      assert.equal(r.headers['content-disposition'], undefined);
      assert.equal(upstream.requests.length, before, 'the upstream was not asked');
    });
  }

  const passed = [
    ['the page\'s own fetch() (same-origin GET: no Origin)', '/page.html',
      () => ({ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' }), undefined],
    ['the page\'s own fetch() of a script', '/sw.js',
      () => ({ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' }), undefined],
    ['an --allow-origin page\'s CORS fetch()', '/page.html',
      () => ({ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'cross-site', origin: APP }), APP],
    ['curl or Node (no fetch metadata)', '/page.html', () => ({}), undefined],
  ];
  for (const [what, path, headers, allowOrigin] of passed) {
    it(`forwards ${what}, with the security headers set and the upstream's dangerous ones gone`, async () => {
      const r = await send(proxy.url, `/proxy/${upstream.host}${path}`, { headers: headers() });
      assert.equal(r.status, 200);
      for (const [name, value] of Object.entries(SECURITY)) assert.equal(r.headers[name], value, name);
      assert.equal(r.headers['content-disposition'], 'attachment', 'replaces the upstream\'s "inline"');
      for (const name of ['service-worker-allowed', 'set-cookie', 'refresh', 'clear-site-data', 'origin-trial', 'permissions-policy',
        'x-frame-options', 'x-upstream']) {
        assert.equal(r.headers[name], undefined, name);
      }
      assert.equal(r.headers['access-control-allow-origin'], allowOrigin, 'only the proxy\'s own CORS headers');
      // Paging links survive; preload and modulepreload (and any other relation) do not.
      assert.equal(r.headers.link, '</v2/r/tags/list?n=2&last=b>; rel="next"');
      assert.equal(r.headers['docker-content-digest'], 'sha256:abc', 'registry headers pass');
      assert.equal(r.headers['oci-subject'], 'sha256:def');
      assert.equal(r.headers['ratelimit-reset'], '60');
    });
  }

  it('still answers the preflights of an --allow-origin page, exposing the registry headers it reads', async () => {
    const r = await send(proxy.url, `/proxy/${upstream.host}/v2/`, { method: 'OPTIONS', headers: { origin: APP,
      'access-control-request-method': 'PUT', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'cross-site' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'], APP);
    const got = await send(proxy.url, `/proxy/${upstream.host}/v2/`, { headers: { origin: APP } });
    for (const name of ['OCI-Subject', 'OCI-Filters-Applied', 'RateLimit-Reset', 'Docker-Distribution-API-Version']) {
      assert.ok(got.headers['access-control-expose-headers'].split(', ').includes(name), name);
    }
  });

  it('drops Link headers with no rel="next" value altogether', async () => {
    const only = await startUpstream((req, res) => res.writeHead(200, { link: '</a.css>; rel=stylesheet', 'content-length': 0 }).end());
    const p = await createProxyServer({ port: 0, allowHosts: [only.host] });
    try {
      const r = await send(p.url, `/proxy/${only.host}/v2/`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.link, undefined);
    } finally {
      await p.close();
      await only.close();
    }
  });
});

describe('the app\'s own files carry a strict Content-Security-Policy and framing headers', () => {
  let proxy;
  const OTHER = 'http://proxy2.example:8080';
  const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' http://proxy2.example:8080; "
    + "img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  before(async () => {
    proxy = await createProxyServer({ port: 0, connectOrigins: [OTHER], allowOrigins: ['http://app.example:3000'] });
  });
  after(() => proxy?.close());

  const table = [
    ['the page', '/web/', 'GET', 200], ['a script of the page', '/web/main.js', 'GET', 200],
    ['the worker entry', '/wasm/js/worker.js', 'GET', 200], ['the page with HEAD', '/web/index.html', 'HEAD', 200],
    ['the redirect to the page', '/', 'GET', 302], ['a 404', '/web/nope.html', 'GET', 404], ['a 405', '/web/', 'POST', 405],
  ];
  for (const [what, path, method, status] of table) {
    it(`sends them with ${what} (${method} ${path} -> ${status})`, async () => {
      const r = await send(proxy.url, path, { method });
      assert.equal(r.status, status);
      assert.equal(r.headers['content-security-policy'], CSP);
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    });
  }

  it('allows connections to --connect-origin proxies only, not to --allow-origin pages', async () => {
    const csp = (await send(proxy.url, '/web/')).headers['content-security-policy'];
    assert.match(csp, /connect-src 'self' http:\/\/proxy2\.example:8080;/);
    assert.equal(csp.includes('app.example'), false);
    const plain = await createProxyServer({ port: 0 });
    try {
      assert.match((await send(plain.url, '/web/')).headers['content-security-policy'], /connect-src 'self';/);
    } finally {
      await plain.close();
    }
  });

  it('has nothing in web/index.html that the policy would block (inline scripts, styles, handlers)', () => {
    const html = readFileSync(join(ROOT, 'web/index.html'), 'utf8');
    assert.equal(/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), false, 'an inline <script>');
    assert.equal(/<style\b/i.test(html), false, 'a <style> element');
    assert.equal(/\sstyle\s*=/i.test(html), false, 'a style attribute');
    assert.equal(/\son[a-z]+\s*=/i.test(html), false, 'an inline event handler');
  });
});

describe('no page that acts on its URL by itself is served or shipped', () => {
  let proxy;
  before(async () => {
    proxy = await createProxyServer({ port: 0 });
  });
  after(() => proxy?.close());

  const table = [['/web/bench.html', 404], ['/bench/bench.html', 404], ['/scripts/bench-browser/bench.html', 404]];
  for (const [path, status] of table) {
    it(`answers ${status} to GET ${path}`, async () => assert.equal((await send(proxy.url, path)).status, status));
  }

  it('ships no bench.html and nothing of scripts/ in the npm package', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
    assert.ok(files.includes('web/index.html'), 'the listing is the package\'s');
    assert.deepEqual(files.filter((f) => f.endsWith('bench.html') || f.startsWith('scripts/')), []);
  });

  it('serves the benchmark page only where the benchmark asks for it (extraFiles), with the app\'s headers', async () => {
    const page = join(ROOT, 'scripts/bench-browser/bench.html');
    const bench = await createProxyServer({ port: 0, extraFiles: new Map([['/bench/bench.html', page]]) });
    try {
      const r = await send(bench.url, '/bench/bench.html');
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(readFileSync(page)));
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(r.headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
      assert.equal((await send(bench.url, '/web/bench.html')).status, 404);
    } finally {
      await bench.close();
    }
  });
});

describe('redirects the proxy follows', () => {
  let tmp;
  let certs;
  let dual; // https and http on one port
  let internal; // an --allow-host host (a registry on the internal network)
  before(async () => {
    tmp = await makeTempDir('irel-proxy-security-');
    certs = await makeServerCerts(tmp);
    dual = await startDualUpstream((req, res, scheme) => {
      const u = new URL(req.url, 'http://x');
      const to = u.searchParams.get('to');
      if (scheme === 'https' && to) {
        res.writeHead(307, { location: to.replace('PORT', String(dual.port)), 'content-length': 0 });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 4 });
      res.end('blob');
    }, certs);
    internal = await startUpstream((req, res) => res.writeHead(200, { 'content-length': 6 }).end('secret'));
  });
  after(async () => {
    await dual?.close();
    await internal?.close();
    if (tmp) removeDir(tmp);
  });

  const table = [
    ['https to http on the same host and port drops Authorization', 'http://127.0.0.1:PORT/blob', 'http', undefined],
    ['https to https on the same host and port keeps it', 'https://127.0.0.1:PORT/blob', 'https', 'Bearer t0ken'],
    ['a relative Location (same scheme, host and port) keeps it', '/blob', 'https', 'Bearer t0ken'],
  ];
  for (const [what, to, scheme, authorization] of table) {
    it(what, async () => {
      const proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], ca: [readFileSync(certs.caFile)] });
      try {
        dual.requests.length = 0;
        const r = await send(proxy.url, `/proxy/${dual.host}/v2/r/blobs/sha256:a?to=${encodeURIComponent(to)}`,
          { headers: { authorization: 'Bearer t0ken' } });
        assert.equal(r.status, 200, r.body.toString());
        assert.equal(r.body.toString(), 'blob');
        assert.deepEqual(dual.requests.map((q) => q.scheme), ['https', scheme]);
        assert.equal(dual.requests[0].headers.authorization, 'Bearer t0ken', 'the registry itself got it');
        assert.equal(dual.requests[1].headers.authorization, authorization);
      } finally {
        await proxy.close();
      }
    });
  }

  /**
   * forward() of a GET to `origin` with the real policy, except that `publicHost` is judged as a
   * public registry would be (the test cannot reach one: it is served on 127.0.0.1).
   */
  async function forwardFrom(origin, { publicHost, allowHosts }) {
    const real = createTargetPolicy({ allowHosts });
    const policy = {
      ...real,
      async check(target, scheme) {
        if (target.authority !== publicHost) return real.check(target, scheme);
        return { lookup: undefined, named: false, allowedByName: false }; // a public address, reached directly
      },
    };
    const agents = createAgents();
    const target = parseProxyUrl(`/proxy/${origin}/v2/r/blobs/sha256:a`);
    const req = { method: 'GET', headers: {}, rawHeaders: [] };
    try {
      const { response } = await forward({ req, target, scheme: 'http', policy, probeScheme: createSchemeProbe(), agents,
        signal: new AbortController().signal });
      response.resume();
      return response.statusCode;
    } finally {
      agents.destroy();
    }
  }

  it('refuses a redirect from a public registry to an --allow-host host, before connecting to it', async () => {
    const bouncer = await startUpstream((req, res) => res.writeHead(302, { location: `http://${internal.host}/admin`, 'content-length': 0 }).end());
    try {
      internal.requests.length = 0;
      await assert.rejects(forwardFrom(bouncer.host, { publicHost: bouncer.host, allowHosts: [internal.host] }),
        (e) => e instanceof TargetDenied && e.message === `a redirect from ${bouncer.host} may not lead to --allow-host host ${internal.host}`);
      assert.equal(internal.requests.length, 0);
      // From an --allow-host registry itself, the same redirect is followed.
      assert.equal(await forwardFrom(bouncer.host, { allowHosts: [internal.host, bouncer.host] }), 200);
      assert.equal(internal.requests.length, 1);
    } finally {
      await bouncer.close();
    }
  });

  it('tells which targets passed only because of --allow-host', async () => {
    const lookup = (host, opts, cb) => cb(null, [{ address: host === 'internal.example' ? '10.0.0.5' : '93.184.215.14', family: 4 }]);
    const policy = createTargetPolicy({ lookup, allowHosts: ['internal.example', 'public.example', '127.0.0.1:5000'] });
    const table = [
      ['a named private host', 'internal.example', { named: true, allowedByName: true }],
      ['a named public host', 'public.example', { named: true, allowedByName: false }],
      ['a named loopback literal', '127.0.0.1:5000', { named: true, allowedByName: true }],
      ['a public host not named', 'other.example', { named: false, allowedByName: false }],
    ];
    for (const [what, authority, expected] of table) {
      const { named, allowedByName } = await policy.check(parseProxyUrl(`/proxy/${authority}/v2/`), 'https');
      assert.deepEqual({ named, allowedByName }, expected, what);
    }
  });

  it('rewrites a Location to an --allow-host host into a proxy URL only when an --allow-host host sent it', () => {
    const policy = createTargetPolicy({ allowHosts: ['internal.example', '127.0.0.1:5000'] });
    const self = 'http://127.0.0.1:8080';
    const table = [
      ['a name, from an --allow-host host', 'https://internal.example/v2/u', true, `${self}/proxy/internal.example/v2/u`],
      ['a name, from another host', 'https://internal.example/v2/u', false, 'https://internal.example/v2/u'],
      ['a loopback literal, from another host', 'http://127.0.0.1:5000/v2/u', false, 'http://127.0.0.1:5000/v2/u'],
      ['a public host, from another host', 'https://registry.example.com/v2/u', false, `${self}/proxy/registry.example.com/v2/u`],
    ];
    for (const [what, location, fromAllowHost, expected] of table) {
      assert.equal(rewriteLocation(location, { policy, selfOrigin: self, fromAllowHost }), expected, what);
    }
  });
});

describe('a server reachable from the network (--host other than loopback)', () => {
  const TOKEN = 'correct-horse-battery-staple-42';
  const quiet = { stdout: { write() {} }, stderr: { write() {} } };

  const options = [
    ['refuses 0.0.0.0 without --allow-origin or a token', { host: '0.0.0.0' }, /--host 0\.0\.0\.0 makes the proxy reachable from the network/],
    ['refuses a LAN address without protection', { host: '192.168.1.20' }, /reachable from the network/],
    ['refuses [::] without protection', { host: '[::]' }, /reachable from the network/],
    ['refuses a token shorter than 16 characters', { host: '0.0.0.0', 'access-token': 'short-token' }, /at least 16 characters \(it has 11\)/],
    ['refuses a token with spaces', { host: '0.0.0.0', 'access-token': 'a token with spaces' }, /printable ASCII/],
    ['refuses both token options', { 'access-token': TOKEN, 'access-token-file': '/dev/null' }, /not both/],
    ['refuses a missing token file', { 'access-token-file': '/nonexistent/token' }, /--access-token-file \/nonexistent\/token: ENOENT/],
    ['refuses a bad --connect-origin', { 'connect-origin': ['proxy.example'] }, /--connect-origin: "proxy\.example" is not an origin/],
  ];
  for (const [what, values, message] of options) {
    it(`${what} (a usage error)`, async () => {
      assert.throws(() => serveOptionsFrom(values), (e) => e instanceof OptionError && message.test(e.message));
      await assert.rejects(serveCommand.run({ values, positionals: [] }, quiet), (e) => e instanceof UsageError && message.test(e.message));
    });
  }

  it('accepts loopback hosts without protection, and other hosts with --allow-origin or a token (file)', async () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) assert.equal(serveOptionsFrom({ host }).host, host);
    assert.deepEqual(serveOptionsFrom({ host: '0.0.0.0', 'allow-origin': ['http://app.example'] }).allowOrigins, ['http://app.example']);
    assert.equal(serveOptionsFrom({ host: '0.0.0.0', 'access-token': TOKEN }).accessToken, TOKEN);
    const dir = await makeTempDir('irel-token-');
    try {
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
      assert.equal(serveOptionsFrom({ host: '0.0.0.0', 'access-token-file': join(dir, 'token') }).accessToken, TOKEN);
    } finally {
      removeDir(dir);
    }
    assert.deepEqual(serveOptionsFrom({ 'connect-origin': ['http://Proxy.example:80/'] }).connectOrigins, ['http://proxy.example']);
  });

  it('warns on stderr what protects it; the banner says the page needs the token', () => {
    assert.equal(exposureWarning(serveOptionsFrom({})), '');
    const warning = exposureWarning(serveOptionsFrom({ host: '0.0.0.0', 'access-token': TOKEN }));
    assert.match(warning, /^warning: listening on 0\.0\.0\.0: the proxy is reachable from the network/);
    assert.match(warning, /access token \(X-Irel-Proxy-Token\)/);
    assert.equal(warning.includes(TOKEN), false, 'the token itself is not printed');
    assert.match(exposureWarning(serveOptionsFrom({ host: '0.0.0.0', 'allow-origin': ['http://app.example'] })),
      /app's own page or http:\/\/app\.example .*without a token, any program on the network/);
    const banner = bannerFor({ appUrl: 'http://0.0.0.0:8080/web/', proxyBase: 'http://0.0.0.0:8080/proxy', exposed: true, tokenRequired: true });
    assert.match(banner, /requires its access token: enter it as the proxy token in the page/);
  });

  it('exits 2 from node proxy/server.js --host 0.0.0.0 without protection, listening nowhere', async () => {
    const child = spawn(process.execPath, ['proxy/server.js', '--host', '0.0.0.0', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    let timer;
    const code = await new Promise((r) => {
      child.once('exit', r);
      timer = setTimeout(() => { child.kill('SIGKILL'); r('still running after 10 s'); }, 10_000);
    });
    clearTimeout(timer);
    assert.equal(code, 2);
    assert.match(stderr, /reachable from the network/);
  });

  it('refuses createProxyServer on 0.0.0.0 without allowOrigins or accessToken', async () => {
    await assert.rejects(createProxyServer({ host: '0.0.0.0', port: 0 }), /reachable from the network/);
  });

  describe('its proxy requests', () => {
    let upstream;
    let byOrigin; // host 0.0.0.0, --allow-origin
    let byToken; // host 0.0.0.0, --access-token
    let loopbackToken; // 127.0.0.1 with a token
    const APP = 'http://app.example:3000';
    before(async () => {
      upstream = await startUpstream((req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}'));
      [byOrigin, byToken, loopbackToken] = await Promise.all([
        createProxyServer({ host: '0.0.0.0', port: 0, allowHosts: [upstream.host], allowOrigins: [APP] }),
        createProxyServer({ host: '0.0.0.0', port: 0, allowHosts: [upstream.host], accessToken: TOKEN }),
        createProxyServer({ port: 0, allowHosts: [upstream.host], accessToken: TOKEN }),
      ]);
    });
    after(async () => {
      await Promise.all([byOrigin?.close(), byToken?.close(), loopbackToken?.close()]);
      await upstream?.close();
    });

    // Sent to 127.0.0.1:PORT, so the server's own origin is http://127.0.0.1:PORT.
    const own = (server) => `http://127.0.0.1:${server.port}`;
    const sameOriginGet = { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' };
    const token = { 'x-irel-proxy-token': TOKEN };
    const table = [
      ['--allow-origin: refuses a request with neither Origin nor fetch metadata (curl on the network)', () => byOrigin, 'GET', () => ({}), 403,
        /reachable from the network/],
      ['--allow-origin: accepts its own Origin', () => byOrigin, 'GET', (s) => ({ origin: own(s) }), 200],
      ['--allow-origin: accepts an --allow-origin Origin', () => byOrigin, 'GET', () => ({ origin: APP }), 200],
      ['--allow-origin: accepts a same-origin GET without Origin', () => byOrigin, 'GET', () => sameOriginGet, 200],
      ['--allow-origin: accepts a same-origin HEAD without Origin', () => byOrigin, 'HEAD', () => sameOriginGet, 200],
      ['--allow-origin: refuses a DELETE without Origin, whatever its fetch metadata', () => byOrigin, 'DELETE', () => sameOriginGet, 403,
        /reachable from the network/],
      ['--allow-origin: refuses a foreign Origin', () => byOrigin, 'GET', () => ({ origin: 'http://evil.example' }), 403, /may not use this proxy/],
      ['token: refuses its own Origin without the token', () => byToken, 'GET', (s) => ({ origin: own(s) }), 403, /needs its access token/],
      ['token: refuses a wrong token', () => byToken, 'GET', (s) => ({ origin: own(s), 'x-irel-proxy-token': `${TOKEN}x` }), 403,
        /wrong proxy token/],
      ['token: refuses the token without an Origin', () => byToken, 'GET', () => token, 403, /reachable from the network/],
      ['token: accepts its own Origin with the token', () => byToken, 'GET', (s) => ({ origin: own(s), ...token }), 200],
      ['token: accepts a same-origin GET with the token', () => byToken, 'GET', () => ({ ...sameOriginGet, ...token }), 200],
      ['token on loopback: refuses a request without it', () => loopbackToken, 'GET', () => ({}), 403, /needs its access token/],
      ['token on loopback: accepts one with it', () => loopbackToken, 'GET', () => token, 200],
    ];
    for (const [what, server, method, headers, status, message] of table) {
      it(what, async () => {
        const s = server();
        const before = upstream.requests.length;
        const r = await send(own(s), `/proxy/${upstream.host}/v2/`, { method, headers: headers(s) });
        assert.equal(r.status, status);
        if (status === 200) {
          assert.equal(upstream.requests.length, before + 1);
          assert.equal(upstream.requests.at(-1).headers['x-irel-proxy-token'], undefined, 'the token never goes upstream');
        } else {
          assert.equal(errorOf(r).code, 'DENIED');
          assert.match(errorOf(r).message, message);
          assert.equal(upstream.requests.length, before, 'the upstream was not asked');
        }
      });
    }

    it('answers the page\'s preflight (which cannot carry the token) and allows the token header', async () => {
      const r = await send(own(byToken), `/proxy/${upstream.host}/v2/`, { method: 'OPTIONS', headers: { origin: own(byToken),
        'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-irel-proxy-token' } });
      assert.equal(r.status, 204);
      assert.match(r.headers['access-control-allow-headers'], /X-Irel-Proxy-Token/);
    });

    it('still serves the page without the token (the page is where it is typed in)', async () => {
      assert.equal((await send(own(byToken), '/web/')).status, 200);
    });

    it('keeps refusing the Host header of a rebinding page', async () => {
      const r = await send(own(byOrigin), `/proxy/${upstream.host}/v2/`, { headers: { host: `rebind.example:${byOrigin.port}`,
        origin: `http://rebind.example:${byOrigin.port}` } });
      assert.equal(r.status, 403);
      assert.match(errorOf(r).message, /Host header/);
    });
  });
});
