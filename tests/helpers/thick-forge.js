// Thick bundles forged on disk without a registry, for scale and hostile-archive tests: a CNAB
// bundle.json and an OCI layout (artifacts/layout) whose blobs are real content-addressed files,
// archived with tar. Building 200 images this way takes milliseconds; pushing them would take
// minutes.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OCI = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

const digestOf = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Deterministic bytes of a layer (not JSON: the first byte is never `{`). */
export function layerBytes(seed, size) {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  out[0] = 0x1f;
  return out;
}

/** A layout under construction: add blobs, images and indexes, then write bundle.json and archive it. */
export function forgeLayout(dir) {
  const layout = join(dir, 'artifacts', 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const index = [];
  const blob = (bytes, mediaType) => {
    const digest = digestOf(bytes);
    writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const json = (value, mediaType) => blob(Buffer.from(JSON.stringify(value)), mediaType);
  return {
    blob,
    layer: (seed, size) => blob(layerBytes(seed, size), OCI.layer),
    /** An image manifest over `layers` (descriptors) for `platform` "os/arch". */
    image(layers, platform = 'linux/amd64') {
      const [os, architecture, variant] = platform.split('/');
      const config = json({ architecture, os, ...(variant ? { variant } : {}), rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }, OCI.config);
      const d = json({ schemaVersion: 2, mediaType: OCI.manifest, config, layers }, OCI.manifest);
      return { ...d, platform: { os, architecture, ...(variant ? { variant } : {}) } };
    },
    index: (children) => json({ schemaVersion: 2, mediaType: OCI.index, manifests: children }, OCI.index),
    /** Names a manifest in index.json by the bundle's original reference. */
    name(ref, d) {
      const { platform, ...plain } = d;
      index.push({ ...plain, annotations: { 'org.opencontainers.image.ref.name': ref } });
    },
    /** Writes bundle.json (every named image), oci-layout and index.json. */
    finish(bundleName = 'forged') {
      writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests: index }));
      const images = Object.fromEntries(index.map((d, i) => [`img${i}`, { imageType: 'oci', image: d.annotations['org.opencontainers.image.ref.name'] }]));
      writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ name: bundleName, images }));
    },
    /** tar -czf of bundle.json and artifacts/ (GNU tar: blobs/ sorts before index.json). */
    archive(file, flags = ['-czf']) {
      const r = spawnSync('tar', ['--sort=name', ...flags, file, '-C', dir, 'bundle.json', 'artifacts'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
      return file;
    },
  };
}
