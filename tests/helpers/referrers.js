// Referrers made by hand as cosign, oras and notation make them (real media types), pushed with
// plain API calls: artifacts with a subject, the fallback tag index "<alg>-<hex>" that clients keep
// on registries without the referrers API, cosign's ".sig"/".att"/".sbom" tags. And a small shim
// in front of a docker-registry that implements the OCI 1.1 referrers API from the manifests with
// a subject pushed through it (docker-registry 2.8 has no such API).
import http from 'node:http';

import { registryClient } from './registry-client.js';
import { sha256 } from './inspect.js';
import { MEDIA_TYPES, pushImage, putManifest, uploadBlob } from './seed.js';

export const TYPES = {
  cosignSig: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  inToto: 'application/vnd.in-toto+json',
  dsse: 'application/vnd.dsse.envelope.v1+json',
  spdx: 'application/spdx+json',
  notation: 'application/vnd.cncf.notary.signature',
  empty: 'application/vnd.oci.empty.v1+json',
};

const memoryBlob = (bytes) => ({ digest: sha256(bytes), size: bytes.length, open: () => [bytes] });
const json = (v) => Buffer.from(JSON.stringify(v));
export const fallbackTag = (digest) => digest.replace(':', '-');

/**
 * Pushes an artifact manifest (by digest) into reg/repo. options: { subject: { digest, size,
 * mediaType } | null, artifactType (omit for a cosign-style image), layerType, payload (text),
 * configType }. Resolves { digest, size, mediaType, bytes, artifactType }.
 */
export async function pushReferrer(reg, repo, { subject = null, artifactType, layerType, payload = 'x', configType } = {}) {
  const client = registryClient(reg);
  const config = memoryBlob(artifactType && !configType ? Buffer.from('{}') : json({ architecture: '', os: '', payload }));
  const layer = memoryBlob(Buffer.from(payload));
  await uploadBlob(client, repo, config);
  await uploadBlob(client, repo, layer);
  const m = { schemaVersion: 2, mediaType: MEDIA_TYPES.oci.manifest };
  if (artifactType) m.artifactType = artifactType;
  m.config = { mediaType: configType ?? (artifactType ? TYPES.empty : 'application/vnd.oci.image.config.v1+json'),
    digest: config.digest, size: config.size };
  m.layers = [{ mediaType: layerType, digest: layer.digest, size: layer.size }];
  if (subject) m.subject = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
  m.annotations = { 'org.opencontainers.image.created': '2026-12-01T00:00:00Z' };
  const bytes = json(m);
  const digest = sha256(bytes);
  await putManifest(client, repo, digest, bytes, MEDIA_TYPES.oci.manifest);
  return { digest, size: bytes.length, mediaType: MEDIA_TYPES.oci.manifest, bytes, artifactType: artifactType ?? m.config.mediaType };
}

/** Writes the fallback tag index of `subject` listing `referrers` (what oras does without the API). */
export async function putFallbackIndex(reg, repo, subject, referrers) {
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index,
    manifests: referrers.map((r) => ({ mediaType: r.mediaType, digest: r.digest, size: r.size, artifactType: r.artifactType })) };
  await putManifest(registryClient(reg), repo, fallbackTag(subject.digest), json(index), MEDIA_TYPES.oci.index);
}

/** A cosign-style tag "<alg>-<hex><suffix>" naming a manifest without a subject. */
export async function pushCosignTag(reg, repo, subject, suffix, layerType) {
  const r = await pushReferrer(reg, repo, { layerType, payload: `${suffix} of ${subject.digest}` });
  await putManifest(registryClient(reg), repo, `${fallbackTag(subject.digest)}${suffix}`, r.bytes, r.mediaType);
  return r;
}

/** An image with a signature, an attestation signed in turn, an SBOM and cosign's .sig tag. */
export async function seedSigned(reg, repo, { fallback = true } = {}) {
  const image = await pushImage(reg, `${repo}:v1`, { layers: [600, 700] });
  const subject = { digest: image.digest, size: image.size, mediaType: image.mediaType };
  const sig = await pushReferrer(reg, repo, { subject, artifactType: TYPES.notation, layerType: 'application/jose+json', payload: 'sig' });
  const att = await pushReferrer(reg, repo, { subject, artifactType: TYPES.inToto, layerType: TYPES.dsse, payload: 'provenance' });
  const attSig = await pushReferrer(reg, repo, { subject: att, artifactType: TYPES.notation, layerType: 'application/jose+json', payload: 'att sig' });
  const sbom = await pushReferrer(reg, repo, { subject, artifactType: TYPES.spdx, layerType: TYPES.spdx, payload: '{"spdxVersion":"SPDX-2.3"}' });
  const cosign = await pushCosignTag(reg, repo, image, '.sig', TYPES.simpleSigning);
  if (fallback) {
    await putFallbackIndex(reg, repo, image, [sig, att, sbom]);
    await putFallbackIndex(reg, repo, att, [attSig]);
  }
  return { image, sig, att, attSig, sbom, cosign };
}

/**
 * A reverse proxy in front of a plain-HTTP registry that adds the referrers API: every manifest
 * pushed through it with a `subject` is remembered and listed at GET /v2/<name>/referrers/<digest>
 * (with ?artifactType= filtering, as the spec allows). Resolves { host, url, referrersOf(repo,
 * digest), stop() }.
 */
export async function startReferrersShim({ target }) {
  const listed = new Map(); // "repo@subject" -> Map(digest -> descriptor)
  const up = new URL(target);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const ref = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
    if (ref && req.method === 'GET') {
      const want = url.searchParams.get('artifactType');
      const all = [...(listed.get(`${ref[1]}@${decodeURIComponent(ref[2])}`)?.values() ?? [])];
      const body = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index,
        manifests: want ? all.filter((d) => d.artifactType === want) : all });
      res.writeHead(200, { 'content-type': MEDIA_TYPES.oci.index, 'content-length': body.length,
        ...(want ? { 'oci-filters-applied': 'artifactType' } : {}) });
      res.end(body);
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const put = req.method === 'PUT' && /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname);
      const headers = { ...req.headers, host: up.host };
      const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (r) => {
        if (put && r.statusCode === 201) {
          try {
            const m = JSON.parse(body.toString());
            if (m.subject?.digest) {
              const key = `${put[1]}@${m.subject.digest}`;
              if (!listed.has(key)) listed.set(key, new Map());
              const digest = sha256(body);
              listed.get(key).set(digest, { mediaType: m.mediaType, digest, size: body.length,
                artifactType: m.artifactType ?? m.config?.mediaType, ...(m.annotations ? { annotations: m.annotations } : {}) });
              r.headers['oci-subject'] = m.subject.digest;
            }
          } catch { /* not JSON: nothing to list */ }
        }
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    referrersOf: (repo, digest) => [...(listed.get(`${repo}@${digest}`)?.values() ?? [])],
    stop: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
