// Resolving a reference to a registry endpoint (with the plain-HTTP probe for loopback and
// insecure registries) and making the client for one side of a transfer.
import { IrelError } from '../errors.js';
import { RegistryClient } from './client.js';

export async function resolveSide(ctx, text, side) {
  const ep = ctx.core.resolveEndpoint(String(text), ctx.insecureRegistries ?? []);
  if (!ep.ok) throw new IrelError({ ...ep.error, message: `${side} ${ep.error.message}`, side });
  if (ep.plainHttpAllowed && ctx.probeSchemes) ep.baseUrl = await schemeFor(ctx, ep);
  return ep;
}

// A certificate problem means the registry does speak TLS: keep https so the error surfaces.
function isCertificateError(e) {
  return /CERT|SELF_SIGNED|UNABLE_TO_/.test(String(e?.code ?? e?.cause?.code ?? ''));
}

// Loopback and insecure registries: HTTPS if they speak it, else plain HTTP (as docker does).
// One probe per registry and Irel instance. The plain-HTTP ping goes out beside the HTTPS one
// (no credentials in either): when HTTPS fails, the connection the copy goes on with is open.
function schemeFor(ctx, ep) {
  let probe = ctx.schemes.get(ep.registry);
  if (!probe) {
    // Its challenge, if it asks for a token, is kept as a client's would be (client.js).
    const plain = ctx.transport
      .send({ method: 'GET', url: `${ep.plainBaseUrl}/v2/`, headers: {}, body: null, signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        const challenge = res.status === 401 ? res.header('WWW-Authenticate') : '';
        if (/^\s*bearer\b/i.test(challenge)) ctx.challenges?.set(ep.plainBaseUrl, challenge);
        await res.drain();
      }, () => {});
    probe = ctx.transport
      .send({ method: 'GET', url: `${ep.baseUrl}/v2/`, headers: {}, body: null, signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        await res.drain();
        return ep.baseUrl;
      }, async (e) => {
        if (isCertificateError(e)) return ep.baseUrl;
        await plain;
        return ep.plainBaseUrl;
      });
    ctx.schemes.set(ep.registry, probe);
  }
  return probe;
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
    retry: ctx.retry,
    rateLimited: ctx.rateLimited,
    onWait: ctx.onWait,
    signal,
  });
}
