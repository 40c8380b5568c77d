// The digest of an image or index as its registry serves it (the seed's Digest).
import { makeClient, resolveSide } from './endpoint.js';
import { fetchManifest, headManifest } from './image-source.js';

export async function imageDigest(ctx, text, options = {}) {
  const src = await resolveSide(ctx, text, 'source');
  const client = makeClient(ctx, src, 'source', [`repository:${src.repository}:pull`], options.signal);
  const ref = src.digest || src.tag || 'latest';
  const head = await headManifest({ ctx, client, endpoint: src, ref });
  // The registry's header, when it is a digest irel could check (any supported algorithm) and
  // agrees with the digest the reference names, if it names one.
  const usable = head?.digest && ctx.core.digestToVerify(head.digest).ok;
  if (usable && (!src.digest || head.digest === src.digest)) return head.digest;
  // No usable header: hash the bytes ourselves (also verifies a digest the reference names).
  const got = await fetchManifest({ ctx, client, endpoint: src, ref,
    expected: src.digest ? { digest: src.digest } : undefined });
  return got.digest;
}
