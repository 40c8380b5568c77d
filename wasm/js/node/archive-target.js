// Writing an image archive (oci-archive:FILE[:NAME], docker-archive:FILE[:REF]): the image is
// copied into an OCI layout in a temporary directory (every blob verified on the way, as any
// copy), then packed into FILE by a streaming tar writer through a temporary file created
// exclusively and renamed over FILE once complete: an interrupted copy leaves FILE as it was.
// A docker-archive is a docker save tarball as Docker 25 and later write it: the OCI layout, and
// beside it manifest.json for the readers of the legacy format.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { IrelError } from '../errors.js';
import { packLayout } from './layout-tar.js';
import { compressionFor, createTar } from './tar-writer.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const json = (v) => new TextEncoder().encode(JSON.stringify(v));

// manifest.json's entry for the image at `d`: a single image as it is; an index by the image
// for linux/amd64 (the legacy format holds one platform), else its first image.
async function legacyEntry(core, layout, d, name) {
  const read = async (x) => core.parseManifest(await readFile(join(layout, 'blobs', x.digest.replace(':', '/'))), x.mediaType ?? '');
  let m = await read(d);
  if (m.ok && m.kind === 'index') {
    const child = m.manifests.find((c) => c.platform?.os === 'linux' && c.platform?.architecture === 'amd64') ?? m.manifests[0];
    if (!child) return null;
    m = await read(child);
  }
  if (!m.ok || !m.config) return null;
  const path = (x) => `blobs/${x.digest.replace(':', '/')}`;
  return { Config: path(m.config), RepoTags: name ? [name] : [], Layers: m.layers.map(path) };
}

/**
 * dst: the parsed place; name: the image's name in the archive ('' for none); fill(layoutDir)
 * copies the image into the layout and resolves its summary, which this resolves once FILE is
 * written.
 */
export async function writeImageArchive(ctx, dst, name, fill) {
  const { core } = ctx;
  // Where FILE goes must exist before anything is copied, not be found missing at the end.
  const parent = await stat(dirname(resolve(dst.path))).catch(() => null);
  if (!parent?.isDirectory()) {
    throw new IrelError({ code: 'TARGET_INVALID', side: 'target', message: `${dst.path}: ${dirname(resolve(dst.path))} is not a directory` });
  }
  if ((await stat(dst.path).catch(() => null))?.isDirectory()) {
    throw new IrelError({ code: 'TARGET_INVALID', side: 'target', message: `${dst.path} is a directory: an archive is a file (oci: writes a layout directory)` });
  }
  const dir = await mkdtemp(join(tmpdir(), 'irel-archive-'));
  try {
    const layout = join(dir, 'layout');
    const summary = await fill(layout);
    const out = await createTar(dst.path, { compress: compressionFor(dst.path) });
    try {
      await packLayout(core, out, layout);
      if (dst.transport === 'docker-archive') {
        const index = core.parseManifest(await readFile(join(layout, 'index.json')), INDEX);
        const root = index.manifests.find((d) => d.digest === summary.digest) ?? index.manifests[0];
        const entry = root && (await legacyEntry(core, layout, root, name));
        if (!entry) throw new IrelError({ code: 'UNSUPPORTED', side: 'target', message: `${dst.path}: a docker save tarball holds images; ${summary.digest} has no image config` });
        await out.addBytes('manifest.json', json([entry]));
      }
      await out.finish();
    } catch (e) {
      await out.abort();
      throw e;
    }
    return { ...summary, target: `${dst.transport}:${dst.path}${name ? `:${name}` : ''}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
