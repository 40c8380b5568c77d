// A Docker registry token server (the "Bearer realm" of distribution's `auth.token`) for tests:
// Basic-auth users with per-repository grants, optional anonymous grants, ES256 JWTs carrying an
// x5c certificate chain, and a request log for tests of token caching and refresh.
import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { makeSigningCert } from './pki.js';
import { makeTempDir, removeDir } from './util.js';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
/** Seconds distribution 2.8 still accepts a token after its exp (and before its nbf). */
export const DISTRIBUTION_LEEWAY = 60;

/** Glob on repository names: `*` is any run of characters (slashes included), `?` one character. */
function globToRegExp(glob) {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}

/** Actions granted to a grant table ({ glob: actions[] }) for one resource; '*' in actions means all asked. */
function grantedActions(table, resource, asked) {
  const allowed = new Set();
  for (const [glob, actions] of Object.entries(table ?? {})) {
    if (globToRegExp(glob).test(resource)) for (const a of actions) allowed.add(a);
  }
  return asked.filter((a) => allowed.has(a) || allowed.has('*'));
}

/** Parse Docker scopes ("repository:NAME:pull,push"; several per parameter when space-separated). */
export function parseScopes(values) {
  const out = [];
  for (const v of values) {
    for (const s of v.split(' ').filter(Boolean)) {
      const last = s.lastIndexOf(':');
      const first = s.indexOf(':');
      if (first < 0 || last === first) continue;
      // The name may contain a ':' only for a "host:port/..." style name; the type never does.
      out.push({ type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter(Boolean) });
    }
  }
  return out;
}

/**
 * libtrust key id of a public key (what distribution's `kid` header lookup expects): the first 240
 * bits of SHA-256 over the DER SubjectPublicKeyInfo, base32, in 12 colon-separated groups of 4.
 */
export function libtrustKeyId(publicKey) {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const h = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; let s = '';
  for (const byte of h) {
    value = (value << 8) | byte; bits += 8;
    while (bits >= 5) { s += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  return s.match(/.{4}/g).join(':');
}

/**
 * Start a token server on 127.0.0.1 (random port).
 * options: { service, issuer, users: { NAME: { password, access: { 'repo-glob': ['pull','push','delete','*'] } } },
 *   anonymous: false | { 'repo-glob': actions } (false: requests without credentials get 401),
 *   refreshTokens: { TOKEN: NAME } identity tokens (OAuth2 refresh tokens, what `docker login`
 *     stores as identitytoken) accepted by POST grant_type=refresh_token for user NAME; such an
 *     answer carries access_token only, as OAuth2 servers do,
 *   expiresIn: seconds (default 300), keyHeader: 'x5c' (default) | 'kid' | 'both',
 *   enforceExpiry: true to set the JWT exp to expires_in − 60 s: distribution 2.8 accepts tokens
 *     up to 60 s past exp (clock-skew leeway), so only then does the registry start answering 401
 *     right after expires_in — what token refresh tests need }
 * Returns { url, realm, service, issuer, certFile, requests, stop() }. `requests` is the live log
 * [{ method, grant, user, scopes, granted, status }]; `users`/`anonymous`/`expiresIn` can be changed
 * (and enforceExpiry) through the returned `config` object while running.
 */
export async function startTokenServer(options = {}) {
  const dir = await makeTempDir('irel-token-');
  try {
    const { certFile, keyFile } = await makeSigningCert(dir);
    const key = createPrivateKey(await readFile(keyFile));
    const certPem = await readFile(certFile, 'utf8');
    const cert = new X509Certificate(certPem);
    const x5c = [cert.raw.toString('base64')];
    const kid = libtrustKeyId(cert.publicKey);
    const config = {
      service: options.service ?? 'irel-test-registry',
      issuer: options.issuer ?? 'irel-test-token-server',
      users: options.users ?? {},
      anonymous: options.anonymous ?? false,
      refreshTokens: options.refreshTokens ?? {},
      expiresIn: options.expiresIn ?? 300,
      keyHeader: options.keyHeader ?? 'x5c',
      enforceExpiry: options.enforceExpiry ?? false,
    };
    const requests = [];

    const makeToken = (subject, access) => {
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'ES256' };
      if (config.keyHeader !== 'kid') header.x5c = x5c;
      if (config.keyHeader !== 'x5c') header.kid = kid;
      const exp = now + config.expiresIn - (config.enforceExpiry ? DISTRIBUTION_LEEWAY : 0);
      const claims = { iss: config.issuer, sub: subject, aud: config.service, exp, nbf: now - 30, iat: now,
        jti: randomUUID(), access };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
      return { token: `${input}.${b64url(sig)}`, issuedAt: new Date(now * 1000).toISOString().replace('.000Z', 'Z') };
    };

    const answer = (res, status, obj) => {
      const body = JSON.stringify(obj);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };

    const handle = async (req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const entry = { method: req.method, grant: null, user: null, scopes: [], granted: [], status: 0 };
      if (requests.length < 10_000) requests.push(entry);
      let params = u.searchParams;
      if (req.method === 'POST') { // OAuth2 form (grant_type=password) as used by some clients
        const chunks = [];
        for await (const c of req) chunks.push(c);
        params = new URLSearchParams(Buffer.concat(chunks).toString());
      } else req.resume();
      if (u.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
        entry.status = 404;
        return answer(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'only GET/POST /token' }] });
      }
      let user = null; let password = null;
      const auth = req.headers.authorization ?? '';
      if (auth.toLowerCase().startsWith('basic ')) {
        const plain = Buffer.from(auth.slice(6), 'base64').toString();
        const i = plain.indexOf(':');
        user = plain.slice(0, i); password = plain.slice(i + 1);
      } else if (params.get('grant_type') === 'password') {
        user = params.get('username'); password = params.get('password');
      } else if (params.get('grant_type') === 'refresh_token') {
        entry.grant = 'refresh_token';
        const name = config.refreshTokens[params.get('refresh_token') ?? ''];
        if (!name || !config.users[name]) {
          entry.status = 401;
          return answer(res, 401, { error: 'invalid_grant', error_description: 'unknown refresh token' });
        }
        user = name; password = config.users[name].password;
      }
      entry.grant ??= user === null ? 'anonymous' : 'basic';
      entry.user = user;
      entry.scopes = parseScopes(params.getAll('scope'));
      let table;
      if (user !== null) {
        const u2 = config.users[user];
        if (!u2 || u2.password !== password) {
          entry.status = 401;
          res.setHeader('www-authenticate', 'Basic realm="irel-test-token-server"');
          return answer(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] });
        }
        table = u2.access;
      } else if (config.anonymous) {
        table = config.anonymous;
      } else {
        entry.status = 401;
        res.setHeader('www-authenticate', 'Basic realm="irel-test-token-server"');
        return answer(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      }
      const access = [];
      for (const s of entry.scopes) {
        const resource = s.type === 'repository' ? s.name : `${s.type}:${s.name}`;
        const actions = grantedActions(table, resource, s.actions);
        if (actions.length) access.push({ type: s.type, name: s.name, actions });
      }
      entry.granted = access;
      entry.status = 200;
      const { token, issuedAt } = makeToken(user ?? '', access);
      if (entry.grant === 'refresh_token') {
        return answer(res, 200, { access_token: token, expires_in: config.expiresIn, issued_at: issuedAt,
          scope: params.get('scope') ?? '' });
      }
      return answer(res, 200, { token, access_token: token, expires_in: config.expiresIn, issued_at: issuedAt });
    };

    const server = http.createServer((req, res) => {
      handle(req, res).catch((e) => { res.destroy(e); });
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const url = `http://127.0.0.1:${port}`;
    let stopped;
    return {
      url,
      realm: `${url}/token`,
      service: config.service,
      issuer: config.issuer,
      certFile,
      kid,
      config,
      requests,
      /** Number of /token requests answered 200. */
      get issued() { return requests.filter((r) => r.status === 200).length; },
      stop() {
        stopped ??= (async () => {
          server.closeAllConnections();
          await new Promise((r) => server.close(() => r(undefined)));
          await removeDir(dir);
        })();
        return stopped;
      },
    };
  } catch (e) {
    await removeDir(dir);
    throw e;
  }
}
