// A tiny OCI distribution API client for the helpers (not for the tool under test): answers Basic
// and Bearer challenges (Docker token flow), caches one token per repository, speaks HTTPS with
// the test CA.
import { httpRequest } from './util.js';

/** Parse `Bearer realm="..",service="..",scope=".."` into { scheme, params }. */
export function parseChallenge(header) {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header ?? '');
  if (!m) return null;
  const params = {};
  for (const p of m[2].matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** Repository name in a /v2/NAME/(blobs|manifests|tags)/... path ('' for other paths). */
function repoOf(path) {
  const m = /^\/v2\/(.+?)\/(?:blobs|manifests|tags|referrers)\//.exec(new URL(path, 'http://x').pathname);
  return m ? m[1] : '';
}

/**
 * A client for one registry handle from startRegistry ({ url, ca?, creds? }); `creds` may be
 * overridden (null for anonymous). Returns { request(method, pathOrUrl, { headers, body }) } which
 * resolves { status, headers, body } and answers auth challenges once per request. Bodies that are
 * functions (streams) are re-invoked for the retry.
 */
export function registryClient(reg, { creds = reg.creds } = {}) {
  const tokens = new Map(); // repo -> "Bearer xyz"
  let basic = null;
  const basicHeader = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : null;

  async function fetchToken(challenge, repo, method) {
    const { realm, service, scope } = challenge.params;
    const u = new URL(realm);
    if (service) u.searchParams.set('service', service);
    const wanted = scope ?? (repo ? `repository:${repo}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}` : '');
    for (const s of wanted.split(' ').filter(Boolean)) u.searchParams.append('scope', s);
    const r = await httpRequest(u.href, { headers: basicHeader ? { authorization: basicHeader } : {}, ca: reg.ca });
    if (r.status !== 200) throw new Error(`token request ${u.href} answered ${r.status}: ${r.body}`);
    const j = JSON.parse(r.body.toString());
    return `Bearer ${j.token ?? j.access_token}`;
  }

  async function request(method, pathOrUrl, { headers = {}, body } = {}) {
    const url = new URL(pathOrUrl, reg.url).href;
    const repo = repoOf(url);
    const withAuth = () => {
      const auth = tokens.get(repo) ?? basic;
      return auth ? { ...headers, authorization: auth } : headers;
    };
    let r = await httpRequest(url, { method, headers: withAuth(), body, ca: reg.ca });
    if (r.status !== 401) return r;
    const ch = parseChallenge(r.headers['www-authenticate']);
    if (ch?.scheme === 'basic' && basicHeader && basic === null) basic = basicHeader;
    else if (ch?.scheme === 'bearer') tokens.set(repo, await fetchToken(ch, repo, method));
    else return r;
    return httpRequest(url, { method, headers: withAuth(), body, ca: reg.ca });
  }
  return { request };
}
