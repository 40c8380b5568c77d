// The digest of an image or index as its registry serves it (the seed's Digest).
import { makeClient, resolveSide } from './endpoint.js';
import { fetchManifest } from './image-source.js';

export async function imageDigest(ctx, text, options = {}) {
  const { core } = ctx;
  const src = await resolveSide(ctx, text, 'source');
  const client = makeClient(ctx, src, 'source', [`repository:${src.repository}:pull`], options.signal);
  const ref = src.digest || src.tag || 'latest';
  const head = await fetchManifest({ core, client, endpoint: src, ref, hashBytes: ctx.hashBytes, method: 'HEAD' });
  if (head?.digest?.startsWith('sha256:') && (!src.digest || head?.digest === src.digest)) return head.digest;
  // No usable header: hash the bytes ourselves (also verifies a digest the reference names).
  const got = await fetchManifest({ core, client, endpoint: src, ref, hashBytes: ctx.hashBytes,
    expected: src.digest ? { digest: src.digest } : undefined });
  return got.digest;
}
