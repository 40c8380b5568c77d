// How the package does I/O in browsers and workers: fetch (optionally through the forwarding
// proxy), credentials only from options (kept in memory), SHA-256 in WebAssembly.
import { optionCredentials } from './irel.js';
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

export function browserEnv(core) {
  const newHash = () => {
    const h = new core.Sha256();
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
        return d;
      },
    };
  };
  return {
    streamUploads: false, // fetch streams request bodies only over HTTP/2: chunks are buffered
    probeSchemes: false, // the forwarding proxy chooses http or https for loopback registries
    createTransport: (options) => createFetchTransport({ proxyBase: options.proxyBase }),
    credentials: optionCredentials,
    newHash,
    newBody: blobBody,
    hashBytes: (bytes) => core.sha256Digest(bytes),
  };
}
