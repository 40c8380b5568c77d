// A TCP proxy that makes a loopback server behave as if it were across a WAN link: every chunk is
// delivered `delayMs` after it left the client's (or server's) end of the link, and each direction
// of the link carries at most `bytesPerSecond`, shared by all connections (as one access link
// is). Used by the WAN benchmark (scripts/bench-wan.js); plain node:net, no dependencies.
//
// Model, per direction: a chunk read from a socket is cut into slices, queued on its connection,
// and a round-robin scheduler puts slices on the link no faster than the rate (a virtual clock:
// the time the link is next free). A slice that has been transmitted arrives `delayMs` later.
// Deliveries of one connection and direction sit in a FIFO served by one timer, so order is kept
// whatever the timer rounding. A FIN (end) or close is a zero-length slice in the same queue, so it
// arrives after the data before it. Errors and resets destroy the peer at once (nothing sane can
// be delivered after a reset).
//
// Optional `handshake: true` also charges a new connection one round trip before its first byte
// reaches the server, as TCP's SYN / SYN-ACK does on a real link (the kernel accepts loopback
// connections at once, so without it a new connection is free).
//
// stats(): cumulative counters (connections, TLS probes, HTTP requests by method, bytes each way,
// and a log of connections, probes and requests); a caller diffs two snapshots to count one run. Requests are counted
// by a small HTTP/1.1 request parser on the client->server stream (Content-Length and chunked
// bodies), since a request is the unit a round trip is spent on.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const SLICE = 64 * 1024; // at 50 MB/s, 1.3 ms of link time: one big transfer cannot hog the link
const BURST_MS = 4; // how far ahead of "now" the link may be booked (timers are ~1 ms coarse)
const HIGH_WATER = 4 * 1024 * 1024; // pause a source when this much is queued for its peer
const LOW_WATER = HIGH_WATER / 2;
const MAX_LOG = 200_000; // log entries kept (about 100 bytes each); a benchmark run makes a few thousand

const END = Symbol('end');
const CLOSE = Symbol('close');

/** One direction of the link: a rate shared by every connection's pipe in that direction. */
function createLink(bytesPerSecond) {
  const msPerByte = Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? 1000 / bytesPerSecond : 0;
  let free = 0; // virtual clock: when the link finishes sending what it has been given
  const active = []; // pipes with pending slices, served round-robin
  let next = 0;
  let timer = null;

  function pump() {
    timer = null;
    const now = performance.now();
    if (free < now) free = now; // an idle link saves no credit beyond BURST_MS
    let wakeAt = Infinity;
    while (active.length && free < now + BURST_MS) {
      // The next pipe whose head slice may go (a new connection's first bytes wait for its handshake).
      let picked = -1;
      for (let k = 0; k < active.length; k++) {
        const i = (next + k) % active.length;
        const at = active[i].pending[0].eligibleAt;
        if (at <= now) { picked = i; break; }
        wakeAt = Math.min(wakeAt, at);
      }
      if (picked < 0) break;
      const pipe = active[picked];
      const slice = pipe.pending.shift();
      free += slice.size * msPerByte;
      pipe.transmitted(slice, free);
      if (pipe.pending.length) next = picked + 1;
      else { active.splice(picked, 1); next = picked; }
      if (next >= active.length) next = 0;
      wakeAt = Infinity;
    }
    if (active.length) {
      const at = Math.min(wakeAt, free >= now + BURST_MS ? free - BURST_MS : wakeAt);
      timer = setTimeout(pump, Math.max(0, at - performance.now()));
    }
  }

  return {
    /** A pipe has new slices; start serving it. */
    wake(pipe) {
      if (!active.includes(pipe)) active.push(pipe);
      // Re-plan now: a pending timer may be waiting for a later-eligible pipe, not for the link.
      clearTimeout(timer);
      pump();
    },
    /** A pipe is gone (its peer was destroyed): drop its slices so they take no link time. */
    remove(pipe) {
      const i = active.indexOf(pipe);
      if (i >= 0) {
        active.splice(i, 1);
        if (next > i) next--;
        if (next >= active.length) next = 0;
      }
    },
    stop() { clearTimeout(timer); timer = null; active.length = 0; },
  };
}

/**
 * One connection, one direction: src's bytes queued for the link, then in flight, then written to
 * dst. onBytes(buffer) sees the bytes as they are read (for request counting).
 */
function createPipe({ src, dst, link, delayMs, notBefore = 0, onBytes }) {
  const inflight = []; // { at, data } in transmission order, so in delivery order too
  let timer = null;
  let queued = 0; // bytes read from src and not yet written to dst
  let finished = false; // END/CLOSE queued: nothing more will be read
  let dead = false;

  const pipe = {
    pending: [], // { data, size, eligibleAt }
    transmitted(slice, at) {
      inflight.push({ at: at + delayMs, data: slice.data });
      if (!timer) arm();
    },
  };

  function arm() {
    timer = setTimeout(deliver, Math.max(0, inflight[0].at - performance.now()));
  }

  function deliver() {
    timer = null;
    const now = performance.now() + 0.5; // within timer resolution counts as due
    while (inflight.length && inflight[0].at <= now) {
      const { data } = inflight.shift();
      if (dead || dst.destroyed) continue;
      if (data === END) dst.end();
      else if (data === CLOSE) dst.end(() => dst.destroy()); // src is gone: nothing can come back
      else {
        queued -= data.length;
        dst.write(data);
      }
    }
    if (inflight.length) arm();
    maybeResume();
  }

  function backlog() {
    return queued + (dst.writableLength ?? 0);
  }
  function maybeResume() {
    if (!finished && src.isPaused() && backlog() < LOW_WATER && !src.destroyed) src.resume();
  }

  function enqueue(data, size) {
    const eligibleAt = Math.max(performance.now(), notBefore);
    pipe.pending.push({ data, size, eligibleAt });
    link.wake(pipe);
  }

  src.on('data', (chunk) => {
    if (dead) return;
    onBytes?.(chunk);
    queued += chunk.length;
    for (let off = 0; off < chunk.length; off += SLICE) {
      const piece = chunk.subarray(off, Math.min(chunk.length, off + SLICE));
      enqueue(piece, piece.length);
    }
    if (backlog() > HIGH_WATER) src.pause(); // bounded memory: src's sender waits on TCP
  });
  dst.on('drain', maybeResume);
  src.on('end', () => {
    if (dead || finished) return;
    finished = true;
    enqueue(END, 0);
  });

  return {
    /** src closed without an end (and without an error): deliver a close after the data. */
    closed() {
      if (dead || finished) return;
      finished = true;
      enqueue(CLOSE, 0);
    },
    /** Drop everything: the peer or the whole proxy is gone. */
    kill() {
      dead = true;
      pipe.pending.length = 0;
      link.remove(pipe);
      inflight.length = 0;
      clearTimeout(timer);
      timer = null;
    },
  };
}

const METHOD = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/;

/**
 * Counts HTTP/1.1 requests in a client->server byte stream: head until CRLFCRLF, then a body of
 * Content-Length bytes or chunked. Anything else (a TLS ClientHello: a client probing whether the
 * port speaks TLS) stops the parsing for that connection and is reported once.
 */
function requestCounter(onRequest, onTls, onLost) {
  let buf = Buffer.alloc(0);
  const lose = (why) => { state = 'off'; onLost(`${why}: ${JSON.stringify(buf.subarray(0, 80).toString('latin1'))}`); };
  let state = 'head'; // head | body | chunk-size | chunk-data | trailer | off
  let left = 0;
  return (chunk) => {
    if (state === 'off') return;
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (state === 'head') {
        if (buf.length && buf[0] === 0x16) { state = 'off'; onTls(); return; }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) { if (buf.length > 64 * 1024) lose('request head over 64 KiB'); return; }
        const head = buf.subarray(0, end).toString('latin1').split('\r\n');
        buf = buf.subarray(end + 4);
        const m = METHOD.exec(head[0]);
        if (!m) { lose(`not a request line ${JSON.stringify(head[0].slice(0, 80))}, then`); return; }
        onRequest(m[1], m[2]);
        const headers = new Map(head.slice(1).map((l) => {
          const c = l.indexOf(':');
          return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()];
        }));
        if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) state = 'chunk-size';
        else if ((left = Number(headers.get('content-length') ?? 0)) > 0) state = 'body';
      } else if (state === 'body' || state === 'chunk-data') {
        const n = Math.min(left, buf.length);
        buf = buf.subarray(n);
        left -= n;
        if (left > 0) return;
        state = state === 'body' ? 'head' : 'chunk-size';
      } else if (state === 'chunk-size' || state === 'trailer') {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.subarray(0, eol).toString('latin1');
        buf = buf.subarray(eol + 2);
        if (state === 'trailer') { if (line === '') state = 'head'; continue; }
        if (line === '') continue; // the CRLF after a chunk's data
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) { lose('bad chunk size'); return; }
        if (size === 0) state = 'trailer';
        else { left = size; state = 'chunk-data'; }
      } else {
        return;
      }
    }
  };
}

/**
 * Start the proxy on 127.0.0.1:port (0: any free port) in front of target { host, port }.
 * Resolves to { host: '127.0.0.1:PORT', port, close(), stats() }.
 */
export async function startWanProxy({ target, delayMs = 25, bytesPerSecond = 50e6, port = 0, handshake = false } = {}) {
  if (!target?.port) throw new Error('startWanProxy: target { host, port } is required');
  const up = createLink(bytesPerSecond); // client -> server
  const down = createLink(bytesPerSecond); // server -> client
  const sockets = new Set();
  const pipes = new Set();
  const counts = { connections: 0, tlsProbes: 0, unparsed: 0, requests: 0, byMethod: {}, bytesUp: 0, bytesDown: 0 };
  // { t: performance.now() when the bytes reached the proxy, conn, kind: 'connect' | 'tls' | 'request', method?, path? }
  const log = [];
  const note = (entry) => { if (log.length < MAX_LOG) log.push({ t: performance.now(), ...entry }); };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const conn = ++counts.connections;
    const accepted = performance.now();
    note({ conn, kind: 'connect' });
    // With handshake emulation, the server hears of the connection after one trip (SYN) and the
    // client's first bytes can leave only when the SYN-ACK would have come back.
    const upstream = new net.Socket({ allowHalfOpen: true });
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const count = requestCounter((method, path) => {
      counts.requests++;
      counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
      note({ conn, kind: 'request', method, path });
    }, () => {
      counts.tlsProbes++;
      note({ conn, kind: 'tls' });
    }, (why) => {
      counts.unparsed++; // requests on this connection from here on are not counted
      note({ conn, kind: 'unparsed', path: why });
    });
    const c2s = createPipe({ src: client, dst: upstream, link: up, delayMs,
      notBefore: handshake ? accepted + 2 * delayMs : 0,
      onBytes: (b) => { counts.bytesUp += b.length; count(b); } });
    const s2c = createPipe({ src: upstream, dst: client, link: down, delayMs,
      onBytes: (b) => { counts.bytesDown += b.length; } });
    pipes.add(c2s).add(s2c);

    let connectTimer = null;
    const fail = () => {
      clearTimeout(connectTimer);
      c2s.kill();
      s2c.kill();
      client.destroy();
      upstream.destroy();
    };
    for (const [sock, pipe] of [[client, c2s], [upstream, s2c]]) {
      sock.on('error', fail); // a reset on one side resets the other
      sock.on('close', (hadError) => {
        sockets.delete(sock);
        if (hadError) fail();
        else pipe.closed();
        if (client.destroyed && upstream.destroyed) { pipes.delete(c2s); pipes.delete(s2c); }
      });
    }
    const connect = () => {
      if (!client.destroyed && !upstream.destroyed) upstream.connect(target.port, target.host ?? '127.0.0.1');
    };
    if (handshake) connectTimer = setTimeout(connect, delayMs);
    else connect();
  });
  server.on('error', () => {}); // listen errors surface through the promise below
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => { server.off('error', fail); ok(); });
  });
  const actual = server.address().port;
  return {
    host: `127.0.0.1:${actual}`,
    port: actual,
    stats: () => ({ ...counts, byMethod: { ...counts.byMethod }, log: log.slice() }),
    close() {
      return new Promise((ok) => {
        server.close(() => ok());
        for (const p of pipes) p.kill();
        for (const s of sockets) s.destroy();
        up.stop();
        down.stop();
      });
    },
  };
}
