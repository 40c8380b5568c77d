// Image archives as peers write them, from real image content in a test registry: skopeo's
// `oci-archive:` and `docker-archive:`, a `tar` of a layout umoci made, `docker save` tarballs as
// Docker >= 25 writes them (an OCI image layout beside the legacy manifest.json) and as Docker <= 24
// wrote them (manifest.json + <id>/layer.tar only), and the defective tarballs Docker 25-27 was seen
// to write. Every builder resolves { path, ... } plus what a test needs to assert (digests, names,
// layer digests), read back from the archive it wrote.
//
// Archives we build by hand are deterministic: a staging directory archived by GNU tar with sorted
// names, mtime 0, root-owned, ustar format; gzip without a name or time (`gzip -n`); zstd at its
// default level. skopeo's own oci-archive is kept as skopeo wrote it (its entries carry the time
// of the copy), as is its docker-archive (mtime 0, in skopeo's order).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { skopeoOptions } from './inspect.js';
import { registryClient } from './registry-client.js';
import { ALL_MANIFEST_TYPES } from './seed.js';
import { makeTempDir, removeDir, run } from './util.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const DOCKER_INDEX = 'application/vnd.docker.distribution.manifest.list.v2+json';
const isIndexType = (mt) => mt === OCI_INDEX || mt === DOCKER_INDEX;

/** The public threads each defect kind reproduces (see dockerSaveDefect). */
export const DEFECT_THREADS = {
  // Docker 25.0.0/25.0.1, graphdriver store, `docker save IMAGE@DIGEST`: nothing tagged, so the
  // index.json `manifests` list stayed a nil Go slice and was written as null.
  'manifests-null': 'https://github.com/moby/moby/issues/47210',
  // Docker 25.0.0 release candidates (fixed before 25.0.0), graphdriver store: the OCI manifest
  // listed only foreign layers, i.e. `"layers": []` for an ordinary image (manifest.json and the
  // blobs still had them).
  'no-layers': 'https://github.com/moby/moby/issues/47065',
  // Docker 25.0.0: the OCI manifest's layers came from iterating a Go map, out of apply order
  // (fixed in 25.0.1 by moby/moby#47161).
  'layer-order': 'https://github.com/moby/moby/issues/47150',
  // Docker 27.5 with the containerd image store, an image sharing layers with another one: the
  // tarball held the manifests and none of the config or layer blobs.
  'missing-blob': 'https://github.com/moby/moby/issues/49473',
  // graphdriver store since the fix for #47210 (moby/moby#47294): several images saved by digest,
  // index.json lists only the first (`if len(manifestDescriptors) == 0` counts every image so far).
  'missing-entries': 'https://github.com/moby/moby/issues/51389',
};

const sha256hex = (b) => createHash('sha256').update(b).digest('hex');
const digestOf = (b) => `sha256:${sha256hex(b)}`;
const hexOf = (digest) => digest.slice(digest.indexOf(':') + 1);
const SKOPEO_ENV = () => ({ ...process.env, REGISTRY_AUTH_FILE: '/dev/null' });

// ---------------------------------------------------------------------------------------------
// Names (docker/distribution reference normalization, enough for test names)

/** Split 'host/repo:tag' | 'host/repo@sha256:..' into { name, tag?, digest? } (name keeps the host). */
function splitName(ref) {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), digest: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref };
}

/** 'app:v1' -> 'docker.io/library/app:v1'; '127.0.0.1:5000/a/b:v1' stays. */
export function normalizeName(ref) {
  const { name, tag, digest } = splitName(ref);
  const first = name.split('/')[0];
  const hasDomain = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const full = hasDomain ? name : `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  return `${full}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** 'docker.io/library/app:v1' -> 'app:v1'; other hosts unchanged (Docker's FamiliarString). */
export function familiarName(ref) {
  const n = normalizeName(ref);
  if (n.startsWith('docker.io/library/')) return n.slice('docker.io/library/'.length);
  if (n.startsWith('docker.io/')) return n.slice('docker.io/'.length);
  return n;
}

/** { repo, tag?, digest?, full } for `ref` in `reg`: 'REPO:TAG', 'REPO@DIGEST' or 'HOST/REPO:TAG'. */
function resolveRef(reg, ref) {
  const local = ref.startsWith(`${reg.host}/`) ? ref.slice(reg.host.length + 1) : ref;
  const { name: repo, tag, digest } = splitName(local);
  return { repo, tag, digest, full: `${reg.host}/${local}` };
}

// ---------------------------------------------------------------------------------------------
// Processes, compression, tar

function skopeo(args, { timeoutMs = 120_000 } = {}) {
  return run('skopeo', args, { env: SKOPEO_ENV(), timeoutMs });
}

/** skopeo flags to read docker:// from (`prefix` 'src') or write to ('dest') a startRegistry handle. */
export function skopeoRegistryFlags(reg, prefix) {
  const o = skopeoOptions(reg);
  const args = [`--${prefix}-tls-verify=${o.tlsVerify}`];
  if (o.caDir) args.push(`--${prefix}-cert-dir`, o.caDir);
  args.push(...(o.creds ? [`--${prefix}-creds`, o.creds] : [`--${prefix}-no-creds`]));
  return args;
}

/** Run `cmd args` with stdout written to the file `out` (rejects on a non-zero exit). */
function runToFile(cmd, args, out) {
  return new Promise((resolve, reject) => {
    const fd = openSync(out, 'w');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${stderr}`))));
  });
}

/** Whether the zstd CLI is installed (compress: 'zstd' needs it). */
export async function hasZstd() {
  try {
    await run('zstd', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write `plain` (a tar) to `out` as given by `compress`: undefined/'none' renames it, 'gzip' runs
 * `gzip -n -9` (no name, no time: the same bytes each time), 'zstd' runs `zstd -q -c` (level 3).
 */
async function finishArchive(plain, out, compress) {
  if (!compress || compress === 'none') {
    await rename(plain, out);
    return;
  }
  if (compress === 'gzip') await runToFile('gzip', ['-n', '-9', '-c', plain], out);
  else if (compress === 'zstd') {
    if (!(await hasZstd())) throw new Error('compress: zstd needs the zstd CLI (not installed)');
    await runToFile('zstd', ['-q', '-c', '--no-progress', plain], out);
  } else throw new Error(`unknown compress option ${compress}`);
}

/** GNU tar of `names` (relative to `dir`), deterministic: sorted, mtime 0, uid/gid 0, ustar. */
async function tarDir(dir, names, out, { dotSlash = false } = {}) {
  const args = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=ustar',
    '-C', dir, '-cf', out];
  args.push(...(dotSlash ? ['.'] : [...names].sort()));
  await run('tar', args);
}

/** The tar bytes inside an archive file (gzip and zstd undone; plain tar as is). */
export async function tarBytes(path) {
  const raw = await readFile(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) return gunzipSync(raw);
  if (raw.readUInt32LE(0) === 0xfd2fb528) return (await run('zstd', ['-q', '-d', '-c', path])).stdout;
  return raw;
}

/** 'gzip' | 'zstd' | 'none' by the file's magic bytes. */
export async function compressionOf(path) {
  const raw = await readFile(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) return 'gzip';
  if (raw.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

function parseOctal(buf) {
  if (buf[0] & 0x80) { // base-256
    let n = 0;
    for (let i = 1; i < buf.length; i++) n = n * 256 + buf[i];
    return n;
  }
  const s = buf.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function cstr(buf) {
  const z = buf.indexOf(0);
  return buf.subarray(0, z < 0 ? buf.length : z).toString('utf8');
}

/**
 * Every entry of a tar archive file (plain, gzip or zstd) in archive order:
 * [{ name, type: 'file'|'dir'|'symlink'|'hardlink'|'other', size, mode, mtime, uid, gid, linkname, data }]
 * (data: the file's bytes; ustar prefix, GNU long names and pax path/linkpath/size understood).
 * An independent reader for assertions, not the tool under test.
 */
export async function readArchive(path) {
  return parseTar(await tarBytes(path));
}

/** parseTar(tar bytes): the entries readArchive describes, from an uncompressed tar in memory. */
export function parseTar(tar) {
  const entries = [];
  let longName = null;
  let longLink = null;
  let pax = {};
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const size = pax.size !== undefined ? Number(pax.size) : parseOctal(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] || 0x30);
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = cstr(data); continue; }
    if (type === 'K') { longLink = cstr(data); continue; }
    if (type === 'x' || type === 'g') {
      if (type === 'x') {
        for (let i = 0; i < data.length;) {
          const sp = data.indexOf(0x20, i);
          const len = parseInt(data.subarray(i, sp).toString(), 10);
          const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
          const eq = rec.indexOf('=');
          pax[rec.slice(0, eq)] = rec.slice(eq + 1);
          i += len;
        }
      }
      continue;
    }
    const magic = h.subarray(257, 262).toString('latin1');
    const prefix = magic === 'ustar' ? cstr(h.subarray(345, 500)) : '';
    const base = cstr(h.subarray(0, 100));
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
    const linkname = pax.linkpath ?? longLink ?? cstr(h.subarray(157, 257));
    const kind = { 0: 'file', 7: 'file', 5: 'dir', 2: 'symlink', 1: 'hardlink' }[type] ?? 'other';
    entries.push({ name, type: kind, size, mode: parseOctal(h.subarray(100, 108)), mtime: parseOctal(h.subarray(136, 148)),
      uid: parseOctal(h.subarray(108, 116)), gid: parseOctal(h.subarray(116, 124)), linkname,
      data: kind === 'file' ? Buffer.from(data) : undefined });
    longName = null;
    longLink = null;
    pax = {};
  }
  return entries;
}

/** readArchive as a Map: name without a leading './' -> entry (symlinks followed within the archive). */
export async function archiveFiles(path) {
  const list = await readArchive(path);
  const byName = new Map(list.map((e) => [e.name.replace(/^\.\//, '').replace(/\/$/, ''), e]));
  const resolve = (name, depth = 0) => {
    const e = byName.get(name);
    if (!e || e.type !== 'symlink' || depth > 8) return e;
    const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
    const parts = [];
    for (const p of `${dir ? `${dir}/` : ''}${e.linkname}`.split('/')) {
      if (p === '..') parts.pop();
      else if (p && p !== '.') parts.push(p);
    }
    return resolve(parts.join('/'), depth + 1);
  };
  return { list, byName, get: (name) => resolve(name.replace(/^\.\//, '')), json: (name) => JSON.parse(resolve(name.replace(/^\.\//, '')).data.toString()) };
}

// ---------------------------------------------------------------------------------------------
// Reading images from the registry (plain HTTP GETs through the helpers' client)

async function getManifest(client, repo, reference) {
  const r = await client.request('GET', `/v2/${repo}/manifests/${reference}`, { headers: { accept: ALL_MANIFEST_TYPES.join(', ') } });
  if (r.status !== 200) throw new Error(`GET manifest ${repo}:${reference}: HTTP ${r.status} ${r.body}`);
  const bytes = r.body;
  const json = JSON.parse(bytes.toString());
  return { bytes, json, digest: digestOf(bytes), size: bytes.length, mediaType: json.mediaType ?? r.headers['content-type'] };
}

async function getBlob(client, repo, digest) {
  const r = await client.request('GET', `/v2/${repo}/blobs/${digest}`);
  if (r.status !== 200) throw new Error(`GET blob ${repo}@${digest}: HTTP ${r.status}`);
  if (digestOf(r.body) !== digest) throw new Error(`blob ${digest} from ${repo} does not match its digest`);
  return r.body;
}

/** The uncompressed tar of a layer blob (gzip and zstd layers decompressed; tar as is). */
async function uncompressLayer(bytes, mediaType) {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes);
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0xfd2fb528) return (await run('zstd', ['-q', '-d', '-c'], { input: bytes })).stdout;
  if (/gzip|zstd/.test(mediaType)) throw new Error(`layer of type ${mediaType} is not compressed as it says`);
  return bytes;
}

const platformString = (p) => (p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : undefined);

/**
 * Fetch a whole image: { manifest: { bytes, json, digest, size, mediaType }, config: { bytes, json, digest },
 * layers: [{ descriptor, bytes, tar, diffId }], platform, children? (an index: one such object per entry) }.
 * Each layer's uncompressed tar hashes to the config's rootfs.diff_ids entry (checked here).
 */
async function fetchImage(reg, ref) {
  const { repo, tag, digest } = resolveRef(reg, ref);
  const client = registryClient(reg);
  const fetchTree = async (reference) => {
    const manifest = await getManifest(client, repo, reference);
    if (isIndexType(manifest.mediaType)) {
      const children = [];
      for (const d of manifest.json.manifests) children.push({ ...(await fetchTree(d.digest)), entry: d, platform: platformString(d.platform) });
      return { manifest, children };
    }
    const configBytes = await getBlob(client, repo, manifest.json.config.digest);
    const config = { bytes: configBytes, json: JSON.parse(configBytes.toString()), digest: manifest.json.config.digest };
    const diffIds = config.json.rootfs?.diff_ids ?? [];
    const layers = [];
    for (const [i, d] of manifest.json.layers.entries()) {
      const bytes = await getBlob(client, repo, d.digest);
      const tar = await uncompressLayer(bytes, d.mediaType);
      const diffId = digestOf(tar);
      if (diffIds[i] !== diffId) throw new Error(`layer ${i} of ${repo}: uncompressed sha256 ${diffId} is not rootfs.diff_ids[${i}] ${diffIds[i]}`);
      layers.push({ descriptor: d, bytes, tar, diffId });
    }
    return { manifest, config, layers, platform: platformString(config.json) };
  };
  return { repo, tag, digest, full: resolveRef(reg, ref).full, ...(await fetchTree(digest ?? tag ?? 'latest')) };
}

/** The child of an index for `platform` ('os/arch[/variant]'), or the image itself. */
function pickPlatform(image, platform = 'linux/amd64') {
  if (!image.children) return image;
  const child = image.children.find((c) => c.platform === platform);
  if (!child) throw new Error(`${image.full}: no ${platform} in ${image.children.map((c) => c.platform).join(', ')}`);
  return child;
}

/** What a test asserts about one stored image manifest (from its JSON). */
function manifestSummary(bytes) {
  const json = JSON.parse(bytes.toString());
  return { digest: digestOf(bytes), size: bytes.length, mediaType: json.mediaType,
    config: json.config && { digest: json.config.digest, size: json.config.size, mediaType: json.config.mediaType },
    layers: (json.layers ?? []).map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })) };
}

/** Summaries of the manifests a layout (in an archive) holds under `digest`: an index's children too. */
function describeStored(files, digest) {
  const entry = files.get(`blobs/sha256/${hexOf(digest)}`);
  if (!entry) return { digest, missing: true };
  const s = manifestSummary(entry.data);
  if (isIndexType(s.mediaType)) {
    const json = JSON.parse(entry.data.toString());
    s.children = json.manifests.map((m) => ({ ...describeStored(files, m.digest), platform: platformString(m.platform) }));
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// 1. skopeo oci-archive

/**
 * `skopeo copy [--all] docker://REF oci-archive:OUT[:NAME]`. ref: 'REPO:TAG' in reg (or
 * 'HOST/REPO:TAG'). options: { name (index.json ref.name; default the tag, null for none),
 * all (copy every platform of an index), compress: 'gzip'|'zstd' }.
 * Resolves { path, transport: 'oci-archive', name, digest (of the manifest or index the archive
 * holds), mediaType, config, layers, children? (an index's manifests), source: { ref, digest,
 * mediaType }, converted (skopeo rewrote the manifest: a Docker v2 schema 2 source becomes OCI,
 * with a new digest), compress, reference (what to pass skopeo to read it back) }.
 */
export async function skopeoOciArchive(reg, ref, out, options = {}) {
  const r = resolveRef(reg, ref);
  const name = options.name === undefined ? (r.tag ?? 'latest') : options.name;
  const tmp = await makeTempDir('irel-skopeo-oci-');
  try {
    const plain = join(tmp, 'archive.tar');
    await skopeo(['copy', '--retry-times', '0', ...(options.all ? ['--all'] : []), ...skopeoRegistryFlags(reg, 'src'),
      `docker://${r.full}`, `oci-archive:${plain}${name ? `:${name}` : ''}`]);
    const source = await getManifest(registryClient(reg), r.repo, r.digest ?? r.tag ?? 'latest');
    const files = await archiveFiles(plain);
    const index = files.json('index.json');
    if (index.manifests.length !== 1) throw new Error(`skopeo wrote ${index.manifests.length} index.json entries`);
    const stored = describeStored(files, index.manifests[0].digest);
    await finishArchive(plain, out, options.compress);
    return { path: out, transport: 'oci-archive', reference: `oci-archive:${out}${name ? `:${name}` : ''}`, name,
      ...stored, source: { ref: r.full, digest: source.digest, mediaType: source.mediaType },
      converted: stored.digest !== source.digest, compress: options.compress ?? 'none' };
  } finally {
    await removeDir(tmp);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. skopeo docker-archive

/**
 * `skopeo copy docker://REF docker-archive:OUT[:REFERENCE]` (skopeo 1.9 writes the legacy
 * docker-save shape: manifest.json, `<config hex>.json`, one UNCOMPRESSED `<diffid hex>.tar` per
 * layer, `<v1 id>/{layer.tar -> ../<diffid hex>.tar, json, VERSION}` and `repositories`; files
 * mode 0444, mtime 0). options: { reference (default HOST/REPO:TAG; null for none), platform
 * (of an index; default linux/amd64), compress }.
 * Resolves { path, transport: 'docker-archive', reference (to read it back), repoTags, config:
 * { digest, file }, diffIds, layerFiles, layersCompressed (false: checked), v1Ids, source: { ref,
 * digest, configDigest } }.
 */
export async function skopeoDockerArchive(reg, ref, out, options = {}) {
  const r = resolveRef(reg, ref);
  const reference = options.reference === undefined ? (r.tag ? r.full : null) : options.reference;
  const tmp = await makeTempDir('irel-skopeo-docker-');
  try {
    const plain = join(tmp, 'archive.tar');
    const platform = (options.platform ?? 'linux/amd64').split('/');
    await skopeo(['copy', '--retry-times', '0', '--override-os', platform[0], '--override-arch', platform[1],
      ...(platform[2] ? ['--override-variant', platform[2]] : []), ...skopeoRegistryFlags(reg, 'src'),
      `docker://${r.full}`, `docker-archive:${plain}${reference ? `:${reference}` : ''}`]);
    const source = pickPlatform(await fetchImage(reg, ref), options.platform);
    const files = await archiveFiles(plain);
    const [item, ...rest] = files.json('manifest.json');
    if (rest.length) throw new Error('skopeo wrote more than one manifest.json item');
    const config = files.get(item.Config);
    const diffIds = JSON.parse(config.data.toString()).rootfs.diff_ids;
    const layersCompressed = item.Layers.some((l) => { const d = files.get(l).data; return d[0] === 0x1f && d[1] === 0x8b; });
    const v1Ids = files.list.filter((e) => e.name.endsWith('/json')).map((e) => e.name.split('/')[0]);
    await finishArchive(plain, out, options.compress);
    return { path: out, transport: 'docker-archive', reference: `docker-archive:${out}${reference ? `:${reference}` : ''}`,
      repoTags: item.RepoTags ?? [], config: { digest: digestOf(config.data), file: item.Config }, diffIds,
      layerFiles: item.Layers, layersCompressed, v1Ids,
      source: { ref: r.full, digest: source.manifest.digest, configDigest: source.config.digest }, compress: options.compress ?? 'none' };
  } finally {
    await removeDir(tmp);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. a layout umoci made, archived with tar

/**
 * skopeo copies REF into an OCI layout (oci:DIR:source), then umoci makes it its own:
 * `umoci config` writes a new config (label org.example.irel=umoci, created/history at the epoch)
 * and manifest under NAME; `umoci insert` adds a layer of one file (/opt/irel/umoci.txt) under
 * NAME-inserted; `umoci rm` drops skopeo's tag and `umoci gc` its unreferenced blobs. The
 * directory is archived by `tar` with the files at the archive root (or under './' with
 * dotSlash). options: { name (default 'umoci'), keepSource (keep skopeo's 'source' tag),
 * dotSlash, compress }.
 * Resolves { path, transport: 'oci-archive', images: [{ name, digest, config, layers, reference }]
 * (NAME, NAME-inserted, and 'source' when kept), source: { ref, digest, layers } }.
 */
export async function umociLayoutTar(reg, ref, out, options = {}) {
  const r = resolveRef(reg, ref);
  const name = options.name ?? 'umoci';
  const tmp = await makeTempDir('irel-umoci-');
  try {
    const layout = join(tmp, 'layout');
    const content = join(tmp, 'content');
    await skopeo(['copy', '--retry-times', '0', ...skopeoRegistryFlags(reg, 'src'), `docker://${r.full}`, `oci:${layout}:source`]);
    const epoch = '1970-01-01T00:00:00Z';
    await run('umoci', ['config', '--image', `${layout}:source`, '--tag', name, '--config.label', 'org.example.irel=umoci',
      '--created', epoch, '--history.created', epoch, '--history.created_by', 'umoci config (irel test)', '--history.author', 'irel']);
    await mkdir(content);
    await writeFile(join(content, 'umoci.txt'), `inserted by umoci into ${r.full}\n`);
    await run('touch', ['-d', '@0', join(content, 'umoci.txt'), content]);
    await run('umoci', ['insert', '--image', `${layout}:${name}`, '--tag', `${name}-inserted`, '--history.created', epoch,
      '--history.created_by', 'umoci insert (irel test)', content, '/opt/irel']);
    if (!options.keepSource) {
      await run('umoci', ['rm', '--image', `${layout}:source`]);
      await run('umoci', ['gc', '--layout', layout]);
    }
    const plain = join(tmp, 'archive.tar');
    await tarDir(layout, ['oci-layout', 'index.json', 'blobs'], plain, { dotSlash: options.dotSlash });
    const files = await archiveFiles(plain);
    const images = files.json('index.json').manifests.map((d) => {
      const tag = d.annotations?.['org.opencontainers.image.ref.name'];
      return { name: tag, ...describeStored(files, d.digest), reference: `oci-archive:${out}:${tag}` };
    });
    const source = await getManifest(registryClient(reg), r.repo, r.digest ?? r.tag ?? 'latest');
    await finishArchive(plain, out, options.compress);
    return { path: out, transport: 'oci-archive', images,
      source: { ref: r.full, digest: source.digest, mediaType: source.mediaType, layers: (source.json.layers ?? []).map((l) => l.digest) },
      compress: options.compress ?? 'none' };
  } finally {
    await removeDir(tmp);
  }
}

// ---------------------------------------------------------------------------------------------
// 4-6. docker save, built by hand

// The v1 container config Docker <= 24 wrote for every layer but the top one (Go zero value of
// container.Config, field order as Docker marshals it).
const EMPTY_CONTAINER_CONFIG = { Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false,
  AttachStderr: false, Tty: false, OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null,
  WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null };

/** Docker's image.V1Image for one layer (top: the image config's own fields), keys in Go order. */
function v1Image(config, top) {
  if (!top) return { created: '1970-01-01T00:00:00Z', container_config: EMPTY_CONTAINER_CONFIG };
  const c = config.json;
  const v = {};
  if (c.comment) v.comment = c.comment;
  v.created = c.created ?? '1970-01-01T00:00:00Z';
  if (c.container) v.container = c.container;
  v.container_config = c.container_config ?? EMPTY_CONTAINER_CONFIG;
  if (c.docker_version) v.docker_version = c.docker_version;
  if (c.author) v.author = c.author;
  if (c.config) v.config = c.config;
  if (c.architecture) v.architecture = c.architecture;
  if (c.variant) v.variant = c.variant;
  return v;
}

const sortKeys = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/**
 * The legacy per-layer chain of an image (Docker's saveImage): for layer i, the chain ID, the v1
 * ID (as v1.CreateID: sha256 of the v1 JSON without id, plus layer_id and parent, keys sorted)
 * and the `json` file ({ id, parent?, ...v1 fields, os }).
 */
function legacyChain(image) {
  const diffIds = image.config.json.rootfs.diff_ids;
  const out = [];
  let chainId = null;
  let parent = null;
  diffIds.forEach((diffId, i) => {
    chainId = chainId ? digestOf(Buffer.from(`${chainId} ${diffId}`)) : diffId;
    const v1 = v1Image(image.config, i === diffIds.length - 1);
    const forId = { ...v1, os: image.config.json.os ?? 'linux', layer_id: chainId };
    if (parent) forId.parent = parent;
    const id = digestOf(Buffer.from(JSON.stringify(sortKeys(forId))));
    const json = { id: hexOf(id), ...(parent ? { parent: hexOf(parent) } : {}), ...v1, os: image.config.json.os ?? 'linux' };
    out.push({ diffId, chainId, v1Id: hexOf(id), json: Buffer.from(JSON.stringify(json)), layer: image.layers[i] });
    parent = id;
  });
  return out;
}

/** A staging directory: files written with modes, symlinks, then archived by tarDir. */
function stage(dir) {
  const names = new Set();
  return {
    names,
    async file(rel, bytes, mode = 0o644) {
      await mkdir(join(dir, rel, '..'), { recursive: true });
      await writeFile(join(dir, rel), bytes);
      await chmod(join(dir, rel), mode);
      names.add(rel.split('/')[0]);
    },
    async link(rel, target) {
      await mkdir(join(dir, rel, '..'), { recursive: true });
      await symlink(target, join(dir, rel));
      names.add(rel.split('/')[0]);
    },
  };
}

/** images [{ reg, ref, names?, platform? }] -> fetched images with their names (full, familiar, tag). */
async function loadImages(images) {
  const loaded = [];
  for (const spec of images) {
    const fetched = await fetchImage(spec.reg, spec.ref);
    const r = resolveRef(spec.reg, spec.ref);
    const names = (spec.names ?? (r.tag ? [r.full] : [])).map((n) => {
      const full = normalizeName(n);
      return { full, familiar: familiarName(full), repo: familiarName(splitName(full).name), tag: splitName(full).tag ?? 'latest' };
    });
    loaded.push({ spec, fetched, names, platform: spec.platform ?? 'linux/amd64' });
  }
  return loaded;
}

/**
 * The graphdriver store's `docker save` (Docker >= 25, image/tarexport/save.go): per image, the
 * config as pulled, every layer UNCOMPRESSED at blobs/sha256/<diffid hex>, the per-layer v1 JSON as
 * unreferenced blobs, a new OCI manifest (layers application/vnd.oci.image.layer.v1.tar, digest =
 * diff ID), index.json entries per tag (annotations io.containerd.image.name = full name,
 * org.opencontainers.image.ref.name = tag; an untagged image gets one entry without them),
 * manifest.json items pointing into blobs/ and `repositories` (tag -> last diff ID hex).
 */
async function writeGraphdriverSave(st, loaded, defect) {
  const index = [];
  const manifestJson = [];
  const repositories = {};
  const images = [];
  const written = new Set();
  const blob = async (bytes) => {
    const d = digestOf(bytes);
    if (!written.has(d)) {
      written.add(d);
      await st.file(`blobs/sha256/${hexOf(d)}`, bytes, 0o644);
    }
    return d;
  };
  for (const { fetched, names, platform } of loaded) {
    const image = pickPlatform(fetched, platform);
    const configDigest = await blob(image.config.bytes);
    const chain = legacyChain(image);
    const layerDescriptors = [];
    for (const link of chain) {
      await blob(link.json); // saveConfig: the legacy v1 JSON of each layer, as a blob nothing references
      await blob(link.layer.tar);
      layerDescriptors.push({ mediaType: OCI_LAYER_TAR, digest: link.diffId, size: link.layer.tar.length });
    }
    const configPlatform = { architecture: image.config.json.architecture, os: image.config.json.os,
      ...(image.config.json.variant ? { variant: image.config.json.variant } : {}) };
    let layers = layerDescriptors;
    if (defect === 'no-layers') layers = [];
    if (defect === 'layer-order') layers = [...layerDescriptors].reverse();
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: image.config.bytes.length,
        // Docker 25.0.0 (and its pre-releases) put the image's platform on the config descriptor.
        ...(defect === 'no-layers' || defect === 'layer-order' ? { platform: configPlatform } : {}) },
      layers };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = await blob(manifestBytes);
    const entry = { mediaType: OCI_MANIFEST, digest: manifestDigest, size: manifestBytes.length,
      ...(defect === 'no-layers' || defect === 'layer-order' ? { platform: configPlatform } : {}) };
    for (const n of names) {
      index.push({ ...entry, annotations: { 'io.containerd.image.name': n.full, 'org.opencontainers.image.ref.name': n.tag } });
      (repositories[n.repo] ??= {})[n.tag] = hexOf(chain[chain.length - 1].diffId);
    }
    if (names.length === 0 && !(defect === 'manifests-null') && !(defect === 'missing-entries' && index.length > 0)) index.push(entry);
    manifestJson.push({ Config: `blobs/sha256/${hexOf(configDigest)}`, RepoTags: names.length ? names.map((n) => n.familiar) : null,
      Layers: chain.map((l) => `blobs/sha256/${hexOf(l.diffId)}`) });
    images.push({ names: names.map((n) => n.full), repoTags: names.map((n) => n.familiar), digest: manifestDigest,
      mediaType: OCI_MANIFEST, size: manifestBytes.length, config: { digest: configDigest, size: image.config.bytes.length },
      layers: layerDescriptors, diffIds: chain.map((l) => l.diffId), extraBlobs: chain.map((l) => digestOf(l.json)),
      source: { ref: fetched.full, digest: fetched.manifest.digest, platformDigest: image.manifest.digest, configDigest: image.config.digest,
        layers: image.layers.map((l) => l.descriptor.digest) } });
  }
  const indexJson = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: defect === 'manifests-null' && index.length === 0 ? null : index };
  await st.file('index.json', JSON.stringify(indexJson));
  await st.file('manifest.json', `${JSON.stringify(manifestJson)}\n`);
  await st.file('oci-layout', '{"imageLayoutVersion": "1.0.0"}');
  if (Object.keys(repositories).length) await st.file('repositories', `${JSON.stringify(repositories)}\n`);
  return { images, indexJson, manifestJson, repositories: Object.keys(repositories).length ? repositories : null };
}

/**
 * The containerd image store's `docker save` (daemon/containerd/image_exporter.go through
 * containerd 1.7's images/archive exporter): the manifests and blobs exactly as pulled (compressed
 * layers, digests preserved); index.json lists each image's target (an image manifest or an
 * index) with the name annotations and the `containerd.io/distribution.source.<host>` annotation
 * copied from the pull's content label; manifest.json (no `repositories`) has one item per
 * distinct manifest, for an index the `platform` child; blobs and oci-layout mode 0444.
 * `presentPlatforms` limits which children of an index have their manifest and blobs in the
 * archive: Docker exports WithSkipMissing, so platforms it did not pull are left out while the
 * index still lists them.
 */
async function writeContainerdSave(st, loaded, defect, { presentPlatforms } = {}) {
  const index = [];
  const items = new Map(); // manifest digest -> manifest.json item
  const images = [];
  const written = new Set();
  const blob = async (bytes, kind) => {
    const d = digestOf(bytes);
    if (!written.has(d) && !(defect === 'missing-blob' && (kind === 'config' || kind === 'layer'))) {
      written.add(d);
      await st.file(`blobs/sha256/${hexOf(d)}`, bytes, 0o444);
    }
    return d;
  };
  const writeImage = async (img) => {
    await blob(img.manifest.bytes, 'manifest');
    await blob(img.config.bytes, 'config');
    for (const l of img.layers) await blob(l.bytes, 'layer');
  };
  for (const { fetched, names, platform } of loaded) {
    let chosen = fetched;
    let present = null;
    await blob(fetched.manifest.bytes, 'manifest');
    if (fetched.children) {
      present = fetched.children.filter((c) => !presentPlatforms || presentPlatforms.includes(c.platform));
      for (const c of present) await writeImage(c);
      chosen = present.find((c) => c.platform === platform) ?? present[0];
    } else await writeImage(fetched);
    const target = { mediaType: fetched.manifest.mediaType, digest: fetched.manifest.digest, size: fetched.manifest.size };
    // copySourceLabels: the content store's distribution-source label of the pull becomes an annotation.
    const sourceLabel = { [`containerd.io/distribution.source.${fetched.full.split('/')[0]}`]: fetched.repo };
    for (const n of names) {
      index.push({ ...target, annotations: { ...sourceLabel, 'io.containerd.image.name': n.full, 'org.opencontainers.image.ref.name': n.tag } });
    }
    if (names.length === 0) index.push({ ...target, annotations: sourceLabel });
    if (chosen) {
      const item = items.get(chosen.manifest.digest) ?? { Config: `blobs/sha256/${hexOf(chosen.config.digest)}`, RepoTags: null,
        Layers: chosen.layers.map((l) => `blobs/sha256/${hexOf(l.descriptor.digest)}`) };
      if (names.length) item.RepoTags = [...(item.RepoTags ?? []), ...names.map((n) => n.familiar)];
      items.set(chosen.manifest.digest, item);
    }
    const summary = (img) => ({ digest: img.manifest.digest, mediaType: img.manifest.mediaType, size: img.manifest.size,
      config: { digest: img.config.digest, size: img.config.bytes.length }, layers: img.layers.map((l) => ({ ...l.descriptor })),
      diffIds: img.layers.map((l) => l.diffId), platform: img.platform });
    images.push({ names: names.map((n) => n.full), repoTags: names.map((n) => n.familiar),
      ...(fetched.children ? { digest: fetched.manifest.digest, mediaType: fetched.manifest.mediaType, size: fetched.manifest.size,
        children: fetched.children.map((c) => ({ ...summary(c), present: present.includes(c) })) } : summary(fetched)),
      manifestJsonDigest: chosen?.manifest.digest, source: { ref: fetched.full, digest: fetched.manifest.digest } });
  }
  const manifestJson = [...items.values()];
  const indexJson = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: index };
  await st.file('index.json', JSON.stringify(indexJson));
  await st.file('manifest.json', JSON.stringify(manifestJson));
  await st.file('oci-layout', '{"imageLayoutVersion":"1.0.0"}', 0o444);
  return { images, indexJson, manifestJson, repositories: null };
}

/**
 * A `docker save` tarball as Docker >= 25 writes it, built from real image content: an OCI image
 * layout at the root (oci-layout, index.json, blobs/sha256/...) beside the legacy manifest.json.
 * images: [{ reg, ref, names? (default [HOST/REPO:TAG]; [] = saved by digest, untagged),
 * platform? (an index: the platform pulled; default linux/amd64) }]. options:
 *   store: 'graphdriver' (default; Docker 25-28's default store: a NEW OCI manifest over
 *     uncompressed layers, config kept, `repositories` written) | 'containerd' (the containerd
 *     image store: the registry's manifests and compressed blobs as they are, an index too)
 *   presentPlatforms: containerd + an index: the platforms whose blobs are in the archive (all)
 *   compress: 'gzip' | 'zstd'
 * Resolves { path, store, images: [{ names, repoTags, digest (what index.json names), mediaType,
 * config, layers, diffIds, children?, source }], indexJson, manifestJson, repositories }.
 */
export async function dockerSaveOci(images, out, options = {}) {
  return buildDockerSave(images, out, options, null);
}

async function buildDockerSave(images, out, options, defect) {
  const store = options.store ?? 'graphdriver';
  if (!['graphdriver', 'containerd'].includes(store)) throw new Error(`unknown store ${store}`);
  const tmp = await makeTempDir('irel-docker-save-');
  try {
    const dir = join(tmp, 'save');
    await mkdir(dir);
    const st = stage(dir);
    const loaded = await loadImages(images);
    const result = store === 'containerd' ? await writeContainerdSave(st, loaded, defect, options)
      : await writeGraphdriverSave(st, loaded, defect);
    const plain = join(tmp, 'archive.tar');
    await tarDir(dir, st.names, plain);
    await finishArchive(plain, out, options.compress);
    return { path: out, store, ...result, compress: options.compress ?? 'none' };
  } finally {
    await removeDir(tmp);
  }
}

/**
 * A legacy `docker save` (Docker <= 24, graphdriver): manifest.json [{ Config: "<hex>.json",
 * RepoTags, Layers: ["<v1 id>/layer.tar", ...] }], `<hex>.json` the config as pulled,
 * `<v1 id>/layer.tar` the UNCOMPRESSED layer (its sha256 is checked against rootfs.diff_ids),
 * `<v1 id>/VERSION` ("1.0"), `<v1 id>/json` (the v1 image JSON, parent chain), `repositories`
 * (name -> tag -> top v1 id). A diff ID already written under another v1 id is a relative symlink
 * `../<id>/layer.tar`, as Docker wrote it. images as for dockerSaveOci; options: { compress }.
 * Resolves { path, images: [{ names, repoTags, config: { digest, file }, diffIds, v1Ids,
 * layerFiles, symlinked (layer files that are symlinks), source }], manifestJson, repositories }.
 */
export async function dockerSaveLegacy(images, out, options = {}) {
  const tmp = await makeTempDir('irel-docker-legacy-');
  try {
    const dir = join(tmp, 'save');
    await mkdir(dir);
    const st = stage(dir);
    const loaded = await loadImages(images);
    const manifestJson = [];
    const repositories = {};
    const result = [];
    const layerPaths = new Map(); // diffId -> 'ID/layer.tar'
    const savedIds = new Set();
    for (const { fetched, names, platform } of loaded) {
      const image = pickPlatform(fetched, platform);
      const chain = legacyChain(image);
      const symlinked = [];
      for (const link of chain) {
        if (digestOf(link.layer.tar) !== image.config.json.rootfs.diff_ids[chain.indexOf(link)]) throw new Error('diff ID mismatch');
        if (savedIds.has(link.v1Id)) continue;
        savedIds.add(link.v1Id);
        await st.file(`${link.v1Id}/VERSION`, '1.0');
        await st.file(`${link.v1Id}/json`, link.json);
        const seen = layerPaths.get(link.diffId);
        if (seen) {
          await st.link(`${link.v1Id}/layer.tar`, `../${seen}`);
          symlinked.push(`${link.v1Id}/layer.tar`);
        } else {
          await st.file(`${link.v1Id}/layer.tar`, link.layer.tar);
          layerPaths.set(link.diffId, `${link.v1Id}/layer.tar`);
        }
      }
      const configFile = `${hexOf(image.config.digest)}.json`;
      await st.file(configFile, image.config.bytes);
      for (const n of names) (repositories[n.repo] ??= {})[n.tag] = chain[chain.length - 1].v1Id;
      const item = { Config: configFile, RepoTags: names.length ? names.map((n) => n.familiar) : null,
        Layers: chain.map((l) => `${l.v1Id}/layer.tar`) };
      manifestJson.push(item);
      result.push({ names: names.map((n) => n.full), repoTags: names.map((n) => n.familiar),
        config: { digest: image.config.digest, file: configFile }, diffIds: chain.map((l) => l.diffId),
        v1Ids: chain.map((l) => l.v1Id), layerFiles: item.Layers, symlinked,
        source: { ref: fetched.full, digest: fetched.manifest.digest, platformDigest: image.manifest.digest,
          layers: image.layers.map((l) => l.descriptor.digest) } });
    }
    await st.file('manifest.json', `${JSON.stringify(manifestJson)}\n`);
    if (Object.keys(repositories).length) await st.file('repositories', `${JSON.stringify(repositories)}\n`);
    const plain = join(tmp, 'archive.tar');
    await tarDir(dir, st.names, plain);
    await finishArchive(plain, out, options.compress);
    return { path: out, images: result, manifestJson, repositories: Object.keys(repositories).length ? repositories : null,
      compress: options.compress ?? 'none' };
  } finally {
    await removeDir(tmp);
  }
}

/**
 * A `docker save` tarball with a defect Docker 25-27 was seen to write (DEFECT_THREADS cites the
 * thread of each). kind:
 *   'manifests-null'  graphdriver, images saved by digest: index.json `"manifests": null`,
 *                     manifest.json RepoTags null, no `repositories` (images get names: [])
 *   'no-layers'       graphdriver: the OCI manifest has `"layers": []` while the config lists
 *                     diff IDs and manifest.json and the blobs still hold the layers
 *   'layer-order'     graphdriver: the OCI manifest's layers in reverse apply order (needs >= 2)
 *   'missing-blob'    containerd store: the manifests are there, no config or layer blob is
 *   'missing-entries' graphdriver, several images saved by digest: index.json lists the first only
 * images and options as for dockerSaveOci (store is set by the kind).
 * Resolves dockerSaveOci's result plus { kind, thread }.
 */
export async function dockerSaveDefect(kind, images, out, options = {}) {
  const thread = DEFECT_THREADS[kind];
  if (!thread) throw new Error(`unknown defect ${kind}; one of ${Object.keys(DEFECT_THREADS).join(', ')}`);
  const untagged = kind === 'manifests-null' || kind === 'missing-entries';
  const specs = untagged ? images.map((i) => ({ ...i, names: [] })) : images;
  const store = kind === 'missing-blob' ? 'containerd' : 'graphdriver';
  const result = await buildDockerSave(specs, out, { ...options, store }, kind);
  return { ...result, kind, thread };
}

// ---------------------------------------------------------------------------------------------
// Reading archives back with the peer

/**
 * `skopeo copy [--all] [--preserve-digests] SOURCE docker://HOST/REPO:TAG` into a startRegistry
 * handle; SOURCE is a transport reference such as 'oci-archive:/x.tar:v1' or
 * 'docker-archive:/x.tar:@1'. Resolves the digest of the manifest the registry then serves
 * under the tag (sha256 of `skopeo inspect --raw`).
 */
export async function skopeoCopyToRegistry(source, reg, repoTag, { all = false, preserveDigests = false, platform } = {}) {
  const args = ['copy', '--retry-times', '0'];
  if (all) args.push('--all');
  if (preserveDigests) args.push('--preserve-digests');
  if (platform) {
    const [os, arch, variant] = platform.split('/');
    args.push('--override-os', os, '--override-arch', arch, ...(variant ? ['--override-variant', variant] : []));
  }
  args.push(...skopeoRegistryFlags(reg, 'dest'), source, `docker://${reg.host}/${repoTag}`);
  await skopeo(args);
  const o = skopeoOptions(reg);
  const { stdout } = await skopeo(['inspect', '--raw', '--retry-times', '0', `--tls-verify=${o.tlsVerify}`,
    ...(o.caDir ? ['--cert-dir', o.caDir] : []), ...(o.creds ? ['--creds', o.creds] : ['--no-creds']), `docker://${reg.host}/${repoTag}`]);
  return { digest: digestOf(stdout), manifest: JSON.parse(stdout.toString()), bytes: stdout };
}
