// The WAN-emulating TCP proxy of the WAN benchmark (scripts/lib/wan-proxy.js): each case is named
// for what it proves. Small delays and sizes keep the whole file to a few seconds.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';

import { startWanProxy } from '../../scripts/lib/wan-proxy.js';
import { startRegistry } from '../helpers/registry.js';
import { httpRequest } from '../helpers/util.js';

const DELAY = 20;
const sha = (b) => createHash('sha256').update(b).digest('hex');
const cleanups = [];
after(async () => { for (const f of cleanups.reverse()) await f(); });

/** A TCP server on 127.0.0.1 running onSocket for each connection; resolves to { port }. */
async function tcpServer(onSocket) {
  const open = new Set();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    open.add(s);
    s.once('close', () => open.delete(s));
    onSocket(s);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  // Half-open sockets stay open by design here (allowHalfOpen): destroy them so close() returns.
  cleanups.push(() => new Promise((ok) => { server.close(() => ok()); for (const s of open) s.destroy(); }));
  return { port: server.address().port, server };
}

async function proxyTo(port, options = {}) {
  const p = await startWanProxy({ target: { host: '127.0.0.1', port }, delayMs: DELAY, ...options });
  cleanups.push(() => p.close());
  return p;
}

function connect(port) {
  return new Promise((ok, fail) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => ok(s));
    s.once('error', fail);
  });
}

/** Everything a socket reads until its end, as one Buffer. */
function readAll(socket) {
  return new Promise((ok, fail) => {
    const parts = [];
    socket.on('data', (d) => parts.push(d));
    socket.once('end', () => ok(Buffer.concat(parts)));
    socket.once('error', fail);
  });
}

const cases = [
  {
    name: 'a request/response round trip costs at least 2 x delay, and not much more',
    async run() {
      const { port } = await tcpServer((s) => s.on('data', (d) => s.write(d)));
      const p = await proxyTo(port);
      const c = await connect(p.port);
      const times = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        c.write(`ping ${i}`);
        await new Promise((ok) => c.once('data', ok));
        times.push(performance.now() - t);
      }
      c.destroy();
      for (const ms of times) {
        assert.ok(ms >= 2 * DELAY - 1, `round trip ${ms.toFixed(1)} ms >= ${2 * DELAY} ms`);
        assert.ok(ms < 2 * DELAY + 60, `round trip ${ms.toFixed(1)} ms not far above ${2 * DELAY} ms`);
      }
    },
  },
  {
    name: 'byte order is kept for a large random payload in both directions (sha256 either side)',
    async run() {
      const up = randomBytes(12 << 20); // above the 4 MiB high-water mark: pausing is exercised
      const down = randomBytes(12 << 20);
      let serverGot;
      const { port } = await tcpServer((s) => {
        serverGot = readAll(s);
        s.end(down);
      });
      const p = await proxyTo(port, { bytesPerSecond: 400e6 });
      const c = await connect(p.port);
      const clientGot = readAll(c);
      c.end(up);
      const [atServer, atClient] = await Promise.all([clientGot.then(() => serverGot), clientGot]);
      assert.equal(sha(await atServer), sha(up), 'client -> server bytes intact and in order');
      assert.equal(sha(atClient), sha(down), 'server -> client bytes intact and in order');
    },
  },
  {
    name: 'the bandwidth cap is shared: 3 concurrent connections together take >= N / rate, finishing together',
    async run() {
      const rate = 10e6;
      const each = 1_000_000;
      const done = [];
      const t0 = performance.now();
      const { port } = await tcpServer((s) => {
        readAll(s).then((b) => { done.push({ ms: performance.now() - t0, bytes: b.length }); s.end(); });
      });
      const p = await proxyTo(port, { bytesPerSecond: rate });
      const clients = await Promise.all([0, 1, 2].map(() => connect(p.port)));
      const start = performance.now();
      await Promise.all(clients.map((c) => {
        const closed = readAll(c);
        c.end(randomBytes(each));
        return closed;
      }));
      const total = performance.now() - start;
      const floor = (3 * each / rate) * 1000;
      assert.deepEqual(done.map((d) => d.bytes), [each, each, each]);
      assert.ok(total >= floor * 0.95, `3 x ${each} bytes took ${total.toFixed(0)} ms >= ${floor} ms`);
      assert.ok(total < floor * 1.5 + 4 * DELAY + 100, `${total.toFixed(0)} ms not far above ${floor} ms`);
      const first = Math.min(...done.map((d) => d.ms)) - (start - t0);
      assert.ok(first > floor * 0.6, `the link is shared round-robin: the first finished at ${first.toFixed(0)} ms of ${total.toFixed(0)}`);
    },
  },
  {
    name: 'a half-close from the client arrives after its data, and the server can still answer',
    async run() {
      const payload = randomBytes(1 << 20);
      let saw;
      const seen = new Promise((ok) => { saw = ok; });
      const { port } = await tcpServer((s) => {
        let bytes = 0;
        s.on('data', (d) => { bytes += d.length; });
        s.once('end', () => {
          s.end('bye'); // still writable: the client only half-closed
          saw([{ event: 'end', bytesBefore: bytes }]);
        });
      });
      const p = await proxyTo(port);
      const c = await connect(p.port);
      const reply = readAll(c);
      c.end(payload);
      assert.deepEqual(await seen, [{ event: 'end', bytesBefore: payload.length }]);
      assert.equal((await reply).toString(), 'bye');
    },
  },
  {
    name: 'with handshake emulation a new connection costs one extra round trip, a reused one does not',
    async run() {
      const { port } = await tcpServer((s) => s.on('data', (d) => s.write(d)));
      const p = await proxyTo(port, { handshake: true });
      const t = performance.now();
      const c = await connect(p.port);
      c.write('first');
      await new Promise((ok) => c.once('data', ok));
      const first = performance.now() - t;
      const t2 = performance.now();
      c.write('second');
      await new Promise((ok) => c.once('data', ok));
      const second = performance.now() - t2;
      c.destroy();
      assert.ok(first >= 4 * DELAY - 1 && first < 4 * DELAY + 60, `first exchange ${first.toFixed(1)} ms ~ 2 RTT`);
      assert.ok(second >= 2 * DELAY - 1 && second < 2 * DELAY + 60, `second exchange ${second.toFixed(1)} ms ~ 1 RTT`);
    },
  },
  {
    name: 'stats() counts connections and HTTP requests on a keep-alive connection, chunked bodies included',
    async run() {
      const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
      await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
      cleanups.push(() => new Promise((ok) => { server.close(() => ok()); server.closeAllConnections(); }));
      const p = await proxyTo(server.address().port, { delayMs: 2 });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const send = (method, body, headers = {}) => new Promise((ok, fail) => {
        const req = http.request({ host: '127.0.0.1', port: p.port, method, path: `/x/${method}`, agent, headers }, (res) => {
          res.resume();
          res.on('end', ok);
        });
        req.on('error', fail);
        if (body) for (const part of body) req.write(part); // no Content-Length: chunked
        req.end();
      });
      await send('GET');
      await send('PATCH', [randomBytes(70_000), Buffer.from('0\r\n\r\n'), randomBytes(10)]);
      await send('PUT', null, { 'content-length': '0' });
      agent.destroy();
      const s = p.stats();
      assert.equal(s.connections, 1);
      assert.equal(s.requests, 3);
      assert.deepEqual(s.byMethod, { GET: 1, PATCH: 1, PUT: 1 });
      assert.deepEqual(s.log.filter((r) => r.kind === 'request').map((r) => r.path), ['/x/GET', '/x/PATCH', '/x/PUT']);
    },
  },
  {
    name: 'a real docker-registry behind the proxy answers GET /v2/, one delayed round trip later',
    async run() {
      const reg = await startRegistry();
      cleanups.push(() => reg.stop());
      const p = await proxyTo(reg.port);
      const t = performance.now();
      const r = await httpRequest(`http://${p.host}/v2/`);
      const ms = performance.now() - t;
      assert.equal(r.status, 200);
      assert.ok(ms >= 2 * DELAY - 1, `${ms.toFixed(1)} ms >= ${2 * DELAY} ms`);
      assert.equal(p.stats().requests, 1);
      assert.deepEqual(p.stats().byMethod, { GET: 1 });
    },
  },
];

describe('wan proxy', () => {
  for (const c of cases) it(c.name, c.run);
});
