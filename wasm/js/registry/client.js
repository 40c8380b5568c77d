// One side of a transfer talking to one registry: adds credentials (Basic, or the Bearer token
// flow with tokens cached per registry, credential and scope set, refreshed on 401), retries
// repeatable requests with backoff, and turns failures into IrelError data naming the side.
// Credentials go only to the registry's own origin and its token realm, and never appear in
// errors, logs or progress events.
import { IrelError } from '../errors.js';
import { mayCarryCredentials, realmAllowed } from './credential-scope.js';
import { attemptsUsedUp, DEFAULT_RETRY, Retry } from './retry.js';

const textEncoder = new TextEncoder();

function base64(text) {
  const bytes = textEncoder.encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export class RegistryClient {
  #core;
  #transport;
  #credentials;
  #scopes;
  #tokens;
  #retry;
  #signal;
  #origin;
  #plainHttpAllowed;
  #rateLimited; // Set of registry origins that sent RateLimit-* headers (shared per Irel)
  #onWait;
  #auth = null; // the Authorization header value in use
  #authInFlight = null;
  #challenges; // Map shared between clients: registry origin -> its last Bearer challenge
  #primed; // PrimedAnswers shared per Irel: answers the scheme probe got for first requests

  /**
   * side: 'source' | 'target'; registry: host as named ('docker.io'); origin: the registry's API
   * origin ('https://registry-1.docker.io'), the only one its credentials go to; plainHttpAllowed:
   * whether the registry may be spoken to over plain HTTP (then so may its token realm);
   * scopes: token scopes; credentials: async (registry) => {username, password} |
   * {identityToken} | null; tokens: a Map shared between clients, keyed by registry origin,
   * credential, realm, service and scopes; challenges: a Map shared between clients, keyed by
   * registry origin, of the last Bearer challenge each registry sent, so that a later client of
   * the same registry gets its token before its first request instead of after a 401 (a round
   * trip saved per client: per image of a relocation, per side).
   */
  constructor({ core, transport, credentials, side, registry, origin, plainHttpAllowed = false, scopes,
    tokens = new Map(), challenges = new Map(), primed = null, retry = DEFAULT_RETRY, signal, rateLimited, onWait }) {
    this.#challenges = challenges;
    this.#primed = primed;
    this.#rateLimited = rateLimited;
    this.#onWait = onWait;
    if (!origin) throw new TypeError('RegistryClient: origin is required');
    this.#origin = origin;
    this.#plainHttpAllowed = plainHttpAllowed;
    this.#core = core;
    this.#transport = transport;
    this.#credentials = credentials ?? (async () => null);
    this.side = side;
    this.registry = registry;
    this.#scopes = scopes;
    this.#tokens = tokens;
    this.#retry = retry;
    this.#signal = signal;
  }

  /**
   * Performs a request. With retry (the default) network errors and retryable statuses are
   * retried; without, they are returned or thrown so the caller's state machine decides.
   * A 401 is answered with credentials once in either case.
   */
  async send(request, { body = null, retry = true } = {}) {
    let refreshed = false;
    const known = !this.#auth && this.#challenges.get(this.#origin);
    if (known && mayCarryCredentials(this.#origin, request.url, this.#transport.upstreamOf)) await this.#authenticate(known, null);
    // The scheme probe may have sent this very request already (endpoint.js), without
    // credentials: its answer stands when none were needed (a 401 was not kept).
    let primed = body === null && (request.method === 'GET' || request.method === 'HEAD') ? this.#primed?.take(request) : null;
    if (primed && this.#auth) {
      primed.drain().catch(() => {}); // a token was needed after all: ask again with it
      primed = null;
    }
    const retrying = this.retrying();
    for (;;) {
      const headers = { ...request.headers };
      // An upload Location or other URL on another origin gets no credentials of this registry.
      const own = mayCarryCredentials(this.#origin, request.url, this.#transport.upstreamOf);
      if (this.#auth && own) headers.Authorization = this.#auth;
      let res;
      try {
        res = primed ?? await this.#transport.send({ method: request.method, url: request.url, headers, body, signal: this.#signal });
        primed = null;
      } catch (e) {
        if (this.#signal?.aborted) throw this.#signal.reason;
        if (e instanceof IrelError) throw e; // from a streamed body: the source side failed
        if (!retry) throw this.networkError(e, request); // the caller's loop decides
        if (await retrying.again({ error: e })) continue;
        throw attemptsUsedUp(this.networkError(e, request));
      }
      if (res.status === 401 && !refreshed && own) {
        const challenge = res.header('WWW-Authenticate');
        await res.drain();
        refreshed = true;
        if (await this.#authenticate(challenge, headers.Authorization)) continue; // answering a challenge is not a retry
        return res; // no credentials that could help: the caller reports UNAUTHORIZED
      }
      if (res.header('RateLimit-Limit')) this.#rateLimited?.add(this.#origin);
      if (retry && await retrying.again({ response: res })) continue;
      return res;
    }
  }

  /** The retries of one operation against this registry, under the `retry` option (retry.js). */
  retrying(signal = this.#signal) {
    const onWait = this.#onWait && (({ ms, status }) => this.#onWait({ side: this.side, registry: this.registry, ms, status }));
    return new Retry(this.#retry, { core: this.#core, signal, onWait });
  }

  /** An IrelError for a failed response, with the registry's own error code. */
  async error(res, method, what) {
    const body = method === 'HEAD' ? '' : await res.text().catch(() => '');
    const r = this.#core.registryError(res.status, body, this.side, method, this.registry, what);
    return new IrelError(r.error);
  }

  networkError(e, request) {
    const cause = e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e);
    return new IrelError({
      code: 'NETWORK_ERROR',
      message: `${this.side} registry ${this.registry}: ${request.method} ${new URL(request.url).pathname} failed: ${cause}`,
      side: this.side,
    });
  }

  // Concurrent 401s share one token request.
  async #authenticate(challengeHeader, usedAuth) {
    if (this.#authInFlight) return this.#authInFlight;
    if (this.#auth && this.#auth !== usedAuth) return true; // another request already refreshed it
    this.#authInFlight = this.#doAuthenticate(challengeHeader).finally(() => {
      this.#authInFlight = null;
    });
    return this.#authInFlight;
  }

  async #doAuthenticate(challengeHeader) {
    if (!challengeHeader) return false;
    const parsed = this.#core.parseAuthChallenges(challengeHeader);
    if (!parsed.ok) throw new IrelError({ ...parsed.error, side: this.side });
    const creds = await this.#credentials(this.registry);
    const bearer = parsed.challenges.find((c) => c.scheme === 'bearer');
    if (bearer) this.#challenges.set(this.#origin, challengeHeader);
    if (bearer) {
      // A registry may name any realm and service, another registry's among them: a token is
      // reused only for the registry and the credential it was minted for.
      const key = JSON.stringify([this.#origin, this.#identity(creds), bearer.params.realm, bearer.params.service ?? '',
        this.#scopes.join(' ')]);
      const cached = this.#tokens.get(key);
      if (cached && cached.expires > Date.now() && `Bearer ${cached.token}` !== this.#auth) {
        this.#auth = `Bearer ${cached.token}`;
        return true;
      }
      const token = await this.#fetchToken(bearer, creds);
      this.#tokens.set(key, { token: token.token, expires: Date.now() + (token.expiresIn - 10) * 1000 });
      this.#auth = `Bearer ${token.token}`;
      return true;
    }
    const basic = parsed.challenges.find((c) => c.scheme === 'basic');
    if (basic && creds?.username !== undefined) {
      const next = `Basic ${base64(`${creds.username}:${creds.password}`)}`;
      if (next === this.#auth) return false; // these credentials were already refused
      this.#auth = next;
      return true;
    }
    return false;
  }

  // Which credential a token was minted with, without keeping the secret itself in the key.
  #identity(creds) {
    if (!creds) return 'anonymous';
    const secret = creds.identityToken !== undefined ? `token:${creds.identityToken}` : `basic:${creds.username}:${creds.password}`;
    return this.#core.sha256Digest(secret);
  }

  async #fetchToken(challenge, creds) {
    const built = this.#core.tokenUrl(challenge, this.#scopes);
    if (!built.ok) throw new IrelError({ ...built.error, side: this.side });
    if (!realmAllowed(built.url, this.#plainHttpAllowed)) {
      throw new IrelError({
        code: 'AUTH_REALM_INSECURE',
        message: `${this.side} registry ${this.registry}: refusing to send credentials to the token realm ` +
          `${new URL(built.url).origin} over plain HTTP (only registries allowed plain HTTP may use one: --insecure-registry)`,
        side: this.side,
      });
    }
    let request;
    if (creds?.identityToken) {
      // An identity token is an OAuth2 refresh token (docker login with a credential helper).
      const url = new URL(built.url);
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        service: url.searchParams.get('service') ?? '',
        client_id: 'irel',
        scope: url.searchParams.getAll('scope').join(' '),
      });
      request = {
        method: 'POST',
        url: `${url.origin}${url.pathname}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: textEncoder.encode(form.toString()),
      };
    } else {
      const headers = {};
      if (creds?.username !== undefined) headers.Authorization = `Basic ${base64(`${creds.username}:${creds.password}`)}`;
      request = { method: 'GET', url: built.url, headers, body: null };
    }
    const retrying = this.retrying();
    for (;;) {
      let res;
      try {
        res = await this.#transport.send({ ...request, signal: this.#signal });
      } catch (e) {
        if (this.#signal?.aborted) throw this.#signal.reason;
        if (await retrying.again({ error: e })) continue;
        throw attemptsUsedUp(this.networkError(e, request));
      }
      if (await retrying.again({ response: res })) continue;
      if (res.status === 400 && this.#scopes.length > 1) {
        // Docker Hub's token endpoint answers 400 when an extra pull scope (a mount's from=)
        // names a three-part repository: ask for the repository's own scope only; the mount
        // then falls back to an upload.
        await res.drain();
        this.#scopes = this.#scopes.slice(0, 1);
        return this.#fetchToken(challenge, creds);
      }
      if (res.status !== 200) {
        await res.drain();
        const code = res.status === 401 || res.status === 403 ? 'UNAUTHORIZED' : 'AUTH_TOKEN_FAILED';
        const hint = creds ? 'check the credentials' : `no credentials found for ${this.registry}: docker login ${this.registry}`;
        throw new IrelError({
          code,
          message: `${this.side} registry ${this.registry}: the token server ${new URL(request.url).host} answered ${res.status} (${hint})`,
          side: this.side,
        });
      }
      let text;
      try {
        text = await res.text(1 << 20);
      } catch (e) {
        if (this.#signal?.aborted) throw this.#signal.reason;
        if (await retrying.again({ error: e })) continue; // cut mid-body: ask again
        throw attemptsUsedUp(this.networkError(e, request));
      }
      const token = this.#core.parseTokenResponse(text);
      if (!token.ok) throw new IrelError({ ...token.error, side: this.side });
      return token;
    }
  }
}
