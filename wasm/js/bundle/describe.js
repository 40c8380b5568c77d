// What an image is, for a preview: its digest, total size (manifests and blobs) and platforms,
// from its manifests (an index lists platforms; a single image's config names its own).
const decoder = new TextDecoder();

function platformOf(config) {
  try {
    const c = JSON.parse(decoder.decode(config));
    if (!c.os || !c.architecture) return [];
    return [`${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''}`];
  } catch {
    return []; // not an image config (an artifact): no platform to show
  }
}

/**
 * manifests: the walk's push order ({ digest, mediaType, bytes }, root last); blobs: its blobs;
 * readConfig(descriptor) -> Promise<Uint8Array|null> for a single image's config.
 */
export async function describeGraph(core, image, manifests, blobs, readConfig) {
  const root = manifests[manifests.length - 1];
  const parsed = core.parseManifest(root.bytes, root.mediaType);
  let platforms = [];
  if (parsed.ok && parsed.kind === 'index') {
    platforms = parsed.manifests.filter((d) => d.platform && d.platform.os !== 'unknown')
      .map((d) => `${d.platform.os}/${d.platform.architecture}${d.platform.variant ? `/${d.platform.variant}` : ''}`);
  } else if (parsed.ok && parsed.config) {
    const bytes = await readConfig(parsed.config);
    if (bytes) platforms = platformOf(bytes);
  }
  const size = manifests.reduce((n, m) => n + m.bytes.length, 0) + blobs.reduce((n, b) => n + b.size, 0);
  return { image, digest: root.digest, mediaType: root.mediaType, size, platforms, blobs: blobs.length };
}
