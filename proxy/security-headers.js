// The security headers of the server's answers. Under /proxy/ the answers are data for the page's
// fetch() calls, never a page: should a browser ever render one (a navigation that fetch metadata
// did not reveal), it runs sandboxed with nothing allowed, and other sites cannot embed it. The
// app's own files get a policy that allows nothing but the app's scripts, styles, its WebAssembly
// and connections to the proxy (its own origin, plus --connect-origin proxies).
import { canonicalOrigin } from './cors.js';

/** On every answer under /proxy/ (proxied ones and the proxy's own errors). */
export const PROXY_RESPONSE_HEADERS = Object.freeze({
  // Rendered as a document anyway: an opaque origin, no script, no subresource.
  'content-security-policy': "sandbox; default-src 'none'",
  'x-content-type-options': 'nosniff',
  // Refuses no-cors loads (<script>, <img>, <link>...) from any other origin. CORP is not applied
  // to CORS-mode fetches, so pages of --allow-origin origins keep working (the CORS headers decide
  // for them), and a same-site origin on another port gets no more than a foreign one.
  'cross-origin-resource-policy': 'same-origin',
});

/**
 * Added to forwarded upstream answers only: were one ever navigated to, it is saved rather than
 * shown (fetch() ignores the header). The proxy's own JSON errors go without it, so someone who
 * types a proxy URL into the address bar reads why it was refused instead of getting a download.
 */
export const FORWARDED_RESPONSE_HEADERS = Object.freeze({ 'content-disposition': 'attachment' });

/**
 * The headers of every answer of the static handler (files, 404s, redirects). connectOrigins:
 * other irel proxies the page may use (--connect-origin), besides its own origin.
 */
export function staticResponseHeaders({ connectOrigins = [] } = {}) {
  const connect = ["'self'", ...new Set(connectOrigins.map((o) => canonicalOrigin(o)))].join(' ');
  return Object.freeze({
    // The core is compiled from WebAssembly in the page and in its Web Worker: 'wasm-unsafe-eval'
    // (it allows WebAssembly compilation only, not eval of JavaScript).
    'content-security-policy': ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'",
      `connect-src ${connect}`, "img-src 'self' data: blob:", "style-src 'self'", "object-src 'none'", "base-uri 'none'",
      "form-action 'none'", "frame-ancestors 'none'"].join('; '),
    'x-frame-options': 'DENY', // frame-ancestors for browsers that predate it
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin', // no window of another site keeps a handle on the app
  });
}
