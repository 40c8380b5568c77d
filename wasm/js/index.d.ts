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

/** Where credentials come from: a table by registry host[:port], or a function. */
export type Credentials =
  | Record<string, { username: string; password: string } | { identityToken: string }>
  | ((registry: string) => Promise<{ username: string; password: string } | { identityToken: string } | null>);

export interface RegistryOptions {
  credentials?: Credentials;
  /** Credentials for the source side only, before `credentials` (a reader and a writer on one registry). */
  sourceCredentials?: Credentials;
  /** Credentials for the target side only, before `credentials`. */
  targetCredentials?: Credentials;
  /** Registries (host[:port]) that may be reached over plain HTTP; loopback ones always may. */
  insecureRegistries?: string[];
  /** Node: PEM files of extra CAs to trust. */
  caFiles?: string[];
  /** Node: do not verify TLS certificates (unsafe). */
  skipTlsVerify?: boolean;
  /** Node: a dns.lookup replacement used for registry connections (custom name resolution). */
  lookup?: (hostname: string, options: object, callback: (...args: any[]) => void) => void;
  /** Browsers: the forwarding proxy's base URL. */
  proxyBase?: string;
  /** Browsers: the proxy's access token (irel serve --access-token), sent as X-Irel-Proxy-Token. */
  proxyToken?: string;
  /** Retry policy for repeatable requests. */
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  signal?: AbortSignal;
}

export type ProgressEvent =
  | { type: 'manifest'; phase: 'fetched' | 'pushed'; digest: string; mediaType?: string; root?: boolean; existing?: boolean; image?: string }
  | { type: 'plan'; blobs: number; bytes: number; manifests?: number; plan?: Omit<CopyPlan, 'dryRun' | 'totals'>; image?: string;
      /** Thick bundles: one plan for all their images. */ images?: number }
  | { type: 'blob'; digest: string; size: number; done: number;
      state: 'started' | 'uploading' | 'uploaded' | 'mounted' | 'exists' | 'foreign'; image?: string }
  | { type: 'image'; phase: 'started' | 'done'; image: string; target: string; digest?: string }
  | { type: 'image'; phase: 'failed'; image: string; target: string; error: IrelErrorData }
  /** A wait before a retry (a 429's Retry-After, a 503, a dropped connection). */
  | { type: 'wait'; side: 'source' | 'target'; registry: string; ms: number; status: number; image?: string }
  | { type: 'done'; summary: CopySummary; image?: string }
  /** A referrer (signature, attestation, SBOM) copied after the image it refers to. */
  | { type: 'referrer'; phase: 'started' | 'done'; digest: string; subject: string; artifactType: string; tag?: string; image?: string }
  | { type: 'referrer'; phase: 'failed'; digest: string; subject: string; artifactType: string; error: IrelErrorData; image?: string };

/** A place `copy` reads or writes (core/place). */
export interface Place {
  transport: 'docker' | 'oci' | 'oci-archive' | 'docker-archive';
  /** The layout directory or archive file ('' for docker). */
  path: string;
  /** oci, oci-archive: the image's ref name ('' for none). */
  name: string;
  /** docker: the image reference; docker-archive: its name in the archive ('' for none). */
  reference: string;
  /** ":@N": the Nth image of a source. */
  index?: number;
  /** The canonical spelling. */
  string: string;
}

export interface PlaceCopyOptions extends CopyOptions {
  /** An archive source: copy each of its images to DST's repository under its own tag. */
  all?: boolean;
  /** An archive source: verify all of it before writing anything (two passes). */
  verifyFirst?: boolean;
  /** An archive source given as bytes (browsers): a fresh byte source per pass. */
  archive?: () => ArchiveSource;
  archiveLimits?: ArchiveLimits;
}

/** One image of an image archive. */
export interface ArchiveImage extends BundleImageDescription {
  /** Its position among the archive's images (what copyArchive and ":@N" take). */
  index: number;
  /** Every name the archive gives it (index.json annotations, manifest.json RepoTags). */
  names: string[];
}

export interface ArchiveCopyResult {
  images: { image: string; target: string; digest: string; referrers?: number; converted?: string;
    blobs?: { uploaded: number; mounted: number; present: number; foreign: number }; manifests?: number }[];
  referrers?: ReferrersSummary;
  archive?: ArchiveScanStats;
}

export interface CopyOptions extends RegistryOptions {
  /** Blobs in flight at most (default 16; large blobs also share a 512 MiB budget of bytes in flight). */
  jobs?: number;
  /** Copy only these platforms (os/arch[/variant]) of an index; the index then gets a new digest. */
  platforms?: string[];
  /** Also copy foreign (non-distributable) layers. */
  includeNondistributable?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Bytes per upload request; by default Node streams a large blob in one PATCH, browsers 64 MiB (16 MiB from an archive). */
  chunkSize?: number;
  /** Blobs up to this size go in one PUT. */
  singlePutMax?: number;
  /** Plan only: read the source, ask the target what it has, write nothing; resolves to the plan. */
  dryRun?: boolean;
  /** Copy the referrers (signatures, attestations, SBOMs) of the image and its children; default true. */
  referrers?: boolean;
  /** Only referrers of these artifact types (cosign tags: their payload's media type). */
  referrersTypes?: string[];
}

/** A referrer that was not copied, and why (the image it refers to was copied all the same). */
export interface ReferrerFailure {
  digest: string;
  /** 'discovery': the source's referrers could not be listed; 'fallback-tag': the target's list was not updated. */
  kind: 'referrer' | 'tag' | 'discovery' | 'fallback-tag';
  subject?: string;
  tag?: string;
  artifactType?: string;
  error: IrelErrorData;
}

export interface ReferrersSummary {
  /** Referrers found in the source (after the type filter). */
  count: number;
  copied: number;
  /** Left out by referrersTypes. */
  filtered: number;
  failed: ReferrerFailure[];
  /** Fallback tags ("sha256-HEX") written on a target without the referrers API. */
  fallbackTags: string[];
  /** Why some were not looked for (the platform filter gave the index a new digest). */
  note?: string;
}

/** What a blob of a plan will be: uploaded, mounted from another repository, skipped. */
export interface PlannedBlob {
  digest: string;
  size: number;
  mediaType: string;
  action: 'upload' | 'mount' | 'present' | 'foreign';
  /** For 'mount': the repository of the target's registry it is mounted from. */
  from?: string;
}

export interface ActionCounts { upload: number; mount: number; present: number; foreign: number }

/** One image's plan (copy and relocateImages with dryRun): nothing was written. */
export interface CopyPlan {
  dryRun: true;
  source: string;
  target: string;
  /** The tag (or digest) the root is written under, last. */
  tag: string;
  digest: string;
  sourceDigest: string;
  rewritten: boolean;
  /** The target already has the root: only the tag would be written. */
  exists: boolean;
  /** The target's tag already names the root: nothing would be written. */
  tagged: boolean;
  platforms: string[];
  /** Push order: children first, the root last; one height's manifests are pushed together. */
  manifests: { digest: string; mediaType: string; size: number; root: boolean; height: number }[];
  blobs: PlannedBlob[];
  totals: { blobs: ActionCounts; bytes: ActionCounts & { total: number } };
  /** Referrers that would be copied (absent with referrers: false). */
  referrers?: number;
}

export interface CopySummary {
  source: string;
  target: string;
  digest: string;
  sourceDigest: string;
  /** True when a platform filter produced a new index (digest differs from sourceDigest). */
  rewritten: boolean;
  platforms: string[];
  manifests: number;
  /** present: already in the target (not sent); foreign: non-distributable, referenced only. */
  blobs: { uploaded: number; mounted: number; present: number; foreign: number };
  bytes: { uploaded: number; mounted: number; present: number; total: number };
  /** Absent with referrers: false, or for copies that carry none (layouts, bundles). */
  referrers?: ReferrersSummary;
}

/** One image of relocateImages: relocated (ok, with its digest) or not (with the error). */
export interface RelocatedImage {
  image: string;
  /** The mapped name; absent when the reference itself is invalid. */
  target?: string;
  ok: boolean;
  digest?: string;
  summary?: CopySummary;
  /** With dryRun: the image's plan instead of a summary. */
  plan?: CopyPlan;
  error?: IrelErrorData;
}

export interface RelocateImagesResult {
  /** { original: relocated } for the images relocated only. */
  mapping: Record<string, string>;
  /** The mapping as the relocation-mapping.json file the bundle commands write. */
  json: string;
  images: RelocatedImage[];
  failed: number;
}

export interface BundleImage {
  where: string;
  image: string;
  imageType: string;
  contentDigest: string;
  relocatable: boolean;
}

export interface BundleInfo {
  ok: true;
  name: string;
  version: string;
  images: BundleImage[];
  relocatable: string[];
}

export interface MappingVerdict {
  image: string;
  relocated: string;
  ok: boolean;
  problem: string;
  digest?: string;
  /** Online, a thick bundle's referrers of this image, each looked for at the target (one missing fails the verdict). */
  referrers?: { digest: string; artifactType: string; tag?: string; present: boolean; problem?: string }[];
  /** Online, a thin bundle's image whose registry could not list its referrers: why they were not checked. */
  referrersUnchecked?: string;
}

export type BundleInput = string | Uint8Array;

/** A synchronous byte source for a thick bundle archive (fs.readSync, FileReaderSync). */
export interface ArchiveSource {
  read(maxBytes: number): Uint8Array;
  close?(): void;
}

export interface BundleImageDescription {
  image: string;
  digest: string;
  mediaType: string;
  /** Manifests and blobs, in bytes. */
  size: number;
  platforms: string[];
  blobs: number;
  /** Its referrers: those a thick bundle carries, or those its registry lists for a thin bundle (none with referrers: false). */
  referrers?: BundleReferrer[];
}

/** A signature, attestation or SBOM a thick bundle carries for one of its images. */
export interface BundleReferrer {
  digest: string;
  mediaType: string;
  /** Read from the referrer's manifest (cosign tags: their payload's media type). */
  artifactType: string;
  /** Its manifest and blobs, in bytes. */
  size: number;
  /** The manifest it refers to (the image, one of its children, or another referrer). */
  subject: string;
  /** A cosign tag ("sha256-HEX.sig"), pushed as that tag. */
  tag?: string;
}

/** Bounds on what reading a thick bundle may cost; every one is refused with a named error beyond. */
export interface ArchiveLimits {
  /** An entry's declared size (default 16 GiB): ARCHIVE_ENTRY_TOO_LARGE. */
  maxEntryBytes?: number;
  /** The uncompressed tar stream (default 64 GiB): ARCHIVE_TOO_LARGE. */
  maxTotalBytes?: number;
  /** Entries (default 100000): ARCHIVE_TOO_MANY_ENTRIES. */
  maxEntries?: number;
  /**
   * Memory the xz decoder may allocate, its dictionary included (default 128 MiB; xz -9 needs
   * 65 MiB): ARCHIVE_MEMORY_LIMIT, from the stream's header, before allocating. zstd windows are
   * held to libzstd's own 128 MiB (zstd --long=28 and up: ARCHIVE_MEMORY_LIMIT), whatever this says.
   */
  maxDecoderBytes?: number;
  /** Manifests kept in memory at once while reading (default 64 MiB): ARCHIVE_LIMIT. */
  maxJsonBytes?: number;
}

/** How a thick bundle was read: passes over the archive, most manifest bytes held, blobs read again. */
export interface ArchiveScanStats {
  passes: number;
  keptPeakBytes: number;
  rereadBlobs: number;
}

export interface BundleOptions extends CopyOptions {
  archiveLimits?: ArchiveLimits;
  /**
   * Thick bundles: verify every blob in a first pass before anything is written (two passes).
   * By default an archive whose manifests come first (as bundleExport writes them) is read once,
   * its layers streamed into the registry as they come: one found bad further on stops the
   * relocation before any manifest or tag is written, but after some verified blobs.
   */
  verifyFirst?: boolean;
}

export interface OpenedBundle {
  kind: 'thin' | 'thick';
  json: Uint8Array;
  info: BundleInfo;
  map(prefix: string): { mapping: Record<string, string>; json: string };
  relocate(prefix: string, options?: BundleOptions):
    Promise<{ mapping: Record<string, string>; json: string;
      /** referrers: how many of the image's were copied (thick bundles); summary: the image's copy (thin bundles). */
      images: { image: string; target: string; digest: string; referrers?: number; summary?: CopySummary }[];
      /** Thick bundles: the referrers the archive carries, pushed after the images (absent with referrers: false). */
      referrers?: ReferrersSummary;
      /** Thick bundles. */ archive?: ArchiveScanStats }>;
  check(mappingJson: BundleInput, options?: RegistryOptions & { online?: boolean; referrers?: boolean }): Promise<MappingVerdict[]>;
  describe(options?: RegistryOptions & { archiveLimits?: ArchiveLimits; referrers?: boolean; referrersTypes?: string[] }): Promise<BundleImageDescription[]>;
}

// ---------------------------------------------------------------------------------------------
// Image references in Kubernetes manifests and Helm charts (findImages, rewrite).

/** A file of manifests or of a chart: text when it is UTF-8, bytes otherwise (a packaged sub-chart). */
export type ManifestFile =
  | { path: string; text: string }
  | { path: string; bytes: Uint8Array }
  | { path: string; directory: true };

/**
 * What findImages and rewrite read: a YAML text, files, a chart archive's bytes (or a fresh
 * synchronous source), or in Node a path (a file, a directory, a chart .tgz).
 */
export type ManifestInput =
  | string
  | ManifestFile[]
  | { archive: Uint8Array | (() => ArchiveSource); name?: string }
  | { path: string };

/** Where the files came from, so that writeRewrite can put them back. */
export interface ManifestSource {
  kind: 'text' | 'files' | 'file' | 'directory' | 'archive';
  /** The path read (Node). */
  path?: string;
  /** The archive's name ({ archive } input). */
  name?: string;
}

/** Where a value is: file, YAML document (0-based), path in it, line and column (1-based). */
export interface ManifestLocation {
  file: string;
  document: number;
  /** k8s style for containers (spec.template.spec.containers[0].image), Helm values style (.image.repository) otherwise; '' in templates. */
  path: string;
  line: number;
  column: number;
}

/** One field of an image split across values ({ registry, repository, tag, digest }). */
export interface ManifestField extends ManifestLocation {
  value: string | null;
}

/** An image reference found. */
export interface FoundImage extends ManifestLocation {
  /** The reference as the files spell it (composed from the fields of a split image). */
  image: string;
  /** The core's parse of `image`. */
  reference: ImageReference;
  /** container: a Kubernetes container; values: a chart's values by convention; hints: a hints file's path; template: written literally in a template. */
  source: 'container' | 'values' | 'hints' | 'template';
  /** The chart (sub-charts as parent/key). */
  chart?: string;
  /** The Kubernetes kind of the document (containers). */
  kind?: string;
  /** The hint that named it. */
  hint?: string;
  /** The fields of a split image: repository (or name), registry, tag, digest, global (global.imageRegistry). */
  fields?: Partial<Record<'ref' | 'name' | 'registry' | 'repository' | 'tag' | 'digest' | 'global', ManifestField>>;
  /** The value is an alias (*NAME) to an anchored scalar: a rewrite changes the anchor's. */
  alias?: string;
  /** The tag is not written: the chart renders its appVersion. */
  tagFrom?: 'appVersion';
  /** global.imageRegistry replaces the image's own registry. */
  registryFrom?: 'global.imageRegistry';
  /** false for template literals, values in packaged sub-charts, block scalars: `reason` says why. */
  rewritable: boolean;
  reason?: IrelErrorData;
  /** rewrite: what the image was rewritten to. */
  target?: string;
}

/** A value that is not an image irel can use, or an image not rewritten, with why. */
export interface SkippedImage extends Partial<ManifestLocation> {
  /** The value as found (invalid, templated, empty). */
  value?: string;
  /** The image not rewritten. */
  image?: string;
  chart?: string;
  kind?: string;
  hint?: string;
  /** IMAGE_TEMPLATED, IMAGE_EMPTY, IMAGE_IN_TEMPLATE, IMAGE_IN_PACKAGED_CHART, IMAGE_BLOCK_SCALAR,
   * IMAGE_NOT_MAPPED, YAML_INVALID, HINT_INVALID, HINT_NOT_FOUND, GLOBAL_REGISTRY_CONFLICT,
   * VALUE_SHARED, DIGEST_MISMATCH, DIGEST_INVALID, PIN_NO_FIELD (rewritten, not pinned),
   * TAG_NO_FIELD, REWRITE_UNVERIFIED, or the core's reference error (NAME_UPPERCASE, ...). */
  reason: IrelErrorData;
}

export interface FindImagesResult {
  images: FoundImage[];
  skipped: SkippedImage[];
  /** The distinct images found, in order: what to relocate. */
  refs: string[];
  source: ManifestSource;
}

export interface FindImagesOptions {
  /**
   * A hints file's text (a YAML list) or its items: relok8s patterns ("{{ .image.registry }}/{{
   * .image.repository }}:{{ .image.tag }}"), value paths (".image"), or maps ({ registry:
   * ".image.registry", repository: ".image.repository", tag: ".image.tag", digest: ".image.digest" }).
   */
  hints?: string | (string | { registry?: string; repository: string; tag?: string; digest?: string })[];
  /** The file name of a text input ('input.yaml'). */
  name?: string;
  /** The hints file's name, where skipped entries locate a hint's problem ('hints'). */
  hintsName?: string;
  /** Bounds for reading chart archives. */
  archiveLimits?: ArchiveLimits;
  /** The yaml module, when the caller imported it itself. */
  yaml?: unknown;
  /** Where to import the yaml module from when the bare name does not resolve (browsers; '/vendor/yaml/index.js' on the page's server). */
  yamlUrl?: string;
}

export interface RewriteOptions extends FindImagesOptions {
  /** Map every image under this repository prefix, as map() does. */
  prefix?: string;
  /** A relocation mapping ({ original: relocated }, as relocateImages and the bundle commands write it), or its JSON. */
  mapping?: Record<string, string> | string | Uint8Array;
  /** The caller's own mapping: the target of an image, or null to leave it. */
  mapFn?: (image: string) => string | null | undefined | Promise<string | null | undefined>;
  /** The relocated paths under another host (a pull-through mirror): replaces `prefix`, or what precedes a mapped name's last component. */
  pullPrefix?: string;
  /** Digests to pin to (image -> digest, or a function): written as name:tag@digest, or into the chart's digest field. */
  pin?: Record<string, string> | ((image: string, target: string) => string | null | undefined);
}

/** One scalar rewritten. */
export interface ManifestChange extends ManifestLocation {
  from: string;
  to: string;
  /** The images this value serves (several for global.imageRegistry or an anchor). */
  images: string[];
  /** The scalar's anchor, and the aliases that read it (they change with it). */
  anchor?: string;
  aliases?: string[];
}

export interface RewriteResult {
  /** Every input file, in order: changed ones with their new text. */
  files: (ManifestFile & { changed: boolean })[];
  changes: ManifestChange[];
  skipped: SkippedImage[];
  /** A unified diff of every changed file (--- a/PATH, +++ b/PATH, 3 lines of context). */
  diff: string;
  /** The images found, with `target` where rewritten. */
  images: FoundImage[];
  /** { image: target } of the images rewritten. */
  mapping: Record<string, string>;
  source: ManifestSource;
}

export declare class Irel {
  readonly version: string;
  /** Bytes of WebAssembly memory the core holds (its peak: wasm memory never shrinks). */
  memoryBytes(): number;
  /** The registry credentials written as a URL, Docker config key or host[:port] belong to ("docker.io" for Docker Hub's spellings). */
  registryKey(text: string): { ok: true; registry: string } | { ok: false; error: IrelErrorData };
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

  /** The digest of the image or index `ref`, as its registry serves it. */
  digest(ref: string, options?: RegistryOptions): Promise<string>;
  /** Copies an image or index with its digest preserved. Rejects with IrelError. */
  /**
   * SRC and DST are places as skopeo names them: [docker://]REF, oci:DIR[:NAME], oci-archive:FILE[:NAME],
   * docker-archive:FILE[:REF] (files and layouts: Node only, or an archive given as options.archive).
   */
  copy(src: string, dst: string, options: CopyOptions & { dryRun: true }): Promise<CopyPlan>;
  copy(src: string, dst: string, options: PlaceCopyOptions & { all: true }): Promise<ArchiveCopyResult>;
  copy(src: string, dst: string, options?: PlaceCopyOptions): Promise<CopySummary>;
  /** Where `copy` reads or writes an image; never throws for bad input. */
  parsePlace(input: string): { ok: true; input: string; place: Place } | { ok: false; input: string; error: IrelErrorData };
  /** The images of an image archive (OCI archive, docker save tarball), every blob verified. */
  describeArchive(input: string | { archive: () => ArchiveSource }, options?: RegistryOptions & { archiveLimits?: ArchiveLimits }):
    Promise<{ kind: 'oci-archive' | 'docker-save' | 'docker-save-legacy'; images: ArchiveImage[] }>;
  /** Copies images of an image archive, each (by its describeArchive index) to a target place. */
  copyArchive(input: string | { archive: () => ArchiveSource }, picks: { index: number; target: string }[], options?: PlaceCopyOptions):
    Promise<ArchiveCopyResult>;
  /**
   * Relocates each image to its name under `prefix` (as map() gives it), one after another; one
   * failing does not stop the others. Rejects only for a bad prefix or when cancelled.
   */
  relocateImages(refs: Iterable<string>, prefix: string, options?: CopyOptions): Promise<RelocateImagesResult>;
  /** One image or index looked up in its registry: digest, media type, size, platforms, blob count. */
  describeImage(ref: string, options?: RegistryOptions): Promise<BundleImageDescription>;
  /** Node: pulls `ref` into the OCI layout `dir`, named by its full name or options.name. */
  layoutAdd(dir: string, ref: string, options?: CopyOptions & { name?: string }): Promise<CopySummary>;
  /** Node: the digest of the image `ref` (name, tag or digest) in the OCI layout `dir`. */
  layoutFind(dir: string, ref: string): Promise<string>;
  /** Node: pushes the image `digest` (or name) from the OCI layout `dir` to `ref`. */
  layoutPush(dir: string, digest: string, ref: string, options?: CopyOptions): Promise<CopySummary>;
  /** Opens a bundle: a path (Node), { json } (thin) or { archive: () => source } (thick). */
  openBundle(input: string | { json: Uint8Array | string } | { archive: () => ArchiveSource }, options?: RegistryOptions & { archiveLimits?: ArchiveLimits }): OpenedBundle;
  /** Node: writes a thick bundle (.tgz) from a thin bundle.json. */
  bundleExport(bundleJson: BundleInput, outPath: string, options?: CopyOptions):
    Promise<{ images: { image: string; digest: string; referrers?: ReferrersSummary }[]; path: string; referrers?: ReferrersSummary }>;
  /** A bundle.json's images. Throws IrelError for an invalid bundle. */
  bundleInfo(bundleJson: BundleInput): BundleInfo;
  /** The relocation mapping { original: relocated }; no network. */
  bundleMap(bundleJson: BundleInput, prefix: string): Record<string, string>;
  /** Copies every relocatable image of a thin bundle to its relocated name. */
  bundleRelocate(bundleJson: BundleInput, prefix: string, options?: CopyOptions):
    Promise<{ mapping: Record<string, string>; json: string; images: { image: string; target: string; digest: string; summary: CopySummary }[] }>;
  /** One verdict per image; with online, each relocated image's digest is looked up. */
  bundleCheck(bundleJson: BundleInput, mappingJson: BundleInput, options?: RegistryOptions & { online?: boolean }): Promise<MappingVerdict[]>;
  /** The image references of manifests or a chart (containers, values conventions, hints, template literals). */
  findImages(input: ManifestInput, options?: FindImagesOptions): Promise<FindImagesResult>;
  /** Rewrites them to their relocated names; only the image values change. Throws IrelError for unusable options. */
  rewrite(input: ManifestInput, options: RewriteOptions): Promise<RewriteResult>;
  /** Node: writes a rewrite's files to a chart archive (.tgz, .tar.gz, .tar), a directory or a file; back where they came from without `out`. */
  writeRewrite(result: RewriteResult, out?: string): Promise<{ format: 'archive' | 'directory' | 'file'; path: string; written: string[] }>;
  /** Node: releases kept-alive connections. */
  close(): void;
}

export interface LoadOptions {
  /** The bytes of irel-core.wasm. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch irel-core.wasm from (a URL; in Node a file: URL). */
  wasmUrl?: string | URL;
}

/** Loads the WebAssembly core. Without options, one shared instance. */
export declare function load(options?: LoadOptions): Promise<Irel>;

// ---------------------------------------------------------------------------------------------
// The Web Worker entry (irel/worker) and its ops, as irel/worker-client's run(op, args) takes them.

/** A bundle as a worker job takes it: a thin bundle.json, or a thick archive read in the worker. */
export type WorkerBundle = { json: string | Uint8Array } | { file: Blob };

/** Credentials by registry host[:port], as a table (a function cannot be posted to a worker). */
export type WorkerCredentials = Record<string, { username: string; password: string } | { identityToken: string }>;

/** Registry options of a worker job: plain data only (no functions, no signal). */
export interface WorkerRegistryArgs {
  proxyBase?: string;
  proxyToken?: string;
  credentials?: WorkerCredentials;
  /** For the source side only, before `credentials`. */
  sourceCredentials?: WorkerCredentials;
  /** For the target side only, before `credentials`. */
  targetCredentials?: WorkerCredentials;
  insecureRegistries?: string[];
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
}

export interface WorkerCopyArgs extends WorkerRegistryArgs {
  jobs?: number;
  platforms?: string[];
  includeNondistributable?: boolean;
  /** false: copy no referrers (signatures, attestations, SBOMs); default true. */
  referrers?: boolean;
  referrersTypes?: string[];
}

/** The worker's progress events: the library's, plus one per pass over a thick archive. */
export type WorkerProgressEvent =
  | ProgressEvent
  | { type: 'archive'; phase: 'bundle.json' | 'verify' | 'upload'; pass: number; done: number; size: number };

/** Each op of the worker: its arguments and what run() resolves to. */
export interface WorkerOps {
  open: { args: { bundle: WorkerBundle }; result: { kind: 'thin' | 'thick'; info: BundleInfo; json: string } };
  describe: {
    args: { bundle: WorkerBundle; referrers?: boolean } & WorkerRegistryArgs;
    result: { kind: 'thin' | 'thick'; info: BundleInfo; json: string; images: BundleImageDescription[] };
  };
  map: { args: { bundle: WorkerBundle; prefix: string }; result: { mapping: Record<string, string>; json: string } };
  relocate: {
    args: { bundle: WorkerBundle; prefix: string } & WorkerCopyArgs;
    result: { mapping: Record<string, string>; json: string; images: { image: string; target: string; digest: string; referrers?: number }[];
      archive?: ArchiveScanStats; referrers?: ReferrersSummary };
  };
  /** The worker's WebAssembly memory, in bytes (its peak). */
  memory: { args: Record<string, never>; result: { wasmBytes: number } };
  check: { args: { bundle: WorkerBundle; mapping: string | Uint8Array; online?: boolean } & WorkerRegistryArgs; result: MappingVerdict[] };
  /** With dryRun: the plan (CopyPlan), nothing written. */
  copy: { args: { src: string; dst: string; dryRun?: boolean } & WorkerCopyArgs; result: CopySummary | CopyPlan };
  digest: { args: { ref: string } & WorkerRegistryArgs; result: string };
  describeImage: { args: { ref: string } & WorkerRegistryArgs; result: BundleImageDescription };
  describeArchive: { args: { file: Blob } & WorkerRegistryArgs; result: { kind: string; images: ArchiveImage[] } };
  copyArchive: { args: { file: Blob; picks: { index: number; target: string }[]; verifyFirst?: boolean } & WorkerCopyArgs; result: ArchiveCopyResult };
  /** With dryRun: each image has its plan instead of a summary, and nothing is written. */
  relocateImages: { args: { refs: string[]; prefix: string; dryRun?: boolean } & WorkerCopyArgs; result: RelocateImagesResult };
  /** A chart archive ({ file }) is read in the worker. */
  findImages: { args: { input: WorkerManifestInput } & Pick<FindImagesOptions, 'hints' | 'name' | 'hintsName' | 'yamlUrl'>; result: FindImagesResult };
  /** As Irel.rewrite, without mapFn (a function cannot cross to the worker). */
  rewrite: {
    args: { input: WorkerManifestInput } & Pick<RewriteOptions, 'hints' | 'name' | 'hintsName' | 'yamlUrl' | 'prefix' | 'mapping' | 'pullPrefix'> & { pin?: Record<string, string> };
    result: RewriteResult;
  };
}

/** What the worker's findImages and rewrite read: a text, files, or a chart archive's File. */
export type WorkerManifestInput = string | ManifestFile[] | { file: Blob };

export type WorkerOp = keyof WorkerOps;
