// A registry's side of referrers (core: referrers.hpp): the OCI 1.1 referrers API, paged by
// Link headers, else the fallback tag "<alg>-<hex>"; cosign's ".sig", ".att" and ".sbom" tags.
// A registry that answers the API with anything but 200 and an index has no API (the spec's
// rule); its fallback tag is then the list.
import { IrelError } from '../errors.js';
import { fetchManifest } from './image-source.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const LIST_LIMIT = 4 << 20; // a referrers page is a manifest: the same limit
const MAX_PAGES = 32;

// The next page of a referrers list: RFC 8288 `<url>; rel="next"`, on the registry's own origin only.
function nextPage(res, url) {
  const link = res.header('Link');
  const m = link && /<([^>]*)>\s*;\s*rel="?next"?/i.exec(link);
  if (!m) return null;
  let next;
  try {
    next = new URL(m[1], url);
  } catch {
    return null; // not a URL: no next page
  }
  // Another origin would get this registry's credentials: never followed.
  return next.origin === new URL(url).origin ? next.toString() : null;
}

/**
 * The referrers API's answer for `subject`: { api: true, referrers } when the registry has the
 * API, else { api: false }. Pages are followed (at most 32).
 */
export async function askReferrersApi({ ctx, client, endpoint, subject }) {
  const { core } = ctx;
  let url = core.endpointUrl(endpoint, 'referrers', subject, '');
  const referrers = [];
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await client.send({ method: 'GET', url, headers: { Accept: OCI_INDEX } });
    if (res.status !== 200) {
      await res.drain();
      if (page === 0) return { api: false };
      throw await client.error(res, 'GET', `referrers of ${subject} (page ${page + 1})`);
    }
    let bytes;
    try {
      bytes = await res.bytes(LIST_LIMIT);
    } catch {
      if (page === 0) return { api: false };
      throw new IrelError({ code: 'MANIFEST_INVALID', side: client.side,
        message: `${client.side} registry ${endpoint.registry}: the referrers of ${subject} could not be read` });
    }
    const parsed = core.parseReferrers(bytes, '', subject);
    // 200 with something that is not an index: no API either (a catch-all page, a proxy's answer).
    if (!parsed.ok) {
      if (page === 0) return { api: false };
      throw new IrelError({ ...parsed.error, side: client.side,
        message: `${client.side} registry ${endpoint.registry}: referrers of ${subject}: ${parsed.error.message}` });
    }
    referrers.push(...parsed.referrers);
    url = nextPage(res, url);
  }
  return { api: true, referrers };
}

/**
 * The referrers of `subject`: { via: 'api' | 'tag' | 'none', referrers: [descriptor] }, from the
 * API where the registry has one, else from the fallback tag (a registry answering that tag with
 * the image itself lists none). tagged(tag): how the tag is read (the place's own way).
 */
export async function listReferrers({ ctx, client, endpoint, subject, tagged: byTag = null }) {
  // Both asked at once: a round trip saved on the many registries without the API.
  const { fallbackTag } = referrerTags(ctx, subject, client.side);
  const tagged = byTag ? byTag(fallbackTag) : fetchManifest({ ctx, client, endpoint, ref: fallbackTag, missingOk: true });
  tagged.catch(() => {}); // not wanted when the API answers
  const asked = await askReferrersApi({ ctx, client, endpoint, subject });
  if (asked.api) return { via: 'api', referrers: asked.referrers };
  const m = await tagged;
  if (!m) return { via: 'none', referrers: [] };
  const parsed = ctx.core.parseReferrers(m.bytes, m.digest, subject);
  if (!parsed.ok) {
    throw new IrelError({ ...parsed.error, side: client.side,
      message: `${client.side} ${endpoint.repository}:${fallbackTag}: ${parsed.error.message}` });
  }
  return { via: 'tag', referrers: parsed.referrers };
}

/** { fallbackTag, cosignTags } of a subject digest. */
export function referrerTags(ctx, subject, side) {
  const r = ctx.core.referrerTags(subject);
  if (!r.ok) throw new IrelError({ ...r.error, side });
  return r;
}
