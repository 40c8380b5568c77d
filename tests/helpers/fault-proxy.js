// A loopback HTTP reverse proxy in front of a plain-HTTP registry that injects faults on chosen
// requests (error statuses, delays, connections dropped mid-body) to test a client's retries.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'upgrade']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_LOG = 10_000;

/**
 * A fault rule, checked in order for every request; the first that fires applies. Either a
 * function ({ method, path, headers, seq }) => fault | null, or a declarative object:
 *   { method?: 'GET' | RegExp, path?: RegExp | string (regex source, matched against path+query),
 *     nth?: number | number[] (1-based occurrence among the requests this rule matched; default any),
 *     times?: number (fire at most this many times; default unlimited),
 *     ...fault }
 * A fault is any of:
 *   { status, headers?, body? }        answer this instead of forwarding (e.g. 503, or 429 with
 *                                      headers { 'retry-after': '1' }); the request body is drained
 *   { delayMs }                        wait, then go on (combine with the others)
 *   { dropResponseAfter: N }           forward, send the response head and N body bytes, then
 *                                      destroy the client socket
 *   { dropRequestAfter: N }            forward N request-body bytes upstream, then destroy both
 *                                      connections without answering (N = 0: reset at once)
 */
function ruleMatcher(rule) {
  if (typeof rule === 'function') return rule;
  const { method, path, nth, times, ...fault } = rule;
  const pathRe = path === undefined ? null : path instanceof RegExp ? path : new RegExp(path);
  const nths = nth === undefined ? null : [nth].flat();
  const limit = times ?? Infinity;
  let seen = 0; let fired = 0;
  return (req) => {
    if (method !== undefined && !(method instanceof RegExp ? method.test(req.method) : method === req.method)) return null;
    if (pathRe && !pathRe.test(req.path)) return null;
    seen++;
    if (nths && !nths.includes(seen)) return null;
    if (fired >= limit) return null;
    fired++;
    return fault;
  };
}

/** Short text naming a fault for the log ('status 503', 'delay 200ms + drop-response@1024', …). */
function describe(fault) {
  const parts = [];
  if (fault.delayMs) parts.push(`delay ${fault.delayMs}ms`);
  if (fault.status) parts.push(`status ${fault.status}`);
  if (fault.dropResponseAfter !== undefined) parts.push(`drop-response@${fault.dropResponseAfter}`);
  if (fault.dropRequestAfter !== undefined) parts.push(`drop-request@${fault.dropRequestAfter}`);
  return parts.join(' + ') || 'none';
}

/**
 * Start the proxy on 127.0.0.1 (random port) forwarding to `target` (http://127.0.0.1:PORT, a
 * loopback address only). Absolute Location headers that point at the target are rewritten to
 * the proxy. Returns { host, url, port, rules (mutable array: push rules while running), log,
 * faults, stop() } where log is [{ seq, method, path, status, fault, dropped?, inFlight, done, at, doneAt }]
 * (at most 10 000 entries): status is the injected or upstream status (null if none was sent),
 * fault a short description or null, dropped true when the proxy cut the connection, inFlight
 * the requests in progress when it arrived (itself included), done the order its answer ended,
 * at and doneAt when (performance.now(), to order requests seen by two proxies).
 */
export async function startFaultProxy({ target, rules = [] }) {
  const t = new URL(target);
  if (t.protocol !== 'http:' || !LOOPBACK.has(t.hostname)) throw new Error(`fault proxy: target must be http on loopback, got ${target}`);
  const matchers = new Map();
  const ruleList = [...rules];
  const matcherFor = (rule) => {
    if (!matchers.has(rule)) matchers.set(rule, ruleMatcher(rule));
    return matchers.get(rule);
  };
  const log = [];
  let seq = 0;
  let active = 0; // requests begun and not yet answered in full
  let finished = 0;
  let self = '';

  function pickFault(info) {
    let chosen = null;
    for (const rule of ruleList) { // every rule sees every request so its occurrence count is exact
      const f = matcherFor(rule)(info);
      if (f && !chosen) chosen = f;
    }
    return chosen;
  }

  async function handle(req, res) {
    const info = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, seq: ++seq };
    // inFlight: requests in progress when this one arrived (itself included); done: the order in
    // which answers finished. Together they show how much a client overlaps its requests.
    const entry = { seq: info.seq, method: info.method, path: info.path, status: null, fault: null, inFlight: ++active, done: 0,
      at: performance.now(), doneAt: 0 };
    res.on('close', () => {
      active--;
      entry.done = ++finished;
      entry.doneAt = performance.now();
    });
    if (log.length < MAX_LOG) log.push(entry);
    const fault = pickFault(info);
    if (fault) entry.fault = describe(fault);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status) {
      req.resume();
      const body = fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }] });
      res.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...fault.headers });
      res.end(body);
      entry.status = fault.status;
      return;
    }
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    headers.host = t.host;
    const up = http.request({ host: t.hostname, port: t.port, method: info.method, path: info.path, headers, agent: false });
    const dropBoth = () => { entry.dropped = true; up.destroy(); req.socket.destroy(); };
    up.on('error', () => {
      if (!res.headersSent && !req.socket.destroyed) { res.writeHead(502); res.end(); entry.status = 502; } else req.socket.destroy();
    });
    res.on('close', () => { if (!res.writableFinished) up.destroy(); });
    if (fault?.dropRequestAfter !== undefined) {
      let sent = 0;
      const n = fault.dropRequestAfter;
      if (n === 0) { dropBoth(); return; }
      req.on('data', (c) => {
        if (sent >= n) return;
        const part = c.subarray(0, n - sent);
        sent += part.length;
        up.write(part, () => { if (sent >= n) dropBoth(); });
      });
      req.on('end', () => { if (sent < n) up.end(); }); // body shorter than N: forward normally
    } else {
      req.pipe(up);
    }
    up.on('response', (ures) => {
      const out = [];
      for (let i = 0; i < ures.rawHeaders.length; i += 2) {
        const k = ures.rawHeaders[i]; let v = ures.rawHeaders[i + 1];
        const lk = k.toLowerCase();
        if (HOP_BY_HOP.has(lk) || lk === 'transfer-encoding') continue;
        if (lk === 'location' && v.startsWith(t.origin)) v = self + v.slice(t.origin.length);
        out.push(k, v);
      }
      entry.status = ures.statusCode ?? 0;
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, out);
      if (fault?.dropResponseAfter === undefined) { ures.pipe(res); return; }
      const n = fault.dropResponseAfter;
      let sent = 0;
      res.flushHeaders();
      const cut = () => { entry.dropped = true; ures.destroy(); res.socket?.destroy(); };
      if (n === 0) { setImmediate(cut); return; }
      ures.on('data', (c) => {
        if (sent >= n) return;
        const part = c.subarray(0, n - sent);
        sent += part.length;
        res.write(part, () => { if (sent >= n) cut(); });
      });
      ures.on('end', () => { if (sent < n) res.end(); });
    });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  self = `http://127.0.0.1:${port}`;
  let stopped;
  return {
    host: `127.0.0.1:${port}`,
    url: self,
    port,
    rules: ruleList,
    log,
    /** Log entries that had a fault injected. */
    get faults() { return log.filter((e) => e.fault); },
    stop() {
      stopped ??= new Promise((r) => { server.closeAllConnections(); server.close(() => r(undefined)); });
      return stopped;
    },
  };
}
