// The yaml package's browser build as `irel serve` serves it at /vendor/yaml/ for the page's
// worker (which imports the package's modules without a bundler, so `import('yaml')` cannot
// resolve there): every module it imports is served from the same folder, nothing else is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createProxyServer } from '../../proxy/server.js';

const BROWSER_DIST = join(dirname(createRequire(import.meta.url).resolve('yaml/package.json')), 'browser', 'dist');

function get(base, path, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('/vendor/yaml/', () => {
  let server;
  before(async () => {
    server = await createProxyServer({ port: 0 });
  });
  after(() => server.close());

  it('serves every module the entry imports, from the same folder, with no bare import left', async () => {
    const seen = new Set();
    const pending = ['index.js'];
    while (pending.length) {
      const rel = pending.pop();
      if (seen.has(rel)) continue;
      seen.add(rel);
      const r = await get(server.url, `/vendor/yaml/${rel}`);
      assert.equal(r.status, 200, rel);
      assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8', rel);
      assert.match(r.headers['content-security-policy'], /default-src 'self'/, rel);
      assert.ok(r.body.equals(readFileSync(join(BROWSER_DIST, rel))), rel);
      const text = r.body.toString();
      // Specifiers of static imports and re-exports (comments stripped: one mentions `from 'yaml'`).
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const m of code.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? m[2];
        assert.match(spec, /^\.\.?\//, `${rel} imports ${spec}: a browser cannot resolve a bare name`);
        const next = new URL(spec, `http://x/${rel}`).pathname.slice(1);
        pending.push(next);
      }
    }
    assert.ok(seen.size > 20, `only ${seen.size} modules`);
  });

  const refused = [
    ['a path out of the folder, encoded', '/vendor/yaml/..%2f..%2fpackage.json'],
    ['the package root', '/vendor/yaml/../package.json'],
    ['the folder itself (no listing)', '/vendor/yaml/'],
    ['another package', '/vendor/typescript/lib/tsc.js'],
    ['the Node build', '/vendor/yaml/../../dist/index.js'],
    ['a file that is not there', '/vendor/yaml/nope.js'],
    ['a backslash', '/vendor/yaml/..%5c..%5cpackage.json'],
    ['a NUL', '/vendor/yaml/index.js%00'],
  ];
  for (const [what, path] of refused) {
    it(`answers 404 to ${what}`, async () => {
      const r = await get(server.url, path);
      assert.equal(r.status, 404);
      assert.match(r.headers['content-security-policy'], /default-src 'self'/);
    });
  }

  it('answers HEAD and refuses other methods', async () => {
    assert.equal((await get(server.url, '/vendor/yaml/index.js', 'HEAD')).status, 200);
    assert.equal((await get(server.url, '/vendor/yaml/index.js', 'POST')).status, 405);
  });
});
