// The Node transport: node:http/https with keep-alive agents, custom CAs and --skip-tls-verify,
// streaming responses, and redirects followed for GET/HEAD without carrying Authorization to
// another origin (host, port or scheme: never from https down to http).
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

import { redirectKeepsCredentials } from '../registry/credential-scope.js';

const MAX_REDIRECTS = 5;
const limited = new WeakSet(); // signals whose listener limit was lifted

// maxSockets per host: 16 large and 64 small blobs in flight (relocate.js), each one connection.
/** lookup: a dns.lookup replacement (custom resolution; tests name hosts this way). */
export function createNodeTransport({ caFiles = [], skipTlsVerify = false, maxSockets = 80, lookup } = {}) {
  const ca = caFiles.length ? caFiles.map((f) => readFileSync(f)) : undefined;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({
      keepAlive: true,
      maxSockets,
      // Custom CAs are added to, not substituted for, the system's roots.
      ca: ca ? [...tls.rootCertificates, ...ca] : undefined,
      rejectUnauthorized: !skipTlsVerify,
    }),
  };

  function once({ method, url, headers, body, signal }) {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const lib = u.protocol === 'https:' ? https : http;
      const h = { ...headers };
      if (body instanceof Uint8Array && h['Content-Length'] === undefined && h['content-length'] === undefined) {
        h['Content-Length'] = String(body.length);
      }
      // Cancellation by hand rather than with request's `signal` option: that destroys the request,
      // and with it the socket, even after the response ended and the socket went back to the
      // pool, where the error is unhandled and ends the process (seen when a progress callback
      // cancels while a blob is being read). Destroying the response instead touches the socket
      // only while the response still uses it.
      let res = null;
      // A streamed body is pumped from the caller's reader; the request settles only once the
      // pump has stopped, so that a retry reading the same blob again never runs beside a pump
      // still pulling from it (it took bytes meant for the retry).
      let pump = null;
      let halted = false;
      let wake = () => {};
      const woken = new Promise((ok) => (wake = ok));
      const settle = (fn, value) => {
        halted = true;
        wake();
        if (pump) pump.then(() => fn(value));
        else fn(value);
      };
      const onAbort = () => {
        const error = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
        if (res) res.destroy(error);
        else req.destroy(error);
      };
      const req = lib.request(u, { method, headers: h, agent: agents[u.protocol], ...(lookup ? { lookup } : {}) }, (r) => {
        res = r;
        settle(resolve, r);
      });
      req.on('error', (e) => settle(reject, e));
      req.once('close', () => signal?.removeEventListener('abort', onAbort));
      if (signal?.aborted) onAbort();
      else if (signal) {
        // One listener per request in flight: dozens at once (checks, small blobs) are expected,
        // not a leak; each is removed when its request closes.
        if (!limited.has(signal)) {
          setMaxListeners(0, signal);
          limited.add(signal);
        }
        signal.addEventListener('abort', onAbort, { once: true });
      }
      if (body && typeof body[Symbol.asyncIterator] === 'function') {
        // A streamed body: write as the source delivers, waiting for the socket to drain.
        // It stops at the request's error or early answer (a registry refusing the upload).
        pump = (async () => {
          for await (const piece of body) {
            if (halted) break;
            if (!req.write(piece)) await Promise.race([new Promise((ok) => req.once('drain', ok)), woken]);
            if (halted) break;
          }
          if (!halted) req.end();
          else if (res && !req.writableEnded) {
            // Answered before the body was all sent: the connection cannot be reused.
            if (res.complete) req.destroy();
            else res.once('end', () => req.destroy());
          }
        })().catch((e) => {
          req.destroy(e);
          reject(e);
        });
      } else {
        req.end(body ?? undefined);
      }
    });
  }

  return {
    async send(request) {
      let { url, headers } = request;
      for (let hop = 0; ; hop++) {
        const res = await once({ ...request, url, headers });
        const location = res.headers.location;
        const redirect = [301, 302, 303, 307, 308].includes(res.statusCode) && location &&
          (request.method === 'GET' || request.method === 'HEAD');
        if (!redirect || hop === MAX_REDIRECTS) return wrapNodeResponse(res, url);
        res.resume();
        const next = new URL(location, url).toString();
        if (!redirectKeepsCredentials(url, next)) {
          // Blob storage behind a redirect, or the same host over plain http, gets no credentials.
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
        }
        url = next;
      }
    },
    close() {
      for (const a of Object.values(agents)) a.destroy();
    },
  };
}

function wrapNodeResponse(res, url) {
  return {
    status: res.statusCode,
    url,
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(', ') : v ?? '';
    },
    headerPairs: () => {
      const out = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
      return out;
    },
    async *chunks() {
      for await (const chunk of res) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    },
    async bytes(limit = Infinity) {
      const parts = [];
      let n = 0;
      for await (const chunk of res) {
        n += chunk.length;
        if (n > limit) {
          res.destroy();
          throw new RangeError(`response larger than ${limit} bytes`);
        }
        parts.push(chunk);
      }
      const b = Buffer.concat(parts, n);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    async text(limit = 1 << 16) {
      const parts = [];
      let n = 0;
      for await (const chunk of res) {
        if (n < limit) parts.push(chunk);
        n += chunk.length;
      }
      return Buffer.concat(parts).toString('utf8').slice(0, limit);
    },
    /** Drops the rest of the body unread (the connection is closed, not reused). */
    cancel() {
      res.destroy();
    },
    async drain() {
      res.resume();
      await new Promise((resolve) => (res.readableEnded ? resolve() : res.once('close', resolve)));
    },
  };
}
