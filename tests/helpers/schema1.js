// Docker image manifest v2 schema 1 "pretty JWS" signing and parsing (libtrust's format), so tests
// can push legacy signed manifests and compute their digests (sha256 of the unsigned payload).
import { generateKeyPairSync, sign } from 'node:crypto';

const b64url = (b) => Buffer.from(b).toString('base64url');

/**
 * Sign a schema1 manifest payload (pretty-printed JSON bytes ending in "}") with a fresh ES256
 * key, the way libtrust's JSONSignature.PrettySignature("signatures") does: the signature block
 * is spliced in before the closing brace and the protected header records formatLength and
 * formatTail so the payload can be rebuilt. Returns the signed bytes.
 */
export function signSchema1(payload) {
  const p = Buffer.from(payload);
  const s = p.toString('latin1');
  const close = s.trimEnd().length - 1;
  if (s[close] !== '}') throw new Error('schema1 payload must be a JSON object');
  const formatLength = s.slice(0, close).trimEnd().length;
  const formatTail = p.subarray(formatLength);
  const protectedHeader = b64url(JSON.stringify({ formatLength, formatTail: b64url(formatTail),
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${b64url(p)}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const block = [{ header: { jwk: { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }, alg: 'ES256' },
    signature: b64url(signature), protected: protectedHeader }];
  const sigJson = JSON.stringify(block, null, 3).replace(/\n/g, '\n   ');
  return Buffer.concat([p.subarray(0, formatLength), Buffer.from(`,\n   "signatures": ${sigJson}`), formatTail]);
}

/** The unsigned payload of a signed schema1 manifest (whose sha256 is the manifest digest). */
export function schema1Payload(signed) {
  const b = Buffer.from(signed);
  const sigs = JSON.parse(b.toString()).signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) throw new Error('not a signed schema1 manifest');
  const h = JSON.parse(Buffer.from(sigs[0].protected, 'base64url').toString());
  return Buffer.concat([b.subarray(0, h.formatLength), Buffer.from(h.formatTail, 'base64url')]);
}
