// An OCI layout directory packed into a tar (writer: tar-writer.js) under a path prefix:
// oci-layout and index.json first, then the manifests and configs from index.json down, then
// the rest sorted, so that a reader streaming the archive knows each layer's size (and whether
// it is wanted) before it reaches it.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The layout's blob paths (blobs/ALG/HEX) in that order. */
export async function blobOrder(core, layout) {
  const all = [];
  for (const alg of await readdir(join(layout, 'blobs')).catch(() => [])) {
    for (const hex of (await readdir(join(layout, 'blobs', alg))).sort()) all.push(`blobs/${alg}/${hex}`);
  }
  const present = new Set(all);
  const first = [];
  const placed = new Set();
  const place = (digest) => {
    const path = `blobs/${digest.replace(':', '/')}`;
    if (placed.has(path) || !present.has(path)) return false;
    placed.add(path);
    first.push(path);
    return true;
  };
  let pending = core.parseManifest(await readFile(join(layout, 'index.json')), 'application/vnd.oci.image.index.v1+json').manifests ?? [];
  while (pending.length) {
    const next = [];
    for (const d of pending) {
      if (!place(d.digest)) continue;
      const m = core.parseManifest(await readFile(join(layout, `blobs/${d.digest.replace(':', '/')}`)), d.mediaType ?? '');
      if (!m.ok) continue;
      if (m.config) place(m.config.digest);
      next.push(...m.manifests);
    }
    pending = next;
  }
  return [...first, ...all.filter((p) => !placed.has(p))];
}

/** Adds the layout at `layout` to the tar writer `out`, each entry under `prefix`. */
export async function packLayout(core, out, layout, prefix = '') {
  for (const name of ['oci-layout', 'index.json']) {
    await out.addFile(`${prefix}${name}`, join(layout, name), (await stat(join(layout, name))).size);
  }
  for (const path of await blobOrder(core, layout)) {
    const file = join(layout, path);
    await out.addFile(`${prefix}${path}`, file, (await stat(file)).size);
  }
}
