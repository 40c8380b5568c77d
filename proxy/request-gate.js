// Which requests may use the proxy at all, judged before anything is forwarded: by fetch metadata
// (Sec-Fetch-*: sent by browsers, absent from curl and Node), by Origin on a server reachable from
// the network, and by the access token when one is configured. Each check returns null to let the
// request pass, or the reason to refuse it (answered 403 DENIED).
import { createHash, timingSafeEqual } from 'node:crypto';

import { blockedRange } from './address-ranges.js';
import { PROXY_TOKEN_HEADER } from './headers.js';

/** Whether a listen address only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackListenHost(host) {
  const name = String(host).toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || blockedRange(name) === 'loopback';
}

/**
 * A browser request the page's fetch() would not make: a navigation or a load as a document,
 * frame, worker, script, style, image... (the proxy's answers are data, never a page), or a
 * request from another site without an Origin header (a no-cors GET: an <img> or <script> of
 * another site, which CORS cannot refuse). Requests with an Origin were judged by CORS already.
 */
export function fetchMetadataRefusal(headers) {
  const mode = headers['sec-fetch-mode'];
  const dest = headers['sec-fetch-dest'];
  const site = headers['sec-fetch-site'];
  if (mode === 'navigate' || mode === 'nested-navigate') {
    return `the proxy does not answer navigations (Sec-Fetch-Mode: ${mode}): its answers are data for the page's fetch() calls`;
  }
  if (dest !== undefined && dest !== 'empty') {
    return `the proxy answers only fetch() calls (Sec-Fetch-Dest: empty), not a load as ${JSON.stringify(dest)}`;
  }
  if ((site === 'cross-site' || site === 'same-site') && headers.origin === undefined) {
    return `a ${site} request without an Origin header may not use this proxy`;
  }
  return null;
}

/**
 * On a server reachable from the network, a request must show it comes from an allowed page:
 * an Origin header (already checked against the allowed ones), or, for the same-origin GET and
 * HEAD requests browsers send without Origin, Sec-Fetch-Site: same-origin.
 */
export function exposedOriginRefusal(req) {
  if (req.headers.origin !== undefined) return null;
  if (req.headers['sec-fetch-site'] === 'same-origin' && (req.method === 'GET' || req.method === 'HEAD')) return null;
  return 'this proxy is reachable from the network: it answers only requests of the app\'s own page or an --allow-origin page '
    + '(an Origin header, or Sec-Fetch-Site: same-origin)';
}

const digest = (text) => createHash('sha256').update(text, 'utf8').digest();

/** A check of the X-Irel-Proxy-Token header against `token` (none: every request passes). */
export function createTokenCheck(token) {
  if (token === undefined || token === null || token === '') return () => null;
  const expected = digest(token);
  return (headers) => {
    const given = headers[PROXY_TOKEN_HEADER];
    if (given === undefined) return 'this proxy needs its access token: give the page the proxy token (header X-Irel-Proxy-Token)';
    // Digests of equal length: the comparison takes the same time whatever the token given.
    if (!timingSafeEqual(digest(String(given)), expected)) return 'wrong proxy token (header X-Irel-Proxy-Token)';
    return null;
  };
}
