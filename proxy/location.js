// Location headers: relative ones pass through unchanged (the client resolves them against the
// upstream URL it asked for); absolute ones naming a host the proxy may forward to become proxy
// URLs (http://<proxy host>/proxy/HOST[:PORT]/PATH?QUERY) so that upload sessions keep going
// through the proxy. Others are left alone (the proxy would refuse them anyway).
import { parseAuthority, proxyUrlFor } from './proxy-url.js';

/**
 * policy: the target policy (mayForward); selfOrigin: http://host:port of the proxy as the browser
 * sees it; fromAllowHost: whether the upstream that answered is named with --allow-host (one that
 * is not cannot send the client on to a host reachable only by --allow-host).
 */
export function rewriteLocation(location, { policy, selfOrigin, fromAllowHost = true }) {
  if (!/^https?:\/\//i.test(location)) return location;
  let url;
  let target;
  try {
    url = new URL(location);
    target = parseAuthority(url.host);
  } catch {
    return location;
  }
  if (url.origin === selfOrigin) return location; // already a proxy URL (or the app)
  if (!policy.mayForward(target, url.protocol.slice(0, -1), fromAllowHost)) return location;
  return proxyUrlFor(selfOrigin, url);
}
