// Fetching manifests from a registry as bytes, verified against the digest that names them (any
// algorithm it names: digest-check.js) and against the registry's Docker-Content-Digest.
import { IrelError } from '../errors.js';
import { checkBytes, digestOf } from './digest-check.js';
import { isRetryableError } from './retry.js';

const MANIFEST_LIMIT = 4 << 20; // the distribution registry's own limit

// The algorithm of a Docker-Content-Digest header irel can check, or null (absent, malformed, or
// one it cannot hash: such a header is not evidence either way).
function headerAlgorithm(core, header) {
  if (!header) return null;
  const r = core.digestToVerify(header);
  return r.ok ? r.algorithm : null;
}

// One request for a manifest under the retry policy; GET also reads the body (a body cut short
// is asked again). Resolves { res, bytes } (bytes null for HEAD), or null for a HEAD not answered 200.
async function requestManifest({ ctx, client, endpoint, ref, method, missingOk = false }) {
  const { core } = ctx;
  const url = core.endpointUrl(endpoint, 'manifest', ref, '');
  const what = `manifest ${endpoint.repository}${ref.includes(':') ? '@' : ':'}${ref}`;
  const retrying = client.retrying();
  for (;;) {
    let res;
    try {
      res = await client.send({ method, url, headers: { Accept: core.manifestAccept() } }, { retry: false });
    } catch (e) {
      if (isRetryableError(e) && await retrying.again({ error: e })) continue;
      throw e;
    }
    if (await retrying.again({ response: res })) continue;
    if (missingOk && res.status === 404) {
      await res.drain();
      return null;
    }
    if (res.status !== 200 && method === 'HEAD') {
      await res.drain();
      return null; // a HEAD answer has no error body: the caller's GET will say what is wrong
    }
    if (res.status !== 200) throw await client.error(res, method, what);
    if (method === 'HEAD') {
      await res.drain();
      return { res, bytes: null, what };
    }
    try {
      return { res, bytes: await res.bytes(MANIFEST_LIMIT), what };
    } catch (e) {
      if (e instanceof RangeError) {
        throw new IrelError({ code: 'MANIFEST_INVALID', message: `${client.side} ${what} is larger than 4 MiB`, side: client.side });
      }
      if (await retrying.again({ error: e })) continue;
      throw client.networkError(e, { method, url });
    }
  }
}

/**
 * What the registry's headers say of a manifest, without its bytes (HEAD: does not count against
 * pull rate limits): { digest, mediaType, size }, or null when it does not answer 200.
 */
export async function headManifest({ ctx, client, endpoint, ref }) {
  const got = await requestManifest({ ctx, client, endpoint, ref, method: 'HEAD' });
  if (!got) return null;
  const { res } = got;
  return { digest: res.header('Docker-Content-Digest'), mediaType: res.header('Content-Type'), size: Number(res.header('Content-Length')) };
}

/**
 * A manifest's bytes, verified. ctx: { core, newHash }; expected: { digest, size? } when a digest
 * names the manifest. Resolves { bytes, digest, mediaType }; with missingOk, null for a 404.
 */
export async function fetchManifest({ ctx, client, endpoint, ref, expected, missingOk = false }) {
  const { core } = ctx;
  const got = await requestManifest({ ctx, client, endpoint, ref, method: 'GET', missingOk });
  if (!got) return null; // missingOk: the registry answered 404
  const { res, bytes, what } = got;
  const headerDigest = res.header('Docker-Content-Digest');
  const mediaType = res.header('Content-Type');
  // Schema 1 digests cover a payload inside the signed bytes, so say what it is before hashing.
  const parsed = core.parseManifest(bytes, mediaType);
  if (!parsed.ok && parsed.error.code === 'MANIFEST_SCHEMA1_UNSUPPORTED') {
    throw new IrelError({ ...parsed.error, message: `${client.side} ${what}: ${parsed.error.message}`, side: client.side });
  }
  const from = `${what} from registry ${endpoint.registry}`;
  const headerAlg = headerAlgorithm(core, headerDigest);
  // Named by a digest: the bytes must hash to it. Named by a tag: the digest is the bytes' under
  // the header's algorithm (the registry's canonical one), else sha256.
  const digest = expected?.digest
    ? checkBytes(ctx, bytes, expected, client.side, from)
    : digestOf(ctx, bytes, headerAlg ?? 'sha256');
  // The header is checked under its own algorithm, which may differ from the one naming the
  // manifest (docker-registry answers sha256 whatever the reference said).
  if (headerAlg && headerDigest !== digest) {
    checkBytes(ctx, bytes, headerDigest, client.side, `${from} (by its Docker-Content-Digest header)`);
  }
  return { bytes, digest, mediaType };
}
