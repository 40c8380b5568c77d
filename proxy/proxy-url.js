// The proxy's URL form: /proxy/HOST[:PORT]/PATH?QUERY names the upstream https://HOST[:PORT]/PATH?QUERY.
// Parsing is strict (anything odd is a 400): a DNS name or IP literal, a port 1-65535, a path that
// starts with "/", has valid percent-escapes and no "." or ".." segments. The path and query are
// forwarded exactly as received (never decoded and re-encoded).
import net from 'node:net';

export const PROXY_PREFIX = '/proxy/';

export class BadProxyUrl extends Error {}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const QUERY_CHARS = /^[\x21-\x7e]*$/; // printable ASCII: forwarded as is

/**
 * Parse an authority "HOST[:PORT]" (lower-cased). Returns { hostname, port (number or null),
 * authority, literal } where hostname has no brackets (an IPv6 literal is "::1") and authority is
 * the canonical "host[:port]" ("[::1]:5000"). Throws BadProxyUrl.
 */
export function parseAuthority(text) {
  const lower = text.toLowerCase();
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(lower);
  if (!m) throw new BadProxyUrl(`invalid host ${JSON.stringify(text)}`);
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && (port < 1 || port > 65535)) throw new BadProxyUrl(`invalid port in ${JSON.stringify(text)}`);
  let hostname;
  let literal;
  if (m[1] !== undefined) {
    if (!net.isIPv6(m[1])) throw new BadProxyUrl(`invalid IPv6 address in ${JSON.stringify(text)}`);
    hostname = m[1];
    literal = 6;
  } else {
    hostname = m[2];
    literal = net.isIPv4(hostname) ? 4 : 0;
    if (!literal && (hostname.length > 253 || !hostname.split('.').every((l) => LABEL.test(l)))) {
      throw new BadProxyUrl(`invalid host name ${JSON.stringify(text)}`);
    }
  }
  const host = literal === 6 ? `[${hostname}]` : hostname;
  return { hostname, port, literal, host, authority: port === null ? host : `${host}:${port}` };
}

function checkPath(path) {
  if (!PATH_CHARS.test(path)) throw new BadProxyUrl('invalid characters in the path');
  if (/%(?![0-9a-f]{2})/i.test(path)) throw new BadProxyUrl('invalid percent-escape in the path');
  for (const segment of path.split('/')) {
    const decoded = segment.replace(/%2e/gi, '.');
    if (decoded === '.' || decoded === '..') throw new BadProxyUrl('"." and ".." path segments are not allowed');
  }
}

/**
 * Split a request target "/proxy/HOST[:PORT]/PATH?QUERY" into { ...parseAuthority(HOST[:PORT]),
 * path: "/PATH?QUERY", pathname: "/PATH" }. Throws BadProxyUrl.
 */
export function parseProxyUrl(requestTarget) {
  if (!requestTarget.startsWith(PROXY_PREFIX)) throw new BadProxyUrl(`the path must start with ${PROXY_PREFIX}`);
  const rest = requestTarget.slice(PROXY_PREFIX.length);
  const slash = rest.indexOf('/');
  const query = rest.indexOf('?');
  if (slash <= 0 || (query >= 0 && query < slash)) {
    throw new BadProxyUrl('expected /proxy/HOST[:PORT]/PATH');
  }
  const target = parseAuthority(rest.slice(0, slash));
  const path = rest.slice(slash);
  const q = path.indexOf('?');
  const pathname = q < 0 ? path : path.slice(0, q);
  checkPath(pathname);
  if (q >= 0 && !QUERY_CHARS.test(path.slice(q + 1))) {
    throw new BadProxyUrl('invalid query string');
  }
  return { ...target, path, pathname };
}

/** The proxy URL for an upstream absolute URL: `${base}/proxy/${host[:port]}${path}${query}`. */
export function proxyUrlFor(base, upstream) {
  const u = upstream instanceof URL ? upstream : new URL(upstream);
  return `${base}${PROXY_PREFIX}${u.host}${u.pathname}${u.search}`;
}
