// The web app and the package's browser files: GET / redirects to /web/; files under /web/,
// /wasm/js/ and /wasm/dist/ of the package root are served, and under /vendor/yaml/ the yaml
// package's browser build (ES modules the worker imports by URL: it has no bundler to resolve a
// bare `import 'yaml'`); nothing else (no directory listing, no path outside those folders).
// Every answer, 404s and redirects included, carries the app's Content-Security-Policy and
// framing headers (security-headers.js).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { staticResponseHeaders } from './security-headers.js';

export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// URL prefixes served, each mapped onto the same folder of the checkout or installed package.
const ALLOWED = ['/web/', '/wasm/js/', '/wasm/dist/'];
// URL prefix -> folder of a dependency's browser build, found where Node resolves the package.
const VENDOR = vendorFolders();

function vendorFolders() {
  const require = createRequire(import.meta.url);
  try {
    return [['/vendor/yaml/', join(dirname(require.resolve('yaml/package.json')), 'browser', 'dist')]];
  } catch {
    return []; // not installed: /vendor/yaml/ answers 404 and the page says yaml is missing
  }
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * A request handler for the static files under `root` (the package root by default).
 * connectOrigins: other proxies the page may connect to (its CSP); extraFiles: a Map of URL path
 * -> absolute file path served as well (the browser benchmark's page, which is not shipped).
 */
export function createStaticHandler({ root = PACKAGE_ROOT, connectOrigins = [], extraFiles = new Map() } = {}) {
  const security = staticResponseHeaders({ connectOrigins });
  return async (req, res) => {
    for (const [name, value] of Object.entries(security)) res.setHeader(name, value);
    const send = (status, text, headers = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(text + '\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', { allow: 'GET, HEAD' });
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (path === '/' || path === '/web') {
      res.writeHead(302, { location: '/web/' });
      return res.end();
    }
    let file = extraFiles.get(path);
    if (file === undefined) {
      if (path.endsWith('/')) path += 'index.html';
      // Judge the normalized path: an encoded slash (/web/..%2fpackage.json) decodes into a ".." segment.
      path = posix.normalize(path);
      const vendor = VENDOR.find(([prefix]) => path.startsWith(prefix));
      const base = vendor ? vendor[1] : root;
      file = vendor ? join(base, path.slice(vendor[0].length)) : join(root, path);
      if ((!vendor && !ALLOWED.some((p) => path.startsWith(p))) || !file.startsWith(base + sep) || path.includes('\0') || path.includes('\\')) {
        return send(404, 'not found');
      }
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) return send(404, 'not found');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      send(404, 'not found');
    }
  };
}
