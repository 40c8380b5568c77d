// The graphs of a sequential archive's images (a thick bundle's, an OCI archive's, a docker save
// tarball's), read from the manifests the scan kept (bundle/thick-scan.js), with the referrers the
// layout holds for them, each checked against what the archive holds.
import { IrelError } from '../errors.js';
import { findBundleReferrers } from '../bundle/thick-referrers.js';

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

/** Each blob of an image's walk is in the archive (sizeOf(digest) -> its size there) at its size. */
export function checkBlobs(label, blobs, sizeOf) {
  for (const d of blobs) {
    if (d.foreign) continue;
    const size = sizeOf(d.digest);
    if (size === undefined) throw bad('BLOB_UNKNOWN', `${label}: blob ${d.digest} is missing from the archive`);
    if (size !== d.size) {
      throw bad('BLOB_SIZE_MISMATCH', `${label}: blob ${d.digest} is ${size} bytes; its descriptor says ${d.size}`);
    }
  }
}

/**
 * Each image's graph, checked against what the archive holds, before anything is pushed.
 * entries: [{ image, root, label }] (root: its index.json descriptor; label: how errors name it).
 * Resolves [{ image, label, root, walk, referrer? }] with each walk still alive (the caller
 * deletes them): the images first, then (unless options.referrers === false) the referrers the
 * layout holds for them (bundle/thick-referrers.js), each a graph of its own with `referrer`
 * saying what it is, subjects before what refers to them; graphs.filtered: referrers left out by
 * options.referrersTypes.
 */
export function walkArchive(ctx, scan, entries, options = {}) {
  const { core } = ctx;
  const graphs = [];
  const walkOne = (label, root, referrer, image) => {
    const manifest = (d) => {
      const b = scan.blobs.get(d.digest);
      if (!b) throw bad('BLOB_UNKNOWN', `${label}: manifest ${d.digest} is missing from the archive`);
      if (b.size !== d.size) throw bad('BLOB_SIZE_MISMATCH', `${label}: manifest ${d.digest} is ${b.size} bytes; its descriptor says ${d.size}`);
      if (!b.bytes) throw bad('MANIFEST_INVALID', `${label}: manifest ${d.digest} is not a manifest (not JSON, or over 4 MiB)`);
      return b.bytes;
    };
    // options.platforms filter an image's index (it then gets a new digest); a referrer is copied whole.
    const walk = new core.ImageWalk(referrer ? [] : (options.platforms ?? []), !!options.includeNondistributable);
    const graph = { image: referrer ? referrer.image : image, label, root, walk, ...(referrer ? { referrer } : {}) };
    graphs.push(graph);
    let added = walk.addRoot(root.digest, root.mediaType, manifest(root));
    if (!added.ok) throw bad(added.error.code, `${label}: ${added.error.message}`);
    let pending = added.children;
    while (pending.length) {
      const next = [];
      for (const d of pending) {
        added = walk.addChild(d, manifest(d));
        if (!added.ok) throw bad(added.error.code, `${label}: ${added.error.message}`);
        next.push(...added.children);
      }
      pending = next;
    }
    // Blobs still ahead in a streamed archive are judged as it reaches them (checkBlobs).
    if (!scan.rest) checkBlobs(label, walk.blobs(), (d) => scan.blobs.get(d)?.size);
    return graph;
  };
  try {
    for (const e of entries) walkOne(e.label, e.root, null, e.image);
    graphs.filtered = 0;
    if (options.referrers === false) return graphs;
    const images = graphs.map((g) => ({ image: g.image, digests: g.walk.pushOrder().map((n) => n.digest) }));
    const { byImage, filtered } = findBundleReferrers(ctx, scan.indexBytes, images, (d) => {
      const b = scan.blobs.get(d.digest);
      return b && b.size === d.size ? b.bytes : null;
    }, { types: options.referrersTypes ?? [] });
    graphs.filtered = filtered;
    for (const [image, items] of byImage) {
      for (const item of items) walkOne(`${graphs.find((g) => g.image === image).label}: referrer ${item.digest}`, item.descriptor, { ...item, image });
    }
    return graphs;
  } catch (e) {
    for (const g of graphs) g.walk.delete();
    throw e;
  }
}

