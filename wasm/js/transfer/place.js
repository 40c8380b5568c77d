// The places a transfer copies from and to: a registry repository (registry/registry-place.js),
// an OCI layout directory (node/layout-place.js) and a thick bundle archive (bundle/thick.js, a
// source read as one stream). The plan (core/transfer_plan) decides what moves; the executor
// (execute.js) only calls these. Types only: this module exports nothing at run time.

/**
 * @typedef {object} Manifest  a manifest exactly as fetched: its bytes are its identity
 * @property {Uint8Array} bytes
 * @property {string} digest
 * @property {string} mediaType
 */

/**
 * @typedef {object} Descriptor
 * @property {string} digest  alg:hex (sha256, sha384, sha512)
 * @property {number} size
 * @property {string} [mediaType]
 */

/**
 * A blob's bytes, verified against its digest before the last of them is handed out.
 * @typedef {object} BlobReader
 * @property {(offset: number, length: number) => Promise<Uint8Array>} read  a range (re-sends of the last one are served again)
 * @property {() => (void | Promise<void>)} close
 * @property {{ stream: boolean, body: boolean, progress: boolean }} can  what it offers besides read():
 *   stream(offset, length) an async iterable of pieces (a request body streamed in Node);
 *   body(offset, length) a body built outside JS memory (a Blob in browsers);
 *   progress: it calls onBytes(total) as bytes arrive from its source
 * @property {(offset: number, length: number) => AsyncIterable<Uint8Array>} [stream]
 * @property {(offset: number, length: number) => Promise<Blob>} [body]
 * @property {(total: number) => void} [onBytes]
 */

/**
 * @typedef {object} Source
 * @property {string} reference  as the user named it
 * @property {(signal?: AbortSignal) => Promise<Manifest>} root
 * @property {(d: Descriptor, signal?: AbortSignal) => Promise<Manifest>} manifest  verified against d
 * @property {(d: Descriptor, signal?: AbortSignal) => BlobReader} reader
 */

/**
 * @typedef {object} Target
 * @property {{ registry: string, repository: string }} where  blobs mount only within one registry
 * @property {string} mountFrom  a repository of the same registry holding the source's blobs, or ''
 * @property {(rootDigest: string) => string} rootRef  the tag (or digest) the root is written under
 * @property {(rootDigest: string) => void} checkDigest  throws when the target names another digest
 * @property {(ref: string) => string} reference  the full reference of ref at the target
 * @property {(digest: string) => Promise<boolean>} hasManifest
 * @property {(d: Descriptor, signal?: AbortSignal) => Promise<boolean>} hasBlob
 * @property {(d: Descriptor, reader: BlobReader, progress: (state: string, done: number) => void,
 *   signal: AbortSignal, how?: { mountFrom?: string }) => Promise<'uploaded' | 'mounted'>} putBlob
 * @property {(ref: string, m: Manifest, isRoot: boolean) => Promise<void>} putManifest
 */

export {};
