// Fetching manifests from a registry as bytes, verified against the digest that names them.
import { IrelError } from '../errors.js';

const MANIFEST_LIMIT = 4 << 20; // the distribution registry's own limit

export async function fetchManifest({ core, client, endpoint, ref, expected, hashBytes, method = 'GET' }) {
  const url = core.endpointUrl(endpoint, 'manifest', ref, '');
  const res = await client.send({ method, url, headers: { Accept: core.manifestAccept() } });
  const what = `manifest ${endpoint.repository}${ref.includes(':') ? '@' : ':'}${ref}`;
  if (res.status !== 200 && method === 'HEAD') {
    await res.drain();
    return null; // a HEAD answer has no error body: the caller's GET will say what is wrong
  }
  if (res.status !== 200) throw await client.error(res, method, what);
  const headerDigest = res.header('Docker-Content-Digest');
  const mediaType = res.header('Content-Type');
  if (method === 'HEAD') {
    await res.drain();
    return { digest: headerDigest, mediaType, size: Number(res.header('Content-Length')) };
  }
  let bytes;
  try {
    bytes = await res.bytes(MANIFEST_LIMIT);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new IrelError({ code: 'MANIFEST_INVALID', message: `${client.side} ${what} is larger than 4 MiB`, side: client.side });
    }
    throw client.networkError(e, { method, url });
  }
  // Schema 1 digests cover a payload inside the signed bytes, so say what it is before hashing.
  const parsed = core.parseManifest(bytes, mediaType);
  if (!parsed.ok && parsed.error.code === 'MANIFEST_SCHEMA1_UNSUPPORTED') {
    throw new IrelError({ ...parsed.error, message: `${client.side} ${what}: ${parsed.error.message}`, side: client.side });
  }
  const digest = hashBytes(bytes);
  const mismatch = (want, from) => new IrelError({
    code: 'DIGEST_MISMATCH',
    message: `${client.side} registry ${endpoint.registry} served ${what} whose bytes hash to ${digest}, not ${want} (${from})`,
    side: client.side,
  });
  if (expected?.digest && expected.digest !== digest) throw mismatch(expected.digest, 'the digest that names it');
  if (headerDigest && headerDigest.startsWith('sha256:') && headerDigest !== digest) {
    throw mismatch(headerDigest, 'its Docker-Content-Digest header');
  }
  if (expected?.size !== undefined && expected.size !== bytes.length) {
    throw new IrelError({
      code: 'MANIFEST_INVALID',
      message: `${client.side} ${what} is ${bytes.length} bytes; its descriptor says ${expected.size}`,
      side: client.side,
    });
  }
  return { bytes, digest, mediaType };
}
