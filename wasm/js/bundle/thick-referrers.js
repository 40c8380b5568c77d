// The referrers a thick bundle carries (signatures, attestations, SBOMs): `irel bundle export`
// writes each into the layout's index.json beside the images, an OCI referrer (a manifest with a
// `subject`) as an unnamed entry, a cosign tag under the name `<image's repository>:<tag>`. Here
// they are found again for each image: an unnamed entry whose subject is one of the image's
// manifests (or of a referrer found already: a signature of an SBOM), a named one whose tag is a
// cosign tag of one of them in the image's repository. Whatever else the index lists is not the
// bundle's and is left alone.

const MAX_DEPTH = 4; // as transfer/referrers.js

/**
 * images: [{ image, digests }] (digests: the manifests of the image's graph); manifestOf(d) ->
 * bytes or null (the scan's). Returns Map(image -> [{ kind: 'referrer' | 'tag', digest, subject,
 * tag?, artifactType, descriptor }]), subjects before what refers to them, and filtered (the count
 * left out by `types`).
 */
export function findBundleReferrers(ctx, indexBytes, images, manifestOf, { types = [] } = {}) {
  const { core } = ctx;
  const index = core.parseManifest(indexBytes, 'application/vnd.oci.image.index.v1+json');
  const byImage = new Map(images.map((i) => [i.image, []]));
  if (!index.ok) return { byImage, filtered: 0 };
  const roots = new Set(images.map((i) => i.digests[i.digests.length - 1])); // the walk's push order ends at the root
  // Unnamed entries by subject; named ones by "repository:tag".
  const bySubject = new Map();
  const byName = new Map();
  let filtered = 0;
  const described = new Map();
  const describe = (d) => {
    if (!described.has(d.digest)) {
      const bytes = manifestOf(d);
      described.set(d.digest, bytes ? core.describeReferrer(bytes, d.mediaType ?? '', d.digest, types) : { ok: false });
    }
    return described.get(d.digest);
  };
  for (const d of index.manifests) {
    const name = d.annotations?.['org.opencontainers.image.ref.name'] ?? '';
    if (!name) {
      if (roots.has(d.digest)) continue;
      const r = describe(d);
      if (!r.ok || !r.subject) continue;
      (bySubject.get(r.subject) ?? bySubject.set(r.subject, []).get(r.subject)).push(d);
    } else {
      const ref = core.parseReference(name);
      if (ref.ok && ref.tag) byName.set(`${ref.name}:${ref.tag}`, d);
    }
  }
  for (const { image, digests } of images) {
    const repo = core.parseReference(image);
    const out = byImage.get(image);
    const seen = new Set(digests);
    let level = [...digests];
    for (let depth = 0; level.length && depth < MAX_DEPTH; depth++) {
      const next = [];
      const take = (item) => {
        if (seen.has(item.digest)) return;
        seen.add(item.digest);
        out.push(item);
        next.push(item.digest);
      };
      for (const subject of level) {
        for (const d of bySubject.get(subject) ?? []) {
          const r = describe(d);
          if (!r.kept) { filtered++; continue; }
          take({ kind: 'referrer', digest: d.digest, subject, artifactType: r.descriptor.artifactType ?? '', descriptor: d });
        }
        const tags = repo.ok ? core.referrerTags(subject) : { ok: false };
        for (const tag of tags.ok ? tags.cosignTags : []) {
          const d = byName.get(`${repo.name}:${tag}`);
          if (!d) continue;
          const r = describe(d);
          if (!r.ok) continue; // not a manifest the walk can read: left alone, as other entries are
          if (!r.kept) { filtered++; continue; }
          take({ kind: 'tag', tag, digest: d.digest, subject, artifactType: r.descriptor.artifactType ?? '', descriptor: d });
        }
      }
      level = next;
    }
  }
  return { byImage, filtered };
}

/** The layout name a cosign tag of `image` is exported under: its repository, normalized, and the tag. */
export function cosignTagName(core, image, tag) {
  const ref = core.parseReference(image);
  return ref.ok ? `${ref.name}:${tag}` : '';
}
