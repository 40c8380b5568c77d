// The local server of the web app: the static files, and the CORS-forwarding registry proxy at
// /proxy/HOST[:PORT]/PATH. Used by `node proxy/server.js` and `irel serve`.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';

import { createAgents } from './agents.js';
import { createCors } from './cors.js';
import { sendError } from './errors.js';
import { forward, UpstreamTimeout } from './forward.js';
import { downstreamResponseHeaders } from './headers.js';
import { createHostCheck } from './host-header.js';
import { rewriteLocation } from './location.js';
import { BadProxyUrl, parseProxyUrl, PROXY_PREFIX } from './proxy-url.js';
import { createTokenCheck, exposedOriginRefusal, fetchMetadataRefusal, isLoopbackListenHost } from './request-gate.js';
import { requestLogLine } from './request-log.js';
import { createSchemeProbe } from './scheme-probe.js';
import { FORWARDED_RESPONSE_HEADERS, PROXY_RESPONSE_HEADERS } from './security-headers.js';
import { createStaticHandler } from './static.js';
import { createTargetPolicy, TargetDenied } from './target-policy.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ERR_TLS|ERR_SSL|EPROTO/;

/** What to answer for an error of forwarding: [status, code, message]. */
function describeFailure(e, authority) {
  if (e instanceof TargetDenied) return [403, 'DENIED', e.message];
  if (e instanceof UpstreamTimeout) return [504, 'UNAVAILABLE', `the proxy got ${e.message}`];
  const code = e?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') {
    return [502, 'UNAVAILABLE', `the proxy cannot resolve ${authority} (${code})`];
  }
  if (TLS_ERROR.test(code)) {
    return [502, 'UNAVAILABLE', `TLS with ${authority} failed: ${code} (trust its CA with --ca-cert PATH, or --skip-tls-verify)`];
  }
  return [502, 'UNAVAILABLE', `the proxy could not reach ${authority}: ${code || e?.message || e}`];
}

/**
 * Create and start the server. options:
 *   host ('127.0.0.1'), port (8080; 0 for an ephemeral port)
 *   allowHosts: HOST or HOST:PORT the proxy may forward to although they are (or resolve to)
 *     private, loopback, link-local... addresses
 *   allowOrigins: origins besides the server's own that may use the proxy (CORS)
 *   accessToken: when set, every /proxy/ request must carry it in X-Irel-Proxy-Token (the header
 *     is never forwarded). A host other than loopback needs accessToken or allowOrigins; there,
 *     every /proxy/ request must also come from an allowed page (see request-gate.js)
 *   connectOrigins: other irel proxies the page may connect to (its Content-Security-Policy)
 *   extraFiles: Map of URL path -> absolute file path, served like the app's files (benchmarks)
 *   insecureRegistries: HOST[:PORT] spoken to over plain HTTP (loopback hosts always are)
 *   ca (PEM texts), caFiles (paths): CAs trusted besides the system roots; skipTlsVerify
 *   log: (line) => void, one line per forwarded request (no credentials, no query strings)
 *   root: the package root the static files come from; lookup: dns.lookup replacement
 *   maxRedirects (5), maxHeaderSize (16 KiB), upstreamTimeoutMs (5 min of silence before the
 *     response headers: a registry finishing a big upload may take a while)
 * Resolves { server, host, port, url (http://host:port), appUrl (url + '/web/'), proxyBase
 * (url + '/proxy'), exposed (listening on an address other than loopback), tokenRequired, close() }.
 */
export async function createProxyServer(options = {}) {
  const {
    host = '127.0.0.1', port = 8080, allowHosts = [], allowOrigins = [], insecureRegistries = [],
    ca = [], caFiles = [], skipTlsVerify = false, log = () => {}, root, lookup,
    maxRedirects = 5, maxHeaderSize = 16 * 1024, upstreamTimeoutMs = 300_000,
    accessToken, connectOrigins = [], extraFiles,
  } = options;
  const exposed = !isLoopbackListenHost(host);
  if (exposed && !accessToken && !allowOrigins.length) {
    throw new TypeError(`listening on ${host}, reachable from the network, needs accessToken or allowOrigins`);
  }
  let selfPort = null;
  const policy = createTargetPolicy({ allowHosts, insecureRegistries, lookup, self: () => selfPort && { port: selfPort } });
  const cors = createCors({ allowOrigins });
  const hostCheck = createHostCheck({ listenHost: host });
  const serveStatic = createStaticHandler({ root, connectOrigins, extraFiles });
  const tokenRefusal = createTokenCheck(accessToken);
  const agents = createAgents({ ca, caFiles, skipTlsVerify });
  const probeScheme = createSchemeProbe();

  async function handleProxy(req, res) {
    const startedAt = performance.now();
    const origin = req.headers.origin;
    const selfOrigin = hostCheck(req.headers.host);
    let logged = { method: req.method, authority: '-', path: '-' };
    const done = (status, note) => log(requestLogLine({ ...logged, status, startedAt, note }));
    for (const [name, value] of Object.entries(PROXY_RESPONSE_HEADERS)) res.setHeader(name, value);

    if (!selfOrigin) {
      sendError(res, 403, 'DENIED', 'the proxy answers only to an IP address, localhost or its --host name in the Host header');
      return done(403, 'Host refused');
    }
    if (!cors.allows(origin, selfOrigin)) {
      sendError(res, 403, 'DENIED', `origin ${origin} may not use this proxy (allow it with --allow-origin ORIGIN)`);
      return done(403, 'Origin refused');
    }
    const corsHeaders = cors.responseHeaders(origin);
    const refusal = fetchMetadataRefusal(req.headers) ?? (exposed ? exposedOriginRefusal(req) : null);
    if (refusal) {
      sendError(res, 403, 'DENIED', refusal, corsHeaders);
      return done(403, 'not a fetch of the page');
    }
    if (cors.isPreflight(req)) {
      res.writeHead(204, cors.preflightHeaders(origin, req));
      res.end();
      return done(204, 'preflight');
    }
    const tokenProblem = tokenRefusal(req.headers); // preflights cannot carry it, and are never forwarded
    if (tokenProblem) {
      sendError(res, 403, 'DENIED', tokenProblem, corsHeaders);
      return done(403, 'proxy token refused');
    }
    if (!METHODS.has(req.method)) {
      sendError(res, 405, 'UNSUPPORTED', `the proxy does not forward ${req.method}`, { ...corsHeaders, allow: [...METHODS].join(', ') });
      return done(405);
    }
    let target;
    try {
      target = parseProxyUrl(req.url);
    } catch (e) {
      if (!(e instanceof BadProxyUrl)) throw e;
      sendError(res, 400, 'BAD_REQUEST', `malformed proxy URL: ${e.message}`, corsHeaders);
      return done(400);
    }
    logged = { method: req.method, authority: target.authority, path: target.path };
    const abort = new AbortController();
    res.on('close', () => { if (!res.writableFinished) abort.abort(); });

    let result;
    try {
      result = await forward({ req, target, scheme: policy.plainHttpAllowed(target) ? 'auto' : 'https', policy, probeScheme,
        agents, signal: abort.signal, maxRedirects, timeoutMs: upstreamTimeoutMs });
    } catch (e) {
      if (abort.signal.aborted) return done(499, 'client went away');
      const [status, code, message] = describeFailure(e, target.authority);
      sendError(res, status, code, message, corsHeaders);
      return done(status, code === 'DENIED' ? 'denied' : e?.code);
    }
    const { response, redirects, viaAllowHost } = result;
    res.statusCode = response.statusCode;
    // The upstream answered before the whole request body arrived (a 401 or 503 to an upload):
    // close this connection after the answer, or the client would queue its next request behind
    // a body nobody reads (seen: a 6 s stall before a retry).
    if (!req.complete) res.setHeader('connection', 'close');
    for (const [name, value] of downstreamResponseHeaders(response)) {
      res.appendHeader(name, name.toLowerCase() === 'location' ? rewriteLocation(value, { policy, selfOrigin, fromAllowHost: viaAllowHost }) : value);
    }
    for (const [name, value] of Object.entries({ ...corsHeaders, ...FORWARDED_RESPONSE_HEADERS })) res.appendHeader(name, value);
    const note = redirects ? `${redirects} redirect${redirects > 1 ? 's' : ''} followed` : undefined;
    try {
      await pipeline(response, res);
      done(response.statusCode, note);
    } catch {
      done(response.statusCode, abort.signal.aborted ? 'client went away' : 'upstream broke off');
    }
  }

  const server = http.createServer({
    maxHeaderSize,
    requestTimeout: 0, // uploads of large blobs take as long as they take
    headersTimeout: 30_000,
    keepAliveTimeout: 5_000,
  }, (req, res) => {
    const isProxy = req.url.startsWith(PROXY_PREFIX) || req.url === PROXY_PREFIX.slice(0, -1);
    const handled = isProxy ? handleProxy(req, res) : serveStatic(req, res);
    handled.catch((e) => {
      log(`${new Date().toISOString()} internal error: ${e?.message ?? e}`);
      sendError(res, 500, 'UNKNOWN', 'internal proxy error');
    });
  });
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  selfPort = server.address().port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `http://${shownHost}:${selfPort}`;
  let closing;
  return {
    server,
    host,
    port: selfPort,
    url,
    appUrl: `${url}/web/`,
    proxyBase: `${url}/proxy`,
    exposed,
    tokenRequired: !!accessToken,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agents.destroy();
      });
      return closing;
    },
  };
}
