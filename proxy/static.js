// The web app and the package's browser files: GET / redirects to /web/; files under /web/,
// /wasm/js/ and /wasm/dist/ of the package root are served, nothing else (no directory listing,
// no path outside those folders).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// URL prefixes served, each mapped onto the same folder of the checkout or installed package.
const ALLOWED = ['/web/', '/wasm/js/', '/wasm/dist/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A request handler for the static files under `root` (the package root by default). */
export function createStaticHandler({ root = PACKAGE_ROOT } = {}) {
  return async (req, res) => {
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
    if (path.endsWith('/')) path += 'index.html';
    // Judge the normalized path: an encoded slash (/web/..%2fpackage.json) decodes into a ".." segment.
    path = posix.normalize(path);
    const file = join(root, path);
    if (!ALLOWED.some((p) => path.startsWith(p)) || !file.startsWith(root + sep) || path.includes('\0') || path.includes('\\')) {
      return send(404, 'not found');
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) return send(404, 'not found');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      send(404, 'not found');
    }
  };
}
