// Forwarding one browser request upstream: same method, filtered headers and the body streamed
// as it arrives (with backpressure), to a target the policy has checked and pinned. Redirects of
// GET and HEAD (blob downloads sent to storage) are followed here, since a browser cannot read a
// cross-origin redirect's Location; each hop is checked like the first target, Authorization only
// ever goes to the scheme, host and port the request was meant for, and a hop may lead to a host
// reachable only by --allow-host only from a target named with --allow-host itself (a public
// registry cannot bounce the proxy into the internal network). The caller's AbortSignal (the
// browser went away) aborts the upstream request.
import http from 'node:http';
import https from 'node:https';

import { upstreamRequestHeaders, withoutAuthorization } from './headers.js';
import { parseAuthority } from './proxy-url.js';
import { TargetDenied } from './target-policy.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_PORT = { http: 80, https: 443 };

/** An upstream that did not answer in time (before its response headers). */
export class UpstreamTimeout extends Error {}

/**
 * One upstream exchange. Resolves with the response once its headers arrive; the request body
 * (`body`, a readable, or none) keeps streaming. Errors after the response (the upstream closing
 * while a body it no longer wants is still being sent) only stop the body.
 */
function exchange({ scheme, target, path, method, headers, body, lookup, agents, signal, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const lib = scheme === 'https' ? https : http;
    const upstream = lib.request({
      protocol: `${scheme}:`,
      hostname: target.hostname,
      port: target.port ?? DEFAULT_PORT[scheme],
      path,
      method,
      headers,
      agent: agents[scheme],
      lookup,
      signal,
    });
    let answered = false;
    upstream.setTimeout(timeoutMs, () => {
      if (!answered) upstream.destroy(new UpstreamTimeout(`no answer from ${target.authority} in ${timeoutMs / 1000} s`));
    });
    upstream.on('error', (e) => {
      if (!answered) reject(e);
    });
    upstream.once('response', (res) => {
      answered = true;
      upstream.setTimeout(0); // a download may pause for as long as the browser applies backpressure
      resolve(res);
    });
    if (body) {
      // pipe (not pipeline): an upstream that answers early (401 to a PUT) and closes must not tear
      // down the browser's connection before that answer is passed on; pipe unpipes on error.
      body.on('error', (e) => upstream.destroy(e));
      body.pipe(upstream);
    } else {
      upstream.end();
    }
  });
}

/**
 * "scheme://host:port" (the scheme's default port filled in), to compare hops of a redirect chain:
 * any change, https to http included, means another party, which gets no Authorization.
 */
export function hostKey(target, scheme) {
  return `${scheme}://${target.host}:${target.port ?? DEFAULT_PORT[scheme]}`;
}

/**
 * Forward `req` (the browser's request) to `target` (parseProxyUrl's result) over `scheme`
 * ('https', or 'auto' to let `probeScheme` choose for a host that may speak plain HTTP).
 * Resolves { response (an http.IncomingMessage from the final upstream), redirects, url,
 * viaAllowHost (the final upstream is named with --allow-host) } or rejects with TargetDenied
 * (from the policy, for the target or a redirect hop), UpstreamTimeout,
 * an AbortError when `signal` fired, or a network/TLS/DNS error.
 */
export async function forward({ req, target, scheme, policy, probeScheme, agents, signal, maxRedirects = 5,
  timeoutMs = 300_000 }) {
  const method = req.method;
  const followable = method === 'GET' || method === 'HEAD';
  let headers = upstreamRequestHeaders(req, target.authority);
  if (followable) delete headers['content-length']; // GET and HEAD are forwarded without a body
  let current = { scheme, target, path: target.path };
  let body = followable ? null : req;
  let home;
  let fromAllowHost; // the original target is named with --allow-host
  let named;
  for (let redirects = 0; ; redirects++) {
    const check = async (scheme) => {
      const checked = await policy.check(current.target, scheme);
      if (redirects === 0) fromAllowHost = checked.named;
      else if (checked.allowedByName && !fromAllowHost) {
        throw new TargetDenied(`a redirect from ${target.authority} may not lead to --allow-host host ${current.target.authority}`);
      }
      named = checked.named;
      return checked.lookup;
    };
    let lookup = await check(current.scheme === 'auto' ? 'https' : current.scheme);
    if (current.scheme === 'auto') {
      current.scheme = await probeScheme(current.target, current.target.port ?? DEFAULT_PORT.https, lookup);
      if (current.scheme === 'http' && current.target.port === null) lookup = await check('http');
    }
    home ??= hostKey(target, current.scheme);
    let response;
    for (let attempt = 0; ; attempt++) {
      try {
        response = await exchange({ ...current, method, headers, body, lookup, agents, signal, timeoutMs });
        break;
      } catch (e) {
        // A kept-alive connection the upstream had already closed: safe to repeat a bodiless request once.
        if (body || attempt > 0 || signal.aborted || e.code !== 'ECONNRESET') throw e;
      }
    }
    body = null;
    const url = `${current.scheme}://${current.target.authority}${current.path}`;
    const location = response.headers.location;
    if (!followable || !REDIRECTS.has(response.statusCode) || !location || redirects === maxRedirects) {
      return { response, redirects, url, viaAllowHost: named };
    }
    let next;
    try {
      next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new TypeError('not http(s)');
      next = { scheme: next.protocol.slice(0, -1), target: parseAuthority(next.host), path: `${next.pathname}${next.search}` };
    } catch {
      return { response, redirects, url, viaAllowHost: named }; // a Location we cannot follow: the client sees the redirect
    }
    response.resume(); // discard the redirect's body; the connection goes back to the pool
    headers = { ...headers, host: next.target.authority };
    if (hostKey(next.target, next.scheme) !== home) headers = withoutAuthorization(headers);
    else if (req.headers.authorization !== undefined) headers.authorization = req.headers.authorization;
    current = next;
  }
}
