// A bundle, thin (bundle.json) or thick (an archive), behind one interface: its bundle.json,
// its images, its relocation mapping, relocation and mapping checks.
import { openArchive } from '../archive/archive-file.js';
import { IrelError } from '../errors.js';
import { checkBundleMapping, describeThinBundle, mapBundle, readBundle, relocateThinBundle } from './thin.js';
// thick.js is loaded when a thick bundle is relocated or described (see irel.js: start-up).
const thickModule = () => import('./thick.js');

const HEADER_FILES = { 'bundle.json': 16 << 20, 'artifacts/layout/index.json': 4 << 20 };

/**
 * bundle.json and the layout's index.json (each null if absent) in one pass that stops once both
 * are read: at the front of the archive, as `irel bundle export` writes them, no blob is read.
 */
function headerFiles(core, source, limits) {
  const found = {};
  const ar = openArchive(core, source(), limits);
  try {
    for (let e = ar.next(); e; e = ar.next()) {
      if (e.type !== 'file') continue;
      if (Object.hasOwn(HEADER_FILES, e.path)) found[e.path] = ar.readAll(HEADER_FILES[e.path]);
      else ar.skip();
      if (Object.keys(found).length === 2) break;
    }
  } finally {
    ar.close();
  }
  return { bundleJson: found['bundle.json'] ?? null, index: found['artifacts/layout/index.json'] ?? null };
}

/** The root digest of each image of a thick bundle, from its layout's index.json (no blob is read). */
function archiveDigests(core, index, info) {
  const out = new Map();
  if (!index) return out; // the offline verdicts and relocate() say what is wrong with such an archive
  for (const image of info.images) {
    const found = core.findInLayout(index, image.image);
    if (found.ok) out.set(image.image, found.descriptor.digest);
  }
  return out;
}

/**
 * input: { json: bytes } for a thin bundle, or { archive: () => source } for a thick one.
 * contextFor(options) gives the I/O context for a call, so that registry options given to
 * relocate/check/describe count as well as those given when opening; limits: the archiveLimits
 * given when opening (the head is read with them; a call may give its own).
 */
export function openBundle(contextFor, input, limits = {}) {
  const ctx = contextFor({});
  const { core } = ctx;
  const thick = typeof input.archive === 'function';
  const header = thick ? headerFiles(core, input.archive, limits) : null;
  if (thick && !header.bundleJson) {
    throw new IrelError({ code: 'BUNDLE_INVALID', message: 'the archive has no bundle.json at its top level', side: 'source' });
  }
  const json = thick ? header.bundleJson : input.json;
  const info = readBundle(core, json);
  return {
    kind: thick ? 'thick' : 'thin',
    json,
    info,
    map: (prefix) => mapBundle(core, json, prefix),
    relocate: async (prefix, options = {}) => (thick
      ? (await thickModule()).relocateThickBundle(contextFor(options), () => openArchive(core, input.archive(), options.archiveLimits ?? limits), prefix,
        { ...options, archiveLimits: options.archiveLimits ?? limits })
      : relocateThinBundle(contextFor(options), json, prefix, options)),
    // Online, a thick bundle's images must be in the registry with the digests its archive holds
    // (a thin bundle can only hold the registry to the digests it pins).
    // Online, the referrers a thick bundle carries are looked for too (their subjects are read
    // from the archive's manifests, before its layers where export put them).
    check: async (mapping, options = {}) => checkBundleMapping(contextFor(options), json, mapping,
      thick && options.online ? { ...options, expected: archiveDigests(core, header.index, info),
        ...(options.referrers === false ? {} : { referrersByImage: await (await thickModule()).thickBundleReferrers(contextFor(options),
          () => openArchive(core, input.archive(), options.archiveLimits ?? limits), { ...options, archiveLimits: options.archiveLimits ?? limits }) }) }
        : options),
    /** Digest, size and platforms of each image: from the archive (verified), or from registries. */
    describe: async (options = {}) => (thick
      ? (await thickModule()).describeThickBundle(contextFor(options), () => openArchive(core, input.archive(), options.archiveLimits ?? limits),
        { ...options, archiveLimits: options.archiveLimits ?? limits })
      : describeThinBundle(contextFor(options), json, options)),
  };
}
