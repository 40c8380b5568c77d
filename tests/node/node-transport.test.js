// The Node transport's streamed request bodies: a request settles only once it has stopped
// pulling from the body, so that an upload retried from the same blob reader never runs beside
// the pump of the failed one (which took bytes meant for the retry: "source blob … ended after
// N bytes; its descriptor says N").
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { createNodeTransport } from '../../wasm/js/node/transport.js';

const PIECE = 16 * 1024;
const PIECES = 64; // 1 MiB in all

// A slow body, as a blob read from a source registry: records what was pulled and when it ended.
function slowBody(delayMs) {
  const log = { pulled: 0, pulling: false, ended: false, hash: createHash('sha256') };
  async function* gen() {
    try {
      for (let i = 0; i < PIECES; i++) {
        log.pulling = true;
        await new Promise((ok) => setTimeout(ok, delayMs));
        log.pulling = false;
        const piece = new Uint8Array(PIECE).fill(i);
        log.hash.update(piece);
        log.pulled++;
        yield piece;
      }
    } finally {
      log.ended = true;
    }
  }
  return { body: gen(), log };
}

describe('node transport: streamed request bodies', () => {
  let server;
  let base;
  const transport = createNodeTransport();
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/cut') {
        // Takes some of the body, then the connection drops.
        let n = 0;
        req.on('data', (c) => {
          n += c.length;
          if (n >= 4 * PIECE) req.socket.destroy();
        });
      } else if (req.url === '/refuse') {
        res.writeHead(413, { 'Content-Length': '0' }).end(); // answers before reading the body
      } else {
        const h = createHash('sha256');
        req.on('data', (c) => h.update(c));
        req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(h.digest('hex')));
      }
    });
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(async () => {
    transport.close();
    await new Promise((ok) => server.close(ok));
  });

  const cases = [
    ['a body streamed whole arrives intact', '/whole', 0, async (send, log) => {
      const res = await send;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), log.hash.digest('hex'));
      assert.equal(log.pulled, PIECES);
    }],
    ['a request cut mid-body rejects only once its body is no longer being pulled', '/cut', 10, async (send, log) => {
      await assert.rejects(send);
      assert.equal(log.pulling, false, 'still pulling from the body after the request failed');
      assert.equal(log.ended, true, 'the body was not closed');
      const pulled = log.pulled;
      await new Promise((ok) => setTimeout(ok, 50));
      assert.equal(log.pulled, pulled, 'pieces pulled after the request failed');
      assert.ok(pulled < PIECES, `${pulled} pieces pulled`);
    }],
    ['an answer before the body was sent stops the pump before the request settles', '/refuse', 10, async (send, log) => {
      const res = await send;
      assert.equal(res.status, 413);
      await res.drain?.();
      assert.equal(log.pulling, false, 'still pulling from the body after the answer');
      assert.equal(log.ended, true, 'the body was not closed');
      assert.ok(log.pulled < PIECES, `${log.pulled} pieces pulled`);
    }],
  ];
  for (const [name, path, delayMs, check] of cases) {
    it(name, async () => {
      const { body, log } = slowBody(delayMs);
      const send = transport.send({ method: 'PUT', url: `${base}${path}`, headers: {}, body, signal: AbortSignal.timeout(10_000) });
      await check(send, log);
    });
  }
});
