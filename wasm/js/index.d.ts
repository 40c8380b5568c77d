/** irel: relocate Docker/OCI images with their digests preserved. */

export declare const VERSION: string;

/** What went wrong: a stable code, a message for people, and which side failed (if any). */
export interface IrelErrorData {
  code: string;
  message: string;
  side?: 'source' | 'target';
}

export declare class IrelError extends Error {
  constructor(data: IrelErrorData);
  readonly code: string;
  readonly side: '' | 'source' | 'target';
  toJSON(): IrelErrorData;
}

/** A normalized image reference. */
export interface ImageReference {
  /** Repository name with domain, no tag or digest: "docker.io/library/busybox". */
  name: string;
  /** "docker.io", "localhost:5000", "[::1]:5000". */
  domain: string;
  /** Path below the domain: "library/busybox". */
  path: string;
  /** Tag, or "" when absent. */
  tag: string;
  /** "sha256:<hex>", or "" when absent. */
  digest: string;
  /** The normalized full reference. */
  string: string;
  /** The short form docker prints: "busybox:1.36". */
  familiar: string;
  /** Equivalent spellings (Docker Hub names have several). */
  synonyms: string[];
}

export type ParseResult =
  | { ok: true; input: string; reference: ImageReference }
  | { ok: false; input: string; error: IrelErrorData };

export type MapResult =
  | { ok: true; input: string; output: string }
  | { ok: false; input: string; error: IrelErrorData };

export type PrefixResult = { ok: true; prefix: string } | { ok: false; error: IrelErrorData };

export interface MapOptions {
  /** Keep the original tag and digest (x:t -> y:t, x@d -> y@d). Default true. */
  preserveTagDigest?: boolean;
}

export declare class Irel {
  readonly version: string;
  /** Parses and normalizes; never throws for bad input. */
  parse(input: string): ParseResult;
  /** Parses and normalizes; throws IrelError for bad input. */
  parseReference(input: string): ImageReference;
  /** "busybox" -> "docker.io/library/busybox"; throws IrelError. */
  normalize(input: string): string;
  /** "docker.io/library/busybox" -> "busybox"; throws IrelError. */
  familiar(input: string): string;
  /** Checks a repository prefix such as "registry.example.com/team". */
  checkPrefix(prefix: string): PrefixResult;
  /** Maps a reference under a repository prefix with the path mapping of the Go project. */
  map(prefix: string, input: string, options?: MapOptions): MapResult;
  /** Like map; throws IrelError. */
  mapReference(prefix: string, input: string, options?: MapOptions): string;
  mapAll(prefix: string, inputs: Iterable<string>, options?: MapOptions): MapResult[];
}

export interface LoadOptions {
  /** The bytes of irel-core.wasm. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch irel-core.wasm from (a URL; in Node a file: URL). */
  wasmUrl?: string | URL;
}

/** Loads the WebAssembly core. Without options, one shared instance. */
export declare function load(options?: LoadOptions): Promise<Irel>;
