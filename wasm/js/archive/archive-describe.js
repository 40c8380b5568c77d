// What a sequential archive's images are, for a listing: each image's digest, size and platforms
// (bundle/describe.js) and the referrers the archive carries for it, from the graphs walked
// (archive-walk.js), every blob verified by the scan.
import { describeGraph } from '../bundle/describe.js';

/** The walks as data (and deleted): [{ image, root, blobs, manifests, info, referrer? }]. */
export function plansOf(graphs) {
  try {
    return graphs.map(({ image, root, walk, referrer }) => ({ image, root, blobs: walk.blobs(), manifests: walk.pushOrder(),
      info: walk.summary(), ...(referrer ? { referrer } : {}) }));
  } finally {
    for (const g of graphs) g.walk.delete();
  }
}

/**
 * [{ image, digest, mediaType, size, platforms, blobs, referrers }] of the plans' images;
 * referrers: [{ digest, mediaType, artifactType, size, subject, tag? }] (size: the referrer's
 * manifest and blobs).
 */
export async function describePlans(ctx, scan, plans) {
  const out = [];
  const byImage = new Map();
  const sizeOf = (plan) => plan.manifests.reduce((n, m) => n + m.bytes.length, 0) + plan.blobs.filter((b) => !b.foreign).reduce((n, b) => n + b.size, 0);
  for (const plan of plans) {
    if (plan.referrer) {
      const r = plan.referrer;
      byImage.get(plan.image)?.referrers.push({ digest: r.digest, mediaType: plan.root.mediaType, artifactType: r.artifactType,
        size: sizeOf(plan), subject: r.subject, ...(r.tag ? { tag: r.tag } : {}) });
      continue;
    }
    const described = await describeGraph(ctx.core, plan.image, plan.manifests, plan.blobs.filter((b) => !b.foreign),
      async (d) => scan.blobs.get(d.digest)?.bytes ?? null);
    described.referrers = [];
    byImage.set(plan.image, described);
    out.push(described);
  }
  return out;
}
