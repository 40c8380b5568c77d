#!/usr/bin/env node
// The local server: the web app and the package's browser files, and the CORS-forwarding registry
// proxy (see create-server.js). `node proxy/server.js [OPTIONS]` takes the options of
// `irel serve`; it listens on 127.0.0.1:8080 unless told otherwise and stops on SIGINT/SIGTERM.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createProxyServer } from './create-server.js';
import { bannerFor, exposureWarning, OptionError, SERVE_OPTIONS, SERVE_OPTIONS_USAGE, serveOptionsFrom } from './options.js';

export { createProxyServer };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let options;
  try {
    const { values } = parseArgs({ options: { ...SERVE_OPTIONS, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(`Usage: node proxy/server.js [OPTIONS]\n\n${SERVE_OPTIONS_USAGE}\n`);
      process.exit(0);
    }
    options = serveOptionsFrom(values);
  } catch (e) {
    if (!(e instanceof OptionError) && !e.code?.startsWith('ERR_PARSE_ARGS')) throw e;
    process.stderr.write(`proxy/server.js: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(exposureWarning(options));
  const server = await createProxyServer({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(bannerFor(server));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => server.close().then(() => process.exit(0)));
  }
}
