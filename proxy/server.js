#!/usr/bin/env node
// Serves the web app and the package's browser files. Registry forwarding (the CORS proxy) is
// added by the web/proxy issue; this part only serves static files, safely:
// loopback by default, no directory listing, nothing outside the allowed folders.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
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

export function createAppServer() {
  return createServer(async (req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text + '\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
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
    const file = normalize(join(ROOT, path));
    if (!ALLOWED.some((p) => path.startsWith(p)) || !file.startsWith(ROOT + sep) || path.includes('\0')) {
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
      createReadStream(file).pipe(res);
    } catch {
      send(404, 'not found');
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' } },
  });
  const server = createAppServer();
  server.listen(Number(values.port), values.host, () => {
    const { port } = server.address();
    const host = values.host.includes(':') ? `[${values.host}]` : values.host;
    process.stdout.write(`irel web app: http://${host}:${port}/web/\n` +
      'Paste image references and a repository prefix to preview their relocated names.\n' +
      'Press Ctrl-C to stop.\n');
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
}
