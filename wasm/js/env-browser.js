// How the package does I/O in browsers and workers: fetch (optionally through the forwarding
// proxy), credentials only from options (kept in memory), digests (SHA-256/384/512) by WebCrypto
// where it can and in WebAssembly otherwise, upload bodies as Blobs.
import { optionCredentials } from './irel.js';
import { byteBudget } from './registry/byte-budget.js';
import { requireHashAlgorithm } from './registry/digest-check.js';
import { createFetchTransport } from './registry/transport-fetch.js';

// Upload bodies as Blobs built piece by piece: each piece's bytes move to the browser's blob
// storage when added, so a 64 MiB chunk doesn't sit in the worker's memory.
function blobBody() {
  const parts = [];
  return {
    add: (bytes) => parts.push(new Blob([bytes])),
    finish: () => new Blob(parts),
  };
}

// Memory for blobs read whole (for WebCrypto), shared by the blobs in flight: with 4 jobs, two
// 128 MiB layers at a time, or all four of 64 MiB; a blob waits for room, and one larger than the
// whole budget streams instead.
const WHOLE_BUDGET = 256 << 20;

const WEBCRYPTO_NAMES = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

export function browserEnv(core) {
  // One-shot, native and off this thread; the algorithm from the digest as newHash's.
  async function digestWhole(bytes, algorithm = 'sha256') {
    requireHashAlgorithm(core, algorithm);
    const d = new Uint8Array(await crypto.subtle.digest(WEBCRYPTO_NAMES[algorithm], bytes));
    let hex = '';
    for (const b of d) hex += b.toString(16).padStart(2, '0');
    return `${algorithm}:${hex}`;
  }
  // The one hashing entry point (see env-node.js): the wasm Crypto++ hasher, streaming.
  const newHash = (algorithm = 'sha256') => {
    requireHashAlgorithm(core, algorithm);
    let h = new core.DigestHash(algorithm);
    return {
      update: (bytes) => {
        for (let at = 0; at < bytes.length; at += 1 << 20) {
          const piece = bytes.subarray(at, at + (1 << 20));
          h.view().set(piece); // a fresh view each time: memory may have grown
          h.updateView(piece.length);
        }
      },
      digest: () => {
        const d = h.digest();
        h.delete();
        h = null;
        return d;
      },
      dispose: () => {
        h?.delete();
        h = null;
      },
    };
  };
  return {
    streamUploads: false, // fetch streams request bodies only over HTTP/2: chunks are buffered
    probeSchemes: false, // the forwarding proxy chooses http or https for loopback registries
    createTransport: (options) => createFetchTransport({ proxyBase: options.proxyBase, proxyToken: options.proxyToken }),
    credentials: optionCredentials,
    newHash,
    newBody: blobBody,
    // WebCrypto (secure contexts only: https, localhost) hashes natively and off this thread,
    // several times faster than SHA-256 in wasm; it is one-shot, so it serves blobs read whole
    // into memory, within a budget. Other blobs stream through the wasm hash.
    digestWhole: globalThis.crypto?.subtle ? digestWhole : undefined,
    wholeBudget: byteBudget(WHOLE_BUDGET),
    hashBytes: (bytes, algorithm = 'sha256') => {
      requireHashAlgorithm(core, algorithm);
      return core.hashDigest(algorithm, bytes);
    },
  };
}
