// Credentials are bound to the registry they belong to: a token minted for one registry never goes
// to another, Authorization never follows an upload Location or a redirect to another origin (a
// downgrade from https to http included), and a token realm over plain http never receives a
// password for an https registry. Against a real docker-registry (token and Basic auth) and small
// hostile servers of our own that record what reaches them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import { mayCarryCredentials, realmAllowed, redirectKeepsCredentials } from '../../wasm/js/registry/credential-scope.js';
import { createFetchTransport } from '../../wasm/js/registry/transport-fetch.js';
import { runIrel } from '../helpers/cli.js';
import { makeServerCerts } from '../helpers/pki.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

const FAST_RETRY = { attempts: 2, baseMs: 10, maxMs: 50 };

/** An HTTP server on 127.0.0.1 whose handler also records each request's method, path and Authorization. */
async function recordingServer(handler) {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, path: req.url, authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { seen, port, host: `127.0.0.1:${port}`, stop: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }) };
}

/** Forwards every request to `target` (host:port) as it is; `mapLocation` may rewrite a Location answered. */
function forwardTo(target, mapLocation = (l) => l) {
  const [hostname, port] = target.split(':');
  return (req, res) => {
    const up = http.request({ hostname, port, path: req.url, method: req.method, headers: { ...req.headers, host: target } }, (r) => {
      const headers = { ...r.headers };
      if (headers.location) headers.location = mapLocation(headers.location);
      res.writeHead(r.statusCode, headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
}

describe('credential scope (table)', () => {
  const proxied = createFetchTransport({ proxyBase: 'http://127.0.0.1:8080/proxy', fetch: async () => { throw new Error('unused'); } });
  const cases = [
    ['the registry\'s own origin', 'https://reg.example', 'https://reg.example/v2/a/blobs/uploads/x', undefined, true],
    ['its own origin, default port spelled out and host in capitals', 'https://reg.example', 'https://REG.example:443/v2/', undefined, true],
    ['an upload Location on another host', 'https://reg.example', 'https://storage.example/upload', undefined, false],
    ['the same host on another port', 'https://reg.example:5000', 'https://reg.example:5001/v2/', undefined, false],
    ['the same host over plain http', 'https://reg.example', 'http://reg.example/v2/', undefined, false],
    ['a proxy URL for the registry', 'https://reg.example', 'http://127.0.0.1:8080/proxy/reg.example/v2/a', proxied.upstreamOf, true],
    ['a proxy URL for another host', 'https://reg.example', 'http://127.0.0.1:8080/proxy/evil.example/v2/a', proxied.upstreamOf, false],
    ['a proxy URL for the registry on another port', 'https://127.0.0.1:5000', 'http://127.0.0.1:8080/proxy/127.0.0.1:5001/v2/', proxied.upstreamOf, false],
    ['a URL that is not http(s)', 'https://reg.example', 'file:///etc/passwd', undefined, false],
    ['a URL that does not parse', 'https://reg.example', 'not a url', undefined, false],
  ];
  for (const [what, origin, url, upstreamOf, expected] of cases) {
    it(`${expected ? 'carries' : 'withholds'} credentials for ${what}`, () => {
      assert.equal(mayCarryCredentials(origin, url, upstreamOf), expected);
    });
  }

  const redirects = [
    ['same origin', 'https://h/a', 'https://h/b', true],
    ['https to http on the default ports', 'https://h/a', 'http://h/a', false],
    ['https to http on the same explicit port', 'https://h:5000/a', 'http://h:5000/a', false],
    ['another host', 'https://h/a', 'https://storage.example/a', false],
    ['another port', 'https://h:5000/a', 'https://h:5001/a', false],
    ['http to https of the same host (an upgrade, still another origin)', 'http://h/a', 'https://h/a', false],
  ];
  for (const [what, from, to, keeps] of redirects) {
    it(`a redirect to ${what} ${keeps ? 'keeps' : 'drops'} Authorization`, () => assert.equal(redirectKeepsCredentials(from, to), keeps));
  }

  const realms = [
    ['https realm, https registry', 'https://auth.example/token', false, true],
    ['http realm, https registry', 'http://auth.example/token', false, false],
    ['http realm, registry allowed plain HTTP', 'http://127.0.0.1:5001/token', true, true],
  ];
  for (const [what, realm, plain, ok] of realms) {
    it(`${ok ? 'allows' : 'refuses'} a token realm: ${what}`, () => assert.equal(realmAllowed(realm, plain), ok));
  }

  it('sends the proxy token to the proxy only with proxied requests', async () => {
    const sent = [];
    const fetch = async (url, init) => {
      sent.push({ url, token: init.headers['X-Irel-Proxy-Token'] });
      return new Response('', { status: 200 });
    };
    await createFetchTransport({ fetch, proxyBase: 'http://127.0.0.1:8080/proxy', proxyToken: 't0k3n-0123456789abc' })
      .send({ method: 'GET', url: 'https://reg.example/v2/', headers: {} });
    await createFetchTransport({ fetch, proxyToken: 't0k3n-0123456789abc' }).send({ method: 'GET', url: 'https://reg.example/v2/', headers: {} });
    assert.deepEqual(sent, [
      { url: 'http://127.0.0.1:8080/proxy/reg.example/v2/', token: 't0k3n-0123456789abc' },
      { url: 'https://reg.example/v2/', token: undefined },
    ]);
  });
});

describe('a registry naming another registry\'s token realm', () => {
  let victim;
  let attacker;
  let irel;
  before(async () => {
    victim = await startRegistry({ auth: 'token' });
    await pushImage(victim, 'private/app:v1', { layers: [100] });
    const { realm, service } = victim.tokenServer;
    attacker = await recordingServer((req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="${service}"`, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([victim?.stop(), attacker?.stop()]);
  });

  it('gets no token minted for that registry (same repository, realm, service and scopes)', async () => {
    const options = { credentials: { [victim.host]: victim.creds }, retry: FAST_RETRY };
    assert.match(await irel.digest(`${victim.host}/private/app:v1`, options), /^sha256:/); // the victim's token is cached
    await assert.rejects(irel.digest(`${attacker.host}/private/app:v1`, options), (e) => e.code === 'UNAUTHORIZED' && e.side === 'source');
    assert.ok(attacker.seen.length > 0);
    assert.deepEqual(attacker.seen.filter((r) => r.authorization), [], 'the attacker received an Authorization header');
  });

  it('gets no token minted with another credential on the same registry either', async () => {
    // Same registry, realm and scopes, but a user without access: the cached token of the first is not reused.
    const options = { credentials: { [victim.host]: { username: 'nobody', password: 'wrong' } }, retry: FAST_RETRY };
    await assert.rejects(irel.digest(`${victim.host}/private/app:v1`, options), (e) => e.code === 'UNAUTHORIZED');
  });
});

describe('an upload Location on another host', () => {
  let src;
  let dst;
  let storage;
  let front;
  let irel;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
    await pushImage(src, 'apps/app:v1', { layers: [2000] });
    storage = await recordingServer(forwardTo(dst.host));
    // The target registry as the client sees it: its upload Locations point at "storage", another host.
    front = await recordingServer(forwardTo(dst.host, (l) => {
      const u = new URL(l, `http://${dst.host}`);
      return `http://localhost:${storage.port}${u.pathname}${u.search}`;
    }));
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await Promise.all([src?.stop(), dst?.stop(), storage?.stop(), front?.stop()]);
  });

  it('gets no Authorization on its PATCH/PUT (the registry then refuses, and the copy fails naming the target)', async () => {
    await assert.rejects(
      irel.copy(`${src.host}/apps/app:v1`, `${front.host}/apps/app:v1`, { credentials: { [front.host]: dst.creds }, retry: FAST_RETRY }),
      (e) => e.side === 'target' && /UNAUTHORIZED|401/.test(`${e.code} ${e.message}`));
    assert.ok(front.seen.some((r) => r.authorization?.startsWith('Basic ')), 'the registry itself got the credentials');
    assert.ok(storage.seen.length > 0, 'the upload went to the other host');
    assert.deepEqual(storage.seen.filter((r) => r.authorization), [], 'Authorization went to the other host');
  });
});

/**
 * One port that speaks both TLS and plain HTTP (told apart by the first byte), so that a redirect
 * from https://127.0.0.1:P to http://127.0.0.1:P keeps host and port and changes only the scheme.
 */
async function dualSchemeServer(certs, { tls: tlsHandler, plain: plainHandler }) {
  const seen = { tls: [], plain: [] };
  const wrap = (list, handler) => (req, res) => {
    list.push({ method: req.method, path: req.url, authorization: req.headers.authorization });
    handler(req, res);
  };
  const tlsServer = https.createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, wrap(seen.tls, tlsHandler));
  const plainServer = http.createServer(wrap(seen.plain, plainHandler));
  const front = net.createServer((socket) => {
    socket.once('readable', () => {
      const first = socket.read(1);
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? tlsServer : plainServer).emit('connection', socket);
    });
  });
  await new Promise((ok) => front.listen(0, '127.0.0.1', ok));
  const { port } = front.address();
  return {
    seen, port, host: `127.0.0.1:${port}`,
    stop: () => new Promise((ok) => {
      tlsServer.closeAllConnections?.();
      plainServer.closeAllConnections();
      front.close(ok);
    }),
  };
}

describe('a redirect from https to http on the same host and port', () => {
  let dir;
  let server;
  let irel;
  const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":'
    + '{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}');
  before(async () => {
    dir = await makeTempDir('irel-cred-');
    const certs = await makeServerCerts(dir);
    server = await dualSchemeServer(certs, {
      tls: (req, res) => {
        if (req.url === '/v2/') return res.writeHead(200).end('{}');
        if (!req.headers.authorization) return res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
        res.writeHead(307, { location: `http://127.0.0.1:${server.port}${req.url}` }).end();
      },
      plain: (req, res) => {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': manifest.length });
        res.end(req.method === 'HEAD' ? undefined : manifest);
      },
    });
    server.caFile = certs.caFile;
    irel = await load();
  });
  after(async () => {
    irel?.close();
    await server?.stop();
    await removeDir(dir);
  });

  it('is followed without the Authorization header', async () => {
    await irel.digest(`${server.host}/apps/app:v1`, {
      credentials: { [server.host]: { username: 'tester', password: 'secret-pw' } }, caFiles: [server.caFile], retry: FAST_RETRY,
    }).catch(() => {}); // the outcome of the lookup is not the point; what reached the plain side is
    assert.ok(server.seen.tls.some((r) => r.authorization?.startsWith('Basic ')), 'the https side got the credentials');
    assert.ok(server.seen.plain.length > 0, 'the redirect was followed');
    assert.deepEqual(server.seen.plain.filter((r) => r.authorization), [], 'credentials went out over plain http');
  });
});

describe('a token realm over plain http for an https registry', () => {
  let dir;
  let registry;
  let realm;
  let irel;
  // registry.test resolves to 127.0.0.1 here: a name that is not loopback, so the registry is https-only.
  const lookup = (hostname, options, callback) => {
    if (typeof options === 'function') [callback, options] = [options, {}];
    if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  before(async () => {
    dir = await makeTempDir('irel-cred-');
    const certs = await makeServerCerts(dir);
    realm = await recordingServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}'));
    const server = https.createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, (req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://registry.test:${realm.port}/token",service="x"` }).end();
    });
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    registry = { server, host: `registry.test:${server.address().port}` };
    irel = await load();
  });
  after(async () => {
    irel?.close();
    registry?.server.closeAllConnections();
    await new Promise((ok) => (registry ? registry.server.close(ok) : ok()));
    await realm?.stop();
    await removeDir(dir);
  });

  it('is refused with AUTH_REALM_INSECURE before any password is sent', async () => {
    await assert.rejects(irel.digest(`${registry.host}/apps/app:v1`, {
      credentials: { [registry.host]: { username: 'tester', password: 'secret-pw' } }, lookup, skipTlsVerify: true, retry: FAST_RETRY,
    }), (e) => {
      assert.equal(e.code, 'AUTH_REALM_INSECURE');
      assert.equal(e.side, 'source');
      assert.doesNotMatch(e.message, /secret-pw|tester/);
      return true;
    });
    assert.deepEqual(realm.seen, [], 'the plain-http realm was asked');
  });
});

describe('source and target credentials on one registry', () => {
  let reg;
  let image;
  before(async () => {
    reg = await startRegistry({ auth: 'token', users: {
      reader: { password: 'reader-pw', access: { 'src/*': ['pull'] } },
      writer: { password: 'writer-pw', access: { 'dst/*': ['pull', 'push'] } },
    } });
    image = await pushImage(reg, 'src/app:1', { layers: [1500] });
  });
  after(() => reg?.stop());

  it('stay apart: the reader reads the source, the writer writes the target (--src-creds, --dest-creds)', async () => {
    const target = `${reg.host}/dst/app:1`;
    const r = await runIrel(['copy', '-q', '--src-creds', 'reader:reader-pw', '--dest-creds', 'writer:writer-pw', image.ref, target]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `copied ${image.ref} to ${target} with content digest ${image.digest}\n`);
    const users = new Set(reg.tokenServer.requests.filter((q) => q.status === 200).map((q) => q.user));
    assert.ok(users.has('reader') && users.has('writer'), `token users: ${[...users]}`);
  });

  it('stay apart in the API too (sourceCredentials, targetCredentials)', async () => {
    const irel = await load();
    try {
      const summary = await irel.copy(image.ref, `${reg.host}/dst/api:1`, {
        sourceCredentials: { [reg.host]: { username: 'reader', password: 'reader-pw' } },
        targetCredentials: { [reg.host]: { username: 'writer', password: 'writer-pw' } },
        retry: FAST_RETRY,
      });
      assert.equal(summary.digest, image.digest);
    } finally {
      irel.close();
    }
  });
});
