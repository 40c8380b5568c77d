#!/usr/bin/env node
// `irel serve` for the browser benchmark: the same options, plus the benchmark page at
// /bench/bench.html (a page that acts on its URL by itself, so it is neither shipped nor served
// by `irel serve`). Stops on SIGTERM.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createProxyServer } from '../../proxy/create-server.js';
import { SERVE_OPTIONS, serveOptionsFrom } from '../../proxy/options.js';

// cpu-usage.js counts a process whose command line says " serve " as the proxy.
process.title = 'irel serve (bench)';
const { values } = parseArgs({ options: SERVE_OPTIONS });
const file = (name) => fileURLToPath(new URL(name, import.meta.url));
const server = await createProxyServer({ ...serveOptionsFrom(values),
  extraFiles: new Map(['bench.html', 'bench.js', 'thick.html', 'thick.js'].map((f) => [`/bench/${f}`, file(f)])) });
process.stdout.write(`${server.url}/bench/bench.html\n`);
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
