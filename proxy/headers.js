// Which headers cross the proxy. Hop-by-hop headers (and any the Connection header names) never
// do. Upstream, the browser's Origin, Referer, Cookie, fetch metadata and the proxy's own access
// token are dropped and Host names the target. Downstream only the headers a registry client
// reads pass (an allow-list): nothing an upstream says can set cookies, install a service worker,
// refresh, preload, or change the security policy of the proxy's origin. The proxy adds its own
// CORS and security headers.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);

export const PROXY_TOKEN_HEADER = 'x-irel-proxy-token';

const NOT_UPSTREAM = new Set(['host', 'origin', 'referer', 'cookie', 'forwarded', 'x-forwarded-for',
  'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via', PROXY_TOKEN_HEADER]);

/** The upstream response headers passed on (lower case); everything else is dropped. */
export const DOWNSTREAM = new Set([
  // The body: its type, size, part and encoding (blobs are fetched in ranges and resumed).
  'content-type', 'content-length', 'content-range', 'range', 'accept-ranges', 'content-encoding',
  // Caching and validators.
  'etag', 'last-modified', 'cache-control', 'date',
  // The distribution API: digests, version, upload sessions (Location is rewritten to a proxy URL).
  'docker-content-digest', 'docker-distribution-api-version', 'docker-upload-uuid', 'location',
  // Authentication challenges (Basic, Bearer realms).
  'www-authenticate',
  // OCI distribution extensions: chunked upload minimum, referrers API.
  'oci-chunk-min-length', 'oci-subject', 'oci-filters-applied',
  // Rate limiting (Docker Hub and RFC drafts), so the client can wait and say why.
  'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'docker-ratelimit-source',
  // Paging of tag lists and referrers; only rel="next" links survive (see nextLinks).
  'link',
]);

function connectionTokens(headers) {
  const list = [].concat(headers.connection ?? []).join(',');
  return new Set(list.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/** Pairs of [name, value] from rawHeaders, without the names `drop` says to drop. */
function filterRaw(rawHeaders, drop) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (!drop(name.toLowerCase())) out.push([name, rawHeaders[i + 1]]);
  }
  return out;
}

/** The headers of an upstream request made for browser request `req`, as an object with arrays for repeats. */
export function upstreamRequestHeaders(req, authority) {
  const named = connectionTokens(req.headers);
  const pairs = filterRaw(req.rawHeaders, (n) =>
    HOP_BY_HOP.has(n) || NOT_UPSTREAM.has(n) || named.has(n) || n.startsWith('sec-') ||
    n.startsWith('access-control-request-'));
  const out = { host: authority };
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (out[key] === undefined) out[key] = value;
    else out[key] = [].concat(out[key], value);
  }
  return out;
}

/** Split a Link header value into its link-values (commas inside <...> or quotes do not split). */
function linkValues(value) {
  const out = [];
  let start = 0;
  let inUri = false;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (inUri) {
      if (c === '>') inUri = false;
    } else if (c === '<') inUri = true;
    else if (c === '"') inQuote = true;
    else if (c === ',') {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out.map((v) => v.trim()).filter(Boolean);
}

/**
 * The link-values of a Link header whose relation is exactly "next" (tag list and referrers
 * paging), joined again; null when none is. preload, prefetch, modulepreload, stylesheet and every
 * other relation (or a "next" combined with one) are dropped.
 */
export function nextLinks(value) {
  const kept = linkValues(value).filter((link) => {
    const m = /^<[^>]*>((?:\s*;\s*[^;]*)*)$/.exec(link);
    if (!m) return false;
    const rels = [...m[1].matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;"]+))/gi)];
    if (rels.length !== 1) return false;
    const types = (rels[0][1] ?? rels[0][2]).trim().toLowerCase().split(/\s+/);
    return types.length === 1 && types[0] === 'next';
  });
  return kept.length ? kept.join(', ') : null;
}

/** The upstream response's headers to pass on: [[name, value]...] (Location still to be rewritten). */
export function downstreamResponseHeaders(upstreamRes) {
  const named = connectionTokens(upstreamRes.headers);
  const out = [];
  for (const [name, value] of filterRaw(upstreamRes.rawHeaders, (n) => !DOWNSTREAM.has(n) || named.has(n))) {
    if (name.toLowerCase() !== 'link') out.push([name, value]);
    else {
      const next = nextLinks(value);
      if (next !== null) out.push([name, next]);
    }
  }
  return out;
}

/** The same headers without Authorization (for a redirect to another host). */
export function withoutAuthorization(headers) {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization'));
}
