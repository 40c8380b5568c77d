// Which headers cross the proxy. Hop-by-hop headers (and any the Connection header names) never
// do. Upstream, the browser's Origin, Referer, Cookie and fetch metadata are dropped and Host names
// the target. Downstream, the upstream's cookies and CORS/security headers meant for its own origin
// are dropped: the proxy adds its own CORS headers.

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);

const NOT_UPSTREAM = new Set(['host', 'origin', 'referer', 'cookie', 'forwarded', 'x-forwarded-for',
  'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via']);

const NOT_DOWNSTREAM = new Set(['set-cookie', 'set-cookie2', 'strict-transport-security', 'alt-svc',
  'public-key-pins', 'clear-site-data']);

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

/** The upstream response's headers to pass on: [[name, value]...] (Location still to be rewritten). */
export function downstreamResponseHeaders(upstreamRes) {
  const named = connectionTokens(upstreamRes.headers);
  return filterRaw(upstreamRes.rawHeaders, (n) =>
    HOP_BY_HOP.has(n) || NOT_DOWNSTREAM.has(n) || named.has(n) || n.startsWith('access-control-'));
}

/** The same headers without Authorization (for a redirect to another host). */
export function withoutAuthorization(headers) {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization'));
}
