// The one check of bytes against the digest that names them, for every byte irel reads: blobs
// from a registry (blob-reader.js), from a layout (node/file-blob-reader.js) or from a thick
// bundle, and manifests (image-source.js, node/layout-place.js). Any algorithm a digest may name
// (sha256, sha384, sha512); another is refused with DIGEST_ALGORITHM_UNSUPPORTED, naming it.
//
// Where the rules live: in the core. irel::ParseDigestToVerify says which algorithms exist and
// what an expected digest must look like; irel::DigestVerifier::Judge gives the verdict (size,
// then digest) and its message, naming the side, the object, the actual and expected digests.
// Both are sans-IO and tested by GoogleTest tables; the core's streaming DigestVerifier (archive
// entries) gives the same verdict. What stays here is the hashing, in the environment's fastest
// hasher (ctx.newHash): node:crypto in Node (OpenSSL with the CPU's SHA instructions, several
// times faster than Crypto++ in wasm, and no copy of every byte into wasm memory), the wasm
// Crypto++ hasher or WebCrypto one-shot in browsers. A verdict costs one call into the core per
// object, never one per byte.
import { IrelError } from '../errors.js';

const sideOf = (side) => (side === 'source' || side === 'target' ? side : '');

/** Throws DIGEST_ALGORITHM_UNSUPPORTED unless content can be hashed under `algorithm` (env hashers). */
export function requireHashAlgorithm(core, algorithm) {
  const r = core.checkHashAlgorithm(String(algorithm));
  if (!r.ok) throw new IrelError(r.error);
}

/**
 * The algorithm of a digest content is about to be checked against ('sha256' | 'sha384' |
 * 'sha512'); throws DIGEST_INVALID or DIGEST_ALGORITHM_UNSUPPORTED naming the side and the object.
 */
export function digestAlgorithm(core, digest, side = '', what = '') {
  const r = core.digestToVerify(String(digest));
  if (r.ok) return r.algorithm;
  const subject = [sideOf(side), what].filter(Boolean).join(' ');
  throw new IrelError({ code: r.error.code, message: subject ? `${subject}: ${r.error.message}` : r.error.message, side: sideOf(side) });
}

/**
 * The verdict on content hashed elsewhere: returns the digest, or throws SIZE_MISMATCH or
 * DIGEST_MISMATCH. descriptor: { digest, size? } (size undefined: not checked).
 */
export function judge(core, descriptor, actualDigest, actualSize, side, what) {
  const expectedSize = descriptor.size === undefined || descriptor.size === null ? -1 : Number(descriptor.size);
  const r = core.judgeDigest(String(descriptor.digest), expectedSize, String(actualDigest), actualSize, String(what), sideOf(side));
  if (!r.ok) throw new IrelError({ ...r.error, side: sideOf(side) });
  return r.digest;
}

/**
 * A verifier for content named by `descriptor` ({ digest, size? }) read on `side` ('source' |
 * 'target'); `what` names it in errors ('blob sha512:…', 'manifest repo@sha384:…'). Throws at
 * once for a digest that cannot be checked (DIGEST_INVALID, DIGEST_ALGORITHM_UNSUPPORTED).
 *   update(bytes)        hash bytes, in order
 *   finish()             the digest when size and content match; else throws SIZE_MISMATCH or
 *                        DIGEST_MISMATCH (an IrelError naming the side, the object, the actual
 *                        and the expected digest). Once.
 *   judge(digest, size)  the same verdict on a digest computed elsewhere (a one-shot hash)
 *   reset()              start again from byte 0 (a stream read again from the start)
 *   dispose()            release the hash unfinished (wasm memory in browsers)
 *   algorithm, bytes     the digest's algorithm; the bytes hashed so far
 */
export function verifier(ctx, descriptor, side, what = `content ${descriptor.digest}`) {
  const algorithm = digestAlgorithm(ctx.core, descriptor.digest, side, what);
  let hash = ctx.newHash(algorithm);
  let bytes = 0;
  const v = {
    algorithm,
    get bytes() {
      return bytes;
    },
    update(chunk) {
      hash.update(chunk);
      bytes += chunk.length;
    },
    finish() {
      const got = hash.digest();
      hash = null;
      return judge(ctx.core, descriptor, got, bytes, side, what);
    },
    judge: (digest, size) => judge(ctx.core, descriptor, digest, size, side, what),
    reset() {
      hash?.dispose?.();
      hash = ctx.newHash(algorithm);
      bytes = 0;
    },
    dispose() {
      hash?.dispose?.();
      hash = null;
    },
  };
  return v;
}

/**
 * Checks bytes held whole (a manifest) against `expected` (a digest, or { digest, size? }):
 * returns the digest or throws as verifier().finish() does.
 */
export function checkBytes(ctx, bytes, expected, side, what) {
  const descriptor = typeof expected === 'string' ? { digest: expected } : expected;
  const v = verifier(ctx, descriptor, side, what);
  v.update(bytes);
  return v.finish();
}

/** The digest of bytes under `algorithm` (content no digest names yet: a manifest fetched by tag). */
export function digestOf(ctx, bytes, algorithm = 'sha256') {
  const h = ctx.newHash(algorithm);
  h.update(bytes);
  return h.digest();
}
