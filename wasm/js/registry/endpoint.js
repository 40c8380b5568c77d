// Resolving a reference to a registry endpoint (with the plain-HTTP probe for loopback and
// insecure registries) and making the client for one side of a transfer.
import { IrelError } from '../errors.js';
import { RegistryClient } from './client.js';
import { primedKey } from './primed.js';

const PROBE_TIMEOUT_MS = 10_000;

/**
 * first(baseUrl) -> { method: 'GET' | 'HEAD', url, headers }: the request this side sends first
 * (its root manifest), which stands in for the scheme probe's ping (see schemeFor).
 */
export async function resolveSide(ctx, text, side, first = null) {
  const ep = ctx.core.resolveEndpoint(String(text), ctx.insecureRegistries ?? []);
  if (!ep.ok) throw new IrelError({ ...ep.error, message: `${side} ${ep.error.message}`, side });
  if (ep.plainHttpAllowed && ctx.probeSchemes) ep.baseUrl = await schemeFor(ctx, ep, first);
  return ep;
}

// A certificate problem means the registry does speak TLS: keep https so the error surfaces.
function isCertificateError(e) {
  return /CERT|SELF_SIGNED|UNABLE_TO_/.test(String(e?.code ?? e?.cause?.code ?? ''));
}

// One request of the probe, without credentials; the timeout bounds the wait for its answer
// only (a primed GET's body is read later, by the client).
function probeSend(ctx, request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('scheme probe timed out')), PROBE_TIMEOUT_MS);
  return ctx.transport.send({ ...request, body: null, signal: controller.signal }).finally(() => clearTimeout(timer));
}

// Loopback and insecure registries: HTTPS if they speak it, else plain HTTP (as docker does).
// One probe per registry and Irel instance. The plain-HTTP request goes out beside the HTTPS one
// (no credentials in either): when HTTPS fails, the connection the copy goes on with is open.
// With `first`, the probe sends that side's first request itself rather than a ping of /v2/, and
// the answer of the scheme chosen is kept for the client (primed.js): a round trip saved per side.
function schemeFor(ctx, ep, first) {
  let probe = ctx.schemes.get(ep.registry);
  if (probe) return probe;
  const ask = (base) => (first ? first(base) : { method: 'GET', url: `${base}/v2/`, headers: {} });
  // Its challenge, if it asks for a token, is kept as a client's would be (client.js).
  const noteChallenge = (res, base) => {
    const challenge = res.status === 401 ? res.header('WWW-Authenticate') : '';
    if (/^\s*bearer\b/i.test(challenge)) ctx.challenges?.set(base, challenge);
  };
  const plainAsked = ask(ep.plainBaseUrl);
  const plain = probeSend(ctx, plainAsked).then((res) => {
    noteChallenge(res, ep.plainBaseUrl);
    return res;
  }, () => null);
  const tlsAsked = ask(ep.baseUrl);
  probe = probeSend(ctx, tlsAsked).then(async (res) => {
    noteChallenge(res, ep.baseUrl);
    plain.then((p) => p && discard(p));
    keep(ctx, tlsAsked, res, !!first);
    return ep.baseUrl;
  }, async (e) => {
    if (isCertificateError(e)) {
      plain.then((p) => p && discard(p));
      return ep.baseUrl;
    }
    const res = await plain;
    if (res) keep(ctx, plainAsked, res, !!first);
    return ep.plainBaseUrl;
  });
  ctx.schemes.set(ep.registry, probe);
  return probe;
}

// An answer not wanted: read to its end (a manifest at most), so that its connection is reused.
function discard(res) {
  return Promise.resolve().then(() => res.drain()).catch(() => {});
}

// The probe's answer to a side's first request, for its client; a ping's is only drained.
function keep(ctx, asked, res, primed) {
  if (!primed || !ctx.primed || res.status === 401) discard(res); // a 401's challenge is noted already
  else ctx.primed.put(primedKey(asked), res, discard);
}

export function makeClient(ctx, endpoint, side, scopes, signal) {
  const forSide = ctx.sideCredentials?.[side];
  return new RegistryClient({
    core: ctx.core,
    transport: ctx.transport,
    credentials: forSide ? async (registry) => (await forSide(registry)) ?? ctx.credentials(registry) : ctx.credentials,
    side,
    registry: endpoint.registry,
    origin: endpoint.baseUrl,
    plainHttpAllowed: endpoint.plainHttpAllowed,
    scopes,
    tokens: ctx.tokens,
    challenges: ctx.challenges,
    primed: ctx.primed,
    retry: ctx.retry,
    rateLimited: ctx.rateLimited,
    onWait: ctx.onWait,
    signal,
  });
}
