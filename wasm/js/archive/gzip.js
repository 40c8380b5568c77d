// The core's deterministic gzip (core/gzip_stream.hpp) for JavaScript: the same bytes for the
// same input whatever the pieces it comes in, in Node and in browsers alike, so that a layer
// compressed once for its digest and again for its upload gives the bytes the digest names.
// (node:zlib and CompressionStream are Chromium's zlib: their output is not the core's.)
import { IrelError } from '../errors.js';

/** A gzip stream: update(bytes) and finish() return the compressed bytes made ready; dispose() frees it. */
export function gzipStream(core) {
  let gz = new core.GzipStream();
  const live = () => {
    if (!gz) throw new IrelError({ code: 'GZIP_FINISHED', message: 'gzip: the stream was already finished' });
    return gz;
  };
  const check = (out) => {
    if (out !== null) return out;
    const e = gz.error();
    throw new IrelError({ code: e.code, message: e.message });
  };
  const dispose = () => {
    gz?.delete();
    gz = null;
  };
  return {
    update: (bytes) => check(live().update(bytes)),
    finish() {
      try {
        return check(live().finish());
      } finally {
        dispose();
      }
    },
    dispose,
  };
}
