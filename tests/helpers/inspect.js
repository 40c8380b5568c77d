// Independent checks of what a registry holds: skopeo (a real peer implementation) and direct
// distribution API calls; and tampering with what it stores, for tests of verification.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { registryClient } from './registry-client.js';
import { ALL_MANIFEST_TYPES } from './seed.js';
import { run, sha256 } from './util.js';

export { sha256 };
export { schema1Payload } from './schema1.js';

/**
 * skopeo options for a startRegistry handle: { creds: 'user:pass' | undefined, caDir | undefined,
 * tlsVerify } (plain-HTTP registries need tlsVerify false; TLS ones verify against caDir).
 */
export function skopeoOptions(reg) {
  return { creds: reg.creds ? `${reg.creds.username}:${reg.creds.password}` : undefined,
    caDir: reg.caDir, tlsVerify: Boolean(reg.tls) };
}

/**
 * `skopeo inspect --raw docker://REF`: the manifest bytes exactly as the registry serves them
 * (a Buffer). options: { creds: 'user:pass', caDir, tlsVerify } (see skopeoOptions); a registry
 * handle is accepted too.
 */
export async function skopeoInspectRaw(ref, options = {}) {
  const o = options.host ? skopeoOptions(/** @type {any} */ (options)) : options;
  const args = ['inspect', '--raw', '--retry-times', '0'];
  if (o.caDir) args.push('--cert-dir', o.caDir);
  args.push(`--tls-verify=${o.tlsVerify ?? Boolean(o.caDir)}`);
  args.push(...(o.creds ? ['--creds', o.creds] : ['--no-creds']));
  args.push(`docker://${ref}`);
  const { stdout } = await run('skopeo', args, { env: { ...process.env, REGISTRY_AUTH_FILE: '/dev/null' } });
  return stdout;
}

/** Tags of a repository ([] when the repository is unknown). */
export async function listTags(reg, repo, { creds } = {}) {
  const r = await registryClient(reg, creds !== undefined ? { creds } : {}).request('GET', `/v2/${repo}/tags/list?n=1000`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new Error(`GET tags of ${repo}: HTTP ${r.status} ${r.body}`);
  return JSON.parse(r.body.toString()).tags ?? [];
}

/**
 * Whether `repo` has `digest`, as a blob or as a manifest (HEAD on both endpoints, manifests with
 * every manifest media type accepted — distribution 404s OCI manifests otherwise).
 */
export async function registryHas(reg, repo, digest, { creds } = {}) {
  const c = registryClient(reg, creds !== undefined ? { creds } : {});
  const blob = await c.request('HEAD', `/v2/${repo}/blobs/${digest}`);
  if (blob.status === 200) return true;
  const man = await c.request('HEAD', `/v2/${repo}/manifests/${digest}`, { headers: { accept: ALL_MANIFEST_TYPES.join(', ') } });
  return man.status === 200;
}

/** The manifest bytes and content type served for repo:reference (GET with every manifest type accepted). */
export async function getManifest(reg, repo, reference, { creds } = {}) {
  const c = registryClient(reg, creds !== undefined ? { creds } : {});
  const r = await c.request('GET', `/v2/${repo}/manifests/${reference}`, { headers: { accept: ALL_MANIFEST_TYPES.join(', ') } });
  if (r.status !== 200) throw new Error(`GET manifest ${repo}:${reference}: HTTP ${r.status} ${r.body}`);
  return { bytes: r.body, mediaType: r.headers['content-type'], digest: r.headers['docker-content-digest'] };
}

/** Flips the byte at `at` of a file in place (same size): tampering that only a digest check catches. */
export function flipByte(path, at) {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] ^= 0xff;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/** Flips one byte of a sha256 blob in a docker-registry's filesystem storage: it still serves it. */
export function tamperStoredBlob(reg, digest, at) {
  const hex = digest.slice(digest.indexOf(':') + 1);
  flipByte(join(reg.dir, 'storage/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'), at);
}
