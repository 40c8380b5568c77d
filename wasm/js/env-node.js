// How the package does I/O in Node: node:http(s) with keep-alive, custom CAs and TLS options;
// credentials from options first, then the Docker config file and its credential helpers;
// digests (SHA-256/384/512) from node:crypto (hardware accelerated, several times faster than
// portable code).
import { createHash } from 'node:crypto';

import { optionCredentials } from './irel.js';
import { openSync, readSync, closeSync, readFileSync, existsSync } from 'node:fs';

import { nodeFileReader } from './node/archive-source.js';
import { createDockerCredentials } from './node/credentials.js';
import { createNodeTransport } from './node/transport.js';
import { requireHashAlgorithm } from './registry/digest-check.js';
import { IrelError } from './errors.js';

export function nodeEnv(core) {
  let docker;
  // The one hashing entry point: algorithm from the digest ('sha256' | 'sha384' | 'sha512'; the
  // core says which exist, so node:crypto's others, md5 or sha1, are refused with
  // DIGEST_ALGORITHM_UNSUPPORTED). No algorithm: sha256, for callers that predate the argument.
  const newHash = (algorithm = 'sha256') => {
    requireHashAlgorithm(core, algorithm);
    const h = createHash(algorithm);
    return { update: (bytes) => { h.update(bytes); }, digest: () => `${algorithm}:${h.digest('hex')}` };
  };
  return {
    probeSchemes: true,
    // Loaded when used (start-up: see irel.js); each returns a promise either way.
    layout: {
      findInLayout: async (...a) => (await import('./node/layout-place.js')).findInLayout(...a),
      layoutSource: async (...a) => (await import('./node/layout-place.js')).layoutSource(...a),
      layoutTarget: async (...a) => (await import('./node/layout-place.js')).layoutTarget(...a),
    },
    bundleExport: async (...a) => (await import('./node/bundle-export.js')).exportBundle(...a),
    writeImageArchive: async (...a) => (await import('./node/archive-target.js')).writeImageArchive(...a),
    // Manifests and charts by path (findImages, rewrite): a one-line string naming an existing
    // file or directory, or shaped like a file name (so that a typo is an error, not an empty
    // YAML text), is a path; anything else a YAML text.
    manifestPath: (text) => !/[\n\r]/.test(text) && text.length < 4096 &&
      (existsSync(text) || (!/:\s/.test(text) && /(\.(ya?ml|json|tgz|tar|tar\.gz)|\/)$/i.test(text))),
    readManifests: async (...a) => (await import('./node/manifest-input.js')).readManifestInput(...a),
    writeRewrite: async (...a) => (await import('./node/write-rewrite.js')).writeRewrite(...a),
    // An image archive to read (oci-archive:, docker-archive:): a missing file is named as such.
    archiveFile: (path) => {
      try {
        return nodeFileReader(path);
      } catch (e) {
        throw new IrelError({ code: e.code === 'ENOENT' ? 'ARCHIVE_NOT_FOUND' : 'ARCHIVE_IO_ERROR', side: 'source',
          message: `${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}` });
      }
    },
    // A path: JSON (a thin bundle.json) or an archive (a thick bundle), told apart by content.
    bundleFile: (path) => {
      const fd = openSync(path, 'r');
      const first = Buffer.alloc(1);
      try {
        readSync(fd, first, 0, 1, 0);
      } finally {
        closeSync(fd);
      }
      const isJson = first[0] === 0x7b || /\.json$/i.test(path);
      return isJson ? { json: readFileSync(path) } : { archive: () => nodeFileReader(path) };
    },
    streamUploads: true,
    createTransport: (options) => createNodeTransport({ caFiles: options.caFiles, skipTlsVerify: options.skipTlsVerify, lookup: options.lookup }),
    credentials: (given) => {
      const fromOptions = optionCredentials(given);
      return async (registry) => {
        const c = await fromOptions(registry);
        if (c) return c;
        docker ??= createDockerCredentials();
        return docker.get(registry);
      };
    },
    newHash,
    hashBytes: (bytes, algorithm) => {
      const h = newHash(algorithm);
      h.update(bytes);
      return h.digest();
    },
  };
}
