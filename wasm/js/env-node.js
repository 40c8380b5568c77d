// How the package does I/O in Node: node:http(s) with keep-alive, custom CAs and TLS options;
// credentials from options first, then the Docker config file and its credential helpers;
// SHA-256 from node:crypto (hardware accelerated, several times faster than portable code).
import { createHash } from 'node:crypto';

import { optionCredentials } from './irel.js';
import { exportBundle } from './node/bundle-export.js';
import { createDockerCredentials } from './node/credentials.js';
import { findInLayout, layoutSource, layoutTarget } from './node/layout-place.js';
import { createNodeTransport } from './node/transport.js';

export function nodeEnv() {
  let docker;
  return {
    probeSchemes: true,
    layout: { findInLayout, layoutSource, layoutTarget },
    bundleExport: exportBundle,
    streamUploads: true,
    createTransport: (options) => createNodeTransport({ caFiles: options.caFiles, skipTlsVerify: options.skipTlsVerify }),
    credentials: (given) => {
      const fromOptions = optionCredentials(given);
      return async (registry) => {
        const c = await fromOptions(registry);
        if (c) return c;
        docker ??= createDockerCredentials();
        return docker.get(registry);
      };
    },
    newHash: () => {
      const h = createHash('sha256');
      return { update: (bytes) => h.update(bytes), digest: () => `sha256:${h.digest('hex')}` };
    },
    hashBytes: (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  };
}
