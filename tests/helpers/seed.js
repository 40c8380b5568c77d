// Push deterministic test images to a registry through the distribution API (monolithic blob
// uploads, manifests serialized once and pushed byte for byte). Works with every startRegistry
// mode: Basic and token auth through registryClient, TLS through node:https with the test CA.
//
// Every push returns { ref, repo, tag, digest, digestRef, manifestBytes, mediaType, blobs, children? }
// where ref = 'HOST/REPO:TAG' (or HOST/REPO@DIGEST when untagged), blobs = the blobs this manifest
// references directly ([{ digest, size, mediaType, pushed }]; pushed false for foreign layers) and
// children = the pushed results of the manifests an index references.
import { createHash } from 'node:crypto';
import { memoryBlob, randomBytesFor, rawLayer, streamedTarLayer, tarGzLayer, textTarLayer } from './content.js';
import { registryClient } from './registry-client.js';
import { signSchema1 } from './schema1.js';

/** Media types per format: 'oci' or 'docker' (Docker v2 schema 2). */
export const MEDIA_TYPES = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
    layerTar: 'application/vnd.oci.image.layer.v1.tar',
    foreign: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    layerTar: 'application/vnd.docker.image.rootfs.diff.tar',
    foreign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  },
};
export const SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
export const ARTIFACT_TYPE = 'application/vnd.example.unknown.config.v1+json';
export const ARTIFACT_LAYER_TYPE = 'application/vnd.example.data.v1';
/** Every manifest media type, for Accept headers. */
export const ALL_MANIFEST_TYPES = [MEDIA_TYPES.oci.manifest, MEDIA_TYPES.oci.index, MEDIA_TYPES.docker.manifest,
  MEDIA_TYPES.docker.index, SCHEMA1_SIGNED, 'application/vnd.docker.distribution.manifest.v1+json'];

const BIG = 4 << 20;
const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** Manifests are pretty-printed so a tool that re-serializes them changes their digest visibly. */
const serialize = (obj) => Buffer.from(JSON.stringify(obj, null, 2));

/** Split 'repo:tag' / 'repo@sha256:..' / 'repo' into { repo, tag?, digest? } (no host part). */
export function splitRef(ref) {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), digest: ref.slice(at + 1) };
  const m = /^(.*?)(?::([\w][\w.-]{0,127}))?$/.exec(ref);
  return { repo: m[1], tag: m[2] };
}

function clientOf(reg, opts) {
  return opts.client ?? registryClient(reg, opts.creds !== undefined ? { creds: opts.creds } : {});
}

function fail(what, r) {
  return new Error(`${what}: HTTP ${r.status} ${r.body.toString().slice(0, 500)}`);
}

/** Upload one blob unless the repository already has it (HEAD), monolithically: POST then PUT ?digest=. */
export async function uploadBlob(client, repo, blob) {
  const head = await client.request('HEAD', `/v2/${repo}/blobs/${blob.digest}`);
  if (head.status === 200) return;
  const post = await client.request('POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
  if (post.status !== 202 || !post.headers.location) throw fail(`POST upload ${repo}`, post);
  const loc = post.headers.location;
  const put = await client.request('PUT', `${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(blob.digest)}`, {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
    body: () => blob.open(),
  });
  if (put.status !== 201) throw fail(`PUT blob ${blob.digest} to ${repo}`, put);
}

/** PUT manifest bytes under a tag or digest with its Content-Type; returns the registry's digest. */
export async function putManifest(client, repo, reference, bytes, mediaType) {
  const r = await client.request('PUT', `/v2/${repo}/manifests/${reference}`, {
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) }, body: bytes });
  if (r.status !== 201) throw fail(`PUT manifest ${repo}:${reference}`, r);
  return r.headers['docker-content-digest'];
}

function parsePlatform(p) {
  const [os, architecture, variant] = p.split('/');
  return variant ? { architecture, os, variant } : { architecture, os };
}

/** Build (not push) the layer blobs from a spec: size or { size, kind: 'targz'|'tar'|'text'|'raw', mediaType }. */
function makeLayer(spec, seed, mt) {
  const s = typeof spec === 'number' ? { size: spec } : spec;
  const kind = s.kind ?? (s.size > BIG ? 'tar' : 'targz');
  const blob = kind === 'targz' ? tarGzLayer(seed, s.size) : kind === 'tar' ? streamedTarLayer(seed, s.size)
    : kind === 'text' ? textTarLayer(seed, s.size) : rawLayer(seed, s.size);
  return { blob, mediaType: s.mediaType ?? (blob.compressed ? mt.layerGzip : mt.layerTar) };
}

async function finish(reg, client, repo, tag, bytes, mediaType, extra) {
  const digest = sha256(bytes);
  const got = await putManifest(client, repo, tag ?? digest, bytes, mediaType);
  if (got && got !== digest) throw new Error(`registry digest ${got} differs from pushed bytes' ${digest}`);
  return { ref: tag ? `${reg.host}/${repo}:${tag}` : `${reg.host}/${repo}@${digest}`, repo, tag, digest,
    digestRef: `${reg.host}/${repo}@${digest}`, manifestBytes: bytes, mediaType, size: bytes.length, ...extra };
}

/**
 * Push a single-platform image. options: { layers: [size | { size, kind, mediaType }] (default
 * [1024]; up to 4 MiB gzip'd tar in memory, bigger = plain tar streamed), format: 'oci' | 'docker',
 * platform: 'linux/amd64', seed (default the ref; same seed = same bytes), nondistributable: true
 * to add a foreign layer (listed with urls, blob not pushed), annotations, client, creds }.
 * 'repo' without a tag pushes by digest.
 */
export async function pushImage(reg, ref, options = {}) {
  const { repo, tag } = splitRef(ref);
  const client = clientOf(reg, options);
  const format = options.format ?? 'oci';
  const mt = MEDIA_TYPES[format];
  const seed = options.seed ?? ref;
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const layers = (options.layers ?? [1024]).map((spec, i) => makeLayer(spec, `${seed}/layer${i}`, mt));
  const descriptors = [];
  const blobs = [];
  const diffIds = [];
  for (const { blob, mediaType } of layers) {
    await uploadBlob(client, repo, blob);
    descriptors.push({ mediaType, size: blob.size, digest: blob.digest });
    blobs.push({ digest: blob.digest, size: blob.size, mediaType, pushed: true });
    diffIds.push(blob.diffId);
  }
  if (options.nondistributable) {
    const foreign = tarGzLayer(`${seed}/foreign`, 2048);
    const urls = [`https://foreign.example.invalid/layers/${foreign.digest}`];
    descriptors.push({ mediaType: mt.foreign, size: foreign.size, digest: foreign.digest, urls });
    blobs.push({ digest: foreign.digest, size: foreign.size, mediaType: mt.foreign, pushed: false, urls });
    diffIds.push(foreign.diffId);
  }
  const config = memoryBlob(serialize({
    created: '1970-01-01T00:00:00Z',
    ...platform,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `IREL_SEED=${seed}`], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '1970-01-01T00:00:00Z', created_by: `irel test layer ${i}` })),
  }));
  await uploadBlob(client, repo, config);
  const manifest = { schemaVersion: 2, mediaType: mt.manifest,
    config: { mediaType: mt.config, size: config.size, digest: config.digest }, layers: descriptors };
  if (options.annotations) manifest.annotations = options.annotations;
  return finish(reg, client, repo, tag, serialize(manifest), mt.manifest, {
    platform, config: { digest: config.digest, size: config.size, mediaType: mt.config },
    blobs: [{ digest: config.digest, size: config.size, mediaType: mt.config, pushed: true }, ...blobs] });
}

/** The descriptor of a pushed result as an index entry. */
function entryOf(child, platform) {
  const d = { mediaType: child.mediaType, size: child.size, digest: child.digest };
  if (platform) d.platform = platform;
  return d;
}

/**
 * Push a multi-platform OCI index or Docker manifest list; each platform's image is pushed by
 * digest first (seeded per platform). options: { platforms: ['linux/amd64','linux/arm64',
 * 'linux/arm/v7'], format: 'oci' | 'docker', layers, seed, client, creds }.
 */
export async function pushIndex(reg, ref, options = {}) {
  const { repo, tag } = splitRef(ref);
  const client = clientOf(reg, options);
  const format = options.format ?? 'oci';
  const mt = MEDIA_TYPES[format];
  const seed = options.seed ?? ref;
  const children = [];
  for (const p of options.platforms ?? ['linux/amd64', 'linux/arm64', 'linux/arm/v7']) {
    children.push(await pushImage(reg, repo, { ...options, client, format, platform: p, seed: `${seed}/${p}` }));
  }
  const index = { schemaVersion: 2, mediaType: mt.index, manifests: children.map((c) => entryOf(c, c.platform)) };
  return finish(reg, client, repo, tag, serialize(index), mt.index, { blobs: [], children });
}

/**
 * Push an OCI index whose entries are a linux/amd64 image and another OCI index (linux/arm64 +
 * linux/arm/v7), all children by digest first. options: { seed, layers, client, creds }.
 */
export async function pushNestedIndex(reg, ref, options = {}) {
  const { repo, tag } = splitRef(ref);
  const client = clientOf(reg, options);
  const seed = options.seed ?? ref;
  const mt = MEDIA_TYPES.oci;
  const image = await pushImage(reg, repo, { ...options, client, platform: 'linux/amd64', seed: `${seed}/amd64` });
  const inner = await pushIndex(reg, repo, { ...options, client, format: 'oci', platforms: ['linux/arm64', 'linux/arm/v7'], seed: `${seed}/inner` });
  const innerEntry = { ...entryOf(inner), annotations: { 'org.example.irel-test': 'nested-index' } };
  const index = { schemaVersion: 2, mediaType: mt.index, manifests: [entryOf(image, image.platform), innerEntry] };
  return finish(reg, client, repo, tag, serialize(index), mt.index, { blobs: [], children: [image, inner] });
}

/**
 * Push an OCI artifact: a manifest with artifactType and config media type
 * application/vnd.example.unknown.config.v1+json and one layer of unknown media type
 * application/vnd.example.data.v1. options: { size (layer bytes, default 1024), seed, client, creds }.
 */
export async function pushArtifact(reg, ref, options = {}) {
  const { repo, tag } = splitRef(ref);
  const client = clientOf(reg, options);
  const seed = options.seed ?? ref;
  const config = memoryBlob(serialize({ kind: 'irel-test-artifact', seed }));
  const data = memoryBlob(randomBytesFor(`${seed}/artifact-data`, options.size ?? 1024));
  await uploadBlob(client, repo, config);
  await uploadBlob(client, repo, data);
  const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.oci.manifest, artifactType: ARTIFACT_TYPE,
    config: { mediaType: ARTIFACT_TYPE, size: config.size, digest: config.digest },
    layers: [{ mediaType: ARTIFACT_LAYER_TYPE, size: data.size, digest: data.digest,
      annotations: { 'org.opencontainers.image.title': 'data.bin' } }] };
  return finish(reg, client, repo, tag, serialize(manifest), MEDIA_TYPES.oci.manifest, {
    blobs: [{ digest: config.digest, size: config.size, mediaType: ARTIFACT_TYPE, pushed: true },
      { digest: data.digest, size: data.size, mediaType: ARTIFACT_LAYER_TYPE, pushed: true }] });
}

/**
 * Push a signed Docker schema 1 manifest (gzip'd tar layers). The registry must have been started
 * with { schema1: true }. Its digest is sha256 of the unsigned payload (`canonicalBytes`); the
 * registry re-signs it on every GET, so fetched bytes differ from `manifestBytes`.
 * options: { layers: [sizes] (default [512]), seed, client, creds }.
 */
export async function pushSchema1(reg, ref, options = {}) {
  const { repo, tag } = splitRef(ref);
  if (!tag) throw new Error('pushSchema1 needs a tag');
  const client = clientOf(reg, options);
  const seed = options.seed ?? ref;
  const layers = (options.layers ?? [512]).map((size, i) => tarGzLayer(`${seed}/layer${i}`, size));
  for (const l of layers) await uploadBlob(client, repo, l);
  const ids = layers.map((_, i) => createHash('sha256').update(`${seed}/v1id/${i}`).digest('hex'));
  // schema1 lists layers top-most first; history[i] describes fsLayers[i].
  const history = layers.map((_, i) => {
    const v1 = { id: ids[i], created: '1970-01-01T00:00:00Z', container_config: { Cmd: [`/bin/sh -c #(nop) irel layer ${i}`] } };
    if (i > 0) v1.parent = ids[i - 1];
    if (i === layers.length - 1) Object.assign(v1, { architecture: 'amd64', os: 'linux' });
    return { v1Compatibility: JSON.stringify(v1) };
  }).reverse();
  const payload = Buffer.from(JSON.stringify({ schemaVersion: 1, name: repo, tag, architecture: 'amd64',
    fsLayers: [...layers].reverse().map((l) => ({ blobSum: l.digest })), history }, null, 3));
  const signed = signSchema1(payload);
  const digest = sha256(payload);
  const got = await putManifest(client, repo, tag, signed, SCHEMA1_SIGNED);
  if (got && got !== digest) throw new Error(`schema1: registry digest ${got}, payload digest ${digest}`);
  return { ref: `${reg.host}/${repo}:${tag}`, repo, tag, digest, digestRef: `${reg.host}/${repo}@${digest}`,
    manifestBytes: signed, canonicalBytes: payload, mediaType: SCHEMA1_SIGNED, size: signed.length,
    blobs: layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', pushed: true })) };
}

/** Every pushed result in a tree (the result itself, then its children depth-first). */
export function allManifests(result) {
  return [result, ...(result.children ?? []).flatMap(allManifests)];
}

/** Every distinct blob the tree references (foreign layers included, flagged pushed: false). */
export function allBlobs(result) {
  const seen = new Map();
  for (const m of allManifests(result)) for (const b of m.blobs) seen.set(b.digest, b);
  return [...seen.values()];
}
