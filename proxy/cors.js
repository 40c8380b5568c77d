// CORS for the browser app: only the proxy's own origin and the origins named with --allow-origin
// may use it (a request with any other Origin is refused with 403; requests without Origin, from
// curl or Node, are not browser requests and pass). Preflights are answered here, never forwarded.

export const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
// X-Irel-Proxy-Token: the proxy's access token (--access-token), never forwarded upstream.
export const ALLOW_HEADERS = 'Authorization, Accept, Content-Type, Content-Range, Range, Content-Length, X-Irel-Proxy-Token';
// The non-safelisted headers of headers.js's DOWNSTREAM list that a client may read.
export const EXPOSE_HEADERS = ['Docker-Content-Digest', 'Location', 'WWW-Authenticate', 'Range', 'Content-Range',
  'Content-Length', 'Docker-Upload-UUID', 'OCI-Chunk-Min-Length', 'Link', 'Retry-After', 'RateLimit-Limit',
  'RateLimit-Remaining', 'Docker-RateLimit-Source', 'Content-Type', 'OCI-Subject', 'OCI-Filters-Applied',
  'RateLimit-Reset', 'Docker-Distribution-API-Version'].join(', ');
export const MAX_AGE = '600';

/** The canonical form of an origin ("http://host[:port]", default port dropped); throws when `text` is not one. */
export function canonicalOrigin(text) {
  if (!/^https?:\/\/[^/?#@\s]+\/?$/i.test(text)) throw new TypeError(`${JSON.stringify(text)} is not an origin (http[s]://host[:port])`);
  return new URL(text).origin;
}

function tryCanonical(text) {
  try {
    return canonicalOrigin(text);
  } catch {
    return null;
  }
}

/** allowOrigins: extra origins (--allow-origin). */
export function createCors({ allowOrigins = [] } = {}) {
  const extra = new Set(allowOrigins.map((o) => {
    try {
      return canonicalOrigin(o);
    } catch (e) {
      throw new Error(`--allow-origin: ${e.message}`);
    }
  }));

  return {
    /** Whether a request with this Origin header (undefined: none) may use the proxy, whose own origin is selfOrigin. */
    allows(origin, selfOrigin) {
      if (origin === undefined) return true;
      const o = tryCanonical(origin);
      return o !== null && (o === selfOrigin || extra.has(o));
    },

    isPreflight(req) {
      return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    },

    /** Headers of the 204 answer to an allowed preflight. */
    preflightHeaders(origin, req) {
      const h = {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': MAX_AGE,
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      };
      // Chrome's Private Network Access: a page on a public origin asks before calling localhost.
      if (req.headers['access-control-request-private-network'] === 'true') h['access-control-allow-private-network'] = 'true';
      return h;
    },

    /** CORS headers of an actual response (only Vary when the request had no Origin). */
    responseHeaders(origin) {
      if (origin === undefined) return { vary: 'Origin' };
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS, vary: 'Origin' };
    },
  };
}
